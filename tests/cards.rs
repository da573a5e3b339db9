//! The card file (SPEC 9, `--cards`) and the standard layout: the join's
//! outcomes on a small two-file export (every kind of card row that is
//! rejected or unmatched), the key never written out, 送付先 on the page and
//! in the barcode, a 支援措置 hold, and the two layouts of `kigen sample`
//! giving the same outcomes row for row.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{kigen, page_texts, read_csv, root};

const AS_OF: &str = "2026-11-26";

const REGISTRY_HEADER: &str = "宛名番号,住民票コード,個人番号,氏名,氏名のフリガナ,生年月日,住民状態,住民種別,住所の郵便番号,住所,方書,在留期間の満了の日,法定代理人氏名,支援措置,送付先郵便番号,送付先住所,送付先方書,送付先氏名";
const CARD_HEADER: &str = "住民票コード,交付申請受付日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限";

/// A card record due on [`AS_OF`] for a birth on 1970-01-18: card and
/// certificates expire on 2027-01-18.
const DUE_DATES: &str = "2017-01-13,2017-02-17,,2022-04-24,,2022-04-24,";

fn cp932(text: &str) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!bad, "the test's text is CP932");
    bytes.into_owned()
}

fn write(path: &Path, lines: &[String]) {
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend(cp932(l));
        bytes.extend(b"\r\n");
    }
    std::fs::write(path, bytes).unwrap();
}

/// A registry row of the standard layout.
fn person(code: &str, key: &str, name: &str, status: &str, extra: &str) -> String {
    format!(
        "{code},{key},,{name},サク　タロウ,1970-01-18,{status},日本人,385-0051,長野県佐久市中込3056,,,,{extra}"
    )
}

/// The small export: (registry, cards).
fn export(dir: &Path) -> (PathBuf, PathBuf) {
    let registry = dir.join("registry.csv");
    let cards = dir.join("cards.csv");
    write(
        &registry,
        &[
            REGISTRY_HEADER.to_string(),
            person("A01", "10000000001", "佐久　一郎", "住民", ",,,,"),
            person("A02", "10000000002", "佐久　二郎", "住民", ",,,,"),
            person("A03", "10000000003", "佐久　三郎", "住民", ",,,,"),
            person("A04", "10000000004", "佐久　四郎", "住民", ",,,,"),
            person("A05", "10000000005", "佐久　五郎", "転出", ",,,,"),
            person(
                "A06",
                "10000000006",
                "佐久　六郎",
                "住民",
                ",384-2202,長野県佐久市望月1093番地,,岡本　秀樹",
            ),
            person("A07", "10000000007", "佐久　七郎", "住民", "1,,,,"),
            person("A08", "", "佐久　八郎", "住民", ",,,,"),
            person("A09", "10000000009", "佐久　九郎", "住民", ",,,,"),
            person("A10", "10000000010", "佐久　十郎", "住民", ",,,,"),
            person("A11", "10000000010", "佐久　十一", "住民", ",,,,"),
        ],
    );
    let mut card_lines = vec![
        CARD_HEADER.to_string(),
        format!("10000000001,{DUE_DATES}"),
        "10000000002,2017-01-13,2017-02-30,,,,,".to_string(),
        format!("10000000003,{DUE_DATES}"),
        format!("10000000005,{DUE_DATES}"),
        format!("10000000006,{DUE_DATES}"),
        format!("10000000007,{DUE_DATES}"),
        format!("10000000003,{DUE_DATES}"),
        format!("19999999999,{DUE_DATES}"),
        format!(",{DUE_DATES}"),
        // Too few fields, its key still read: its 住民 row (A04) is
        // rejected, not left without a card (SPEC 13).
        "10000000004,2017-01-13".to_string(),
        format!("10000000010,{DUE_DATES}"),
    ];
    write(&cards, &card_lines);
    // A row with a byte that is not CP932 (0x85 0x40 is unassigned).
    let mut bytes = std::fs::read(&cards).unwrap();
    bytes.extend(b"10000000009,2017-01-13,2017-02-17,,\x85\x40,,,\r\n");
    // (line 13)
    std::fs::write(&cards, bytes).unwrap();
    card_lines.clear();
    (registry, cards)
}

fn check(registry: &Path, cards: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        "standard",
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    kigen(&args)
}

fn by_code(rows: &[HashMap<String, String>]) -> HashMap<String, HashMap<String, String>> {
    rows.iter()
        .map(|r| (r["resident_code"].clone(), r.clone()))
        .collect()
}

