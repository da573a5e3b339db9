//! Entry points for the fuzz targets in `fuzz/` (not part of the API).
//!
//! The targets call only these functions, so they keep compiling while the
//! modules they exercise are reorganised or made crate-private. Each function
//! takes arbitrary bytes, must never panic on its own account, and asserts
//! the invariants named in its documentation: a panic is a bug found.

#![doc(hidden)]

use crate::model::{InputEncoding, RowRead};
use crate::profile::{Columns, GaijiTable};
use crate::registry::decode::decode_field;
use crate::registry::split::{Record, RecordBatch, Splitter};
use crate::registry::{ColumnMap, Duplicates, RowReader};
use crate::rules::{self, AgeBasis, Feb29Rule, RuleConfig};
use crate::text::trim;
use crate::wareki::{self, WarekiDate};
use chrono::Datelike;

/// The header used when the input does not start with one that maps.
const FALLBACK_HEADER: &str =
    "住民コード,氏名,生年月日,住民状態,郵便番号,住所,カード発行日,転送不要";

/// The default columns, with every optional one that `header` lacks listed
/// absent: the fuzzer exercises the reader, not the missing-column rule.
fn columns_for(header: &[String]) -> Columns {
    let mut columns = Columns::default();
    columns.absent = crate::model::Field::ALL
        .into_iter()
        .filter(|f| !f.required() && !header.iter().any(|h| h == f.default_header()))
        .map(|f| f.key().to_string())
        .collect();
    columns
}

/// Reads `data` as a registry export, in CP932 and in UTF-8.
///
/// If the first record is a header that maps to the default columns (those
/// it lacks listed absent) it is
/// used (and the rest is the body), otherwise a fixed eight-column header
/// stands in and all of `data` is the body. Asserts that:
/// - splitting the body in two pieces at a data-dependent cut (as the
///   stream does between reads) gives the same records as splitting it whole;
/// - splitting the second half of a cut at a line break on a fork (as the
///   parallel first pass does) gives the same records whenever the first
///   half ends exactly at the cut;
/// - record lines strictly increase, and every record reads to exactly one
///   outcome carrying its line, the same whichever way it was split.
///
/// The rules are evaluated for every resident under every rule setting.
#[doc(hidden)]
pub fn read_registry_bytes(data: &[u8]) {
    let gaiji = GaijiTable::default();
    for encoding in [InputEncoding::Cp932, InputEncoding::Utf8] {
        read_as(data, encoding, &gaiji);
    }
}

fn read_as(data: &[u8], encoding: InputEncoding, gaiji: &GaijiTable) {
    let (columns, splitter, body) = header_and_body(data, encoding);
    let (whole, pieces) = split_every_way(data, body, &splitter);
    read_every_record(&whole, &pieces, &columns, encoding, gaiji);
}

/// The header to read by (the input's own when it maps, else the fallback),
/// a splitter positioned after it, and the body.
fn header_and_body(data: &[u8], encoding: InputEncoding) -> (ColumnMap, Splitter, &[u8]) {
    let bom = encoding == InputEncoding::Utf8 && data.starts_with(&[0xEF, 0xBB, 0xBF]);
    let (mut splitter, skip) = if bom {
        (Splitter::with_offset(3), 3)
    } else {
        (Splitter::new(), 0)
    };
    let data = &data[skip..];
    let mut head = RecordBatch::default();
    let p = splitter.split(data, true, 1, &mut head);
    let header = (head.len() == 1)
        .then(|| header_fields(&head.record(0), encoding))
        .flatten()
        .and_then(|h| {
            let columns = columns_for(&h);
            ColumnMap::from_header(h, &columns, None).ok()
        });
    let (columns, body) = match header {
        Some(columns) => (columns, &data[p.consumed..]),
        None => {
            splitter = if bom {
                Splitter::with_offset(3)
            } else {
                Splitter::new()
            };
            let h: Vec<String> = FALLBACK_HEADER.split(',').map(String::from).collect();
            let Ok(columns) = ColumnMap::from_header(h.clone(), &columns_for(&h), None) else {
                unreachable!("the fallback header maps");
            };
            (columns, data)
        }
    };
    splitter.expect_fields(columns.width());
    (columns, splitter, body)
}

