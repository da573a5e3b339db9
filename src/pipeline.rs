//! The per-row pipeline: stream the export in batches, and for every record
//! produce exactly one [`RowOutput`] (its outcome, and any reject, exceptions
//! and hold), in input order. The lines of the CSVs are formatted by
//! [`crate::outputs::rows`] on the worker that made the row.
//!
//! Memory stays flat: records are read in batches of [`BATCH_RECORDS`]; the
//! next batch is read while rayon works on the current one. The only state
//! that grows with the file is the duplicate-code scan (20 bytes a 住民 row),
//! which needs a first pass because a code's second copy may be the last row.

use std::path::Path;

use rayon::prelude::*;

use crate::barcode::{barcode_for, NoBarcode, PostalData};
use crate::error::{Error, Result};
use crate::model::{
    BirthWritten, Counts, DueNotice, Exception, Field, Reject, Resident, RowOutput, RowRead,
};
use crate::outputs::iso;
use crate::outputs::rows::{push_exceptions, push_held, push_outcome, push_reject, RejectSource};
use crate::profile::Columns;
use crate::registry::split::{Record, RecordBatch};
use crate::registry::{
    read_header_fields, Duplicates, InputDigest, RecordStream, RowReader, BATCH_RECORDS,
};
use crate::render::printable::Printability;
use crate::rules::{evaluate, Feb29Rule, ItemKind, RuleConfig, RuleError};
use crate::select::{select, NoticeLedger, Outcome, Window};

/// Everything the per-row work needs, built once per run.
pub(crate) struct Context<'a> {
    /// Reads rows against the header.
    pub reader: RowReader<'a>,
    /// Shared codes from the first pass.
    pub duplicates: Duplicates,
    /// Rule settings.
    pub rules: RuleConfig<'a>,
    /// The batch date and lead.
    pub window: Window,
    /// Notices already issued.
    pub ledger: &'a (dyn NoticeLedger + Sync),
    /// What can be printed faithfully (SPEC 2's held rule).
    pub printable: &'a Printability<'a>,
    /// Japan Post's postal data, for the customer barcode and the postal
    /// check of printed notices (`None`: no barcodes).
    pub postal: Option<&'a (dyn PostalData + Sync)>,
    /// The profile's header names (held.csv names the field by them).
    pub columns: &'a Columns,
    /// `[input] max_record_bytes`.
    pub max_record_bytes: usize,
    /// With `[nightly] max_pieces`: the lines of the printable rows planned
    /// for a later night (SPEC 15: `deferred`).
    pub deferred: Option<&'a rustc_hash::FxHashSet<u32>>,
}

/// Processes one record: reading, rules, selection, printability.
pub(crate) fn process_record(ctx: &Context<'_>, rec: &Record<'_>) -> RowOutput {
    match ctx.reader.read(rec, &ctx.duplicates) {
        RowRead::Rejected(r) => {
            let mut out = rejected(r);
            out.card_entry = ctx.reader.resident_card_entry(rec);
            out
        }
        RowRead::Excluded {
            line,
            resident_code,
            status,
            card_entry,
        } => {
            let mut out = RowOutput::new(line, &resident_code, Outcome::Excluded);
            out.detail = format!("住民状態 {status}");
            out.excluded_status = Some(status);
            out.card_entry = card_entry;
            out
        }
        RowRead::Resident(resident) => {
            let placeholder = resident.kana_placeholder;
            let card_entry = resident.card_entry;
            let mut out = evaluate_resident(ctx, *resident);
            out.kana_placeholder = placeholder;
            out.card_entry = card_entry;
            out
        }
    }
}

fn rejected(r: Reject) -> RowOutput {
    let mut out = RowOutput::new(r.line, &r.resident_code, Outcome::Rejected);
    out.detail = format!("{}: {}", r.field, r.reason);
    out.reject = Some(r);
    out
}

