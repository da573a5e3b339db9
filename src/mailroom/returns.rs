//! Returns (還付): pieces Japan Post brought back, recorded against their
//! document numbers (SPEC 11). A returns file is checked whole before
//! anything is recorded: one bad line (an unknown document number, a bad
//! date, an unknown reason) and nothing is, and every bad line is named.
//! The same piece recorded twice counts once.

use std::path::Path;

use chrono::NaiveDate;

use super::{read_table, Table};
use crate::error::{Error, Result};
use crate::ledger::{DocumentRecord, Ledger, ResolveOutcome, ReturnReason, ReturnRecord};

/// One return to record, as given (checked by [`record_returns`]).
#[derive(Debug, Clone)]
pub(crate) struct ReturnLine {
    /// Where it came from: `--document`, or `<file> line N`.
    pub(crate) source: String,
    /// The document number on the piece.
    pub(crate) document: String,
    /// The reason code (or Japan Post's wording).
    pub(crate) reason: String,
    /// The day it came back (empty: today).
    pub(crate) date: String,
}

/// What recording did.
#[derive(Debug, Default)]
pub(crate) struct ReturnsReport {
    /// Returns recorded now.
    pub(crate) recorded: Vec<ReturnRecord>,
    /// Returns already recorded (earlier, or earlier in the same file):
    /// counted once, the first record kept.
    pub(crate) already: Vec<ReturnRecord>,
}

/// The columns of a returns file: the first header of each list names it.
const DOCUMENT_HEADERS: [&str; 3] = ["document_number", "document", "文書番号"];
const REASON_HEADERS: [&str; 3] = ["reason", "理由", "還付理由"];
const DATE_HEADERS: [&str; 4] = ["date", "returned_on", "還付日", "返戻日"];

/// Reads a returns file (CSV with a header row: `document_number`,
/// `reason`, and optionally `date`; UTF-8 or CP932) into lines.
pub(crate) fn read_returns_file(path: &Path) -> Result<Vec<ReturnLine>> {
    let table: Table = read_table(path, true)?;
    let missing = |names: &[&str]| {
        Error::Input {
        path: path.to_path_buf(),
        message: format!(
            "line 1: no column {} (the header must name document_number and reason; date is optional)",
            names[0]
        ),
    }
    };
    let doc = table
        .column(&DOCUMENT_HEADERS)
        .ok_or_else(|| missing(&DOCUMENT_HEADERS))?;
    let reason = table
        .column(&REASON_HEADERS)
        .ok_or_else(|| missing(&REASON_HEADERS))?;
    let date = table.column(&DATE_HEADERS);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(table
        .rows
        .iter()
        .map(|(line, row)| {
            let f = |i: Option<usize>| {
                i.and_then(|i| row.get(i))
                    .map(|s| crate::text::trim(s).to_string())
                    .unwrap_or_default()
            };
            ReturnLine {
                source: format!("{name} line {line}"),
                document: f(Some(doc)),
                reason: f(Some(reason)),
                date: f(date),
            }
        })
        .collect())
}

/// Checks every line against the ledger, then records them all in one
/// transaction, or, if any line is bad, none (an error naming each bad
/// line, after `bad`: the lines the caller already found bad, e.g. a
/// scan's lines that are not codes). `today` is the default date and the
/// latest one accepted.
pub(crate) fn record_returns(
    ledger: &mut Ledger,
    lines: &[ReturnLine],
    today: NaiveDate,
    mut bad: Vec<String>,
) -> Result<ReturnsReport> {
    let mut records = Vec::with_capacity(lines.len());
    for line in lines {
        match check_line(ledger, line, today)? {
            Ok(r) => records.push(r),
            Err(why) => bad.push(format!("{}: {why}", line.source)),
        }
    }
    if !bad.is_empty() {
        return Err(Error::State(format!(
            "{} bad return(s), nothing was recorded (fix them and record the whole file again; lines recorded before count once):\n  {}",
            bad.len(),
            bad.join("\n  ")
        )));
    }
    let new = ledger.record_returns(&records, today)?;
    let mut report = ReturnsReport::default();
    for (r, new) in records.into_iter().zip(new) {
        if new {
            report.recorded.push(r);
        } else {
            report.already.push(r);
        }
    }
    Ok(report)
}

