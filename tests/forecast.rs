//! `kigen forecast` (SPEC 12) against an independent count: the nightly
//! checks of every day of a month. An item comes due on the first night it
//! is in its window; a notice goes out that night with every item that
//! entered it (with no ledger, an item stays in the window, so "entered"
//! is "in the window tonight and not last night").

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use common::{kigen, read_csv, root};

/// Per 住民コード, the items `kigen check` finds due on `day`.
fn due_on(dir: &std::path::Path, day: NaiveDate) -> HashMap<String, BTreeSet<String>> {
    let out = dir.join(day.to_string());
    let input = root().join("input-samples/registry-sample.csv");
    let o = kigen(&[
        "check",
        "--quiet",
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        &day.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    read_csv(&out.join("outcomes.csv"))
        .into_iter()
        .filter_map(|r| {
            let detail = r["detail"].split(';').next().unwrap_or("").to_string();
            let items = detail.strip_suffix(" due")?.split(": ").nth(1)?.to_string();
            Some((
                r["resident_code"].clone(),
                items.split(' ').map(String::from).collect(),
            ))
        })
        .collect()
}

#[test]
fn a_month_of_the_forecast_equals_its_nightly_checks() {
    let dir = tempfile::tempdir().unwrap();
    let from = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let input = root().join("input-samples/registry-sample.csv");
    let out = dir.path().join("forecast");
    let o = kigen(&[
        "forecast",
        "--input",
        input.to_str().unwrap(),
        "--from",
        "2026-12-01",
        "--months",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_csv(&out.join("forecast.csv"));
    assert_eq!(
        rows.iter().map(|r| r["month"].as_str()).collect::<Vec<_>>(),
        ["2026-12", "2027-01", "2027-02"]
    );
    let december = &rows[0];

    let mut items: BTreeMap<String, u64> = BTreeMap::new();
    let (mut notices, mut card_notices) = (0u64, 0u64);
    let mut last = due_on(dir.path(), from - Duration::days(1));
    let mut day = from;
    while day < NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() {
        let now = due_on(dir.path(), day);
        for (code, due) in &now {
            let before = last.get(code).cloned().unwrap_or_default();
            let entered: Vec<&String> = due.difference(&before).collect();
            for item in &entered {
                *items.entry(item.to_string()).or_default() += 1;
            }
            if !entered.is_empty() {
                notices += 1;
                card_notices += u64::from(entered.iter().any(|i| *i == "card"));
            }
        }
        last = now;
        day += Duration::days(1);
    }
    assert!(notices > 5, "the sample has notices in December");
    assert_eq!(december["notices"], notices.to_string());
    assert_eq!(december["card_notices"], card_notices.to_string());
    for (column, item) in [
        ("card", "card"),
        ("user_cert", "user_cert"),
        ("sign_cert", "sign_cert"),
    ] {
        assert_eq!(
            december[column],
            items.get(item).copied().unwrap_or(0).to_string(),
            "{column}"
        );
    }

    // The page: self-contained, its table the CSV's numbers.
    let html = std::fs::read_to_string(out.join("forecast.html")).unwrap();
    assert!(!html.contains("http"), "no external URL");
    assert!(html.contains("<svg"));
    assert!(html.contains(&format!(
        "<td>2026年12月</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        december["card"], december["user_cert"], december["sign_cert"], december["notices"]
    )));
}

#[test]
fn both_layouts_forecast_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, args: &[&str]| {
        let out = dir.path().join(name);
        let mut a = vec![
            "forecast",
            "--from",
            "2026-11-26",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend(args);
        let o = kigen(&a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out.join("forecast.csv")).unwrap()
    };
    let saku = run("saku", &["--input", "input-samples/registry-sample.csv"]);
    let standard = run(
        "standard",
        &[
            "--input",
            "input-samples/standard/registry.csv",
            "--cards",
            "input-samples/standard/cards.csv",
            "--profile",
            "standard",
        ],
    );
    assert_eq!(saku, standard);
}
