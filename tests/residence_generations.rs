//! SPEC 15: the residence-period letter and the rule generations, on planted
//! registries run through the binary; the letters read back from the PDFs
//! (lopdf) and the manifest.

mod common;

use std::path::{Path, PathBuf};

use common::{kigen, page_texts, profile_with, read_csv};

const HEADER: &str = "住民コード,個人番号,氏名,氏名カナ,生年月日,性別,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,在留期間満了日,転送不要,法定代理人氏名";

/// One planted row in the Saku layout: code, birth, card issue date (both
/// certificates issued the same day), recorded card expiry, period of stay.
fn row(code: &str, birth: &str, issued: &str, card_expiry: &str, stay_end: &str) -> String {
    format!(
        "{code},,住民　{code},ジュウミン　{code},{birth},,住民,385-0051,長野県佐久市中込1丁目2番3号,,,{issued},{card_expiry},{issued},,{issued},,{stay_end},,"
    )
}

/// Writes a UTF-8 registry of `rows` to `dir/registry.csv`.
fn registry(dir: &Path, rows: &[String]) -> PathBuf {
    let mut text = String::from(HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.push('\n');
    let p = dir.join("registry.csv");
    std::fs::write(&p, text).unwrap();
    p
}

/// `kigen run` for `as_of`; returns the batch directory.
fn run(input: &Path, profile: &Path, out: &Path, as_of: &str) -> PathBuf {
    let o = kigen(&[
        "run",
        "--input",
        input.to_str().unwrap(),
        "--encoding",
        "utf-8",
        "--as-of",
        as_of,
        "--allow-future",
        // Consecutive nights on one planted export.
        "--accept-input-change",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--state",
        out.join("state/kigen.sqlite").to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.join(as_of)
}

fn outcome_of(batch: &Path, code: &str) -> std::collections::HashMap<String, String> {
    read_csv(&batch.join("outcomes.csv"))
        .into_iter()
        .find(|r| r["resident_code"] == code)
        .unwrap_or_else(|| panic!("{code} not in outcomes.csv"))
}

/// Foreign residents whose card lapses with the period of stay: DOMAIN 10's
/// worked example (F001: due from 2026-12-31), one with the stay ending
/// beyond the lead (F002), one whose stay ends after the birthday rule
/// (F003: an ordinary card notice), and a resident with no period of stay
/// due by the card (J001).
fn planted() -> Vec<String> {
    vec![
        row("F001", "1994-01-20", "2024-04-10", "", "2027-03-31"),
        row("F002", "1994-01-20", "2024-04-10", "", "2027-06-30"),
        row("F003", "1970-01-15", "2017-03-01", "", "2030-01-01"),
        row("J001", "1970-01-15", "2017-03-01", "", ""),
    ]
}

#[test]
fn a_residence_capped_card_gets_exactly_one_residence_letter() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with(dir.path(), &[]);
    let input = registry(dir.path(), &planted());
    let out = dir.path().join("out");

    // The night before the window: nothing for F001.
    let batch = run(&input, &profile, &out, "2026-12-30");
    assert_eq!(outcome_of(&batch, "F001")["outcome"], "not-due");
    // The others' card notices, as today.
    let manifest = read_csv(&batch.join("manifest.csv"));
    let kind_of = |code: &str| {
        manifest
            .iter()
            .find(|r| r["resident_code"] == code)
            .map(|r| r["kind"].clone())
    };
    assert_eq!(kind_of("J001").as_deref(), Some("card"));
    assert_eq!(kind_of("F003").as_deref(), Some("card"));
    assert_eq!(kind_of("F001"), None);

    let batch = run(&input, &profile, &out, "2026-12-31");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let letters: Vec<_> = manifest
        .iter()
        .filter(|r| r["kind"] == "residence")
        .collect();
    assert_eq!(letters.len(), 1, "{manifest:?}");
    let letter = letters[0];
    assert_eq!(letter["resident_code"], "F001");
    assert_eq!(letter["pages"], "1", "one page, no enclosure");
    let text = &page_texts(&batch.join(&letter["file"]))
        [letter["first_page"].parse::<usize>().unwrap() - 1];
    for want in [
        "マイナンバーカードの有効期限（在留期間の満了）のお知らせ",
        "令和9年3月31日",
        "地方出入国在留管理官署",
        "有効期間の変更",
        "新しい在留カード",
        "手数料は無料",
        "佐久市役所市民課",
        "住民F001様",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // The 交付申請書 or 照会書 is not enclosed, nor promised.
    assert!(!text.contains("照会書兼回答書"), "{text}");
    let f001 = outcome_of(&batch, "F001");
    assert_eq!(f001["outcome"], "printed");
    assert_eq!(
        manifest.len(),
        1,
        "J001 and F003 were noticed the night before"
    );
    assert_eq!(outcome_of(&batch, "F002")["outcome"], "not-due");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["counts"]["notices_by_kind"]["residence"], 1);
    assert_eq!(summary["counts"]["generations"]["current"], 4);

    // The next night: the ledger holds (F001, every item, E); no repeat.
    let batch = run(&input, &profile, &out, "2027-01-01");
    assert_eq!(outcome_of(&batch, "F001")["outcome"], "already-noticed");
    let manifest = read_csv(&batch.join("manifest.csv"));
    assert!(
        manifest.iter().all(|r| r["kind"] != "residence"),
        "{manifest:?}"
    );
}

#[test]
fn with_the_letter_disabled_the_outcome_is_todays() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with(
        dir.path(),
        &[("enabled = true\nlead = 3\n", "enabled = false\n")],
    );
    let input = registry(dir.path(), &planted());
    let batch = run(&input, &profile, &dir.path().join("out"), "2027-01-05");
    assert_eq!(outcome_of(&batch, "F001")["outcome"], "residence-period");
    let manifest = read_csv(&batch.join("manifest.csv"));
    assert!(manifest.iter().all(|r| r["kind"] != "residence"));
}

/// The announced `next` generation enabled, from a test date 2026-06-01.
fn next_profile(dir: &Path, issued_from: &str) -> PathBuf {
    let commented = "# [[generations]]\n# name = \"next\"\n# issued_from = \"2028-04-01\"\n# under15 = { card = 5, user_cert = 5, sign_cert = 0 }\n# 15to17 = { card = 5, user_cert = 5, sign_cert = 5 }\n# 18plus = { card = 10, user_cert = 10, sign_cert = 10 }\n# lead_months = 12\n";
    let enabled = format!("[[generations]]\nname = \"next\"\nissued_from = \"{issued_from}\"\nunder15 = {{ card = 5, user_cert = 5, sign_cert = 0 }}\n15to17 = {{ card = 5, user_cert = 5, sign_cert = 5 }}\n18plus = {{ card = 10, user_cert = 10, sign_cert = 10 }}\nlead_months = 12\n");
    profile_with(dir, &[(commented, &enabled)])
}

#[test]
fn the_next_generation_decides_cards_issued_from_its_date() {
    let dir = tempfile::tempdir().unwrap();
    let profile = next_profile(dir.path(), "2026-06-01");
    let input = registry(
        dir.path(),
        &[
            // Issued after issued_from: certificates to the 10th birthday.
            row("G001", "1980-06-15", "2026-07-01", "", ""),
            // Issued before: today's 5th birthday.
            row("G002", "1980-06-15", "2026-05-01", "", ""),
            // Recorded card expiries 11 months ahead: due under next's
            // 12-month lead, not under today's 3 months.
            row("G003", "1980-06-15", "2026-07-01", "2027-12-01", ""),
            row("G004", "1980-06-15", "2026-05-01", "2027-12-01", ""),
        ],
    );
    let batch = run(&input, &profile, &dir.path().join("out"), "2027-01-05");
    let g1 = outcome_of(&batch, "G001");
    assert_eq!(g1["user_cert_expiry"], "2036-06-15");
    assert_eq!(g1["sign_cert_expiry"], "2036-06-15");
    let g2 = outcome_of(&batch, "G002");
    assert_eq!(g2["user_cert_expiry"], "2030-06-15");
    assert_eq!(g2["sign_cert_expiry"], "2030-06-15");
    assert_eq!(outcome_of(&batch, "G003")["outcome"], "printed");
    assert_eq!(outcome_of(&batch, "G004")["outcome"], "not-due");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["counts"]["generations"]["next"], 2);
    assert_eq!(summary["counts"]["generations"]["current"], 2);

    // `kigen expiry` names the generation that decided the dates.
    let o = kigen(&[
        "expiry",
        "--birth",
        "1980-06-15",
        "--issued",
        "2026-07-01",
        "--json",
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["user_cert"]["generation"], "next");
    assert_eq!(v["user_cert"]["expiry"], "2036-06-15");
    assert_eq!(v["card"]["lead_months"], 12);
    let o = kigen(&[
        "expiry",
        "--birth",
        "1980-06-15",
        "--issued",
        "2026-05-01",
        "--profile",
        profile.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("generation current"), "{text}");
}

#[test]
fn an_overlapping_or_late_generation_table_is_exit_2_naming_the_key() {
    for (issued_from, key) in [
        ("2016-01-01", "generations[1].issued_from"),
        ("2015-06-01", "generations[1].issued_from"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let profile = next_profile(dir.path(), issued_from);
        let input = registry(dir.path(), &planted());
        let o = kigen(&[
            "check",
            "--input",
            input.to_str().unwrap(),
            "--encoding",
            "utf-8",
            "--as-of",
            "2027-01-05",
            "--out",
            dir.path().join("out").to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(key), "{err}");
    }
    // A first generation starting after the card began leaves a gap.
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with(
        dir.path(),
        &[(
            "issued_from = \"2016-01-01\"",
            "issued_from = \"2017-01-01\"",
        )],
    );
    let o = kigen(&[
        "expiry",
        "--birth",
        "1980-06-15",
        "--issued",
        "2020-05-01",
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("generations[0].issued_from"), "{err}");
}

/// The golden edge cases with the shipped profile as it is (residence
/// letter on): every row as edge-cases-expected.csv says (today's rules,
/// the built-in `current`), except E007, whose card lapses with the period
/// of stay within the lead: it now gets the residence letter.
#[test]
fn the_edge_cases_move_only_where_the_residence_letter_goes() {
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = common::example_gaiji_line();
    let profile = profile_with(dir.path(), &[(from, &to)]);
    let out = dir.path().join("out");
    let o = kigen(&[
        "check",
        "--input",
        &common::repo_path("input-samples/edge-cases.csv"),
        "--as-of",
        "2026-11-26",
        "--profile",
        profile.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let expected = common::read_csv_bytes(
        &std::fs::read(common::root().join("input-samples/edge-cases-expected.csv")).unwrap(),
    );
    let got = read_csv(&out.join("outcomes.csv"));
    assert_eq!(expected.len(), got.len());
    for e in &expected {
        let g = got
            .iter()
            .find(|g| g["line"] == e["line"])
            .unwrap_or_else(|| panic!("line {} not in outcomes.csv", e["line"]));
        for k in ["card_expiry", "user_cert_expiry", "sign_cert_expiry"] {
            assert_eq!(e[k], g[k], "{} {k}", e["resident_code"]);
        }
        if e["resident_code"] == "E007" {
            assert_eq!(e["outcome"], "residence-period");
            assert_eq!(g["outcome"], "printed");
            assert!(g["detail"].starts_with("residence notice"), "{g:?}");
        } else {
            assert_eq!(e["outcome"], g["outcome"], "{}", e["resident_code"]);
        }
    }
}

/// SPEC 15's card-letter wording: the enclosed form is the handwritten
/// one, mailed to the 交付申請書受付センター or brought to a counter; online
/// application needs J-LIS's 申請書ID; the issuer line carries the mayor's
/// name and 「（公印省略）」 when the profile says so.
#[test]
fn the_card_letter_promises_only_what_the_packet_holds() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with(dir.path(), &[("mayor = \"\"", "mayor = \"佐久　一郎\"")]);
    let input = registry(dir.path(), &planted());
    let batch = run(&input, &profile, &dir.path().join("out"), "2026-12-30");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let card = manifest
        .iter()
        .find(|r| r["resident_code"] == "J001")
        .unwrap();
    assert_eq!(card["kind"], "card");
    let pages = page_texts(&batch.join(&card["file"]));
    let first = card["first_page"].parse::<usize>().unwrap() - 1;
    let (letter, form) = (&pages[first], &pages[first + 1]);
    for want in [
        "佐久市長佐久一郎",
        "（公印省略）",
        "交付申請書（手書き用）",
        "個人番号カード交付申請書受付センター",
        "申請書ID",
        "窓口",
    ] {
        assert!(letter.contains(want), "{want}: {letter}");
    }
    assert!(
        !letter.contains("スマートフォン、郵送または窓口で申請")
            && !letter.contains("スマートフォンからの申請が便利"),
        "{letter}"
    );
    assert!(
        !form.contains("スマートフォン、郵送または窓口で申請できます"),
        "{form}"
    );
    assert!(form.contains("交付申請書受付センター"), "{form}");
}