fn evaluate_resident(ctx: &Context<'_>, resident: Resident) -> RowOutput {
    let ev = match evaluate(&resident.dates, ctx.rules) {
        Ok(ev) => ev,
        Err(RuleError::OutOfRange(kind)) => return out_of_range(ctx, &resident, kind),
        Err(RuleError::BirthUnknown(_)) => return birth_unknown(ctx, &resident),
    };
    let sel = select(&resident.code, &ev, ctx.window, ctx.ledger);
    let mut out = RowOutput::new(resident.line, &resident.code, sel.outcome);
    // Only a row with an item reads its birth date: a no-item row is not
    // listed every night for a date nothing was computed from.
    if ev.card.is_some() {
        out.exceptions.extend(birth_exception(&resident, ctx.rules));
    }
    for f in &ev.findings {
        out.exceptions.push(Exception {
            code: f.code(),
            detail: f.detail(),
        });
    }
    for item in &sel.expired_unnoticed {
        out.exceptions.push(Exception {
            code: "expired-unnoticed",
            detail: format!(
                "{} expired {} with no notice issued",
                item.kind.key(),
                iso(Some(item.expiry))
            ),
        });
    }
    out.expiries = ItemKind::ALL.map(|k| ev.item(k).map(|i| i.expiry));
    out.generation = ev
        .generation
        .and_then(|g| ctx.rules.table().get(g))
        .map(|g| g.name.clone());
    let keys = |kinds: &[ItemKind]| kinds.iter().map(|k| k.key()).collect::<Vec<_>>().join(" ");
    out.detail = match sel.outcome {
        Outcome::NoItem => "no カード発行日".to_string(),
        Outcome::NotDue => String::new(),
        Outcome::AlreadyNoticed => format!("already noticed: {}", keys(&sel.noticed)),
        Outcome::ResidencePeriod => format!(
            "decided by the period of stay, no notice: {}",
            keys(&sel.residence_in_window)
        ),
        _ => {
            let kind = sel.kind.map(|k| k.as_str()).unwrap_or("");
            format!("{kind} notice: {} due", keys(&sel.due))
        }
    };
    if sel.outcome != Outcome::Printed {
        return out;
    }
    if let Some(hold) = ctx.printable.hold(&resident) {
        out.outcome = Outcome::Held;
        out.detail = format!("{}; held: {}", out.detail, hold.reason);
        out.hold = Some(hold);
        return out;
    }
    if ctx.deferred.is_some_and(|d| d.contains(&resident.line)) {
        out.outcome = Outcome::Deferred;
        out.detail = format!("{}; deferred: [nightly] max_pieces reached", out.detail);
        return out;
    }
    let barcode = barcode_of(ctx, &resident, &mut out.exceptions);
    let ku = ctx
        .postal
        .and_then(|p| p.ku(resident.envelope().postal_code.digits()));
    out.notice = Some(Box::new(DueNotice {
        resident,
        evaluation: ev,
        selection: sel,
        barcode,
        ku,
    }));
    out
}

/// An issue date whose computed expiry falls outside the calendar kigen
/// supports: the row is rejected on that date.
fn out_of_range(ctx: &Context<'_>, resident: &Resident, kind: ItemKind) -> RowOutput {
    let (field, date) = match kind {
        ItemKind::Card => (Field::CardIssued, resident.dates.card_issued),
        ItemKind::UserCert => (Field::UserCertIssued, resident.dates.user_issued),
        ItemKind::SignCert => (Field::SignCertIssued, resident.dates.sign_issued),
    };
    rejected(Reject {
        line: resident.line,
        resident_code: resident.code.clone(),
        field: ctx.reader.columns.name(field).to_string(),
        value: iso(date),
        reason: "the expiry computed from this date is beyond the supported range".into(),
    })
}

/// The exception for a 生年月日 the registry may lawfully hold but that is
/// not an ordinary date (SPEC 9), naming the value as written; listed before
/// the rules' findings, for a row that has an item.
fn birth_exception(resident: &Resident, rules: RuleConfig<'_>) -> Option<Exception> {
    match &resident.birth_written {
        BirthWritten::Exact => None,
        BirthWritten::Feb29Common { written, .. } => Some(Exception {
            code: "irregular-date",
            detail: format!(
                "生年月日 {written} is 29 February of a common year; taken as {} (feb29 = {})",
                iso(resident.dates.birth),
                match rules.feb29 {
                    Feb29Rule::Feb28 => "feb28",
                    Feb29Rule::Mar1 => "mar1",
                }
            ),
        }),
        BirthWritten::Unknown { written } => Some(Exception {
            code: "birth-date-unknown",
            detail: format!(
                "生年月日 {written} is 不詳: the recorded expiries are used, the age checks skipped"
            ),
        }),
    }
}

/// A 不詳日 birth with an item whose expiry would have to be computed from
/// it: the row is rejected on 生年月日 (SPEC 9).
fn birth_unknown(ctx: &Context<'_>, resident: &Resident) -> RowOutput {
    rejected(Reject {
        line: resident.line,
        resident_code: resident.code.clone(),
        field: ctx.reader.columns.name(Field::BirthDate).to_string(),
        value: resident
            .birth_written
            .written()
            .unwrap_or_default()
            .to_string(),
        reason: BIRTH_UNKNOWN_REASON.into(),
    })
}

/// rejects.csv's reason for [`birth_unknown`] (SPEC 9's wording).
const BIRTH_UNKNOWN_REASON: &str = "生年月日 is 不詳: record the expiries or the date";

/// The customer barcode of a printed notice, or why it has none (listed in
/// exceptions.csv: a code Japan Post does not know, or whose towns are not
/// in the address, may send the notice astray, so a person decides; the
/// notice still prints).
fn barcode_of(
    ctx: &Context<'_>,
    resident: &Resident,
    exceptions: &mut Vec<Exception>,
) -> std::result::Result<Vec<crate::barcode::BarChar>, String> {
    let Some(data) = ctx.postal else {
        return Err("no postal data loaded".to_string());
    };
    // The 住所表示番号 runs on into the building and room, which the
    // registry keeps in 方書 (郵便プラザ503室 → …-503). The barcode is the
    // envelope's: the 送付先 when there is one (SPEC 9).
    let to = resident.envelope();
    let address = if to.address_extra.is_empty() {
        to.address.to_string()
    } else {
        format!("{}　{}", to.address, to.address_extra)
    };
    barcode_for(to.postal_code, &address, data).map_err(|e| {
        let code = match e {
            NoBarcode::UnknownPostalCode(_) | NoBarcode::TownMismatch { .. } => "postal-mismatch",
            _ => "no-barcode",
        };
        let why = format!("〒{}: {}", to.postal_code, e.reason());
        exceptions.push(Exception {
            code,
            detail: why.clone(),
        });
        why
    })
}

