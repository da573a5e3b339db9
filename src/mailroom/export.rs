//! A newer export, read for the residents a mail-room command asks about:
//! the same reader as a night's run (the profile's columns, the strict
//! decoding, the 外字 table, the duplicate scan, `--cards`), keeping only
//! the rows of the codes wanted.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;

use crate::batch::check::{first_pass, join_key, CardsFile, FirstPass};
use crate::error::{Error, Result};
use crate::model::{InputEncoding, Resident, RowRead};
use crate::profile::Profile;
use crate::registry::split::RecordBatch;
use crate::registry::{read_header, InputDigest, RecordStream, RowReader, BATCH_RECORDS};

/// What the export holds for a code: every row of it, in file order.
#[derive(Debug, Clone)]
pub(crate) enum Found {
    /// A current resident (住民), read as a night's run reads it.
    Resident(Box<Resident>),
    /// A row whose 住民状態 is not 住民.
    Excluded {
        /// Its line.
        line: u32,
        /// The status.
        status: String,
    },
    /// A row a night's run would reject.
    Rejected {
        /// Its line.
        line: u32,
        /// The field at fault.
        field: String,
        /// Why.
        reason: String,
    },
}

/// The export to read.
pub(crate) struct ExportRequest<'a> {
    /// The registry export.
    pub input: &'a Path,
    /// Its encoding.
    pub encoding: InputEncoding,
    /// The profile (columns, 外字 table, eras).
    pub profile: &'a Profile,
    /// `--cards`.
    pub cards: Option<&'a CardsFile>,
}

/// The rows found, by code, and the identity of the bytes read.
#[derive(Debug)]
pub(crate) struct Export {
    /// Rows of the codes wanted (a code absent here is not in the export).
    pub rows: HashMap<String, Vec<Found>>,
    /// The bytes read.
    pub digest: InputDigest,
}

/// Reads the export for the codes in `wanted`.
pub(crate) fn find(req: &ExportRequest<'_>, wanted: &HashSet<String>) -> Result<Export> {
    let FirstPass {
        duplicates: (duplicates, first_digest),
        cards,
    } = first_pass(req.input, req.encoding, req.profile, req.cards)?;
    let join = join_key(req.profile, req.cards.is_some())?;
    let mut stream = RecordStream::open(req.input)?;
    stream.limit_records(req.profile.settings.input.max_record_bytes);
    let columns = read_header(&mut stream, req.encoding, req.profile, join)?;
    let reader = RowReader {
        columns: &columns,
        encoding: req.encoding,
        gaiji: &req.profile.gaiji,
        eras: &req.profile.eras,
        feb29: req.profile.settings.rules.feb29,
        cards: cards.as_ref(),
        card_kinds: &req.profile.settings.card_kinds,
    };
    let mut rows: HashMap<String, Vec<Found>> = HashMap::new();
    let mut batch = RecordBatch::default();
    while stream.next_batch(&mut batch, BATCH_RECORDS)? {
        let found: Vec<(String, Found)> = (0..batch.len())
            .into_par_iter()
            .filter_map(|i| {
                let (code, found) = match reader.read(&batch.record(i), &duplicates) {
                    RowRead::Resident(r) => (r.code.clone(), Found::Resident(r)),
                    RowRead::Excluded {
                        line,
                        resident_code,
                        status,
                        ..
                    } => (resident_code, Found::Excluded { line, status }),
                    RowRead::Rejected(r) => (
                        r.resident_code,
                        Found::Rejected {
                            line: r.line,
                            field: r.field,
                            reason: r.reason,
                        },
                    ),
                };
                wanted.contains(&code).then_some((code, found))
            })
            .collect();
        for (code, f) in found {
            rows.entry(code).or_default().push(f);
        }
    }
    let digest = stream.finish()?;
    if digest != first_digest {
        return Err(Error::InputChanged {
            path: req.input.to_path_buf(),
            what: format!(
                "the first pass read {} bytes with SHA-256 {}, the second {} bytes with {}",
                first_digest.bytes, first_digest.sha256, digest.bytes, digest.sha256
            ),
        });
    }
    Ok(Export { rows, digest })
}
