//! `kigen ledger import` (SPEC 14, going live): the notices an earlier
//! process already sent, from `NOTICES.csv`
//! (`resident_code,item,expiry,sent_on`), recorded as one batch of kind
//! `import` so that the first night prints only what they do not hold.
//!
//! All or nothing: every line is checked (and checked against the ledger)
//! before anything is written; one bad line imports nothing, and the error
//! names the file, each bad line and its field, never a value.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::{BatchRecord, IssuedNotice, Ledger};
use crate::error::{Error, Result};
use crate::model::CodeKey;
use crate::rules::ItemKind;
use crate::select::NoticeLedger;

/// The columns NOTICES.csv must have (in any order; others are ignored).
pub(crate) const IMPORT_COLUMNS: [&str; 4] = ["resident_code", "item", "expiry", "sent_on"];

/// At most this many bad lines are listed (their count is always given).
const SHOWN: usize = 20;

/// What an import recorded (or, with `--dry-run`, would record).
#[derive(Debug)]
pub(crate) struct ImportReport {
    /// The import batch's id (`import-<as-of>`, `import-<as-of>.2`, …).
    pub(crate) batch_id: String,
    /// Notices (items) recorded.
    pub(crate) notices: usize,
    /// Residents they belong to.
    pub(crate) residents: usize,
    /// Nothing was written.
    pub(crate) dry_run: bool,
}

/// One checked line: the notice and the day it was sent.
type Line = (IssuedNotice, NaiveDate);

/// Opens (or, going live, creates) the ledger at `state` and imports
/// `file` into it. When there is no ledger yet, the file is first checked
/// against an empty one in a temporary directory (removed after): a dry
/// run or a bad file creates nothing.
pub(crate) fn import_notices(
    state: &Path,
    file: &Path,
    as_of: NaiveDate,
    dry_run: bool,
) -> Result<ImportReport> {
    if !file.is_file() {
        return Err(Error::Usage(format!(
            "--file {}: no such file",
            file.display()
        )));
    }
    if !state.exists() {
        let tmp = std::env::temp_dir().join(format!("kigen-import-{}", std::process::id()));
        let checked = Ledger::open(&tmp.join("kigen.sqlite"))
            .and_then(|mut l| import_into(&mut l, file, as_of, true));
        let _ = std::fs::remove_dir_all(&tmp);
        // A bad file makes no ledger either.
        if dry_run || checked.is_err() {
            return checked;
        }
    }
    let mut ledger = Ledger::open(state)?;
    import_into(&mut ledger, file, as_of, dry_run)
}

/// Reads, checks and (unless `dry_run`) records `file` as an import batch
/// of `as_of`. A file imported before (same SHA-256) is refused.
fn import_into(
    ledger: &mut Ledger,
    file: &Path,
    as_of: NaiveDate,
    dry_run: bool,
) -> Result<ImportReport> {
    let bytes = crate::files::read_bounded(file, crate::files::MAX_DATA_FILE_BYTES)
        .map_err(|e| Error::io(file, e))?;
    let sha = crate::digest::sha256_hex(&bytes);
    if let Some(id) = ledger.import_of_file(&sha)? {
        return Err(Error::State(format!(
            "{} was imported already (batch {id}, same SHA-256): nothing was done",
            file.display()
        )));
    }
    let text = decode(&bytes)
        .ok_or_else(|| input(file, "line 1: neither UTF-8 nor CP932 (Shift_JIS)".into()))?;
    let lines = read_lines(file, &text, as_of, ledger)?;
    let batch_id = next_import_id(ledger, as_of)?;
    let mut residents: Vec<&str> = lines
        .iter()
        .map(|(n, _)| n.resident_code.as_str())
        .collect();
    residents.sort_unstable();
    residents.dedup();
    let report = ImportReport {
        batch_id: batch_id.clone(),
        notices: lines.len(),
        residents: residents.len(),
        dry_run,
    };
    if dry_run {
        return Ok(report);
    }
    let record = BatchRecord {
        batch_id,
        as_of,
        input_sha256: sha,
        profile_sha256: String::new(),
        summary_sha256: String::new(),
        timings_json: "{}".into(),
        packets: 0,
        tool_version: env!("CARGO_PKG_VERSION").into(),
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ledger.commit_import(&record, &lines, &name)?;
    Ok(report)
}

fn input(file: &Path, message: String) -> Error {
    Error::Input {
        path: file.to_path_buf(),
        message,
    }
}

/// UTF-8 (with or without a byte-order mark), else CP932.
fn decode(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix("\u{FEFF}".as_bytes()) {
        return String::from_utf8(rest.to_vec()).ok();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s.to_string()),
        Err(_) => {
            let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
            (!bad).then(|| text.into_owned())
        }
    }
}

