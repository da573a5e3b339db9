//! The command line: exit codes, fatal errors naming what is wrong, `expiry`,
//! `sample`, UTF-8 input.

mod common;

use common::{absent_profile, kigen, read_csv};

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

const HEADER: &str = "住民コード,氏名,生年月日,住民状態,郵便番号,住所,カード発行日";

/// The optional columns [`HEADER`] lacks.
const LACKS: &[&str] = &[
    "name_kana",
    "address_extra",
    "card_applied",
    "card_expiry",
    "user_cert_issued",
    "user_cert_expiry",
    "sign_cert_issued",
    "sign_cert_expiry",
    "stay_end",
    "non_forwardable",
    "legal_representative",
];

#[test]
fn missing_required_header_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.csv",
        "住民コード,氏名,住民状態,郵便番号,住所\r\nA1,佐久　太郎,住民,3850051,佐久市\r\n"
            .as_bytes(),
    );
    let out = kigen(&[
        "check",
        "--input",
        &input,
        "--encoding",
        "utf-8",
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("生年月日"), "{err}");
    assert!(
        !dir.path().join("o").exists(),
        "nothing written on a fatal error"
    );
}

#[test]
fn unreadable_input_exits_2_naming_the_file() {
    let out = kigen(&["check", "--input", "/nonexistent/registry.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/registry.csv"));
}

#[test]
fn invalid_profile_key_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("profile.toml"),
        "[rules]\nage_basis = \"birth\"\n",
    )
    .unwrap();
    let out = kigen(&[
        "check",
        "--input",
        common::repo_path("input-samples/edge-cases.csv").as_str(),
        "--profile",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("age_basis") && err.contains("birth"), "{err}");

    std::fs::write(dir.path().join("profile.toml"), "[rules]\nlead = 3\n").unwrap();
    let out = kigen(&[
        "check",
        "--input",
        common::repo_path("input-samples/edge-cases.csv").as_str(),
        "--profile",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lead"));
}

#[test]
fn utf8_input_with_bom() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "\u{FEFF}{HEADER}\r\nA1,佐久　太郎,1970-01-15,住民,385-0051,長野県佐久市中込1-2-3,2017-03-01\r\n"
    );
    let input = write(dir.path(), "in.csv", text.as_bytes());
    let profile = absent_profile(dir.path(), LACKS);
    let out_dir = dir.path().join("o");
    let out = kigen(&[
        "check",
        "--input",
        &input,
        "--profile",
        profile.to_str().unwrap(),
        "--encoding",
        "utf-8",
        "--as-of",
        "2026-11-26",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = read_csv(&out_dir.join("outcomes.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["outcome"], "printed");
    assert_eq!(rows[0]["card_expiry"], "2027-01-15");

    // The same file read as CP932 is refused with a hint, not misread.
    let out = kigen(&[
        "check",
        "--input",
        &input,
        "--profile",
        profile.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--encoding utf-8"));
}

#[test]
fn expiry_command_gives_the_worked_examples() {
    for (birth, issued, applied, card) in [
        ("1990-05-10", "2020-05-10", None, "2030-05-10"),
        ("1990-05-10", "2020-05-09", None, "2029-05-10"),
        ("2003-06-01", "2022-04-15", Some("2022-03-20"), "2026-06-01"),
        ("2003-06-01", "2022-05-10", Some("2022-04-05"), "2031-06-01"),
    ] {
        let mut args = vec!["expiry", "--birth", birth, "--issued", issued, "--json"];
        if let Some(a) = applied {
            args.extend(["--applied", a]);
        }
        let out = kigen(&args);
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["card"]["expiry"], card, "{birth} {issued}");
    }
    // Text form with 和暦 and weekday.
    let out = kigen(&["expiry", "--birth", "昭和45年1月15日", "--issued", "R4.3.1"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("2032-01-15"), "{text}");
    assert!(text.contains("令和14年1月15日（木）"), "{text}");
}

#[test]
fn sample_is_deterministic_cp932_and_fully_accounted_for() {
    let a = kigen(&[
        "sample",
        "--rows",
        "300",
        "--seed",
        "5",
        "--as-of",
        "2026-11-26",
    ]);
    let b = kigen(&[
        "sample",
        "--rows",
        "300",
        "--seed",
        "5",
        "--as-of",
        "2026-11-26",
    ]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let (_, _, bad) = encoding_rs::SHIFT_JIS.decode(&a.stdout);
    assert!(!bad);

    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "s.csv", &a.stdout);
    let out_dir = dir.path().join("o");
    let out = kigen(&[
        "check",
        "--input",
        &input,
        "--as-of",
        "2026-11-26",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let rows = read_csv(&out_dir.join("outcomes.csv"));
    assert_eq!(rows.len(), 300);
    assert!(rows.iter().any(|r| r["outcome"] == "printed"));
}
