//! Dates the registry may lawfully hold and 振り仮名 placeholders (SPEC 9),
//! through the built binary: `kigen check` for outcomes, expiries, rejects
//! and exceptions; `kigen run` and lopdf for what the notices print; a test
//! profile with an added era (`[[eras]]`) for a 2031 date in the letter.
//!
//! Worked example for 平成3年2月29日 (1991 is a common year), applied
//! 2017-02-01 (aged 25: adult), card and certificates issued as below, on
//! 2026-11-26:
//!
//! - feb28 (default): the birth is taken as 1991-02-28, a birthday every
//!   28 February. Card issued 2017-03-10: birthdays after it 2018-02-28 (1st)
//!   … 2027-02-28 (10th) → card E = 2027-02-28. Certificates issued
//!   2022-03-10: 2023-02-28 (1st) … 2027-02-28 (5th), not past the card →
//!   2027-02-28. Due from 2026-11-28: not due on 2026-11-26.
//! - mar1: the birth is taken as 1991-03-01. Card: 2018-03-01 (1st) …
//!   2027-03-01 (10th) → 2027-03-01; certificates: 2023-03-01 … 2027-03-01 →
//!   2027-03-01. Due from 2026-12-01: not due.
//!
//! Either way the row gets `irregular-date` (and not `feb29`: the birthday
//! used is an ordinary day).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{kigen, page_texts, read_csv, root};

/// The export's header (the default names; 個人番号 is ignored).
const HEADER: &str = "住民コード,氏名,氏名カナ,生年月日,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,在留期間満了日,転送不要,法定代理人氏名";

/// One data row: code, name, kana, birth, then the dates by column name.
struct Row<'a> {
    code: &'a str,
    name: &'a str,
    kana: &'a str,
    birth: &'a str,
    applied: &'a str,
    issued: &'a str,
    card_exp: &'a str,
    user_iss: &'a str,
    user_exp: &'a str,
    sign_iss: &'a str,
    sign_exp: &'a str,
}

const BLANK: Row<'static> = Row {
    code: "",
    name: "佐久　太郎",
    kana: "サク　タロウ",
    birth: "1970-01-15",
    applied: "",
    issued: "",
    card_exp: "",
    user_iss: "",
    user_exp: "",
    sign_iss: "",
    sign_exp: "",
};

impl Row<'_> {
    fn line(&self) -> String {
        format!(
            "{},{},{},{},住民,385-0051,長野県佐久市中込1丁目2番3号,,{},{},{},{},{},{},{},,,",
            self.code,
            self.name,
            self.kana,
            self.birth,
            self.applied,
            self.issued,
            self.card_exp,
            self.user_iss,
            self.user_exp,
            self.sign_iss,
            self.sign_exp
        )
    }
}

/// A card due on 2026-11-26 (10th birthday 2027-01-15), as E001 of the edge
/// cases; the reading varies.
fn card_due<'a>(code: &'a str, name: &'a str, kana: &'a str) -> Row<'a> {
    Row {
        code,
        name,
        kana,
        applied: "2017-02-01",
        issued: "2017-03-01",
        ..BLANK
    }
}

/// The rows of the main input, in line order (line 2 onwards).
fn rows() -> Vec<Row<'static>> {
    vec![
        // 明治45年7月30日 = 1912-07-30: 10th birthday after 2020-08-01.
        Row {
            code: "L01",
            name: "佐久　明",
            birth: "明治45年7月30日",
            applied: "2020-07-01",
            issued: "2020-08-01",
            ..BLANK
        },
        // 大正15年12月25日 = 1926-12-25: card 2017-01-10 → 10th birthday
        // 2026-12-25; user certificate 2022-01-10 → 5th birthday 2026-12-25.
        // Both due: a card notice.
        Row {
            code: "L02",
            name: "佐久　昭",
            birth: "大正15年12月25日",
            applied: "2016-12-01",
            issued: "2017-01-10",
            user_iss: "2022-01-10",
            ..BLANK
        },
        // 平成3年2月29日: the worked example at the top.
        Row {
            code: "L03",
            name: "佐久　閏",
            birth: "平成3年2月29日",
            applied: "2017-02-01",
            issued: "2017-03-10",
            user_iss: "2022-03-10",
            sign_iss: "2022-03-10",
            ..BLANK
        },
        // 不詳日, every item with its recorded expiry: the certificates are
        // due (2027-01-20): a certificate notice, exception only.
        Row {
            code: "L04",
            name: "佐久　不二",
            birth: "平成5年頃",
            applied: "2021-12-01",
            issued: "2022-01-10",
            card_exp: "2032-01-20",
            user_iss: "2022-01-10",
            user_exp: "2027-01-20",
            sign_iss: "2022-01-10",
            sign_exp: "2027-01-20",
            ..BLANK
        },
        // 不詳日, the user certificate without its expiry: rejected.
        Row {
            code: "L05",
            name: "佐久　不三",
            birth: "年月日不詳",
            issued: "2022-01-10",
            card_exp: "2032-01-20",
            user_iss: "2022-01-10",
            ..BLANK
        },
        // 不詳日 and no card: no-item, nothing to report.
        Row {
            code: "L06",
            name: "佐久　不四",
            birth: "平成5年3月上旬",
            ..BLANK
        },
        card_due("L07", "佐久　一郎", "******"),
        card_due("L08", "佐久　二郎", "＊＊＊＊＊＊"),
        card_due("L09", "佐久　三郎", "【名空欄】"),
        card_due("L10", "佐久　四郎", "【氏空欄】"),
        card_due("L11", "佐久　五郎", "サク　ゴロウ"),
    ]
}

