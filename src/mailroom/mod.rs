//! The mail room's commands after a batch is printed (SPEC 11): the pull
//! list of packets that must not be mailed ([`pulls`]), the pieces Japan
//! Post returned ([`returns`]) and the list to follow them up
//! ([`followups`]), and a packet reprinted on request ([`reprint`]).
//!
//! They read a committed batch, the ledger and a newer export; they write
//! their own files (never into a batch directory, which `verify` keeps
//! exact) and the ledger's mail-room tables (never a notice).

pub(crate) mod export;
pub(crate) mod followups;
pub(crate) mod pulls;
pub(crate) mod reprint;
pub(crate) mod returns;
pub(crate) mod scan;
mod table;

use std::path::Path;

use crate::error::{Error, Result};

/// What a 住民状態 other than 住民 says about a printed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum StatusClass {
    /// Died (死亡): the packet must not go out.
    Died,
    /// Left the city (転出, 国外転出 …): the renewal is the new city's.
    Moved,
    /// Any other status (職権消除, 消除, 失踪宣告 …): a person looks.
    Other,
}

/// The statuses read as "moved away": 転出 to another city or abroad, also
/// as the 住民記録 standard's "…者" forms and a planned move-out.
const MOVED_STATUSES: [&str; 6] = [
    "転出",
    "転出者",
    "国外転出",
    "国外転出者",
    "転出予定",
    "転出予定者",
];

/// The statuses read as "died".
const DIED_STATUSES: [&str; 2] = ["死亡", "死亡者"];

/// How a status (trimmed, as the export writes it) classifies.
pub(crate) fn status_class(status: &str) -> StatusClass {
    let s = crate::text::trim(status);
    if DIED_STATUSES.contains(&s) {
        StatusClass::Died
    } else if MOVED_STATUSES.contains(&s) {
        StatusClass::Moved
    } else {
        StatusClass::Other
    }
}

/// The ledger at `state`, which must exist and hold a schema (a mail-room
/// command never creates one nor writes a schema into an empty file),
/// locked and checked.
pub(crate) fn open_ledger(state: &Path) -> Result<crate::ledger::Ledger> {
    crate::ledger::Ledger::open_existing(state)
}

/// A mail-room file may not go into a batch directory (`verify` flags any
/// file summary.json does not list) nor its print/.
pub(crate) fn refuse_batch_dir(out: &Path, option: &str) -> Result<()> {
    // Any depth inside a batch, and never through a link (SPEC 13).
    crate::files::check_output_dir(out, option)
}

/// `name` made safe as one path component: a document number is the
/// profile's text (佐市民第20261126-00001号), and a `/` in it must not make
/// a directory.
pub(crate) fn file_component(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '/' | '\\' | '\0' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect()
}

/// A CSV read whole: its header and its records with their lines.
#[derive(Debug)]
pub(crate) struct Table {
    /// The header's names, trimmed.
    pub(crate) headers: Vec<String>,
    /// Each record: the physical line it starts on, and its fields.
    pub(crate) rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// The index of the first header named any of `names`.
    pub(crate) fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| names.contains(&h.as_str()))
    }
}

/// Reads a CSV: UTF-8 after a byte-order mark; without one, UTF-8 when
/// `utf8_without_bom` and the bytes are UTF-8, else CP932 (what kigen writes
/// with `--csv-encoding cp932`, and what Excel saves). Never lossy: bytes
/// that are neither are an error naming the file.
pub(crate) fn read_table(path: &Path, utf8_without_bom: bool) -> Result<Table> {
    let bad = |message: String| Error::Input {
        path: path.to_path_buf(),
        message,
    };
    let bytes = crate::files::read_bounded(path, crate::files::MAX_DATA_FILE_BYTES)
        .map_err(|e| Error::io(path, e))?;
    let text = match bytes.strip_prefix("\u{FEFF}".as_bytes()) {
        Some(rest) => String::from_utf8(rest.to_vec())
            .map_err(|e| bad(format!("not UTF-8 after its byte-order mark: {e}")))?,
        None => match String::from_utf8(bytes) {
            Ok(s) if utf8_without_bom => s,
            Ok(s) => cp932(s.as_bytes()).ok_or_else(|| bad("not CP932".into()))?,
            Err(e) => cp932(e.as_bytes())
                .ok_or_else(|| bad("neither UTF-8 nor CP932 (Shift_JIS)".into()))?,
        },
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = r
        .headers()
        .map_err(|e| bad(format!("line 1: {e}")))?
        .iter()
        .map(|h| crate::text::trim(h).to_string())
        .collect();
    let mut rows = Vec::new();
    // Physical lines: CRLF counts once (SPEC 13).
    let mut lines = crate::text::LineCounter::default();
    for rec in r.records() {
        let rec = rec.map_err(|e| match e.position() {
            Some(p) => bad(format!(
                "line {}: {}",
                lines.line_at(text.as_bytes(), p.byte()),
                e
            )),
            None => bad(e.to_string()),
        })?;
        let line = rec
            .position()
            .map_or(0, |p| lines.line_at(text.as_bytes(), p.byte()));
        rows.push((line, rec.iter().map(String::from).collect()));
    }
    Ok(Table { headers, rows })
}

pub(crate) fn cp932(bytes: &[u8]) -> Option<String> {
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
    (!bad).then(|| text.into_owned())
}

/// A PDF's /ID derived from `seed`: the same request writes the same bytes.
pub(crate) fn pdf_id(seed: &str) -> [u8; 16] {
    let digest = crate::digest::sha256_hex(seed.as_bytes());
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = digest
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    id
}

/// Writes `bytes` to a new file at `path` (0600, never through an existing
/// file or link) and syncs it.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = crate::files::create_private(path)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_classify() {
        assert_eq!(status_class("死亡"), StatusClass::Died);
        assert_eq!(status_class("　転出 "), StatusClass::Moved);
        assert_eq!(status_class("国外転出"), StatusClass::Moved);
        assert_eq!(status_class("職権消除"), StatusClass::Other);
        assert_eq!(status_class("転出取消"), StatusClass::Other);
    }

    #[test]
    fn document_numbers_make_one_path_component() {
        assert_eq!(
            file_component("佐市民第20261126-00001号-R1"),
            "佐市民第20261126-00001号-R1"
        );
        assert_eq!(file_component("a/../b"), "a_.._b");
    }
}