/// One line: the record, or why it is bad. Errors of the ledger itself
/// are the outer `Result`.
fn check_line(
    ledger: &Ledger,
    line: &ReturnLine,
    today: NaiveDate,
) -> Result<std::result::Result<ReturnRecord, String>> {
    let mut why = Vec::new();
    let doc = find_document(ledger, &line.document)?;
    if let Err(e) = &doc {
        why.push(e.clone());
    }
    let reason = ReturnReason::parse(&line.reason);
    if reason.is_none() {
        why.push(format!(
            "unknown reason {:?} (one of {})",
            line.reason,
            ReturnReason::codes()
        ));
    }
    let date = if line.date.is_empty() {
        Ok(today)
    } else {
        crate::wareki::parse_date(&line.date).map_err(|e| format!("bad date {:?}: {e}", line.date))
    };
    match (&date, &doc) {
        (Err(e), _) => why.push(e.clone()),
        (Ok(d), Ok(doc)) => why.extend(date_problem(*d, doc, today)),
        _ => {}
    }
    match (doc, reason, date) {
        (Ok(doc), Some(reason), Ok(returned_on)) if why.is_empty() => Ok(Ok(ReturnRecord {
            batch_id: doc.batch_id,
            document_number: doc.document_number,
            resident_code: doc.resident_code,
            reason,
            returned_on,
            source: line.source.clone(),
        })),
        _ => Ok(Err(why.join("; "))),
    }
}

/// A piece comes back after it was printed, and not after today (unless
/// the batch itself is dated after today, made with --allow-future: then
/// the clock cannot judge).
fn date_problem(d: NaiveDate, doc: &DocumentRecord, today: NaiveDate) -> Option<String> {
    if d < doc.printed_on {
        return Some(format!(
            "date {d} is before the document was printed ({})",
            doc.printed_on
        ));
    }
    if d > today && doc.printed_on <= today {
        return Some(format!("date {d} is after today ({today})"));
    }
    None
}

/// The one document the ledger knows by this number, or why not.
fn find_document(
    ledger: &Ledger,
    number: &str,
) -> Result<std::result::Result<DocumentRecord, String>> {
    if number.is_empty() {
        return Ok(Err("no document number".into()));
    }
    let mut docs = ledger.documents(number)?;
    Ok(match docs.len() {
        0 => Err(format!(
            "document number {number:?} is not in the ledger (a withdrawn batch, a typo, or another city's piece?)"
        )),
        1 => Ok(docs.remove(0)),
        n => Err(format!(
            "document number {number:?} is on {n} batches' packets ({}): the profile's document number has no {{date}}, so the piece cannot be told apart",
            docs.iter()
                .map(|d| d.batch_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}

/// `--resolve`: closes the open return of `number` with a note.
pub(crate) fn resolve(
    ledger: &mut Ledger,
    number: &str,
    note: &str,
    today: NaiveDate,
) -> Result<(String, ResolveOutcome)> {
    let returns = ledger.returns_of(number)?;
    let open: Vec<&(String, Option<String>)> =
        returns.iter().filter(|(_, on)| on.is_none()).collect();
    let batch = match (open.as_slice(), returns.as_slice()) {
        ([(batch, _)], _) => batch.clone(),
        ([], [(batch, _)]) => batch.clone(),
        ([], []) => {
            return Err(Error::State(format!(
                "no return of document {number:?} is recorded in the ledger {}: nothing to resolve (record it with `kigen returned --document`)",
                ledger.path().display()
            )))
        }
        ([], _) => returns[0].0.clone(),
        (many, _) => {
            return Err(Error::State(format!(
                "document {number:?} has open returns in {} batches: the profile's document number has no {{date}}; resolve them with sqlite3",
                many.len()
            )))
        }
    };
    let outcome = ledger.resolve_return(&batch, number, note, today)?;
    Ok((batch, outcome))
}

#[cfg(test)]
mod tests {
    use super::read_returns_file;

    #[test]
    fn lines_are_physical_with_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("returns.csv");
        std::fs::write(
            &path,
            "document_number,reason\r\nD-1,unknown\r\n\"D-2\",\"moved\r\naway\"\r\nD-3,refused\r\n",
        )
        .unwrap();
        let lines = read_returns_file(&path).unwrap();
        let sources: Vec<&str> = lines.iter().map(|l| l.source.as_str()).collect();
        assert_eq!(
            sources,
            [
                "returns.csv line 2",
                "returns.csv line 3",
                "returns.csv line 5"
            ]
        );
    }
}
