//! The reading half of a batch: read, apply the rules, select, and write
//! outcomes.csv, rejects.csv, exceptions.csv and held.csv (`kigen check`
//! stops here; `kigen run` renders the due notices it returns).

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;

use crate::barcode::PostalData;
use crate::error::{Error, Result};
use crate::files::create_private_dir;
use crate::model::{Counts, CsvEncoding, DueNotice, Field, InputEncoding};
use crate::outputs::csvfile::CsvFile;
use crate::outputs::{EXCEPTIONS_HEADER, HELD_HEADER, OUTCOMES_HEADER, REJECTS_HEADER};
use crate::pipeline::{self, Context};
use crate::profile::Profile;
use crate::registry::{
    read_header, scan_duplicates, Duplicates, InputDigest, RecordStream, RowReader,
};
use crate::render::printable::Printability;
use crate::rules::RuleConfig;
use crate::select::{NoticeLedger, Window};

/// What a check (or the reading half of a run) needs.
pub struct CheckRequest<'a> {
    /// The registry export.
    pub input: PathBuf,
    /// The batch date.
    pub as_of: NaiveDate,
    /// The profile.
    pub profile: &'a Profile,
    /// Input encoding (the profile's unless overridden).
    pub encoding: InputEncoding,
    /// CSV output encoding.
    pub csv_encoding: CsvEncoding,
    /// The directory the CSVs go to.
    pub out_dir: PathBuf,
    /// Notices already issued.
    pub ledger: &'a (dyn NoticeLedger + Sync),
    /// The first pass (the duplicate scan and the digest of what it read),
    /// when the caller ran it already (alongside loading fonts and postal
    /// data, to use both cores).
    pub first_pass: Option<(Duplicates, InputDigest)>,
    /// Postal data for barcodes and postal checks of printed notices.
    pub postal: Option<&'a (dyn PostalData + Sync)>,
    /// What can be printed (the held rule).
    pub printable: &'a Printability<'a>,
}

/// What a check produced.
#[derive(Debug)]
pub struct CheckReport {
    /// The counts.
    pub counts: Counts,
    /// Residents with a notice to print (kept only when asked for).
    pub notices: Vec<DueNotice>,
    /// The header each profile key was read from (`None`: listed absent),
    /// in [`Field::ALL`] order.
    pub columns: Vec<(Field, Option<String>)>,
    /// Seconds spent.
    pub seconds: f64,
    /// The bytes processed.
    pub input: InputDigest,
}

/// Runs the reading, rules and selection over the whole input, writing the
/// four CSVs into `req.out_dir`. With `keep_notices`, the due residents are
/// returned for rendering.
pub fn check(req: &CheckRequest<'_>, keep_notices: bool) -> Result<CheckReport> {
    let started = Instant::now();
    // Fail on the header before creating anything.
    let columns = {
        let mut stream = RecordStream::open(&req.input)?;
        read_header(&mut stream, req.encoding, req.profile)?
    };
    let (duplicates, first_digest) = match &req.first_pass {
        Some(d) => d.clone(),
        None => scan_duplicates(&req.input, req.encoding, req.profile)?,
    };
    let rules = &req.profile.settings.rules;
    let ctx = Context {
        reader: RowReader {
            columns: &columns,
            encoding: req.encoding,
            gaiji: &req.profile.gaiji,
            eras: &req.profile.eras,
            feb29: rules.feb29,
        },
        duplicates,
        rules: RuleConfig {
            age_basis: rules.age_basis,
            feb29: rules.feb29,
        },
        window: Window {
            as_of: req.as_of,
            lead_months: rules.lead_months,
        },
        ledger: req.ledger,
        printable: req.printable,
        postal: req.postal,
        columns: &req.profile.settings.columns,
        max_record_bytes: req.profile.settings.input.max_record_bytes,
    };
    create_private_dir(&req.out_dir)?;
    let enc = req.csv_encoding;
    let dir = &req.out_dir;
    let mut outcomes = CsvFile::create(&dir.join("outcomes.csv"), &OUTCOMES_HEADER, enc)?;
    let mut rejects = CsvFile::create(&dir.join("rejects.csv"), &REJECTS_HEADER, enc)?;
    let mut exceptions = CsvFile::create(&dir.join("exceptions.csv"), &EXCEPTIONS_HEADER, enc)?;
    let mut held = CsvFile::create(&dir.join("held.csv"), &HELD_HEADER, enc)?;
    let mut counts = Counts::new();
    let mut notices = Vec::new();
    let digest = pipeline::run_rows(&req.input, &ctx, keep_notices, |chunks| {
        for chunk in chunks {
            outcomes.write_records(&chunk.outcomes, chunk.counts.rows_read)?;
            rejects.write_records(&chunk.rejects, chunk.rejects_written)?;
            exceptions.write_records(&chunk.exceptions, chunk.exceptions_written)?;
            held.write_records(&chunk.held, chunk.held_written)?;
            counts.merge(&chunk.counts);
            notices.extend(chunk.notices);
        }
        Ok(())
    })?;
    // Both passes must have read the same bytes: the export did not change
    // between them.
    if digest != first_digest {
        return Err(Error::InputChanged {
            path: req.input.clone(),
            what: format!(
                "the first pass read {} bytes with SHA-256 {}, the second {} bytes with {}",
                first_digest.bytes, first_digest.sha256, digest.bytes, digest.sha256
            ),
        });
    }
    for f in [outcomes, rejects, exceptions, held] {
        f.finish()?;
    }
    Ok(CheckReport {
        counts,
        notices,
        columns: columns.used(),
        seconds: started.elapsed().as_secs_f64(),
        input: digest,
    })
}

/// Default output directory of `kigen check` for a date.
pub fn default_check_dir(as_of: NaiveDate) -> PathBuf {
    Path::new("out").join(format!("check-{as_of}"))
}