fn write_input(dir: &Path, rows: &[Row<'_>]) -> PathBuf {
    let mut text = format!("{HEADER}\r\n");
    for r in rows {
        text.push_str(&r.line());
        text.push_str("\r\n");
    }
    let path = dir.join("registry.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// A copy of templates/saku/profile.toml in `dir`, its relative paths made
/// absolute, with `feb29` and extra TOML appended.
fn write_profile(dir: &Path, feb29: &str, extra: &str) -> PathBuf {
    let saku = root().join("templates/saku");
    let text = std::fs::read_to_string(saku.join("profile.toml")).unwrap();
    let fonts = root().join("fonts");
    let gaiji = saku.join("gaiji.csv");
    let text = text
        .replace(
            "dir = \"../../fonts\"",
            &format!("dir = {:?}", fonts.to_str().unwrap()),
        )
        .replace(
            "table = \"gaiji.csv\"",
            &format!("table = {:?}", gaiji.to_str().unwrap()),
        )
        .replace("feb29 = \"feb28\"", &format!("feb29 = {feb29:?}"));
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::write(profile.join("profile.toml"), format!("{text}\n{extra}")).unwrap();
    profile
}

/// `kigen check` on `input` with `profile` (the default one when `None`).
fn check(input: &Path, out: &Path, profile: Option<&Path>) -> std::process::Output {
    let mut args = vec![
        "check",
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        "2026-11-26",
        "--encoding",
        "utf-8",
        "--out",
        out.to_str().unwrap(),
    ];
    if let Some(p) = profile {
        args.extend(["--profile", p.to_str().unwrap()]);
    }
    kigen(&args)
}

/// `kigen run`; returns the batch directory.
fn run(input: &Path, out: &Path, as_of: &str, profile: Option<&Path>) -> PathBuf {
    let mut args = vec![
        "run",
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        as_of,
        "--encoding",
        "utf-8",
        "--quiet",
        // The era test's date is years ahead of any real today.
        "--allow-future",
        "--out",
        out.to_str().unwrap(),
    ];
    let state = out.join("state/kigen.sqlite");
    args.extend(["--state", state.to_str().unwrap()]);
    if let Some(p) = profile {
        args.extend(["--profile", p.to_str().unwrap()]);
    }
    let o = kigen(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.join(as_of)
}

fn by_code(rows: Vec<HashMap<String, String>>) -> HashMap<String, HashMap<String, String>> {
    rows.into_iter()
        .map(|r| (r["resident_code"].clone(), r))
        .collect()
}

/// The exception codes per resident, in file order.
fn exception_codes(dir: &Path) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for e in read_csv(&dir.join("exceptions.csv")) {
        m.entry(e["resident_code"].clone())
            .or_default()
            .push(e["code"].clone());
    }
    m
}

fn expiries(row: &HashMap<String, String>) -> [&str; 3] {
    [
        row["card_expiry"].as_str(),
        row["user_cert_expiry"].as_str(),
        row["sign_cert_expiry"].as_str(),
    ]
}

#[test]
fn lawful_birth_dates_are_processed_by_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), &rows());
    let out = dir.path().join("check");
    let o = check(&input, &out, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let outcomes = by_code(read_csv(&out.join("outcomes.csv")));
    let exceptions = exception_codes(&out);
    let none: Vec<String> = Vec::new();
    let codes = |c: &str| exceptions.get(c).unwrap_or(&none).clone();

    // The two days both eras were in force: ordinary births.
    assert_eq!(outcomes["L01"]["outcome"], "not-due");
    assert_eq!(expiries(&outcomes["L01"]), ["2030-07-30", "", ""]);
    assert_eq!(codes("L01"), none);
    assert_eq!(outcomes["L02"]["outcome"], "printed");
    assert_eq!(expiries(&outcomes["L02"]), ["2026-12-25", "2026-12-25", ""]);
    assert_eq!(codes("L02"), none);

    // 平成3年2月29日 under feb28 (the worked example at the top).
    assert_eq!(outcomes["L03"]["outcome"], "not-due");
    assert_eq!(
        expiries(&outcomes["L03"]),
        ["2027-02-28", "2027-02-28", "2027-02-28"]
    );
    assert_eq!(codes("L03"), ["irregular-date"]);
    let details = read_csv(&out.join("exceptions.csv"));
    let l03 = details
        .iter()
        .find(|e| e["resident_code"] == "L03")
        .unwrap();
    assert!(
        l03["detail"].contains("平成3年2月29日"),
        "{}",
        l03["detail"]
    );
    assert!(l03["detail"].contains("1991-02-28"), "{}", l03["detail"]);

    // 不詳日 with every expiry recorded: processed on them, reported.
    assert_eq!(outcomes["L04"]["outcome"], "printed");
    assert_eq!(
        expiries(&outcomes["L04"]),
        ["2032-01-20", "2027-01-20", "2027-01-20"]
    );
    assert_eq!(codes("L04"), ["birth-date-unknown"]);
    let l04 = details
        .iter()
        .find(|e| e["resident_code"] == "L04")
        .unwrap();
    assert!(l04["detail"].contains("平成5年頃"), "{}", l04["detail"]);

    // 不詳日 with an expiry to compute: rejected on 生年月日.
    assert_eq!(outcomes["L05"]["outcome"], "rejected");
    let rejects = by_code(read_csv(&out.join("rejects.csv")));
    assert_eq!(rejects.len(), 1, "only L05 is rejected");
    assert_eq!(rejects["L05"]["field"], "生年月日");
    assert_eq!(rejects["L05"]["value"], "年月日不詳");
    assert_eq!(
        rejects["L05"]["reason"],
        "生年月日 is 不詳: record the expiries or the date"
    );
    assert_eq!(codes("L05"), none);

    // 不詳日 without a card: no item, nothing to report.
    assert_eq!(outcomes["L06"]["outcome"], "no-item");
    assert_eq!(codes("L06"), none);

    // Placeholders are not errors: every one is a printed card notice.
    for code in ["L07", "L08", "L09", "L10", "L11"] {
        assert_eq!(outcomes[code]["outcome"], "printed", "{code}");
        assert_eq!(codes(code), none, "{code}");
    }
}

#[test]
fn feb29_mar1_takes_1_march() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), &rows());
    let profile = write_profile(dir.path(), "mar1", "");
    let out = dir.path().join("check");
    let o = check(&input, &out, Some(&profile));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let outcomes = by_code(read_csv(&out.join("outcomes.csv")));
    // The worked example at the top, mar1.
    assert_eq!(outcomes["L03"]["outcome"], "not-due");
    assert_eq!(
        expiries(&outcomes["L03"]),
        ["2027-03-01", "2027-03-01", "2027-03-01"]
    );
    assert_eq!(exception_codes(&out)["L03"], ["irregular-date"]);
    let details = read_csv(&out.join("exceptions.csv"));
    let l03 = details
        .iter()
        .find(|e| e["resident_code"] == "L03")
        .unwrap();
    assert!(l03["detail"].contains("1991-03-01"), "{}", l03["detail"]);
}

