//! Property tests: the splitter against an independent model (records made
//! first, then written as CSV with every quoting and line-ending variation),
//! and the reader on arbitrary bytes: it never panics, and every record ends
//! in exactly one outcome, as counted by the `csv` crate from outcomes.csv.

use kigen::batch::check::{check, CheckRequest};
use kigen::model::{CsvEncoding, InputEncoding};
use kigen::profile::Profile;
use kigen::registry::split::{RecordBatch, Splitter};
use kigen::render::printable::Printability;
use kigen::select::NoLedger;
use proptest::prelude::*;

const HEADER: &str = "住民コード,氏名,生年月日,住民状態,郵便番号,住所,カード発行日\r\n";

/// A field's text: plain, or holding what forces quoting.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9A-Za-z]{0,5}",
        2 => "[0-9a,\"\r\n アイ]{0,6}",
    ]
}

/// Records of seven fields, and how each is written: quoted or not (a field
/// that needs quotes always is), and the line ending after it.
fn records() -> impl Strategy<Value = Vec<(Vec<(String, bool)>, &'static str)>> {
    prop::collection::vec(
        (
            prop::collection::vec((field(), any::<bool>()), 7),
            prop_oneof![Just("\r\n"), Just("\n"), Just("\r")],
        ),
        0..25,
    )
}

/// The model's CSV text and, per record, the physical line it starts on.
fn write_model(records: &[(Vec<(String, bool)>, &'static str)]) -> (String, Vec<u32>) {
    let mut text = String::new();
    let mut lines = Vec::new();
    let mut line = 2; // after the header
    for (fields, end) in records {
        lines.push(line);
        let mut rec = String::new();
        for (i, (f, quote)) in fields.iter().enumerate() {
            if i > 0 {
                rec.push(',');
            }
            let needs = f.contains([',', '"', '\r', '\n']);
            if needs || *quote {
                rec.push('"');
                rec.push_str(&f.replace('"', "\"\""));
                rec.push('"');
            } else {
                rec.push_str(f);
            }
        }
        rec.push_str(end);
        // Physical lines: CRLF, LF and a lone CR each end one.
        line += rec.replace("\r\n", "\n").matches(['\r', '\n']).count() as u32;
        text.push_str(&rec);
    }
    (text, lines)
}

/// Bytes that look like CSV often enough to reach deep paths.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => Just(b','),
            2 => Just(b'"'),
            2 => Just(b'\r'),
            3 => Just(b'\n'),
            6 => b'0'..=b'9',
            2 => Just(0x82u8),
            2 => Just(0xF0u8),
            2 => any::<u8>(),
        ],
        0..400,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn every_record_gets_one_outcome(body in csvish(), utf8 in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        let mut bytes = if utf8 {
            HEADER.as_bytes().to_vec()
        } else {
            encoding_rs::SHIFT_JIS.encode(HEADER).0.into_owned()
        };
        bytes.extend_from_slice(&body);
        std::fs::write(&input, &bytes).unwrap();
        let mut profile = Profile::defaults();
        // The optional columns HEADER lacks.
        profile.settings.columns.absent = [
            "name_kana", "address_extra", "card_applied", "card_expiry", "user_cert_issued",
            "user_cert_expiry", "sign_cert_issued", "sign_cert_expiry", "stay_end",
            "non_forwardable", "legal_representative",
        ]
        .map(String::from)
        .to_vec();
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let printable = Printability { renderer: None, columns: &profile.settings.columns, as_of, support_measure: profile.settings.rules.support_measure };
        let req = CheckRequest {
            input,
            as_of,
            profile: &profile,
            encoding: if utf8 { InputEncoding::Utf8 } else { InputEncoding::Cp932 },
            csv_encoding: CsvEncoding::Utf8,
            out_dir: dir.path().join("out"),
            ledger: &NoLedger,
            printable: &printable,
            postal: None,
            first_pass: None,
            cards: None,
        };
        let report = check(&req, false).map_err(|e| e.to_string()).unwrap();
        prop_assert!(report.counts.reconciles());
        // outcomes.csv, read by another parser, has one row per record read,
        // with strictly increasing lines that stay inside the file.
        let outcomes = std::fs::read(dir.path().join("out/outcomes.csv")).unwrap();
        let mut r = csv::ReaderBuilder::new().from_reader(&outcomes[3..]);
        let lines: Vec<u32> = r
            .records()
            .map(|rec| rec.unwrap()[0].parse().unwrap())
            .collect();
        prop_assert_eq!(lines.len() as u64, report.counts.rows_read);
        prop_assert!(lines.windows(2).all(|w| w[0] < w[1]));
        let physical = 2 + body.iter().filter(|b| **b == b'\n' || **b == b'\r').count() as u32;
        prop_assert!(lines.iter().all(|l| *l >= 2 && *l <= physical));
    }

    #[test]
    fn splitter_reads_back_what_the_model_wrote(records in records(), cut in 0usize..2000) {
        let (text, lines) = write_model(&records);
        let body = text.as_bytes();
        let cut = cut.min(body.len());
        // In two pieces, as the stream feeds it.
        let mut s = Splitter::with_offset(0);
        s.expect_fields(7);
        s.shift_lines(1);
        let mut got = RecordBatch::default();
        let p = s.split(&body[..cut], false, usize::MAX, &mut got);
        s.split(&body[p.consumed..], true, usize::MAX, &mut got);
        prop_assert_eq!(got.len(), records.len());
        for (i, (fields, _)) in records.iter().enumerate() {
            let rec = got.record(i);
            prop_assert_eq!(rec.meta.line, lines[i], "record {}", i);
            prop_assert!(!rec.meta.unterminated_quote);
            prop_assert_eq!(rec.len(), 7);
            for (f, (want, _)) in fields.iter().enumerate() {
                prop_assert_eq!(rec.field(f).unwrap(), want.as_bytes(), "record {} field {}", i, f);
            }
        }
    }

    #[test]
    fn splitting_in_pieces_matches_splitting_whole(body in csvish(), cut in 0usize..400) {
        let cut = cut.min(body.len());
        let mut whole = RecordBatch::default();
        Splitter::new().split(&body, true, usize::MAX, &mut whole);
        let mut s = Splitter::new();
        let mut parts = RecordBatch::default();
        let p = s.split(&body[..cut], false, usize::MAX, &mut parts);
        s.split(&body[p.consumed..], true, usize::MAX, &mut parts);
        prop_assert_eq!(whole.len(), parts.len());
        for i in 0..whole.len() {
            let (a, b) = (whole.record(i), parts.record(i));
            prop_assert_eq!(a.meta.line, b.meta.line);
            prop_assert_eq!(a.len(), b.len());
            for f in 0..a.len() {
                prop_assert_eq!(a.field(f), b.field(f));
            }
        }
    }
}
