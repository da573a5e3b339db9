//! The reading half of a batch: read, apply the rules, select, and write
//! outcomes.csv, rejects.csv, exceptions.csv and held.csv (`kigen check`
//! stops here; `kigen run` renders the due notices it returns).

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use rustc_hash::FxHashSet;

use super::resources::{load_postal, Renderer};
use crate::barcode::PostalData;
use crate::error::Result;
use crate::model::{CardCounts, Counts, CsvEncoding, DueNotice, Field, InputEncoding};
use crate::names::{CARDS_UNMATCHED_FILE, EXCEPTIONS_FILE, HELD_FILE, OUTCOMES_FILE, REJECTS_FILE};
use crate::outputs::csvfile::CsvFile;
use crate::outputs::rows::{push_reject, push_unmatched_card, RejectSource};
use crate::outputs::summary::{CardsEntry, ColumnsUsed};
use crate::outputs::{
    CARDS_UNMATCHED_HEADER, EXCEPTIONS_HEADER, HELD_HEADER, OUTCOMES_HEADER, REJECTS_HEADER,
};
use crate::pipeline::{ChunkOutput, Context};
use crate::profile::Profile;
use crate::registry::{CardIndex, CardsFile, Export, FirstPass, InputDigest};
use crate::render::printable::Printability;
use crate::select::{plan_night, NoLedger, NoticeLedger, Window};

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
    /// The first pass, when the caller ran it already (alongside loading
    /// fonts and postal data, to use both cores).
    pub first_pass: Option<FirstPass>,
    /// Postal data for barcodes and postal checks of printed notices.
    pub postal: Option<&'a (dyn PostalData + Sync)>,
    /// What can be printed (the held rule).
    pub printable: &'a Printability<'a>,
    /// The card file (`--cards`).
    pub cards: Option<&'a CardsFile>,
}

impl CheckRequest<'_> {
    /// The export this check reads.
    fn export(&self) -> Export<'_> {
        Export {
            input: &self.input,
            encoding: self.encoding,
            profile: self.profile,
            cards: self.cards,
        }
    }
}

/// What a check produced.
#[derive(Debug)]
pub struct CheckReport {
    /// The counts.
    pub counts: Counts,
    /// Residents with a notice to print (kept only when asked for).
    pub(crate) notices: Vec<DueNotice>,
    /// The header each profile key was read from (`None`: listed absent),
    /// in [`Field::ALL`] order.
    pub(crate) columns: Vec<(Field, Option<String>)>,
    /// Seconds spent.
    pub(crate) seconds: f64,
    /// The bytes processed.
    pub(crate) input: InputDigest,
    /// The card file's identity and columns, when there was one.
    pub(crate) cards: Option<CardsEntry>,
}

/// The four CSVs a check writes.
struct RowFiles {
    outcomes: CsvFile,
    rejects: CsvFile,
    exceptions: CsvFile,
    held: CsvFile,
}

impl RowFiles {
    fn create(dir: &Path, enc: CsvEncoding) -> Result<Self> {
        crate::files::create_output_dir(dir, "--out")?;
        Ok(RowFiles {
            outcomes: CsvFile::create(&dir.join(OUTCOMES_FILE), &OUTCOMES_HEADER, enc)?,
            rejects: CsvFile::create(&dir.join(REJECTS_FILE), &REJECTS_HEADER, enc)?,
            exceptions: CsvFile::create(&dir.join(EXCEPTIONS_FILE), &EXCEPTIONS_HEADER, enc)?,
            held: CsvFile::create(&dir.join(HELD_FILE), &HELD_HEADER, enc)?,
        })
    }

    fn write(&mut self, chunk: &ChunkOutput) -> Result<()> {
        self.outcomes
            .write_records(&chunk.outcomes, chunk.counts.rows_read)?;
        self.rejects
            .write_records(&chunk.rejects, chunk.rejects_written)?;
        self.exceptions
            .write_records(&chunk.exceptions, chunk.exceptions_written)?;
        self.held.write_records(&chunk.held, chunk.held_written)
    }

    fn finish(self) -> Result<()> {
        for f in [self.outcomes, self.rejects, self.exceptions, self.held] {
            f.finish()?;
        }
        Ok(())
    }
}