/// The outputs of a run of consecutive rows, already formatted: the
/// per-row values are built and dropped on the worker thread that made them,
/// and the writer only appends a few large strings.
#[derive(Debug, Default)]
pub(crate) struct ChunkOutput {
    /// outcomes.csv records.
    pub outcomes: String,
    /// rejects.csv records.
    pub rejects: String,
    /// Number of rejects.csv records.
    pub rejects_written: u64,
    /// exceptions.csv records.
    pub exceptions: String,
    /// Number of exceptions.csv records.
    pub exceptions_written: u64,
    /// held.csv records.
    pub held: String,
    /// Number of held.csv records.
    pub held_written: u64,
    /// The rows' counts.
    pub counts: Counts,
    /// Residents to print (when asked for).
    pub notices: Vec<DueNotice>,
    /// With a card file: the card records the rows found, with the status
    /// of a row that is not 住民 (`None` for a 住民 row).
    pub card_entries: Vec<(u32, Option<String>)>,
}

/// Rows a worker formats in one go.
const CHUNK_RECORDS: usize = 512;

fn process_chunk(
    ctx: &Context<'_>,
    batch: &RecordBatch,
    range: std::ops::Range<usize>,
    keep_notices: bool,
) -> ChunkOutput {
    let mut out = ChunkOutput {
        outcomes: String::with_capacity(range.len() * 72),
        counts: Counts::new(),
        ..ChunkOutput::default()
    };
    for i in range {
        let row = process_record(ctx, &batch.record(i));
        out.counts.add(&row);
        push_outcome(&mut out.outcomes, &row);
        if let Some(r) = &row.reject {
            push_reject(&mut out.rejects, r, RejectSource::Registry);
            out.rejects_written += 1;
        }
        push_exceptions(&mut out.exceptions, &row);
        out.exceptions_written += row.exceptions.len() as u64;
        if let Some(hold) = &row.hold {
            push_held(&mut out.held, &row, hold, ctx.columns);
            out.held_written += 1;
        }
        if let Some(entry) = row.card_entry {
            out.card_entries.push((entry, row.excluded_status.clone()));
        }
        if keep_notices {
            if let Some(n) = row.notice {
                out.notices.push(*n);
            }
        }
    }
    out
}

/// Second pass: every data row through `ctx`, handing each batch's outputs
/// (in input order) to `sink`.
///
/// Three stages overlap: while rayon processes batch N, the calling thread
/// reads batch N+1 and hands batch N−1's outputs to `sink`.
pub(crate) fn run_rows(
    path: &Path,
    ctx: &Context<'_>,
    keep_notices: bool,
    mut sink: impl FnMut(Vec<ChunkOutput>) -> Result<()> + Send,
) -> Result<InputDigest> {
    let mut stream = RecordStream::open(path)?;
    stream.limit_records(ctx.max_record_bytes);
    let headers = read_header_fields(&mut stream, ctx.reader.encoding)?;
    if headers != ctx.reader.columns.headers {
        return Err(Error::Input {
            path: path.to_path_buf(),
            message: "the header row changed while the file was being read".into(),
        });
    }
    let mut current = RecordBatch::default();
    let mut next = RecordBatch::default();
    crate::progress::reading(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    let mut more = stream.next_batch(&mut current, BATCH_RECORDS)?;
    crate::fault::rewrite_point("while-reading", path);
    let mut pending: Option<Vec<ChunkOutput>> = None;
    while more {
        let ((read_more, sunk), outputs) = rayon::join(
            || {
                let read = stream.next_batch(&mut next, BATCH_RECORDS);
                let sunk = pending.take().map(&mut sink).unwrap_or(Ok(()));
                (read, sunk)
            },
            || {
                let n = current.len();
                (0..n.div_ceil(CHUNK_RECORDS))
                    .into_par_iter()
                    .map(|c| {
                        let start = c * CHUNK_RECORDS;
                        process_chunk(
                            ctx,
                            &current,
                            start..(start + CHUNK_RECORDS).min(n),
                            keep_notices,
                        )
                    })
                    .collect::<Vec<_>>()
            },
        );
        sunk?;
        crate::progress::rows_read(
            current.len() as u64,
            current.records.last().map_or(0, |r| r.offset),
        );
        pending = Some(outputs);
        more = read_more?;
        std::mem::swap(&mut current, &mut next);
    }
    if let Some(last) = pending {
        sink(last)?;
    }
    let digest = stream.finish()?;
    crate::progress::phase_done();
    Ok(digest)
}