#[test]
fn every_card_row_is_joined_rejected_or_unmatched() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, cards) = export(dir.path());
    let out = dir.path().join("check");
    let o = check(&registry, &cards, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let outcomes = by_code(&read_csv(&out.join("outcomes.csv")));
    let outcome = |c: &str| outcomes[c]["outcome"].as_str().to_string();
    assert_eq!(outcome("A01"), "printed");
    assert_eq!(outcome("A02"), "rejected", "its card row has a bad date");
    assert_eq!(outcome("A03"), "rejected", "its key is on two card rows");
    assert_eq!(
        outcome("A04"),
        "rejected",
        "its card row has too few fields"
    );
    assert_eq!(outcome("A05"), "excluded");
    assert_eq!(outcome("A06"), "printed");
    assert_eq!(outcome("A07"), "held", "支援措置");
    assert_eq!(outcome("A08"), "rejected", "no join key");
    assert_eq!(outcome("A09"), "rejected", "its card row is not CP932");
    assert_eq!(
        outcome("A10"),
        "rejected",
        "two 住民 rows share the join key"
    );
    assert_eq!(
        outcome("A11"),
        "rejected",
        "two 住民 rows share the join key"
    );
    assert_eq!(outcomes["A01"]["card_expiry"], "2027-01-18");

    let rejects = read_csv(&out.join("rejects.csv"));
    let registry_rejects: Vec<_> = rejects
        .iter()
        .filter(|r| r["source"] == "registry")
        .collect();
    let card_rejects: Vec<_> = rejects.iter().filter(|r| r["source"] == "cards").collect();
    let reg = |c: &str| {
        registry_rejects
            .iter()
            .find(|r| r["resident_code"] == c)
            .unwrap_or_else(|| panic!("{c} in rejects"))
    };
    assert_eq!(reg("A02")["field"], "cards");
    assert!(
        reg("A02")["reason"].contains("card file line 3"),
        "{:?}",
        reg("A02")
    );
    assert_eq!(reg("A03")["field"], "cards");
    assert!(
        reg("A03")["reason"].contains("2 lines (4, 8)"),
        "{:?}",
        reg("A03")
    );
    assert_eq!(reg("A08")["field"], "住民票コード");
    assert!(
        reg("A04")["reason"].contains("card file line 11: (row): the row has 2 fields"),
        "{:?}",
        reg("A04")
    );
    assert!(
        reg("A09")["reason"].contains("card file line 13"),
        "{:?}",
        reg("A09")
    );
    assert!(
        reg("A10")["reason"].contains("shared by 2 住民 rows (also line 12)"),
        "{:?}",
        reg("A10")
    );
    assert_eq!(reg("A11")["value"], "", "the key is not written");
    // The card file's own rejects, by their lines in the card file: the bad
    // date, both copies of the repeated key, the empty key, the short row,
    // the row that is not CP932.
    let mut lines: Vec<(String, String)> = card_rejects
        .iter()
        .map(|r| (r["line"].clone(), r["field"].clone()))
        .collect();
    lines.sort_by_key(|(l, _)| l.parse::<u32>().unwrap());
    assert_eq!(
        lines,
        [
            ("3", "カード発行日"),
            ("4", "住民票コード"),
            ("8", "住民票コード"),
            ("10", "住民票コード"),
            ("11", "(row)"),
            ("13", "(row)"),
        ]
        .map(|(l, f)| (l.to_string(), f.to_string()))
    );
    assert!(card_rejects.iter().all(|r| r["resident_code"].is_empty()));

    let unmatched = read_csv(&out.join("cards-unmatched.csv"));
    let got: Vec<(&str, &str, &str)> = unmatched
        .iter()
        .map(|r| {
            (
                r["line"].as_str(),
                r["key_hint"].as_str(),
                r["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("5", "*******0005", "not-resident: 転出"),
            ("9", "*******9999", "no-registry-row"),
        ]
    );

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap_or_default())
            .unwrap_or(serde_json::Value::Null);
    // `kigen check` writes no summary.json; its counts are on stdout.
    assert!(summary.is_null());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout
            .contains("card rows read           12  (joined 4, rejected 6 of which unattributed 1")
            && stdout.contains("unmatched 2: no-registry-row 1, not-resident 1)"),
        "{stdout}"
    );

    // The join key (the 住民票コード) is in no output: neither whole nor
    // more than its last four digits.
    for f in std::fs::read_dir(&out).unwrap() {
        let f = f.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        for n in 1..=10 {
            let key = format!("{}", 10000000000u64 + n);
            assert!(!text.contains(&key), "{} holds {key}", f.display());
        }
        assert!(!text.contains("19999999999"), "{}", f.display());
    }
}