/// Splits the body whole, in two reads, and in two forked halves; all three
/// must agree. Returns the whole split and the two-read split.
fn split_every_way(data: &[u8], body: &[u8], splitter: &Splitter) -> (RecordBatch, RecordBatch) {
    // Whole, as the reference.
    let mut whole = RecordBatch::default();
    let mut s = clone_splitter(splitter);
    let p = s.split(body, true, usize::MAX, &mut whole);
    assert_eq!(p.consumed, body.len(), "eof consumes everything");

    // Two reads, cut at a data-dependent point.
    let cut = data
        .first()
        .map_or(0, |b| usize::from(*b) % (body.len() + 1));
    let mut pieces = RecordBatch::default();
    let mut s = clone_splitter(splitter);
    let p = s.split(&body[..cut], false, usize::MAX, &mut pieces);
    assert!(p.consumed <= cut);
    let q = s.split(&body[p.consumed..], true, usize::MAX, &mut pieces);
    assert_eq!(p.consumed + q.consumed, body.len());
    assert_same_records(&whole, &pieces, "two reads");

    // The parallel first pass: cut after a line feed, fork for the second half.
    if let Some(lf) = memchr::memchr(b'\n', &body[cut..]) {
        let cut = cut + lf + 1;
        let mut first = clone_splitter(splitter);
        let mut second = first.fork(cut);
        let mut a = RecordBatch::default();
        let mut b = RecordBatch::default();
        let pa = first.split(&body[..cut], false, usize::MAX, &mut a);
        let pb = second.split(&body[cut..], true, usize::MAX, &mut b);
        if pa.consumed == cut {
            b.shift_lines(first.line() - 1);
            assert_eq!(pb.consumed, body.len() - cut);
            assert_eq!(whole.len(), a.len() + b.len(), "fork: record count");
            assert_records_at(&whole, 0, &a, "fork, first half");
            assert_records_at(&whole, a.len(), &b, "fork, second half");
        }
    }

    (whole, pieces)
}

/// Every record reads to exactly one result, the same however it was split.
fn read_every_record(
    whole: &RecordBatch,
    pieces: &RecordBatch,
    columns: &ColumnMap,
    encoding: InputEncoding,
    gaiji: &GaijiTable,
) {
    let reader = RowReader {
        columns,
        encoding,
        gaiji,
        eras: wareki::Eras::builtin(),
        feb29: Feb29Rule::Feb28,
        cards: None,
        card_kinds: &Default::default(),
    };
    let codes = (0..whole.len())
        .filter_map(|i| {
            let rec = whole.record(i);
            reader
                .resident_code_key(&rec)
                .map(|k| (k, rec.meta.line, rec.meta.offset))
        })
        .collect();
    let duplicates = Duplicates::find_checked(codes, |_| true);
    let mut last_line = 0;
    for i in 0..whole.len() {
        let rec = whole.record(i);
        assert!(rec.meta.line > last_line, "lines increase");
        last_line = rec.meta.line;
        let read = reader.read(&rec, &duplicates);
        assert_eq!(
            read,
            reader.read(&pieces.record(i), &duplicates),
            "same row, split in two reads"
        );
        match read {
            RowRead::Rejected(r) => assert_eq!(r.line, rec.meta.line),
            RowRead::Excluded { line, .. } => assert_eq!(line, rec.meta.line),
            RowRead::Resident(r) => {
                assert_eq!(r.line, rec.meta.line);
                for age_basis in [AgeBasis::Application, AgeBasis::Issue] {
                    for feb29 in [Feb29Rule::Feb28, Feb29Rule::Mar1] {
                        let config = RuleConfig {
                            age_basis,
                            feb29,
                            ..RuleConfig::default()
                        };
                        let _ = rules::evaluate(&r.dates, config);
                    }
                }
            }
        }
    }
}

/// The decoded, trimmed fields of a header record, `None` if one does not decode.
fn header_fields(rec: &Record<'_>, encoding: InputEncoding) -> Option<Vec<String>> {
    if rec.meta.unterminated_quote {
        return None;
    }
    (0..rec.len())
        .map(|i| {
            decode_field(rec.field(i).unwrap_or_default(), encoding)
                .ok()
                .map(|t| trim(&t).to_string())
        })
        .collect()
}

/// A splitter in the same state (`fork(0)` keeps the offset and field count,
/// and the line is set back to where `s` is).
fn clone_splitter(s: &Splitter) -> Splitter {
    let mut c = s.fork(0);
    c.shift_lines(s.line() - 1);
    c
}

fn assert_same_records(want: &RecordBatch, got: &RecordBatch, how: &str) {
    assert_eq!(want.len(), got.len(), "{how}: record count");
    assert_records_at(want, 0, got, how);
}

/// `got`'s records equal `want`'s from index `from` on.
fn assert_records_at(want: &RecordBatch, from: usize, got: &RecordBatch, how: &str) {
    for i in 0..got.len() {
        let (w, g) = (want.record(from + i), got.record(i));
        assert_eq!(w.meta.line, g.meta.line, "{how}: line of record {i}");
        assert_eq!(w.meta.offset, g.meta.offset, "{how}: offset of record {i}");
        assert_eq!(
            w.meta.unterminated_quote, g.meta.unterminated_quote,
            "{how}: quote of record {i}"
        );
        assert_eq!(w.len(), g.len(), "{how}: fields of record {i}");
        for f in 0..w.len() {
            assert_eq!(w.field(f), g.field(f), "{how}: record {i} field {f}");
            assert_eq!(w.field_raw_start(f), g.field_raw_start(f));
        }
    }
}

