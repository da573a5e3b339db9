//! Fuzz target for the registry reader: arbitrary bytes after a valid header
//! must never panic, and every record must read to exactly one result.
//!
//! Run (needs nightly and cargo-fuzz): `cd fuzz && cargo +nightly fuzz run reader`
#![no_main]

use kigen::profile::{Columns, GaijiTable};
use kigen::registry::decode::InputEncoding;
use kigen::registry::split::{RecordBatch, Splitter};
use kigen::registry::{ColumnMap, Duplicates, RowRead, RowReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let header = "住民コード,氏名,生年月日,住民状態,郵便番号,住所,カード発行日,転送不要";
    let Ok(columns) = ColumnMap::from_header(
        header.split(',').map(String::from).collect(),
        &Columns::default(),
    ) else {
        return;
    };
    let gaiji = GaijiTable::default();
    for encoding in [InputEncoding::Cp932, InputEncoding::Utf8] {
        let reader = RowReader { columns: &columns, encoding, gaiji: &gaiji };
        // Split in two pieces at a data-dependent point, as the stream does.
        let cut = data.first().map(|b| *b as usize % (data.len() + 1)).unwrap_or(0);
        let mut splitter = Splitter::new();
        let mut batch = RecordBatch::default();
        let p = splitter.split(&data[..cut], false, usize::MAX, &mut batch);
        splitter.split(&data[p.consumed..], true, usize::MAX, &mut batch);
        let mut last_line = 0;
        for i in 0..batch.len() {
            let rec = batch.record(i);
            assert!(rec.meta.line > last_line, "lines increase");
            last_line = rec.meta.line;
            match reader.read(&rec, &Duplicates::default()) {
                RowRead::Rejected(r) => assert_eq!(r.line, rec.meta.line),
                RowRead::Excluded { line, .. } => assert_eq!(line, rec.meta.line),
                RowRead::Resident(r) => {
                    assert_eq!(r.line, rec.meta.line);
                    let _ = kigen::rules::evaluate(&r.dates, kigen::rules::RuleConfig::default());
                }
            }
        }
    }
});
