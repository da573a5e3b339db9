//! The per-row pipeline, a sink of the export reader
//! ([`crate::registry::Export::read_rows`]): for every row it produces
//! exactly one [`RowOutput`] (its outcome, and any reject, exceptions and
//! hold), in input order. The lines of the CSVs are formatted by
//! [`crate::outputs::rows`] on the worker that made the row.

use crate::barcode::{NoBarcodeReason, PostalData};
use crate::model::{
    envelope_barcode, BirthWritten, Counts, DueNotice, Exception, Field, NoBarcodeNote, Reject,
    RejectCode, Resident, RowOutput, RowRead,
};
use crate::outputs::iso;
use crate::outputs::rows::{push_exceptions, push_held, push_outcome, push_reject, RejectSource};
use crate::profile::Columns;
use crate::registry::{ColumnMap, ExportRow, RowSink};
use crate::render::printable::Printability;
use crate::rules::{evaluate, Feb29Rule, ItemKind, RuleConfig, RuleError};
use crate::select::{select, NoticeLedger, Outcome, Window};

/// Everything the per-row work needs, built once per run.
pub(crate) struct Context<'a> {
    /// The header's map (a reject names its field by the header read).
    pub(crate) header: &'a ColumnMap,
    /// Rule settings.
    pub(crate) rules: RuleConfig<'a>,
    /// The batch date and lead.
    pub(crate) window: Window,
    /// Notices already issued.
    pub(crate) ledger: &'a (dyn NoticeLedger + Sync),
    /// What can be printed faithfully (SPEC 2's held rule).
    pub(crate) printable: &'a Printability<'a>,
    /// Japan Post's postal data, for the customer barcode and the postal
    /// check of printed notices (`None`: no barcodes).
    pub(crate) postal: Option<&'a (dyn PostalData + Sync)>,
    /// The profile's header names (held.csv names the field by them).
    pub(crate) columns: &'a Columns,
    /// Whether the due residents are kept (for rendering).
    pub(crate) keep_notices: bool,
    /// With `[nightly] max_pieces`: the lines of the printable rows planned
    /// for a later night (SPEC 15: `deferred`).
    pub(crate) deferred: Option<&'a rustc_hash::FxHashSet<u32>>,
}

/// Processes one row: rules, selection, printability.
pub(crate) fn process_row(ctx: &Context<'_>, row: ExportRow) -> RowOutput {
    let mut out = match row.read {
        RowRead::Rejected(r) => rejected(r),
        RowRead::Excluded {
            line,
            resident_code,
            status,
            ..
        } => {
            let mut out = RowOutput::new(line, &resident_code, Outcome::Excluded);
            out.detail = format!("住民状態 {status}");
            out.excluded_status = Some(status);
            out
        }
        RowRead::Resident(resident) => {
            let placeholder = resident.kana_placeholder;
            let mut out = evaluate_resident(ctx, *resident);
            out.kana_placeholder = placeholder;
            out
        }
    };
    out.card_entry = row.card_entry;
    out
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
        field: ctx.header.name(field).to_string(),
        value: iso(date),
        reason: RejectCode::ExpiryOutOfRange
            .with("the expiry computed from this date is beyond the supported range"),
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
        field: ctx.header.name(Field::BirthDate).to_string(),
        value: resident
            .birth_written
            .written()
            .unwrap_or_default()
            .to_string(),
        reason: RejectCode::BirthUnknown.with(BIRTH_UNKNOWN_REASON),
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
) -> std::result::Result<Vec<crate::barcode::BarChar>, NoBarcodeNote> {
    let Some(data) = ctx.postal else {
        return envelope_barcode(resident, None);
    };
    envelope_barcode(resident, Some(data)).inspect_err(|why| {
        let code = match why.reason {
            NoBarcodeReason::UnknownPostalCode | NoBarcodeReason::TownMismatch => "postal-mismatch",
            _ => "no-barcode",
        };
        exceptions.push(Exception {
            code,
            detail: why.to_string(),
        });
    })
}

/// The outputs of a run of consecutive rows, already formatted: the
/// per-row values are built and dropped on the worker thread that made them,
/// and the writer only appends a few large strings.
#[derive(Debug, Default)]
pub(crate) struct ChunkOutput {
    /// outcomes.csv records.
    pub(crate) outcomes: String,
    /// rejects.csv records.
    pub(crate) rejects: String,
    /// Number of rejects.csv records.
    pub(crate) rejects_written: u64,
    /// exceptions.csv records.
    pub(crate) exceptions: String,
    /// Number of exceptions.csv records.
    pub(crate) exceptions_written: u64,
    /// held.csv records.
    pub(crate) held: String,
    /// Number of held.csv records.
    pub(crate) held_written: u64,
    /// The rows' counts.
    pub(crate) counts: Counts,
    /// Residents to print (when asked for).
    pub(crate) notices: Vec<DueNotice>,
    /// With a card file: the card records the rows found, with the status
    /// of a row that is not 住民 (`None` for a 住民 row).
    pub(crate) card_entries: Vec<(u32, Option<String>)>,
}

impl RowSink for Context<'_> {
    type Chunk = ChunkOutput;

    /// Formats a run of rows on the worker that made them.
    fn chunk(&self, rows: &mut dyn Iterator<Item = ExportRow>) -> ChunkOutput {
        let mut out = ChunkOutput {
            outcomes: String::with_capacity(rows.size_hint().0 * 72),
            counts: Counts::new(),
            ..ChunkOutput::default()
        };
        for row in rows {
            let row = process_row(self, row);
            out.counts.add(&row);
            push_outcome(&mut out.outcomes, &row);
            if let Some(r) = &row.reject {
                push_reject(&mut out.rejects, r, RejectSource::Registry);
                out.rejects_written += 1;
            }
            push_exceptions(&mut out.exceptions, &row);
            out.exceptions_written += row.exceptions.len() as u64;
            if let Some(hold) = &row.hold {
                push_held(&mut out.held, &row, hold, self.columns);
                out.held_written += 1;
            }
            if let Some(entry) = row.card_entry {
                out.card_entries.push((entry, row.excluded_status.clone()));
            }
            if self.keep_notices {
                if let Some(n) = row.notice {
                    out.notices.push(*n);
                }
            }
        }
        out
    }
}
