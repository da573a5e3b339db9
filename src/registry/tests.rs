//! Reading rows: status first, required fields, normalisation, rejects.

use super::row::parse_flag;
use super::split::{RecordBatch, Splitter};
use super::*;
use crate::model::*;
use crate::profile::Columns;
use crate::profile::GaijiTable;
use crate::rules::Feb29Rule;
use crate::wareki::{EraDef, Eras};
use chrono::NaiveDate;

const HEADER: &str = "住民コード,氏名,氏名カナ,生年月日,住民状態,郵便番号,住所,方書,カード発行日,転送不要,法定代理人氏名,個人番号";

/// The default columns, with those [`HEADER`] lacks listed absent.
fn profile_columns() -> Columns {
    let mut columns = Columns::default();
    columns.absent = [
        "card_applied",
        "card_expiry",
        "user_cert_issued",
        "user_cert_expiry",
        "sign_cert_issued",
        "sign_cert_expiry",
        "stay_end",
    ]
    .map(String::from)
    .to_vec();
    columns
}

fn columns() -> ColumnMap {
    ColumnMap::from_header(
        HEADER.split(',').map(String::from).collect(),
        &profile_columns(),
        None,
    )
    .unwrap()
}

/// Reads one data line (UTF-8 text, encoded to CP932 unless `raw`).
fn read_line(line: &[u8], gaiji: &GaijiTable, dups: &Duplicates) -> RowRead {
    read_with(line, gaiji, dups, Eras::builtin(), Feb29Rule::Feb28)
}

/// [`read_line`] with an era table and a feb29 rule.
fn read_with(
    line: &[u8],
    gaiji: &GaijiTable,
    dups: &Duplicates,
    eras: &Eras,
    feb29: Feb29Rule,
) -> RowRead {
    let cols = columns();
    let reader = RowReader {
        columns: &cols,
        encoding: InputEncoding::Cp932,
        gaiji,
        eras,
        feb29,
        cards: None,
        card_kinds: &Default::default(),
    };
    let mut batch = RecordBatch::default();
    Splitter::with_offset(0).split(line, true, 1, &mut batch);
    reader.read(&batch.record(0), dups)
}

fn cp932(s: &str) -> Vec<u8> {
    let (b, _, bad) = encoding_rs::SHIFT_JIS.encode(s);
    assert!(!bad);
    b.into_owned()
}

fn read(s: &str) -> RowRead {
    read_line(&cp932(s), &GaijiTable::default(), &Duplicates::default())
}

fn rejected(r: RowRead) -> Reject {
    match r {
        RowRead::Rejected(r) => r,
        other => panic!("expected a reject, got {other:?}"),
    }
}

fn resident(r: RowRead) -> Resident {
    match r {
        RowRead::Resident(r) => *r,
        other => panic!("expected a resident, got {other:?}"),
    }
}

#[test]
fn a_good_row_is_normalised() {
    let r = resident(read(
        "A1,佐久　太郎,ｻｸ ﾀﾛｳ,S45.1.15,\u{3000}住民 ,３８５－００５１,長野県佐久市中込１－２,,2017-03-01,○,,999999999999",
    ));
    assert_eq!(r.code, "A1");
    assert_eq!(r.name_kana, "サク タロウ");
    assert_eq!(r.postal_code.to_string(), "385-0051");
    assert_eq!(r.address, "長野県佐久市中込１－２");
    assert!(r.non_forwardable);
    assert_eq!(r.dates.birth, NaiveDate::from_ymd_opt(1970, 1, 15));
}