#[test]
fn a_run_with_cards_prints_to_the_mail_to_and_holds_a_support_measure() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, cards) = export(dir.path());
    let out = dir.path().join("out");
    let state = dir.path().join("s.sqlite");
    let o = kigen(&[
        "run",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        "standard",
        "--as-of",
        AS_OF,
        "--allow-future",
        "--out",
        out.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        // The card row with an empty key names no resident (SPEC 13).
        "--accept-input-change",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let batch = out.join(AS_OF);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap();
    let c = &summary["counts"]["cards"];
    assert_eq!(
        (
            c["rows_read"].as_u64(),
            c["joined"].as_u64(),
            c["rejected"].as_u64(),
            c["unmatched"].as_u64()
        ),
        (Some(12), Some(4), Some(6), Some(2)),
        "{c}"
    );
    assert_eq!(summary["cards"]["registry_key"], "住民票コード");
    assert_eq!(
        summary["cards"]["columns"]["card_applied"],
        "交付申請受付日"
    );
    assert_eq!(summary["columns"]["mail_to_name"], "送付先氏名");
    assert!(summary["columns"]["card_issued"].is_null());

    let held = read_csv(&batch.join("held.csv"));
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["resident_code"], "A07");
    assert_eq!(held[0]["reason"], "support-measure");
    assert_eq!(held[0]["field"], "支援措置");

    let manifest = by_code(&read_csv(&batch.join("manifest.csv")));
    assert_eq!(manifest.len(), 2);
    let a06 = &manifest["A06"];
    assert_eq!(a06["mail_to"], "1");
    assert_eq!(a06["postal_code"], "3842202", "the 送付先's postal code");
    assert!(
        a06["barcode"].starts_with("STC 3 8 4 2 2 0 2 1 0 9 3 "),
        "{}",
        a06["barcode"]
    );
    assert_eq!(manifest["A01"]["mail_to"], "0");
    assert!(manifest["A01"]["barcode"].starts_with("STC 3 8 5 0 0 5 1 3 0 5 6 "));

    let pages = page_texts(&batch.join(&a06["file"]));
    let first: usize = a06["first_page"].parse().unwrap();
    let letter = &pages[first - 1];
    assert!(letter.contains("〒384-2202"), "{letter}");
    assert!(letter.contains("長野県佐久市望月1093番地"), "{letter}");
    assert!(letter.contains("岡本秀樹様方"), "{letter}");
    assert!(letter.contains("佐久六郎様"), "{letter}");
    let at = |s: &str| letter.find(s).unwrap();
    assert!(at("様方") < at("佐久六郎様"), "様方 above the name");
    // The enclosure keeps the registered address.
    let enclosure = &pages[first];
    assert!(enclosure.contains("長野県佐久市中込3056"), "{enclosure}");

    // The workbook's 概要 and the report carry the card file's identity.
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(batch.join("audit.xlsx")).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "概要").unwrap();
    let by_key: HashMap<String, String> = sheet
        .rows()
        .map(|r| (r[3].to_string(), r[2].to_string()))
        .collect();
    assert_eq!(by_key["cards:rows_read"], "12");
    assert_eq!(by_key["cards:joined"], "4");
    assert_eq!(by_key["cards:unmatched"], "2");
    let report = std::fs::read_to_string(batch.join("report.html")).unwrap();
    assert!(report.contains("<span data-k=\"cards:rejected\">6</span>"));

    let v = kigen(&[
        "verify",
        batch.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));

    // With [rules] support_measure = "print", A07 is printed.
    let text = std::fs::read_to_string(root().join("templates/standard/profile.toml")).unwrap();
    let p = dir.path().join("print-profile");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(
        p.join("profile.toml"),
        text.replace("support_measure = \"hold\"", "support_measure = \"print\""),
    )
    .unwrap();
    let out2 = dir.path().join("check2");
    let o = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        p.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        by_code(&read_csv(&out2.join("outcomes.csv")))["A07"]["outcome"],
        "printed"
    );
}

