//! SPEC 15: the `card_kind` column and the 特定在留カード, on a planted
//! registry with foreign residents run through the binary; the letters read
//! back from the PDFs (lopdf) and the manifest.

mod common;

use std::path::{Path, PathBuf};

use common::{kigen, page_texts, profile_with, read_csv};

const HEADER: &str = "住民コード,個人番号,氏名,氏名カナ,生年月日,性別,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,在留期間満了日,転送不要,法定代理人氏名,カード種別";

/// One planted row in the Saku layout with a カード種別 column.
fn row(code: &str, birth: &str, issued: &str, stay_end: &str, kind: &str) -> String {
    format!(
        "{code},,住民　{code},ジュウミン　{code},{birth},,住民,385-0051,長野県佐久市中込1丁目2番3号,,,{issued},,{issued},,{issued},,{stay_end},,,{kind}"
    )
}

/// F001–F003: the city's card, lapsing with the period of stay within the
/// lead on 2026-12-31 (F003 only from 2027-01-01); T001 (特定在留カード,
/// same dates as F001), T002 (特定特別永住者証明書, card due by the birthday
/// rule); J001 an ordinary card notice; X001 a kind the profile does not map.
fn planted() -> Vec<String> {
    vec![
        row("F001", "1994-01-20", "2024-04-10", "2027-03-31", ""),
        row("F002", "1990-05-05", "2023-09-01", "2027-02-15", "1"),
        row("F003", "1990-05-05", "2023-09-01", "2027-04-01", "1"),
        row("T001", "1994-01-20", "2024-04-10", "2027-03-31", "07"),
        row("T002", "1970-01-15", "2017-03-01", "", "08"),
        row("J001", "1970-01-15", "2017-03-01", "", "1"),
        row("X001", "1970-01-15", "2017-03-01", "", "99"),
    ]
}

fn registry(dir: &Path) -> PathBuf {
    let mut text = String::from(HEADER);
    for r in planted() {
        text.push('\n');
        text.push_str(&r);
    }
    text.push('\n');
    let p = dir.join("registry.csv");
    std::fs::write(&p, text).unwrap();
    p
}

const KINDS: &str = "[card_kinds]\n\"1\" = \"mynumber\"\n\"07\" = \"tokutei\"\n\"08\" = \"tokutei-special\"\n\n[inquiry]\n";

/// The tokutei letter's wording and the card kinds, as the samples use them.
const TOKUTEI: &str = "docs/samples/tokutei/letter.toml";

fn profile(dir: &Path, tokutei_letter: bool) -> PathBuf {
    // The wording docs/samples/tokutei-notice-page1.png is rendered with
    // (its [card_kinds] are the same as KINDS').
    let kinds = if tokutei_letter {
        let letter = std::fs::read_to_string(common::root().join(TOKUTEI)).unwrap();
        format!("{letter}\n[inquiry]\n")
    } else {
        KINDS.to_string()
    };
    profile_with(
        dir,
        &[
            (
                "legal_representative = \"法定代理人氏名\"\n",
                "legal_representative = \"法定代理人氏名\"\ncard_kind = \"カード種別\"\n",
            ),
            ("[inquiry]\n", &kinds),
        ],
    )
}

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

fn outcome(batch: &Path, code: &str) -> String {
    read_csv(&batch.join("outcomes.csv"))
        .into_iter()
        .find(|r| r["resident_code"] == code)
        .map(|r| r["outcome"].clone())
        .unwrap_or_else(|| panic!("{code} not in outcomes.csv"))
}