/// Runs the reading, rules and selection over the whole input, writing the
/// four CSVs into `req.out_dir`. With `keep_notices`, the due residents are
/// returned for rendering.
pub fn check(req: &CheckRequest<'_>, keep_notices: bool) -> Result<CheckReport> {
    let started = Instant::now();
    let export = req.export();
    // Fail on the header (the first pass reads it) before creating anything.
    let join = export.join_key()?;
    let owned;
    let first = match &req.first_pass {
        Some(first) => first,
        None => {
            owned = export.first_pass()?;
            &owned
        }
    };
    let ctx = Context {
        header: &first.columns,
        rules: req.profile.settings.rule_config(),
        window: Window {
            as_of: req.as_of,
            residence_lead: req.profile.settings.residence_letter().map(|r| r.lead),
            tokutei_lead: req.profile.settings.tokutei_letter().map(|r| r.lead),
        },
        ledger: req.ledger,
        printable: req.printable,
        postal: req.postal,
        columns: &req.profile.settings.columns,
        keep_notices,
        deferred: None,
    };
    let deferred = capped_plan(req, &export, first, &ctx)?;
    let ctx = Context {
        deferred: deferred.as_ref(),
        ..ctx
    };
    let enc = req.csv_encoding;
    let mut files = RowFiles::create(&req.out_dir, enc)?;
    let mut counts = Counts::new();
    let mut notices = Vec::new();
    let mut joins = first.cards.as_ref().map(CardIndex::joins);
    let digest = export.read_rows(first, &ctx, |chunks| {
        for chunk in chunks {
            if let Some(j) = joins.as_mut() {
                for (entry, status) in &chunk.card_entries {
                    match status {
                        None => j.resident(*entry),
                        Some(s) => j.other(*entry, s),
                    }
                }
            }
            files.write(&chunk)?;
            counts.merge(&chunk.counts);
            notices.extend(chunk.notices);
        }
        Ok(())
    })?;
    let cards = match (first.cards.as_ref(), joins) {
        (Some(index), Some(joins)) => {
            let card_counts =
                write_card_outcomes(index, &joins, &mut files.rejects, &req.out_dir, enc)?;
            // Said even with --quiet: nobody goes silent (SPEC 13).
            if card_counts.unattributed > 0 {
                eprintln!(
                    "kigen: warning: {} card row(s) rejected without a readable key (unattributed): the residents they belong to cannot be told; see rejects.csv (source cards)",
                    card_counts.unattributed
                );
            }
            counts.cards = Some(card_counts);
            Some(CardsEntry {
                bytes: index.digest.bytes,
                sha256: index.digest.sha256.clone(),
                registry_key: join.unwrap_or_default().to_string(),
                columns: ColumnsUsed(index.columns.clone()),
            })
        }
        _ => None,
    };
    files.finish()?;
    Ok(CheckReport {
        counts,
        notices,
        columns: first.columns.used(),
        seconds: started.elapsed().as_secs_f64(),
        input: digest,
        cards,
    })
}

/// With `[nightly] max_pieces` (SPEC 15): a pass over the rows that finds
/// tonight's printable packets and plans them ([`plan_night`]); returns the
/// lines of those deferred to a later night. Both passes read the same rows
/// the same way, so `kigen check` and `kigen run` defer the same residents.
fn capped_plan(
    req: &CheckRequest<'_>,
    export: &Export<'_>,
    first: &FirstPass,
    ctx: &Context<'_>,
) -> Result<Option<FxHashSet<u32>>> {
    let nightly = &req.profile.settings.nightly;
    let Some(cap) = nightly.max_pieces else {
        return Ok(None);
    };
    let planning = Context {
        keep_notices: true,
        deferred: None,
        ..*ctx
    };
    let mut due: Vec<(NaiveDate, String, u32)> = Vec::new();
    export.read_rows(first, &planning, |chunks| {
        for n in chunks.iter().flat_map(|c| &c.notices) {
            let earliest = n
                .selection
                .due
                .iter()
                .filter_map(|k| n.evaluation.item(*k))
                .map(|i| i.expiry)
                .min();
            if let Some(e) = earliest {
                due.push((e, n.resident.code.clone(), n.resident.line));
            }
        }
        Ok(())
    })?;
    let candidates: Vec<(NaiveDate, &str)> =
        due.iter().map(|(e, code, _)| (*e, code.as_str())).collect();
    let plan = plan_night(&candidates, req.as_of, Some(cap), nightly.min_notice_days);
    Ok(Some(
        due.iter()
            .zip(plan)
            .filter(|(_, printed)| !printed)
            .map(|((_, _, line), _)| *line)
            .collect(),
    ))
}