/// Parses `data` (if UTF-8) as a date field; asserts that:
/// - [`wareki::parse_date`] never panics, and its error keeps the input;
/// - a parsed date written back in every form the parser reads — 和暦
///   ([`wareki::format`], [`wareki::format_with_weekday`] less its weekday),
///   `R07.08.14`, `GYYMMDD` (era years below 100), ISO and `YYYYMMDD` —
///   parses to the same date, and the weekday is the date's;
/// - [`WarekiDate::to_date`] on fields taken from the bytes never panics
///   and, when it succeeds, [`WarekiDate::from_date`] gives the fields back.
#[doc(hidden)]
pub fn parse_dates(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        check_date(s);
        // Fields are trimmed before they are parsed.
        check_date(trim(s));
    }
    if data.len() >= 13 {
        let word = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        let era = wareki::Era::ALL[usize::from(data[0]) % 5];
        // Small fields most of the time, any u32 sometimes.
        let small = |v: u32, m: u32| if data[0] & 0x80 == 0 { v % m } else { v };
        let w = WarekiDate {
            era,
            year: small(word(1), 1000),
            month: small(word(5), 14),
            day: small(word(9), 33),
        };
        if let Ok(d) = w.to_date() {
            assert_eq!(WarekiDate::from_date(d), Some(w), "{w:?}");
            assert_eq!(wareki::parse_date(&w.to_string()), Ok(d), "{w}");
        }
    }
}

fn check_date(s: &str) {
    let d = match wareki::parse_date(s) {
        Ok(d) => d,
        Err(e) => {
            assert_eq!(e.input, s);
            return;
        }
    };
    assert!((1868..=2999).contains(&d.year()), "{s:?} -> {d}");
    let back = |text: &str| {
        assert_eq!(wareki::parse_date(text), Ok(d), "{s:?} -> {d} -> {text:?}");
    };
    back(&d.format("%Y-%m-%d").to_string());
    back(&d.format("%Y/%-m/%-d").to_string());
    back(&d.format("%Y%m%d").to_string());
    let Some(w) = WarekiDate::from_date(d) else {
        // Before 明治 (1868-01-01 – 01-24): only the western forms exist.
        assert!(d < wareki::Era::Meiji.first_day());
        assert_eq!(wareki::format(d), None);
        return;
    };
    assert_eq!(w.to_date(), Ok(d));
    let kanji = wareki::format(d).expect("a 和暦 date formats");
    back(&kanji);
    let with_weekday = wareki::format_with_weekday(d).expect("a 和暦 date formats");
    let weekday = with_weekday
        .strip_prefix(kanji.as_str())
        .and_then(|r| r.strip_prefix('（'))
        .and_then(|r| r.strip_suffix('）'))
        .unwrap_or_else(|| panic!("{with_weekday:?} is {kanji:?} and a weekday"));
    const WEEKDAYS: [&str; 7] = ["日", "月", "火", "水", "木", "金", "土"];
    assert_eq!(
        weekday,
        WEEKDAYS[d.weekday().num_days_from_sunday() as usize],
        "{d}"
    );
    back(&format!(
        "{}{:02}.{:02}.{:02}",
        w.era.letter(),
        w.year,
        w.month,
        w.day
    ));
    back(&format!("{}{}.{}.{}", w.era.name(), w.year, w.month, w.day));
    if w.year < 100 {
        back(&format!(
            "{}{:02}{:02}{:02}",
            w.era.code(),
            w.year,
            w.month,
            w.day
        ));
    }
}

/// A scratch file for the targets whose reader takes a path: one per
/// process and target, rewritten for every input.
fn scratch(name: &str, data: &[u8]) -> Option<std::path::PathBuf> {
    let path = std::env::temp_dir().join(format!("kigen-fuzz-{name}-{}", std::process::id()));
    std::fs::write(&path, data).ok()?;
    Some(path)
}