#[test]
fn residence_capped_cards_get_one_letter_and_tokutei_holders_none() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), false);
    let input = registry(dir.path());
    let out = dir.path().join("out");
    let mut letters: Vec<(String, String)> = Vec::new();
    for night in ["2026-12-31", "2027-01-01", "2027-01-02"] {
        let batch = run(&input, &profile, &out, night);
        for r in read_csv(&batch.join("manifest.csv")) {
            letters.push((r["resident_code"].clone(), r["kind"].clone()));
            if r["kind"] == "residence" {
                let text = &page_texts(&batch.join(&r["file"]))
                    [r["first_page"].parse::<usize>().unwrap() - 1];
                assert!(text.contains("地方出入国在留管理官署"), "{text}");
                assert!(text.contains("有効期間の変更"), "{text}");
            }
        }
        // 特定在留カード holders: counted, listed, never a letter.
        assert_eq!(outcome(&batch, "T001"), "immigration-card");
        assert_eq!(outcome(&batch, "T002"), "immigration-card");
        assert_eq!(outcome(&batch, "X001"), "rejected");
        let rejects = read_csv(&batch.join("rejects.csv"));
        let x = rejects
            .iter()
            .find(|r| r["resident_code"] == "X001")
            .unwrap();
        assert_eq!(x["field"], "カード種別");
        assert_eq!(x["value"], "99");
        assert!(x["reason"].contains("[card_kinds]"), "{x:?}");
    }
    letters.sort();
    assert_eq!(
        letters,
        [
            ("F001", "residence"),
            ("F002", "residence"),
            ("F003", "residence"),
            ("J001", "card"),
        ]
        .map(|(c, k)| (c.to_string(), k.to_string()))
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("2026-12-31/summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        summary["counts"]["outcomes"]["immigration-card"], 2,
        "{summary}"
    );
}

#[test]
fn the_tokutei_letter_goes_once_when_the_profile_gives_it() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), true);
    let input = registry(dir.path());
    let out = dir.path().join("out");
    let batch = run(&input, &profile, &out, "2026-12-31");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let tokutei: Vec<_> = manifest.iter().filter(|r| r["kind"] == "tokutei").collect();
    let mut codes: Vec<&str> = tokutei
        .iter()
        .map(|r| r["resident_code"].as_str())
        .collect();
    codes.sort();
    assert_eq!(codes, ["T001", "T002"], "{manifest:?}");
    for r in &tokutei {
        assert_eq!(r["pages"], "1", "one page, no enclosure");
        let text =
            &page_texts(&batch.join(&r["file"]))[r["first_page"].parse::<usize>().unwrap() - 1];
        assert!(
            text.contains("特定在留カードの有効期限のお知らせ"),
            "{text}"
        );
        assert!(text.contains("地方出入国在留管理官署"), "{text}");
    }
    let t2 = tokutei
        .iter()
        .find(|r| r["resident_code"] == "T002")
        .unwrap();
    let t2 = page_texts(&batch.join(&t2["file"]))[t2["first_page"].parse::<usize>().unwrap() - 1]
        .clone();
    assert!(t2.contains("特定特別永住者証明書"), "{t2}");
    // The ledger keeps it from repeating (T001's certificates, capped by
    // the period of stay, stay `residence-period`: no notice).
    let batch = run(&input, &profile, &out, "2027-01-01");
    assert_eq!(outcome(&batch, "T001"), "residence-period");
    assert_eq!(outcome(&batch, "T002"), "already-noticed");
    let manifest = read_csv(&batch.join("manifest.csv"));
    assert!(manifest.iter().all(|r| r["kind"] != "tokutei"));
}

