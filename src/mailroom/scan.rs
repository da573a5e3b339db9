//! Returns by scan (SPEC 16): the window code or a sheet code read off a
//! returned envelope, one a line, becomes a return to record. A line is
//! `<document number>` or `<document number>|<i>/<n>`, optionally
//! `,<reason>`; full-width characters are folded to ASCII (a scanner in a
//! Japanese input mode types ２０２６) and blanks around the separators and
//! at the ends are dropped. A piece scanned twice (its window code and a
//! sheet, or the same code twice) is one return.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::returns::ReturnLine;
use crate::error::{Error, Result};

/// The scan file's text and its name for messages; `-` is standard input.
/// UTF-8 (with or without a byte-order mark) or CP932.
pub(crate) fn read_scan(path: &Path) -> Result<(String, String)> {
    let limit = crate::files::MAX_DATA_FILE_BYTES;
    let (bytes, name) = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        if bytes.len() as u64 > limit {
            return Err(Error::Input {
                path: path.to_path_buf(),
                message: format!("standard input holds more than {limit} bytes"),
            });
        }
        (bytes, "standard input".to_string())
    } else {
        let bytes = crate::files::read_bounded(path, limit).map_err(|e| Error::io(path, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        (bytes, name)
    };
    let bytes = bytes
        .strip_prefix("\u{FEFF}".as_bytes())
        .unwrap_or(&bytes[..]);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => super::cp932(bytes).ok_or_else(|| Error::Input {
            path: path.to_path_buf(),
            message: "neither UTF-8 nor CP932 (Shift_JIS)".into(),
        })?,
    };
    Ok((text, name))
}

/// The scan's lines as returns, the first scan of each document kept, and
/// the lines that are not codes (`<source> line N: why`). `reason` and
/// `date` are `--reason` and `--date`: a line's own reason wins.
pub(crate) fn scan_lines(
    text: &str,
    source: &str,
    reason: Option<&str>,
    date: Option<&str>,
) -> (Vec<ReturnLine>, Vec<String>) {
    let mut lines: Vec<ReturnLine> = Vec::new();
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut bad = Vec::new();
    // A line ends at LF, CRLF or a lone CR (as the export's lines do).
    let text = text.replace("\r\n", "\n");
    for (i, raw) in text.split(['\n', '\r']).enumerate() {
        let at = format!("{source} line {}", i + 1);
        let folded: String = raw.chars().map(crate::text::ascii_width_char).collect();
        let folded = crate::text::trim(&folded);
        if folded.is_empty() {
            continue;
        }
        let (document, own_reason) = match parse_code(folded) {
            Ok(parsed) => parsed,
            Err(why) => {
                bad.push(format!("{at}: {why}"));
                continue;
            }
        };
        let Some(reason) = own_reason.or(reason) else {
            bad.push(format!(
                "{at}: {document:?} has no reason (give ,<reason> on the line or --reason)"
            ));
            continue;
        };
        match first.get(&document) {
            Some(&j) if lines[j].reason == reason => continue,
            Some(&j) => bad.push(format!(
                "{at}: {document:?} scanned again with reason {reason:?}, but {} gave {:?}",
                lines[j].source, lines[j].reason
            )),
            None => {
                first.insert(document.clone(), lines.len());
                lines.push(ReturnLine {
                    source: at,
                    document,
                    reason: reason.to_string(),
                    date: date.unwrap_or_default().trim().to_string(),
                });
            }
        }
    }
    (lines, bad)
}

/// One folded, trimmed line: the document number and the line's reason.
fn parse_code(line: &str) -> Result<(String, Option<&str>), String> {
    let (code, reason) = match line.rsplit_once(',') {
        Some((code, reason)) => (code.trim_end(), Some(reason.trim_start())),
        None => (line, None),
    };
    if reason == Some("") {
        return Err(format!("{line:?}: an empty reason after the comma"));
    }
    let document = match code.split_once('|') {
        None => code,
        Some((document, sheet)) => {
            if !is_sheet(sheet.trim()) {
                return Err(format!(
                    "{line:?}: {sheet:?} after | is not a sheet i/n (1 <= i <= n)"
                ));
            }
            document.trim_end()
        }
    };
    if document.is_empty() {
        return Err(format!("{line:?}: no document number"));
    }
    Ok((document.to_string(), reason))
}

/// `i/n` with 1 ≤ i ≤ n (blanks around the slash allowed).
fn is_sheet(s: &str) -> bool {
    let Some((i, n)) = s.split_once('/') else {
        return false;
    };
    let num = |v: &str| {
        let v = v.trim();
        (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse::<u32>().ok())
            .flatten()
    };
    matches!((num(i), num(n)), (Some(i), Some(n)) if 1 <= i && i <= n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_suffixes_blanks_and_repeats_fold_to_one_return_each() {
        let text = "佐市民第２０２６１１２６－０００１２号\n\
                    \u{3000}佐市民第20261126-00012号 | 1/2 \r\n\
                    \n\
                    佐市民第20261126-00013号｜２／２，refused\n\
                    佐市民第20261126-00013号|1/2 , refused\n";
        let (lines, bad) = scan_lines(text, "scan", Some("moved"), None);
        assert!(bad.is_empty(), "{bad:?}");
        let got: Vec<(&str, &str, &str)> = lines
            .iter()
            .map(|l| (l.document.as_str(), l.reason.as_str(), l.source.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("佐市民第20261126-00012号", "moved", "scan line 1"),
                ("佐市民第20261126-00013号", "refused", "scan line 4"),
            ]
        );
        // The same piece with two reasons: refused, not guessed.
        let (_, bad) = scan_lines("D-1,refused\nD-1|1/1\n", "scan", Some("moved"), None);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].starts_with("scan line 2:"), "{bad:?}");
    }

    #[test]
    fn lines_that_are_not_codes_are_named() {
        let (lines, bad) = scan_lines(
            "D-1|0/2\nD-2|3/2\nD-3|x\n|1/1\nD-4,\nD-5\n",
            "s",
            None,
            None,
        );
        assert!(lines.is_empty());
        let at: Vec<&str> = bad.iter().map(|b| &b[..b.find(':').unwrap()]).collect();
        assert_eq!(
            at,
            ["s line 1", "s line 2", "s line 3", "s line 4", "s line 5", "s line 6"]
        );
    }
}