/// Each printed resident's pages (letter, enclosure), by 住民コード.
fn packets(batch: &Path) -> HashMap<String, (String, String)> {
    let mut texts: HashMap<String, Vec<String>> = HashMap::new();
    let mut out = HashMap::new();
    for row in read_csv(&batch.join("manifest.csv")) {
        let file = row["file"].clone();
        let pages = texts
            .entry(file.clone())
            .or_insert_with(|| page_texts(&batch.join(&file)));
        let first: usize = row["first_page"].parse().unwrap();
        out.insert(
            row["resident_code"].clone(),
            (pages[first - 1].clone(), pages[first].clone()),
        );
    }
    out
}

#[test]
fn notices_print_lawful_dates_and_no_placeholder_reading() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), &rows());
    let batch = run(&input, &dir.path().join("out"), "2026-11-26", None);
    let packets = packets(&batch);
    let mut printed: Vec<&String> = packets.keys().collect();
    printed.sort();
    assert_eq!(
        printed,
        ["L02", "L04", "L07", "L08", "L09", "L10", "L11"],
        "the printed residents"
    );

    // 大正15年12月25日: the letter's expiry; the form's birth date in the new
    // era (the same day).
    let (letter, form) = &packets["L02"];
    assert!(letter.contains("令和8年12月25日（金）"), "{letter}");
    assert!(form.contains("昭和元年12月25日"), "{form}");

    // 不詳日: the recorded expiries, and the birth date as the registry
    // writes it; no legal representative is addressed.
    let (letter, form) = &packets["L04"];
    assert!(letter.contains("令和9年1月20日（水）"), "{letter}");
    assert!(form.contains("照会書兼回答書"), "{form}");
    assert!(form.contains("平成5年頃"), "{form}");

    // Placeholders: the application form's フリガナ row is empty.
    for code in ["L07", "L08", "L09", "L10"] {
        let (_, form) = &packets[code];
        assert!(form.contains("個人番号カード交付申請書"), "{code}");
        assert!(form.contains("フリガナ"), "{code}: the row is there");
        for placeholder in ["*", "＊", "空欄", "【", "】"] {
            assert!(
                !form.contains(placeholder),
                "{code}: {placeholder} in {form}"
            );
        }
    }
    // A recorded reading prints (the extraction does see it).
    let (_, form) = &packets["L11"];
    assert!(form.contains("サクゴロウ"), "{form}");

    // summary.json counts the placeholders; the other counts keep their keys.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap();
    let counts = &summary["counts"];
    assert_eq!(counts["kana_placeholders"], 4, "{counts}");
    for key in [
        "rows_read",
        "outcomes",
        "excluded_by_status",
        "rejected_by_field",
        "exceptions_by_code",
        "notices_by_kind",
    ] {
        assert!(counts.get(key).is_some(), "{key}");
    }
    assert_eq!(counts["exceptions_by_code"]["irregular-date"], 1);
    assert_eq!(counts["exceptions_by_code"]["birth-date-unknown"], 1);
    assert_eq!(counts["rejected_by_field"]["生年月日"], 1);

    // The auditor's check agrees with the new key.
    let o = kigen(&["verify", batch.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

/// An added era: 新元 (N, 6) from 2031-05-01.
const ERA: &str = "[[eras]]\nname = \"新元\"\nletter = \"N\"\ncode = 6\nstart = 2031-05-01\n";

#[test]
fn an_era_added_in_the_profile_reads_and_prints() {
    let dir = tempfile::tempdir().unwrap();
    // Born 1981-06-01, card issued 2021-06-10 (adult): birthdays after it
    // 2022-06-01 (1st) … 2031-06-01 (10th), recorded in the new era as
    // 新元元年6月1日; user certificate issued 2026-06-10: 2027-06-01 (1st) …
    // 2031-06-01 (5th), not past the card. On 2031-03-15 both are due (from
    // 2031-03-01).
    let input = write_input(
        dir.path(),
        &[Row {
            code: "N01",
            name: "佐久　新",
            kana: "サク　アラタ",
            birth: "1981-06-01",
            applied: "2021-05-01",
            issued: "2021-06-10",
            card_exp: "新元元年6月1日",
            user_iss: "2026-06-10",
            ..BLANK
        }],
    );
    let profile = write_profile(dir.path(), "feb28", ERA);
    let batch = run(
        &input,
        &dir.path().join("out"),
        "2031-03-15",
        Some(&profile),
    );
    let outcomes = by_code(read_csv(&batch.join("outcomes.csv")));
    assert_eq!(outcomes["N01"]["outcome"], "printed");
    assert_eq!(expiries(&outcomes["N01"]), ["2031-06-01", "2031-06-01", ""]);
    let exceptions = read_csv(&batch.join("exceptions.csv"));
    assert!(exceptions.is_empty(), "{exceptions:?}");
    let (letter, _) = &packets(&batch)["N01"];
    // 2031-06-01 is a Sunday; the batch date is still 令和.
    assert!(letter.contains("新元元年6月1日（日）"), "{letter}");
    assert!(letter.contains("令和13年3月15日"), "{letter}");

    // Without the era the recorded date is not a date.
    let out = dir.path().join("check");
    let o = check(&input, &out, None);
    assert!(o.status.success());
    let rejects = by_code(read_csv(&out.join("rejects.csv")));
    assert_eq!(rejects["N01"]["field"], "カード有効期限");
}

#[test]
fn an_invalid_era_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), &rows());
    let bad =
        format!("{ERA}\n[[eras]]\nname = \"次元\"\nletter = \"P\"\ncode = 5\nstart = 2041-05-01\n");
    let profile = write_profile(dir.path(), "feb28", &bad);
    let o = check(&input, &dir.path().join("check"), Some(&profile));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("eras[1]"), "{err}");
    assert!(err.contains("code 5"), "{err}");
}
