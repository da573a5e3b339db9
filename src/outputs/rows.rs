//! The per-row CSV records: outcomes.csv, rejects.csv, exceptions.csv and
//! held.csv lines of one [`RowOutput`]. Called on the worker that made the
//! row, so the writer only appends.

use super::csvfile::{push_field, push_record};
use super::push_iso_date;
use crate::model::{Hold, HoldCode, Reject, RejectCode, RowOutput, UnmatchedCard};
use crate::profile::Columns;

/// Appends the row's outcomes.csv record.
pub(crate) fn push_outcome(buf: &mut String, row: &RowOutput) {
    buf.push_str(&row.line.to_string());
    buf.push(',');
    push_field(buf, &row.resident_code);
    buf.push(',');
    buf.push_str(row.outcome.as_str());
    for e in row.expiries {
        buf.push(',');
        if let Some(d) = e {
            push_iso_date(buf, d);
        }
    }
    buf.push(',');
    push_field(buf, &row.detail);
    buf.push_str("\r\n");
}

/// Appends a rejects.csv record.
pub(crate) fn push_reject(buf: &mut String, r: &Reject, source: RejectSource) {
    push_record(
        buf,
        &[
            r.line.to_string().as_str(),
            &r.resident_code,
            &r.field,
            &r.value,
            r.reason.text(),
            r.reason.code().code(),
            source.as_str(),
        ],
    );
}

/// Which file a reject's line is in (rejects.csv's `source`, SPEC 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RejectSource {
    /// The registry export.
    Registry,
    /// The card file (`--cards`).
    Cards,
}

impl RejectSource {
    /// The column's value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RejectSource::Registry => "registry",
            RejectSource::Cards => "cards",
        }
    }
}

/// Appends a cards-unmatched.csv record.
pub(crate) fn push_unmatched_card(buf: &mut String, u: &UnmatchedCard) {
    push_record(
        buf,
        &[u.line.to_string().as_str(), &u.key_hint, &u.reason_text()],
    );
}

/// Appends the row's exceptions.csv records (none, one or several).
pub(crate) fn push_exceptions(buf: &mut String, row: &RowOutput) {
    if row.exceptions.is_empty() {
        return;
    }
    let line = row.line.to_string();
    for e in &row.exceptions {
        push_record(buf, &[line.as_str(), &row.resident_code, e.code, &e.detail]);
    }
}

/// Appends a held.csv record, naming the field by the profile's header.
pub(crate) fn push_held(buf: &mut String, row: &RowOutput, hold: &Hold, columns: &Columns) {
    push_record(
        buf,
        &[
            row.line.to_string().as_str(),
            &row.resident_code,
            columns.header(hold.field).trim(),
            &hold
                .code_point
                .map(|c| format!("U+{:04X}", c as u32))
                .unwrap_or_default(),
            &hold.reason,
            hold.code.code(),
        ],
    );
}

/// One outcomes.csv record as read back (by header name).
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct OutcomeRecord {
    /// The input line.
    pub line: String,
    /// The outcome as written (SPEC spelling).
    pub outcome: String,
}

/// One rejects.csv record as read back (by header name).
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct RejectRecord {
    /// The field at fault (the profile's column header).
    pub field: String,
    /// The reason's code; absent from a batch written before the column
    /// existed.
    #[serde(default)]
    pub code: Option<RejectCode>,
    /// `registry` or `cards`; absent from a batch written before the
    /// column existed (only registry rejects then).
    #[serde(default)]
    pub source: Option<String>,
}

impl RejectRecord {
    /// The file the line is in.
    pub(crate) fn source(&self) -> &str {
        self.source
            .as_deref()
            .unwrap_or(RejectSource::Registry.as_str())
    }
}

/// One held.csv record as read back (by header name): `verify` counts
/// them (a record that does not read is a problem it names), the report
/// tallies their reasons.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct HeldRecord {
    /// The input line.
    #[allow(dead_code)]
    pub line: String,
    /// The field at fault (the profile's column header).
    pub field: String,
    /// The hold's kind; absent from a batch written before the column
    /// existed.
    #[serde(default)]
    pub code: Option<HoldCode>,
}

/// One exceptions.csv record as read back (by header name).
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct ExceptionRecord {
    /// The exception's code.
    pub code: String,
}

/// Reads a per-row CSV output by header name; the error names the file.
pub(crate) fn read_rows<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
) -> std::result::Result<Vec<T>, String> {
    super::csvfile::read_records(path).map_err(|e| format!("{}: {e}", path.display()))
}
