//! `kigen forecast` (SPEC 12) against what `kigen run` selects: the nightly
//! runs of every day of a month, with their ledger. The night before the
//! month notices everything already due; each night of the month then
//! prints the notices of the items that came due that day, and those must
//! be the forecast's month.

mod common;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use common::{kigen, read_csv, root};

#[test]
fn a_month_of_the_forecast_equals_its_nightly_runs() {
    let dir = tempfile::tempdir().unwrap();
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

    let (batches, state) = (dir.path().join("out"), dir.path().join("s.sqlite"));
    let run = |day: NaiveDate| {
        let o = kigen(&[
            "run",
            "--quiet",
            "--allow-future",
            "--accept-input-change",
            "--input",
            input.to_str().unwrap(),
            "--as-of",
            &day.to_string(),
            "--out",
            batches.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{day}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let batch = batches.join(day.to_string());
        assert!(
            read_csv(&batch.join("held.csv")).is_empty(),
            "the sample holds none"
        );
        read_csv(&batch.join("manifest.csv"))
    };
    let from = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    run(from - Duration::days(1));
    let mut items: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut notices, mut card_notices) = (0u64, 0u64);
    let mut day = from;
    while day < NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() {
        for r in run(day) {
            notices += 1;
            card_notices += u64::from(r["kind"] == "card");
            for item in ["card", "user_cert", "sign_cert"] {
                if r[&format!("{item}_due")] == "1" {
                    *items.entry(item).or_default() += 1;
                }
            }
        }
        day += Duration::days(1);
    }
    assert!(notices > 5, "the sample has notices in December");
    assert_eq!(december["notices"], notices.to_string());
    assert_eq!(december["card_notices"], card_notices.to_string());
    for item in ["card", "user_cert", "sign_cert"] {
        assert_eq!(
            december[item],
            items.get(item).copied().unwrap_or(0).to_string(),
            "{item}"
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
    let saku = run(
        "saku",
        &[
            "--input",
            common::repo_path("input-samples/registry-sample.csv").as_str(),
        ],
    );
    let standard = run(
        "standard",
        &[
            "--input",
            common::repo_path("input-samples/standard/registry.csv").as_str(),
            "--cards",
            common::repo_path("input-samples/standard/cards.csv").as_str(),
            "--profile",
            "standard",
        ],
    );
    assert_eq!(saku, standard);
}
