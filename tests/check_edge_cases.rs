//! `kigen check` on input-samples/edge-cases.csv: every row's outcome, expiry
//! dates, reject field and exception codes, against edge-cases-expected.csv
//! (each row explained in input-samples/README.md).

mod common;

use std::collections::HashMap;

use common::{example_profile, header_of, kigen, read_csv, read_csv_bytes, root};

/// `kigen check` on the edge cases, with the example 外字 table they are
/// written for.
fn run_edge_cases(out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let profile_dir = tempfile::tempdir().unwrap();
    let profile = example_profile(profile_dir.path());
    let input = common::repo_path("input-samples/edge-cases.csv");
    let mut args = vec![
        "check",
        "--input",
        input.as_str(),
        "--as-of",
        "2026-11-26",
        "--profile",
        profile.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    kigen(&args)
}

#[test]
fn every_row_matches_its_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_edge_cases(dir.path(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let expected = read_csv_bytes(
        &std::fs::read(root().join("input-samples/edge-cases-expected.csv")).unwrap(),
    );
    let outcomes = read_csv(&dir.path().join("outcomes.csv"));
    let rejects = read_csv(&dir.path().join("rejects.csv"));
    let exceptions = read_csv(&dir.path().join("exceptions.csv"));

    // One outcome row per data row, in input order.
    let lines: Vec<&str> = outcomes.iter().map(|r| r["line"].as_str()).collect();
    let want_lines: Vec<&str> = expected.iter().map(|r| r["line"].as_str()).collect();
    assert_eq!(lines, want_lines);

    let reject_field: HashMap<&str, &str> = rejects
        .iter()
        .map(|r| (r["line"].as_str(), r["field"].as_str()))
        .collect();
    assert_eq!(reject_field.len(), rejects.len(), "one reject line per row");
    let mut codes: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &exceptions {
        codes
            .entry(e["line"].as_str())
            .or_default()
            .push(e["code"].as_str());
    }
    for (want, got) in expected.iter().zip(&outcomes) {
        let line = want["line"].as_str();
        let ctx = format!("line {line} ({}): {}", want["resident_code"], want["what"]);
        assert_eq!(got["outcome"], want["outcome"], "{ctx}");
        for col in ["card_expiry", "user_cert_expiry", "sign_cert_expiry"] {
            assert_eq!(got[col], want[col], "{col} of {ctx}");
        }
        assert_eq!(
            reject_field.get(line).copied().unwrap_or(""),
            want["reject_field"],
            "{ctx}"
        );
        let got_codes = codes.get(line).map(|v| v.join(" ")).unwrap_or_default();
        assert_eq!(got_codes, want["exceptions"], "{ctx}");
    }
}

#[test]
fn outputs_have_spec_headers_and_private_modes() {
    let dir = tempfile::tempdir().unwrap();
    // A directory kigen creates is 0700 (one that exists keeps its mode:
    // tests/safety.rs).
    let d = &dir.path().join("check");
    let out = run_edge_cases(d, &[]);
    assert!(out.status.success());
    assert_eq!(
        header_of(&d.join("outcomes.csv")),
        "line,resident_code,outcome,card_expiry,user_cert_expiry,sign_cert_expiry,detail"
    );
    assert_eq!(
        header_of(&d.join("rejects.csv")),
        "line,resident_code,field,value,reason,code,source"
    );
    assert_eq!(
        header_of(&d.join("exceptions.csv")),
        "line,resident_code,code,detail"
    );
    assert!(header_of(&d.join("held.csv")).starts_with("line,resident_code,"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["outcomes.csv", "rejects.csv", "exceptions.csv", "held.csv"] {
            let mode = std::fs::metadata(d.join(f)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
        let mode = std::fs::metadata(d).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

#[test]
fn the_individual_number_never_appears() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_edge_cases(dir.path(), &[]);
    assert!(out.status.success());
    let mut everything = out.stdout.clone();
    everything.extend_from_slice(&out.stderr);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        everything.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let text = String::from_utf8_lossy(&everything);
    // Every row of edge-cases.csv carries this 個人番号.
    assert!(!text.contains("123456789018"));
}

#[test]
fn counts_printed_add_up_to_rows_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_edge_cases(dir.path(), &[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let number = |label: &str| -> u64 {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| {
                l.split_whitespace()
                    .nth(if label == "rows read" { 2 } else { 1 })
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {label} in {stdout}"))
    };
    let rows = number("rows read");
    assert_eq!(rows, 43);
    let sum: u64 = [
        "rejected",
        "excluded",
        "no-item",
        "not-due",
        "already-noticed",
        "residence-period",
        "held",
        "printed",
    ]
    .iter()
    .map(|l| number(l))
    .sum();
    assert_eq!(sum, rows);
    assert_eq!(number("rejected"), 16);
    assert_eq!(number("held"), 2);
}

#[test]
fn held_names_the_code_point() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run_edge_cases(dir.path(), &[]).status.success());
    let held = read_csv(&dir.path().join("held.csv"));
    assert_eq!(held.len(), 2);
    assert_eq!(held[0]["resident_code"], "E008");
    assert_eq!(held[0]["code_point"], "U+E010");
    assert_eq!(held[0]["field"], "氏名");
    // Mapped by the 外字 table to a character no IPAex font has.
    assert_eq!(held[1]["resident_code"], "E037");
    assert_eq!(held[1]["code_point"], "U+20BB7");
}

#[test]
fn cp932_csv_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_edge_cases(dir.path(), &["--csv-encoding", "cp932"]);
    assert!(out.status.success());
    let bytes = std::fs::read(dir.path().join("rejects.csv")).unwrap();
    assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    assert!(text.contains("昭和64年1月8日"));
}