#[test]
fn status_first_other_statuses_are_not_validated() {
    match read("A1,,,not a date,転出,bad,,,,maybe,,") {
        RowRead::Excluded { status, .. } => assert_eq!(status, "転出"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_status_is_a_reject() {
    let r = rejected(read("A1,佐久　太郎,,1970-01-15,,3850051,佐久市,,,,,"));
    assert_eq!(r.field, "住民状態");
}

#[test]
fn first_problem_is_reported_with_the_rest_named() {
    let r = rejected(read("A1,,,1970-02-30,住民,12,佐久市,,,x,,"));
    assert_eq!(r.field, "氏名");
    assert!(r.reason.text().contains("生年月日"), "{}", r.reason);
    assert!(r.reason.text().contains("郵便番号"), "{}", r.reason);
    assert!(r.reason.text().contains("転送不要"), "{}", r.reason);
    assert_eq!(r.line, 1);
}

#[test]
fn invalid_date_names_the_reason() {
    let r = rejected(read(
        "A1,佐久　太郎,,平成31年5月1日,住民,3850051,佐久市,,,,,",
    ));
    assert_eq!(r.field, "生年月日");
    assert_eq!(r.value, "平成31年5月1日");
    assert!(
        r.reason.text().contains("平成 ends 2019-04-30"),
        "{}",
        r.reason
    );
}

#[test]
fn wrong_field_count_rejects_whatever_the_status() {
    let r = rejected(read("A1,佐久　太郎,,1970-01-15,転出"));
    assert_eq!(r.field, "(row)");
    assert_eq!(r.resident_code, "", "shifted fields are never echoed");
}

#[test]
fn bad_bytes_reject_with_offset_whatever_the_status() {
    let mut line = cp932("A1,佐久　太郎,,1970-01-15,転出,3850051,佐久市,,,,,");
    line.extend_from_slice(&[0x82, 0x20]);
    let r = rejected(read_line(
        &line,
        &GaijiTable::default(),
        &Duplicates::default(),
    ));
    assert_eq!(r.field, "個人番号");
    assert_eq!(r.value, "0x82 0x20");
    assert!(
        r.reason
            .text()
            .contains(&format!("byte offset {}", line.len() - 2)),
        "{}",
        r.reason
    );
}

#[test]
fn duplicates_reject_every_copy() {
    let dups = Duplicates::find(vec![
        (CodeKey::new("A1").unwrap(), 2),
        (CodeKey::new("B2").unwrap(), 3),
        (CodeKey::new("A1").unwrap(), 9),
    ]);
    assert_eq!(dups.len(), 1);
    let r = rejected(read_line(
        &cp932("A1,佐久　太郎,,1970-01-15,住民,3850051,佐久市,,,,,"),
        &GaijiTable::default(),
        &dups,
    ));
    assert_eq!(r.field, "住民コード");
    assert!(r.reason.text().contains("2 住民 rows"), "{}", r.reason);
}

#[test]
fn gaiji_are_mapped_in_printed_fields() {
    let table = GaijiTable::from_pairs([('\u{E000}', "髙".to_string())]);
    // 0xF0 0x40 is the first user-defined code: U+E000.
    let mut line = cp932("A1,");
    line.extend_from_slice(&[0xF0, 0x40]);
    line.extend(cp932("橋　一郎,,1970-01-15,住民,3850051,佐久市,,,,,"));
    let r = resident(read_line(&line, &table, &Duplicates::default()));
    assert_eq!(r.name, "髙橋　一郎");
}

#[test]
fn flags() {
    for (v, want) in [
        ("1", Some(true)),
        ("0", Some(false)),
        ("○", Some(true)),
        ("", Some(false)),
        ("有", Some(true)),
        ("無", Some(false)),
        ("TRUE", Some(true)),
        ("False", Some(false)),
        ("Yes", Some(true)),
        ("no", Some(false)),
        ("１", None),
        ("ＹＥＳ", None),
        ("2", None),
        ("×", None),
    ] {
        assert_eq!(parse_flag(v), want, "{v:?}");
    }
}

#[test]
fn postal_codes() {
    assert_eq!(PostalCode::parse("385-0051").unwrap().digits(), "3850051");
    assert_eq!(PostalCode::parse("3850051").unwrap().digits(), "3850051");
    assert_eq!(
        PostalCode::parse("３８５－００５１").unwrap().digits(),
        "3850051"
    );
    assert_eq!(
        PostalCode::parse("３８５\u{2212}００５１")
            .unwrap()
            .digits(),
        "3850051"
    );
    for bad in [
        "385005",
        "38500511",
        "385-005a",
        "3850-051",
        "",
        "〒385-0051",
        "385ー0051",
    ] {
        assert!(PostalCode::parse(bad).is_none(), "{bad}");
    }
}

#[test]
fn missing_required_header_is_named_and_duplicates_refused() {
    let e = ColumnMap::from_header(
        vec!["住民コード".into(), "氏名".into()],
        &Columns::default(),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("生年月日"), "{e}");
    let mut h: Vec<String> = HEADER.split(',').map(String::from).collect();
    h.push("氏名".into());
    let e = ColumnMap::from_header(h, &profile_columns(), None).unwrap_err();
    assert!(e.to_string().contains("more than once"), "{e}");
}

/// A row of the test header with `kana` and `birth` (and a card).
fn row_with(kana: &str, birth: &str) -> String {
    format!("A1,佐久　太郎,{kana},{birth},住民,3850051,佐久市,,2017-03-01,,,")
}

fn read_birth(birth: &str, eras: &Eras, feb29: Feb29Rule) -> RowRead {
    read_with(
        &cp932(&row_with("サク　タロウ", birth)),
        &GaijiTable::default(),
        &Duplicates::default(),
        eras,
        feb29,
    )
}

#[test]
fn meiji_45_july_30_and_taisho_15_december_25_are_birth_dates() {
    // Standard §1.1.8: the days both eras were in force.
    for (written, want) in [
        ("明治45年7月30日", (1912, 7, 30)),
        ("大正15年12月25日", (1926, 12, 25)),
        ("M45.7.30", (1912, 7, 30)),
        ("2151225", (1926, 12, 25)),
    ] {
        let r = resident(read_birth(written, Eras::builtin(), Feb29Rule::Feb28));
        let (y, m, d) = want;
        assert_eq!(r.dates.birth, NaiveDate::from_ymd_opt(y, m, d), "{written}");
        assert_eq!(r.birth_written, BirthWritten::Exact, "{written}");
    }
    // The day after is not 明治 any more.
    let r = rejected(read_birth(
        "明治45年7月31日",
        Eras::builtin(),
        Feb29Rule::Feb28,
    ));
    assert_eq!(r.field, "生年月日");
}

#[test]
fn feb29_of_a_common_year_is_a_birth_date_taken_by_the_feb29_rule() {
    for written in ["平成3年2月29日", "H3.2.29", "1991-02-29", "4030229"] {
        for (rule, want) in [(Feb29Rule::Feb28, (2, 28)), (Feb29Rule::Mar1, (3, 1))] {
            let r = resident(read_birth(written, Eras::builtin(), rule));
            assert_eq!(
                r.dates.birth,
                NaiveDate::from_ymd_opt(1991, want.0, want.1),
                "{written} {rule:?}"
            );
            assert_eq!(
                r.birth_written,
                BirthWritten::Feb29Common {
                    year: 1991,
                    written: written.to_string()
                }
            );
        }
    }
    // A leap year's 29 February is an ordinary date.
    let r = resident(read_birth(
        "平成4年2月29日",
        Eras::builtin(),
        Feb29Rule::Feb28,
    ));
    assert_eq!(r.dates.birth, NaiveDate::from_ymd_opt(1992, 2, 29));
    assert_eq!(r.birth_written, BirthWritten::Exact);
}

#[test]
fn feb29_of_a_common_year_is_no_card_date() {
    let r = rejected(read(
        "A1,佐久　太郎,,1970-01-15,住民,3850051,佐久市,,令和5年2月29日,,,",
    ));
    assert_eq!(r.field, "カード発行日");
    assert_eq!(r.value, "令和5年2月29日");
}

#[test]
fn unknown_birth_dates_are_read_without_a_date() {
    for written in [
        "年月日不詳",
        "昭和○○年頃",
        "平成5年頃",
        "平成5年3月頃",
        "推定平成5年3月1日",
        "平成5年春",
        "平成5年冬",
        "平成5年3月上旬",
        "平成5年3月下旬",
    ] {
        // The reader accepts them; whether the row can be used depends on
        // its recorded expiries (the rules, then the pipeline).
        let r = resident(read_birth(written, Eras::builtin(), Feb29Rule::Feb28));
        assert_eq!(r.dates.birth, None, "{written}");
        assert_eq!(
            r.birth_written,
            BirthWritten::Unknown {
                written: written.to_string()
            }
        );
        assert_eq!(r.birth_written.written(), Some(written));
    }
    // Approximate words around an impossible date are still a bad date.
    let r = rejected(read_birth("平成32年頃", Eras::builtin(), Feb29Rule::Feb28));
    assert_eq!(r.field, "生年月日");
}

#[test]
fn every_date_is_read_with_the_profile_era_table() {
    let start = NaiveDate::from_ymd_opt(2031, 5, 1).unwrap();
    let eras = Eras::with_extra(vec![EraDef::new("新元", 'N', 6, start)]).unwrap();
    let line = cp932("A1,佐久　太郎,,新元2年2月29日,住民,3850051,佐久市,,N01.06.01,,,");
    let r = resident(read_with(
        &line,
        &GaijiTable::default(),
        &Duplicates::default(),
        &eras,
        Feb29Rule::Feb28,
    ));
    // 新元2年 is 2032, a leap year.
    assert_eq!(r.dates.birth, NaiveDate::from_ymd_opt(2032, 2, 29));
    assert_eq!(r.dates.card_issued, NaiveDate::from_ymd_opt(2031, 6, 1));
    // Without the profile's era the same row is rejected.
    let r = rejected(read_line(
        &line,
        &GaijiTable::default(),
        &Duplicates::default(),
    ));
    assert_eq!(r.field, "生年月日");
}

#[test]
fn kana_placeholders_print_no_reading() {
    for kana in [
        "******",
        "＊＊＊＊＊＊",
        "**",
        "【名空欄】",
        "【氏空欄】",
        "サク　【名空欄】",
    ] {
        let r = resident(read(&row_with(kana, "1970-01-15")));
        assert!(r.kana_placeholder, "{kana}");
        assert_eq!(r.name_kana, "", "{kana}");
    }
    let r = resident(read(&row_with("ｻｸ ﾀﾛｳ", "1970-01-15")));
    assert!(!r.kana_placeholder);
    assert_eq!(r.name_kana, "サク タロウ");
    let r = resident(read(&row_with("", "1970-01-15")));
    assert!(!r.kana_placeholder, "an empty reading is no placeholder");
}