#[test]
fn a_card_file_without_its_key_or_a_mapped_column_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, _) = export(dir.path());
    let cards = dir.path().join("bad.csv");
    for (header, want) in [
        (
            CARD_HEADER.replace("住民票コード", "個人コード"),
            "\"住民票コード\" ([cards.columns] key) is missing",
        ),
        (
            CARD_HEADER.replace("カード有効期限", "有効期限"),
            "cards.columns.card_expiry: header \"カード有効期限\" is missing",
        ),
    ] {
        write(&cards, &[header, format!("10000000001,{DUE_DATES}")]);
        let out = dir.path().join("o");
        let o = check(&registry, &cards, &out, &[]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("bad.csv") && err.contains(want), "{err}");
        assert!(!out.join("outcomes.csv").exists(), "nothing written");
    }
    // A UTF-8 card file read as CP932 names the option.
    std::fs::write(
        &cards,
        format!("{CARD_HEADER}\r\n10000000001,{DUE_DATES}\r\n"),
    )
    .unwrap();
    let o = check(&registry, &cards, &dir.path().join("o"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("UTF-8") && err.contains("--encoding utf-8")
            || err.contains("--cards-encoding"),
        "{err}"
    );
    let o = check(
        &registry,
        &cards,
        &dir.path().join("o"),
        &["--cards-encoding", "utf-8"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The standard profile without --cards would make everyone no-item.
    let o = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--profile",
        "standard",
        "--as-of",
        AS_OF,
        "--out",
        dir.path().join("o2").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pass --cards FILE"));
}

#[test]
fn kigen_columns_shows_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, cards) = export(dir.path());
    let o = kigen(&[
        "columns",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        "standard",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    for want in [
        "card_issued           from the card file",
        "cards.registry_key    column 2                 住民票コード",
        "mail_to_name          column 18                送付先氏名",
        "non_forwardable       absent (listed)",
        "card_applied          column 2                 交付申請受付日",
        "every column the profile maps is in the headers of both files",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
}

/// Runs `kigen check` on the Saku layout and on the standard layout of the
/// same synthetic residents; returns both outcomes.csv and the standard
/// registry's rows.
fn both_layouts(dir: &Path, saku: &Path, standard: (&Path, &Path)) {
    let o = kigen(&[
        "check",
        "--input",
        saku.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        dir.join("saku").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = check(standard.0, standard.1, &dir.join("std"), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let a = read_csv(&dir.join("saku/outcomes.csv"));
    let b = read_csv(&dir.join("std/outcomes.csv"));
    assert_eq!(a.len(), b.len());
    let held: HashMap<String, String> = read_csv(&dir.join("std/held.csv"))
        .into_iter()
        .map(|r| (r["resident_code"].clone(), r["reason"].clone()))
        .collect();
    let mut compared = 0;
    for (x, y) in a.iter().zip(&b) {
        for k in [
            "line",
            "resident_code",
            "card_expiry",
            "user_cert_expiry",
            "sign_cert_expiry",
        ] {
            assert_eq!(x[k], y[k], "{k} of line {}", x["line"]);
        }
        if x["outcome"] != y["outcome"] {
            // Only the standard has 支援措置: such a due notice is held.
            assert_eq!(
                (x["outcome"].as_str(), y["outcome"].as_str()),
                ("printed", "held")
            );
            assert_eq!(held[&y["resident_code"]], "support-measure");
        } else {
            compared += 1;
        }
    }
    assert!(compared + held.len() == a.len());
}

#[test]
fn the_two_layouts_give_the_same_outcomes_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    // The shipped samples.
    both_layouts(
        &dir.path().join("shipped"),
        &root().join("input-samples/registry-sample.csv"),
        (
            &root().join("input-samples/standard/registry.csv"),
            &root().join("input-samples/standard/cards.csv"),
        ),
    );
    // And a larger export of other residents, written here.
    let (saku, reg, cards) = (
        dir.path().join("s.csv"),
        dir.path().join("r.csv"),
        dir.path().join("c.csv"),
    );
    let common = ["--rows", "20000", "--seed", "77", "--as-of", AS_OF];
    let mut a = vec!["sample", "--out", saku.to_str().unwrap()];
    a.extend(common);
    assert!(kigen(&a).status.success());
    let mut b = vec![
        "sample",
        "--layout",
        "standard",
        "--out",
        reg.to_str().unwrap(),
        "--out-cards",
        cards.to_str().unwrap(),
    ];
    b.extend(common);
    assert!(kigen(&b).status.success());
    both_layouts(&dir.path().join("fresh"), &saku, (&reg, &cards));
}

#[test]
fn a_truncated_card_file_is_refused_like_a_truncated_export() {
    let dir = tempfile::tempdir().unwrap();
    let registry = root().join("input-samples/standard/registry.csv");
    let cards = root().join("input-samples/standard/cards.csv");
    let (out, state) = (dir.path().join("out"), dir.path().join("s.sqlite"));
    let run = |as_of: &str, cards: &Path, extra: &[&str]| {
        let mut args = vec![
            "run",
            "--quiet",
            "--input",
            registry.to_str().unwrap(),
            "--cards",
            cards.to_str().unwrap(),
            "--profile",
            "standard",
            "--as-of",
            as_of,
            "--allow-future",
            "--out",
            out.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ];
        args.extend(extra);
        kigen(&args)
    };
    assert!(run("2026-11-26", &cards, &[]).status.success());
    // The card extract cut off after a third of its rows.
    let text = std::fs::read(&cards).unwrap();
    let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    let short = dir.path().join("short.csv");
    std::fs::write(&short, lines[..lines.len() / 3].concat()).unwrap();
    // The same date again with another card file: nothing done, and said.
    let o = run("2026-11-26", &short, &[]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is not the one the 2026-11-26 batch read"),
        "{err}"
    );
    let o = run("2026-11-27", &short, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("a truncated card extract?") && err.contains("--accept-input-change"),
        "{err}"
    );
    assert!(!out.join("2026-11-27").exists(), "nothing written");
    let o = run("2026-11-27", &short, &["--accept-input-change"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