/// The import batch id for `as_of`: `import-<as-of>`, then `.2`, `.3`, …
/// (withdrawn ids are not reused).
fn next_import_id(ledger: &Ledger, as_of: NaiveDate) -> Result<String> {
    let base = format!("import-{as_of}");
    let taken = ledger.batch_ids_like(&base)?;
    Ok((1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}.{n}")
            }
        })
        .find(|id| !taken.contains(id))
        .unwrap_or(base))
}

/// Every line checked; the first [`SHOWN`] problems listed in one error.
fn read_lines(file: &Path, text: &str, as_of: NaiveDate, ledger: &Ledger) -> Result<Vec<Line>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| input(file, format!("line 1: {e}")))?
        .iter()
        .map(|h| crate::text::trim(h).to_string())
        .collect();
    let mut cols = [0usize; 4];
    for (i, name) in IMPORT_COLUMNS.iter().enumerate() {
        cols[i] = headers.iter().position(|h| h == name).ok_or_else(|| {
            input(
                file,
                format!(
                    "line 1: no column {name} (the header must be {})",
                    IMPORT_COLUMNS.join(",")
                ),
            )
        })?;
    }
    let known = ledger.notices_through(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(as_of))?;
    let mut lines = crate::text::LineCounter::default();
    let mut seen: HashMap<(String, ItemKind, NaiveDate), u64> = HashMap::new();
    let (mut out, mut bad) = (Vec::new(), Vec::new());
    for rec in r.records() {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| lines.line_at(text.as_bytes(), p.byte()));
                return Err(input(
                    file,
                    format!("line {line}: {e}: nothing was imported"),
                ));
            }
        };
        let line = rec
            .position()
            .map_or(0, |p| lines.line_at(text.as_bytes(), p.byte()));
        let field = |i: usize| rec.get(cols[i]).map(crate::text::trim).unwrap_or("");
        match check_line([field(0), field(1), field(2), field(3)], as_of) {
            Err((col, why)) => bad.push(format!("line {line}, {}: {why}", IMPORT_COLUMNS[col])),
            Ok((n, sent)) => {
                let key = (n.resident_code.clone(), n.item, n.expiry);
                if let Some(first) = seen.insert(key, line) {
                    bad.push(format!("line {line}: the same notice as line {first}"));
                } else if known.noticed(&n.resident_code, n.item, n.expiry) {
                    bad.push(format!(
                        "line {line}: the ledger already records this notice"
                    ));
                } else {
                    out.push((n, sent));
                }
            }
        }
    }
    if !bad.is_empty() {
        let more = bad.len().saturating_sub(SHOWN);
        return Err(input(
            file,
            format!(
                "{} bad line(s), nothing was imported (fix them and import the whole file again):\n  {}{}",
                bad.len(),
                bad[..bad.len().min(SHOWN)].join("\n  "),
                if more > 0 { format!("\n  and {more} more") } else { String::new() }
            ),
        ));
    }
    if out.is_empty() {
        return Err(input(
            file,
            "no notices after the header: nothing was imported".into(),
        ));
    }
    Ok(out)
}

/// One line's four fields, or the column at fault and why.
fn check_line(f: [&str; 4], as_of: NaiveDate) -> std::result::Result<Line, (usize, String)> {
    if crate::mynumber::looks_like_my_number(f[0]) {
        return Err((0, "looks like a 個人番号: check the file's columns".into()));
    }
    let code = crate::text::fold_key(f[0]).into_owned();
    if CodeKey::new(&code).is_none() {
        return Err((0, "not a 住民コード (1 to 15 letters or digits)".into()));
    }
    let item = ItemKind::ALL
        .into_iter()
        .find(|k| k.key() == f[1])
        .ok_or((1, "not card, user_cert or sign_cert".to_string()))?;
    let date = |col: usize| {
        crate::wareki::parse_date(f[col])
            .map_err(|_| (col, "not a date (YYYY-MM-DD or 和暦)".to_string()))
    };
    let expiry = date(2)?;
    let sent = date(3)?;
    if sent > as_of {
        return Err((
            3,
            format!("after --as-of {as_of}: a notice cannot have been sent later"),
        ));
    }
    let notice = IssuedNotice {
        resident_code: code,
        item,
        expiry,
        document_number: String::new(),
        print_file: String::new(),
        first_page: 0,
        pages: 0,
        kind: None,
    };
    Ok((notice, sent))
}