/// `[nightly] max_pieces = 1`, `min_notice_days = 60` over three real
/// nights: the nearest expiry first, residents at their last safe night
/// printed over the cap, the rest `deferred` and printed once later.
#[test]
fn a_nightly_cap_defers_the_farthest_and_prints_everyone_once() {
    let dir = tempfile::tempdir().unwrap();
    let base = profile(dir.path(), false);
    let text = std::fs::read_to_string(base.join("profile.toml"))
        .unwrap()
        .replace(
            "max_days_ahead = 1\n",
            "max_days_ahead = 1\nmax_pieces = 1\nmin_notice_days = 60\n",
        );
    std::fs::write(base.join("profile.toml"), text).unwrap();
    let input = registry(dir.path());
    let out = dir.path().join("out");
    let mut printed: Vec<(String, String)> = Vec::new();
    let mut deferred: Vec<(String, String)> = Vec::new();
    for night in ["2026-12-31", "2027-01-01", "2027-01-02"] {
        let batch = run(&input, &base, &out, night);
        for r in read_csv(&batch.join("manifest.csv")) {
            printed.push((night.to_string(), r["resident_code"].clone()));
        }
        for r in read_csv(&batch.join("outcomes.csv")) {
            if r["outcome"] == "deferred" {
                deferred.push((night.to_string(), r["resident_code"].clone()));
            }
        }
    }
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect::<Vec<_>>()
    };
    // 2026-12-31: J001 (E in 15 days) and F002 (46 days) are at their last
    // safe night: both printed, over the cap; F001 (90 days) waits.
    assert_eq!(
        printed,
        pairs(&[
            ("2026-12-31", "F002"),
            ("2026-12-31", "J001"),
            ("2027-01-01", "F001"),
            ("2027-01-02", "F003"),
        ]),
        "{deferred:?}"
    );
    assert_eq!(
        deferred,
        pairs(&[("2026-12-31", "F001"), ("2027-01-01", "F003")])
    );
    // summary.json counts them.
    for (night, n) in [("2026-12-31", 1), ("2027-01-01", 1), ("2027-01-02", 0)] {
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(night).join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(
            summary["counts"]["outcomes"]["deferred"], n,
            "{night}: {summary}"
        );
    }
}