/// After the registry: the card file's rejects go to rejects.csv (`source`
/// = `cards`, after the registry's), the card rows no 住民 row joined to
/// cards-unmatched.csv; returns what became of the card rows.
fn write_card_outcomes(
    index: &CardIndex,
    joins: &crate::registry::CardJoins,
    rejects: &mut CsvFile,
    dir: &Path,
    enc: CsvEncoding,
) -> Result<CardCounts> {
    // Read back from disk a chunk at a time: a card file of a million bad
    // rows is never held whole (SPEC 13).
    let mut buf = String::new();
    let mut n = 0u64;
    index.for_each_reject(|r| {
        push_reject(&mut buf, &r, RejectSource::Cards);
        n += 1;
        if buf.len() >= 1 << 20 {
            rejects.write_records(&buf, n)?;
            buf.clear();
            n = 0;
        }
        Ok(())
    })?;
    rejects.write_records(&buf, n)?;
    let unmatched = index.unmatched(joins);
    let mut file = CsvFile::create(
        &dir.join(CARDS_UNMATCHED_FILE),
        &CARDS_UNMATCHED_HEADER,
        enc,
    )?;
    let mut buf = String::new();
    let mut by_reason = std::collections::BTreeMap::new();
    for u in &unmatched {
        push_unmatched_card(&mut buf, u);
        *by_reason.entry(u.reason).or_insert(0u64) += 1;
    }
    file.write_records(&buf, unmatched.len() as u64)?;
    file.finish()?;
    Ok(CardCounts {
        rows_read: index.rows(),
        joined: joins.joined(index),
        rejected: index.rejected(),
        unattributed: index.unattributed(),
        unmatched: unmatched.len() as u64,
        unmatched_by_reason: by_reason,
    })
}

/// `kigen check`: a check of the export with no ledger.
pub(crate) struct CheckCommand<'a> {
    /// The export, its encoding, the profile and the card file.
    pub(crate) export: Export<'a>,
    /// The batch date.
    pub(crate) as_of: NaiveDate,
    /// CSV output encoding.
    pub(crate) csv_encoding: CsvEncoding,
    /// The directory the CSVs go to.
    pub(crate) out_dir: PathBuf,
}

/// What `kigen check` found, and how long its first pass took.
pub(crate) struct CheckOutcome {
    /// The check's report.
    pub(crate) report: CheckReport,
    /// Seconds of the first pass.
    pub(crate) first_pass_seconds: f64,
}

/// Runs `kigen check`. With the notice wording in the profile, it holds
/// exactly what `kigen run` would hold (fonts, window); without it, only
/// unmapped 外字. The first pass reads on one core; fonts and postal data
/// load on the other.
pub(crate) fn check_command(cmd: &CheckCommand<'_>) -> Result<CheckOutcome> {
    let started = Instant::now();
    let profile = cmd.export.profile;
    let (first, loaded) = rayon::join(
        || cmd.export.first_pass(),
        || -> Result<_> {
            if profile.settings.letter.is_none() {
                return Ok(None);
            }
            Ok(Some((Renderer::new(profile)?, load_postal(profile)?)))
        },
    );
    let first = first?;
    let first_pass_seconds = started.elapsed().as_secs_f64();
    let loaded = loaded?;
    let printable = Printability {
        renderer: loaded.as_ref().map(|(r, _)| (&r.fonts, &r.wording)),
        columns: &profile.settings.columns,
        as_of: cmd.as_of,
        support_measure: profile.settings.rules.support_measure,
    };
    let req = CheckRequest {
        input: cmd.export.input.to_path_buf(),
        as_of: cmd.as_of,
        encoding: cmd.export.encoding,
        csv_encoding: cmd.csv_encoding,
        profile,
        out_dir: cmd.out_dir.clone(),
        first_pass: Some(first),
        ledger: &NoLedger,
        printable: &printable,
        postal: loaded.as_ref().map(|(_, p)| p as &(dyn PostalData + Sync)),
        cards: cmd.export.cards,
    };
    Ok(CheckOutcome {
        report: check(&req, false)?,
        first_pass_seconds,
    })
}

/// Default output directory of `kigen check` for a date.
pub(crate) fn default_check_dir(as_of: NaiveDate) -> PathBuf {
    Path::new("out").join(format!("check-{as_of}"))
}
