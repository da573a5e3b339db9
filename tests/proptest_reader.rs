//! Property tests: the reader on arbitrary bytes never panics and accounts
//! for every record with exactly one outcome.

use kigen::batch::check::{check, CheckRequest};
use kigen::model::{CsvEncoding, InputEncoding};
use kigen::profile::Profile;
use kigen::registry::split::{RecordBatch, Splitter};
use kigen::render::printable::Printability;
use kigen::select::NoLedger;
use proptest::prelude::*;

const HEADER: &str = "住民コード,氏名,生年月日,住民状態,郵便番号,住所,カード発行日\r\n";

fn records_in(body: &[u8]) -> usize {
    let mut s = Splitter::new();
    s.expect_fields(7);
    let mut b = RecordBatch::default();
    s.split(body, true, usize::MAX, &mut b);
    b.len()
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
        let profile = Profile::builtin();
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let printable = Printability { renderer: None, columns: &profile.settings.columns, as_of };
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
            duplicates: None,
        };
        let report = check(&req, false).map_err(|e| e.to_string()).unwrap();
        prop_assert_eq!(report.counts.rows_read as usize, records_in(&body));
        prop_assert!(report.counts.reconciles());
        let outcomes = std::fs::read(dir.path().join("out/outcomes.csv")).unwrap();
        let mut r = csv::ReaderBuilder::new().from_reader(&outcomes[3..]);
        prop_assert_eq!(r.records().count(), records_in(&body));
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
