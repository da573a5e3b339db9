//! held.csv names the field that does not fit the envelope window: 方書 and
//! 法定代理人氏名 as themselves (they were once reported as 住所), 氏名 and
//! 住所 likewise.

mod common;

use common::{absent_profile, kigen, read_csv};

const HEADER: &str = "住民コード,氏名,生年月日,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,利用者証明用電子証明書発行日,法定代理人氏名";

/// The Saku profile without the optional columns [`HEADER`] lacks.
fn profile_for_header(dir: &std::path::Path) -> std::path::PathBuf {
    absent_profile(
        dir,
        &[
            "name_kana",
            "card_expiry",
            "user_cert_expiry",
            "sign_cert_issued",
            "sign_cert_expiry",
            "stay_end",
            "non_forwardable",
        ],
    )
}

#[test]
fn held_csv_names_the_field_that_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let long_extra = "サクラマンション".repeat(8);
    let long_rep = "佐久".repeat(30);
    let long_name = "長".repeat(60);
    let long_address = format!("長野県佐久市中込1丁目{}", "二".repeat(120));
    // Each row is due on 2026-11-26 (card expiry 2027-01-15).
    let adult = |code: &str, name: &str, address: &str, extra: &str| {
        format!("{code},{name},1970-01-15,住民,385-0051,{address},{extra},2017-02-01,2017-03-01,2022-02-01,")
    };
    let rows = [
        adult("H01", "佐久　太郎", "長野県佐久市中込1丁目2番3号", ""),
        adult("H02", "佐久　次郎", "長野県佐久市中込1丁目2番3号", &long_extra),
        adult("H03", &long_name, "長野県佐久市中込1丁目2番3号", ""),
        adult("H04", "佐久　三郎", &long_address, ""),
        // A minor (16 on the batch date): the letter names the representative.
        format!("H05,佐久　四郎,2010-01-15,住民,385-0051,長野県佐久市中込1丁目2番3号,,2022-02-01,2022-03-01,2022-03-01,{long_rep}"),
    ];
    let input = dir.path().join("registry.csv");
    std::fs::write(&input, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let out = dir.path().join("check");
    // The optional columns HEADER lacks.
    let profile = profile_for_header(dir.path());
    let result = kigen(&[
        "check",
        "--input",
        input.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--as-of",
        "2026-11-26",
        "--encoding",
        "utf-8",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let outcomes = read_csv(&out.join("outcomes.csv"));
    let outcome_of = |code: &str| {
        outcomes
            .iter()
            .find(|r| r["resident_code"] == code)
            .map(|r| r["outcome"].clone())
            .unwrap()
    };
    assert_eq!(outcome_of("H01"), "printed", "the control row fits");
    let held = read_csv(&out.join("held.csv"));
    let field_of = |code: &str| {
        held.iter()
            .find(|r| r["resident_code"] == code)
            .map(|r| (r["field"].clone(), r["reason"].clone()))
            .unwrap_or_else(|| panic!("{code} not held: {held:?}"))
    };
    for (code, field) in [
        ("H02", "方書"),
        ("H03", "氏名"),
        ("H04", "住所"),
        ("H05", "法定代理人氏名"),
    ] {
        let (f, reason) = field_of(code);
        assert_eq!(f, field, "{code}: {reason}");
        assert!(reason.starts_with(field), "{code}: {reason}");
        assert_eq!(outcome_of(code), "held");
    }
    assert_eq!(held.len(), 4);
}

/// held.csv carries each hold's code after its reason; report.html and
/// audit.xlsx group the held rows by field and code (two names too long
/// for the window in different ways are one group), with the Japanese
/// label.
#[test]
fn held_rows_are_grouped_by_field_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let adult = |code: &str, name: &str, extra: &str| {
        format!("{code},{name},1970-01-15,住民,385-0051,長野県佐久市中込1丁目2番3号,{extra},2017-02-01,2017-03-01,2022-02-01,")
    };
    let rows = [
        adult("H01", "佐久　太郎", ""),
        adult("H02", &"長".repeat(60), ""),
        adult("H03", &"佐久間".repeat(25), ""),
        adult("H04", "佐久　次郎", &"サクラマンション".repeat(8)),
        // A private-use character the profile's 外字 table does not map.
        adult("H05", "佐久　\u{E000}郎", ""),
    ];
    let input = dir.path().join("registry.csv");
    std::fs::write(&input, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let profile = profile_for_header(dir.path());
    let out = dir.path().join("out");
    let result = kigen(&[
        "run",
        "--quiet",
        "--input",
        input.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--as-of",
        "2026-11-26",
        "--allow-future",
        "--encoding",
        "utf-8",
        "--out",
        out.to_str().unwrap(),
        "--state",
        dir.path().join("s.sqlite").to_str().unwrap(),
    ]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let batch = out.join("2026-11-26");
    let got = common::field_codes(
        &batch.join("held.csv"),
        "line,resident_code,field,code_point,reason,code",
    );
    assert_eq!(
        got,
        [
            ("H02", "氏名", "too-long"),
            ("H03", "氏名", "too-long"),
            ("H04", "方書", "too-long"),
            ("H05", "氏名", "unmapped-gaiji"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );

    let html = std::fs::read_to_string(batch.join("report.html")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let section = doc
        .select(&sel("section#held"))
        .next()
        .expect("a held section");
    let table: Vec<Vec<String>> = section
        .select(&sel("table"))
        .nth(1)
        .expect("a table by reason")
        .select(&sel("tr"))
        .skip(1)
        .map(|tr| {
            tr.select(&sel("td"))
                .map(|td| td.text().collect::<String>())
                .collect()
        })
        .collect();
    assert_eq!(
        table,
        [
            [
                "氏名",
                "窓に収まらない（住所または氏名が長い）",
                "too-long",
                "2"
            ],
            [
                "方書",
                "窓に収まらない（住所または氏名が長い）",
                "too-long",
                "1"
            ],
            ["氏名", "外字表にない外字", "unmapped-gaiji", "1"],
        ]
        .map(|r| r.map(String::from).to_vec()),
        "{table:?}"
    );
    let figure = section
        .select(&sel("[data-k=\"held:氏名:too-long\"]"))
        .next()
        .map(|e| e.text().collect::<String>());
    assert_eq!(figure.as_deref(), Some("2"));

    // The workbook: the same groups in 概要, the code's label on 保留.
    let book = batch.join("audit.xlsx");
    let keys: Vec<String> = common::sheet_rows(&book, "概要")
        .iter()
        .filter(|r| r[0] == "保留の理由")
        .map(|r| format!("{} {}", r[3], r[2]))
        .collect();
    assert_eq!(
        keys,
        [
            "held:氏名:too-long 2",
            "held:方書:too-long 1",
            "held:氏名:unmapped-gaiji 1"
        ]
    );
    let head = &common::sheet_rows(&book, "保留")[0];
    assert_eq!(head[5..], ["保留コード", "説明"]);
    assert!(kigen(&["verify", batch.to_str().unwrap()]).status.success());
}
