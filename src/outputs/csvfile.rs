//! Writing the CSV outputs: UTF-8 with a BOM (Excel opens it) or CP932,
//! created mode 0600 because they hold names and addresses.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use encoding_rs::SHIFT_JIS;

use crate::error::{Error, Result};
use crate::files::create_private;
use crate::model::CsvEncoding;
use crate::text::escape_controls;

/// Appends one CSV field, quoted when it holds a comma or a quote.
///
/// Every cell is written safe for the auditor's spreadsheet (SPEC 10): a
/// control character (a line break or terminal escape in an echoed value)
/// (and a bidirectional control, SPEC 13) is written `\u{A}`, `\u{202E}`,
/// and a cell starting with `=`, `+`, `-`, `@` (or their full-width forms
/// `＝`, `＋`, `－`, `＠`, which a spreadsheet may take as the same), a tab
/// or a carriage return gets a leading `'` so that it shows as text instead
/// of running as a formula. No machine-read column (codes, dates, flags,
/// counts) can start with those.
pub(crate) fn push_field(buf: &mut String, value: &str) {
    let risky_start = starts_like_formula(value);
    let special = value
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | 0..=0x1F | 0x7F | 0xC2 | 0xE2));
    if !risky_start && !special {
        buf.push_str(value);
        return;
    }
    // 0xC2 leads the C1 controls (U+0080–U+009F) in UTF-8, 0xE2 the
    // bidirectional controls; the check below is exact.
    let value = escape_controls(value);
    let quote = value.bytes().any(|b| matches!(b, b',' | b'"'));
    if quote {
        buf.push('"');
    }
    if risky_start {
        buf.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            buf.push('"');
        }
        buf.push(c);
    }
    if quote {
        buf.push('"');
    }
}

/// Whether a cell starting so could be taken as a formula by a spreadsheet.
pub(crate) fn starts_like_formula(value: &str) -> bool {
    matches!(
        value.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠')
    )
}

/// Appends a whole record (fields joined by commas, CRLF at the end).
pub(crate) fn push_record<S: AsRef<str>>(buf: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        push_field(buf, f.as_ref());
    }
    buf.push_str("\r\n");
}

/// A CSV output being written: records go in as UTF-8 text and come out in
/// the configured encoding. Written under a temporary name and renamed into
/// place on [`CsvFile::finish`], so a reader never sees half a file.
pub(crate) struct CsvFile {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<File>,
    encoding: CsvEncoding,
    rows: u64,
}

impl CsvFile {
    /// Creates `path` with `header` as its first record.
    pub(crate) fn create(path: &Path, header: &[&str], encoding: CsvEncoding) -> Result<Self> {
        let tmp = path.with_extension("csv.part");
        let file = create_private(&tmp)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        if encoding == CsvEncoding::Utf8 {
            out.write_all("\u{FEFF}".as_bytes())
                .map_err(|e| Error::io(&tmp, e))?;
        }
        let mut f = CsvFile {
            path: path.to_path_buf(),
            tmp,
            out,
            encoding,
            rows: 0,
        };
        let mut line = String::new();
        push_record(&mut line, header);
        f.write_raw(&line)?;
        f.rows = 0;
        Ok(f)
    }

    /// Writes already-formatted records (see [`push_record`]) and counts `n` rows.
    pub(crate) fn write_records(&mut self, text: &str, n: u64) -> Result<()> {
        self.write_raw(text)?;
        self.rows += n;
        Ok(())
    }

    fn write_raw(&mut self, text: &str) -> Result<()> {
        let res = match self.encoding {
            CsvEncoding::Utf8 => self.out.write_all(text.as_bytes()),
            CsvEncoding::Cp932 => self.out.write_all(&encode_cp932(text)),
        };
        res.map_err(|e| Error::io(&self.tmp, e))
    }