/// SPEC 15: `kigen forecast` shows the capped plan. Eight cards whose
/// window opens on 2027-01-10 (E 2027-04-10) and a residence letter due
/// from 2027-01-12, with `max_pieces = 3`: the forecast's January prints
/// nine (three a night), defers five, nobody late; the nightly runs of
/// those nights print exactly that.
#[test]
fn the_forecast_shows_the_capped_plan_the_nights_follow() {
    let dir = tempfile::tempdir().unwrap();
    let base = profile(dir.path(), false);
    let text = std::fs::read_to_string(base.join("profile.toml"))
        .unwrap()
        .replace(
            "max_days_ahead = 1\n",
            "max_days_ahead = 1\nmax_pieces = 3\nmin_notice_days = 60\n",
        );
    std::fs::write(base.join("profile.toml"), text).unwrap();
    let mut text = String::from(HEADER);
    for i in 1..=8 {
        text.push('\n');
        text.push_str(&row(
            &format!("C{i:03}"),
            "1970-04-10",
            "2017-05-01",
            "",
            "1",
        ));
    }
    text.push('\n');
    text.push_str(&row("F001", "1994-01-20", "2024-04-10", "2027-04-12", ""));
    text.push('\n');
    let input = dir.path().join("registry.csv");
    std::fs::write(&input, text).unwrap();
    let fc = dir.path().join("forecast");
    let o = kigen(&[
        "forecast",
        "--input",
        input.to_str().unwrap(),
        "--encoding",
        "utf-8",
        "--profile",
        base.to_str().unwrap(),
        "--from",
        "2027-01-01",
        "--months",
        "2",
        "--out",
        fc.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("max_pieces 3"), "{stdout}");
    let rows = read_csv(&fc.join("forecast.csv"));
    let jan = &rows[0];
    assert_eq!(jan["month"], "2027-01");
    assert_eq!(jan["notices"], "9");
    assert_eq!(jan["card_notices"], "8");
    assert_eq!(jan["residence_notices"], "1");
    assert_eq!(jan["printed"], "9");
    assert_eq!(jan["deferred"], "5");
    assert_eq!(jan["busiest_night"], "3");
    assert_eq!(jan["late"], "0");
    assert_eq!(rows[1]["printed"], "0");
    let html = std::fs::read_to_string(fc.join("forecast.html")).unwrap();
    assert!(html.contains("1晩の上限 3 通"), "{html}");

    // The nights themselves.
    let out = dir.path().join("out");
    let mut per_night = Vec::new();
    let mut deferred = std::collections::BTreeSet::new();
    for night in [
        "2027-01-09",
        "2027-01-10",
        "2027-01-11",
        "2027-01-12",
        "2027-01-13",
    ] {
        let batch = run(&input, &base, &out, night);
        let manifest = read_csv(&batch.join("manifest.csv"));
        per_night.push(manifest.len());
        for r in read_csv(&batch.join("outcomes.csv")) {
            if r["outcome"] == "deferred" {
                deferred.insert(r["resident_code"].clone());
            }
        }
    }
    assert_eq!(per_night, [0, 3, 3, 3, 0]);
    assert_eq!(deferred.len(), 5);
}

/// `kigen history` shows a residence letter as `residence` and a tokutei
/// letter as `tokutei` (the ledger records each notice's kind), a card
/// notice as `card`; in the JSON and in the text.
#[test]
fn history_names_the_letters_kind() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), true);
    let input = registry(dir.path());
    let out = dir.path().join("out");
    run(&input, &profile, &out, "2026-12-31");
    let state = out.join("state/kigen.sqlite");
    let history = |code: &str, json: bool| {
        let mut args = vec![
            "history",
            "--state",
            state.to_str().unwrap(),
            "--resident",
            code,
        ];
        if json {
            args.push("--json");
        }
        let o = kigen(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    for (code, kind) in [("F001", "residence"), ("T001", "tokutei"), ("J001", "card")] {
        let v: serde_json::Value = serde_json::from_str(&history(code, true)).unwrap();
        let events = v["events"].as_array().or(v.as_array()).unwrap().clone();
        let notices: Vec<_> = events.iter().filter(|e| e["type"] == "notice").collect();
        assert_eq!(notices.len(), 1, "{code}: {v}");
        assert_eq!(notices[0]["kind"], kind, "{code}: {v}");
        assert!(history(code, false).contains(kind), "{code}");
    }
}

/// `[nightly] max_pieces = 0` and `min_notice_days = 0` are refused when
/// the profile is loaded: exit 2 naming the key.
#[test]
fn a_zero_cap_or_notice_is_exit_2_naming_the_key() {
    for (line, key) in [
        ("max_pieces = 0\n", "nightly.max_pieces"),
        (
            "max_pieces = 5\nmin_notice_days = 0\n",
            "nightly.min_notice_days",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let profile = common::profile_with(
            dir.path(),
            &[(
                "max_days_ahead = 1\n",
                &format!("max_days_ahead = 1\n{line}"),
            )],
        );
        let input = registry(dir.path());
        let o = kigen(&[
            "check",
            "--input",
            input.to_str().unwrap(),
            "--encoding",
            "utf-8",
            "--as-of",
            "2026-12-31",
            "--out",
            dir.path().join("out").to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{line}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(key), "{line}: {err}");
        assert!(!dir.path().join("out").exists(), "a refusal writes nothing");
    }
}

/// SPEC 15: `card_kind` from the card file (standard layout, `[cards.columns]
/// card_kind`): a 特定在留カード holder gets no card letter
/// (`immigration-card`; a certificate notice when the certificates are due
/// by their own rule), the マイナンバーカード holder beside them does, and
/// an unmapped value rejects the card row with the value named.
#[test]
fn card_kind_through_the_card_file() {
    const REGISTRY_HEADER: &str = "宛名番号,住民票コード,個人番号,氏名,氏名のフリガナ,生年月日,住民状態,住民種別,住所の郵便番号,住所,方書,在留期間の満了の日,法定代理人氏名,支援措置,送付先郵便番号,送付先住所,送付先方書,送付先氏名";
    const CARD_HEADER: &str = "住民票コード,交付申請受付日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,カード種別";
    // Card and certificates expire on 2027-01-18 (birth 1970-01-18).
    const DUE: &str = "2017-01-13,2017-02-17,,2022-04-24,,2022-04-24,";
    let dir = tempfile::tempdir().unwrap();
    let person = |code: &str, key: &str| {
        format!("{code},{key},,佐久　太郎,サク　タロウ,1970-01-18,住民,外国人,385-0051,長野県佐久市中込3056,,,,,,,,")
    };
    let registry = dir.path().join("registry.csv");
    let lines = [
        REGISTRY_HEADER.to_string(),
        person("A01", "10000000001"),
        person("A02", "10000000002"),
        person("A03", "10000000003"),
        person("A04", "10000000004"),
    ];
    std::fs::write(&registry, lines.join("\n") + "\n").unwrap();
    let cards = dir.path().join("cards.csv");
    let lines = [
        CARD_HEADER.to_string(),
        format!("10000000001,{DUE},1"),
        // A02: the card alone; A04: its certificates due by their own rule.
        "10000000002,2017-01-13,2017-02-17,,,,,,07".to_string(),
        format!("10000000003,{DUE},99"),
        format!("10000000004,{DUE},08"),
    ];
    std::fs::write(&cards, lines.join("\n") + "\n").unwrap();
    let mut text =
        std::fs::read_to_string(common::root().join("templates/standard/profile.toml")).unwrap();
    for (from, to) in [
        (
            "sign_cert_expiry = \"署名用電子証明書有効期限\"\n# Date columns the card file",
            "sign_cert_expiry = \"署名用電子証明書有効期限\"\ncard_kind = \"カード種別\"\n# Date columns the card file",
        ),
        ("\n[inquiry]\n", &format!("\n{KINDS}")),
    ] {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let profile = dir.path().join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::write(profile.join("profile.toml"), text).unwrap();
    let out = dir.path().join("out");
    let o = kigen(&[
        "run",
        "--input",
        registry.to_str().unwrap(),
        "--encoding",
        "utf-8",
        "--cards",
        cards.to_str().unwrap(),
        "--cards-encoding",
        "utf-8",
        "--as-of",
        "2026-11-26",
        "--allow-future",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--state",
        out.join("state/kigen.sqlite").to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let batch = out.join("2026-11-26");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let printed: Vec<(&str, &str)> = manifest
        .iter()
        .map(|r| (r["resident_code"].as_str(), r["kind"].as_str()))
        .collect();
    assert_eq!(
        printed,
        [("A01", "card"), ("A04", "certificate")],
        "{manifest:?}"
    );
    assert_eq!(outcome(&batch, "A02"), "immigration-card");
    let rejects = read_csv(&batch.join("rejects.csv"));
    assert!(
        rejects.iter().any(|r| r["value"] == "99"
            && r["field"] == "カード種別"
            && r["reason"].contains("[card_kinds]")),
        "{rejects:?}"
    );
}

/// The `[letter.tokutei]` example the built-in profiles carry commented out
/// is the wording the sample is rendered with (and the tests run with).
#[test]
fn the_profiles_commented_tokutei_example_is_the_samples_wording() {
    let sample = std::fs::read_to_string(common::root().join(TOKUTEI)).unwrap();
    let sample: Vec<&str> = sample
        .lines()
        .skip_while(|l| !l.starts_with("lead = "))
        .collect();
    assert!(sample.len() > 10);
    for layout in ["saku", "standard"] {
        let text = std::fs::read_to_string(
            common::root().join(format!("templates/{layout}/profile.toml")),
        )
        .unwrap();
        let example: Vec<&str> = text
            .lines()
            .skip_while(|l| *l != "# [letter.tokutei]")
            .skip_while(|l| !l.starts_with("# lead = "))
            .take_while(|l| !l.is_empty())
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect();
        assert_eq!(example, sample, "{layout}");
    }
}