/// Reads `data` as a card file of the standard profile (SPEC 9), in CP932
/// and in UTF-8. Asserts that:
/// - reading never panics, and a refusal is an error, not a crash;
/// - every card row ends in one place: rows read = joinable + rejected, the
///   unattributed among the rejected, and the rejects come back in strictly
///   increasing line order, as many as counted;
/// - no field of a reject is a 個人番号 (in any spelling).
#[doc(hidden)]
pub fn read_card_bytes(data: &[u8]) {
    let Some(Ok(profile)) = crate::profile::Profile::load_builtin("standard") else {
        panic!("the standard profile loads");
    };
    let Some(path) = scratch("cards", data) else {
        return;
    };
    for encoding in [InputEncoding::Cp932, InputEncoding::Utf8] {
        let Ok(index) = crate::registry::CardIndex::read(&path, encoding, &profile) else {
            continue;
        };
        assert!(index.unattributed() <= index.rejected());
        assert!(index.rejected() <= index.rows());
        let mut n = 0u64;
        let mut last = 0u32;
        index
            .for_each_reject(|r| {
                assert!(
                    r.line > last,
                    "rejects in line order: {} after {last}",
                    r.line
                );
                last = r.line;
                n += 1;
                for f in [&r.resident_code, &r.field, &r.value, r.reason.text()] {
                    assert!(
                        !crate::mynumber::looks_like_my_number(f),
                        "a 個人番号 in a reject: {r:?}"
                    );
                }
                Ok(())
            })
            .expect("the rejects read back");
        assert_eq!(n, index.rejected());
        let joins = index.joins();
        let unmatched = index.unmatched(&joins).len() as u64;
        assert_eq!(
            unmatched + index.rejected(),
            index.rows(),
            "with no registry row, every card row is unmatched or rejected"
        );
    }
    let _ = std::fs::remove_file(&path);
}

/// Reads `data` as a returns file (`kigen returned --file`). Asserts that
/// reading never panics, and that the lines it names are physical lines
/// (line feeds counted, CRLF once): increasing, from 2, and no more than
/// the input has.
#[doc(hidden)]
pub fn read_returns_bytes(data: &[u8]) {
    let Some(path) = scratch("returns", data) else {
        return;
    };
    if let Ok(lines) = crate::mailroom::returns::read_returns_file(&path) {
        // Line ends: LF, CRLF (once) and a lone CR.
        let lone_crs = data
            .iter()
            .enumerate()
            .filter(|(i, b)| **b == b'\r' && data.get(i + 1) != Some(&b'\n'))
            .count();
        let physical = (data.iter().filter(|b| **b == b'\n').count() + lone_crs) as u64 + 1;
        let mut last = 1u64;
        for l in &lines {
            let n: u64 = l
                .source
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a line number");
            assert!(
                n >= last.max(2) && n <= physical,
                "line {n} after {last} of {physical}"
            );
            last = n;
        }
    }
    let _ = std::fs::remove_file(&path);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.retain(|p| p.is_file());
        v.sort();
        v
    }

    #[test]
    fn reader_over_the_seeds() {
        let mut inputs = files(&root().join("input-samples"));
        inputs.retain(|p| p.extension().is_some_and(|e| e == "csv"));
        let seeds = files(&root().join("fuzz/seeds/reader"));
        assert!(!seeds.is_empty(), "fuzz/seeds/reader has seeds");
        inputs.extend(seeds);
        for path in inputs {
            let data = std::fs::read(&path).unwrap();
            read_registry_bytes(&data);
            // Every cut the target can pick is a different split; try a few.
            for first in [0u8, 1, 0x0A, 0x22, 0x7F, 0xFF] {
                let mut d = data.clone();
                if let Some(b) = d.first_mut() {
                    *b = first;
                }
                read_registry_bytes(&d);
            }
        }
        read_registry_bytes(b"");
    }

    #[test]
    fn dates_over_the_seeds() {
        let list = std::fs::read_to_string(root().join("fuzz/seeds/dates.txt")).unwrap();
        let mut n = 0;
        for line in list.lines() {
            parse_dates(line.as_bytes());
            n += usize::from(wareki::parse_date(line).is_ok());
        }
        assert!(n > 20, "{n} seed dates parse");
        for path in files(&root().join("fuzz/seeds/dates")) {
            parse_dates(&std::fs::read(&path).unwrap());
        }
        parse_dates(b"\x03\x07\x00\x00\x00\x08\x00\x00\x00\x0e\x00\x00\x00");
    }

    #[test]
    fn cards_over_the_seeds() {
        let seeds = files(&root().join("fuzz/seeds/cards"));
        assert!(seeds.len() >= 5, "fuzz/seeds/cards has seeds");
        let mut inputs = seeds;
        inputs.push(root().join("input-samples/standard/cards.csv"));
        for path in inputs {
            let data = std::fs::read(&path).unwrap();
            read_card_bytes(&data);
            let mut d = data.clone();
            d.truncate(d.len() / 2);
            read_card_bytes(&d);
        }
        read_card_bytes(b"");
    }

    #[test]
    fn returns_over_the_seeds() {
        let seeds = files(&root().join("fuzz/seeds/returns"));
        assert!(seeds.len() >= 3, "fuzz/seeds/returns has seeds");
        for path in seeds {
            let data = std::fs::read(&path).unwrap();
            read_returns_bytes(&data);
            read_returns_bytes(&data[..data.len() / 2]);
        }
        read_returns_bytes(b"");
    }
}