    /// Flushes, syncs and renames into place.
    pub(crate) fn finish(self) -> Result<PathBuf> {
        let CsvFile { path, tmp, out, .. } = self;
        let file = out
            .into_inner()
            .map_err(|e| Error::io(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        crate::fault::point("csv-file");
        Ok(path)
    }
}

/// Encodes to CP932. A character CP932 cannot hold (an IVS from the 外字
/// table, a rare kanji) is written `<U+845B>` rather than lost or replaced
/// by `?`, so the reader still sees which character it was.
pub(crate) fn encode_cp932(text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = SHIFT_JIS.encode(text);
    if !had_errors {
        return bytes.into_owned();
    }
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let s: &str = c.encode_utf8(&mut buf);
        let (b, _, bad) = SHIFT_JIS.encode(s);
        if bad {
            out.extend_from_slice(format!("<U+{:04X}>", c as u32).as_bytes());
        } else {
            out.extend_from_slice(&b);
        }
    }
    out
}

/// The text of a CSV output (UTF-8 with BOM, or CP932 without); the error
/// says what is wrong, not which file.
fn read_output_text(path: &Path) -> std::result::Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    match bytes.strip_prefix("\u{FEFF}".as_bytes()) {
        Some(rest) => String::from_utf8(rest.to_vec()).map_err(|e| e.to_string()),
        None => {
            let (t, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
            if bad {
                return Err("neither UTF-8 with BOM nor CP932".to_string());
            }
            Ok(t.into_owned())
        }
    }
}

/// Reads a CSV output (UTF-8 with BOM, or CP932 without) by header name:
/// each record is a `T` (serde). The error names the line, not the file.
pub(crate) fn read_records<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> std::result::Result<Vec<T>, String> {
    let mut rows = Vec::new();
    for_each_record(path, |row| {
        rows.push(row);
        Ok(())
    })?;
    Ok(rows)
}

/// [`read_records`] one record at a time, for a file that may hold a row
/// per input row (rejects.csv): `f` sees each `T` in order and may stop
/// the reading with its own error.
pub(crate) fn for_each_record<T: serde::de::DeserializeOwned>(
    path: &Path,
    mut f: impl FnMut(T) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    let text = read_output_text(path)?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    for rec in r.deserialize() {
        f(rec.map_err(|e: csv::Error| {
            // Outputs write one record a line, after the header: record n
            // is on line n + 1.
            match (e.kind(), e.position()) {
                (csv::ErrorKind::Deserialize { err, .. }, Some(at)) => {
                    format!("line {}: {err}", at.record() + 1)
                }
                (_, Some(at)) => format!("line {}: {e}", at.record() + 1),
                (_, None) => e.to_string(),
            }
        })?)?;
    }
    Ok(())
}

/// Reads a CSV output (UTF-8 with BOM, or CP932 without) into records.
pub(crate) fn read_csv(path: &Path) -> std::result::Result<Vec<Vec<String>>, String> {
    let text = read_output_text(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        rows.push(rec.iter().map(String::from).collect());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut s = String::new();
        push_record(&mut s, &["a", "b,c", "d\"e", "改\n行"]);
        assert_eq!(s, "a,\"b,c\",\"d\"\"e\",改\\u{A}行\r\n");
    }

    #[test]
    fn formula_cells_are_text() {
        let cells = [
            "=HYPERLINK(\"http://x\")",
            "+81",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=cmd|' /C calc'!A0",
            "2026-11-26",
            "佐久　太郎",
            "＝HYPERLINK(\"http://x\")",
            "＋81",
            "－1",
            "＠SUM(A1)",
            "a\u{202E}b\u{2066}c\u{1b}[2J",
        ];
        let mut s = String::new();
        push_record(&mut s, &cells);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(s.as_bytes());
        let back: Vec<String> = r
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(
            back,
            [
                "'=HYPERLINK(\"http://x\")",
                "'+81",
                "'-1",
                "'@SUM(A1)",
                "'\\u{9}x",
                "'\\u{D}x",
                "'=cmd|' /C calc'!A0",
                "2026-11-26",
                "佐久　太郎",
                "'＝HYPERLINK(\"http://x\")",
                "'＋81",
                "'－1",
                "'＠SUM(A1)",
                "a\\u{202E}b\\u{2066}c\\u{1B}[2J",
            ]
        );
    }

    #[test]
    fn cp932_marks_unencodable() {
        let b = encode_cp932("髙\u{845B}\u{E0100}");
        let (text, _, bad) = SHIFT_JIS.decode(&b);
        assert!(!bad);
        assert_eq!(text, "髙葛<U+E0100>");
    }
}
