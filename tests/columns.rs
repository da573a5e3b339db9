//! Columns the profile maps must exist (SPEC 9): a missing or renamed
//! optional column is an exit 2 naming the key and the header, unless the
//! profile lists the key in `[columns] absent`; `kigen columns` shows how a
//! file maps; summary.json records the map; a file in the wrong encoding
//! names the likely one and the option; no message echoes a data row.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{absent_profile, kigen, root};

/// The Saku sample export.
const SAMPLE: &str = "input-samples/registry-sample.csv";

/// The 個人番号 and the name of the sample's first data row.
const FIRST_ROW_NUMBER: &str = "401112190958";
const FIRST_ROW_NAME: &str = "小山";

/// Every profile key, in summary.json's order.
const KEYS: [&str; 18] = [
    "resident_code",
    "name",
    "name_kana",
    "birth_date",
    "status",
    "postal_code",
    "address",
    "address_extra",
    "card_applied",
    "card_issued",
    "card_expiry",
    "user_cert_issued",
    "user_cert_expiry",
    "sign_cert_issued",
    "sign_cert_expiry",
    "stay_end",
    "non_forwardable",
    "legal_representative",
];

/// The sample as text (it is CP932).
fn sample_text() -> String {
    let bytes = std::fs::read(root().join(SAMPLE)).unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    text.into_owned()
}

fn cp932(text: &str) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!bad);
    bytes.into_owned()
}

/// The sample with its header's `from` renamed `to`, written as CP932.
fn renamed_sample(dir: &Path, from: &str, to: &str) -> PathBuf {
    let text = sample_text();
    let (header, body) = text.split_once("\r\n").or(text.split_once('\n')).unwrap();
    assert!(header.contains(from));
    let path = dir.join("renamed.csv");
    std::fs::write(
        &path,
        cp932(&format!("{}\r\n{body}", header.replace(from, to))),
    )
    .unwrap();
    path
}

fn check(input: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "check",
        "--quiet",
        "--as-of",
        "2026-11-26",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    kigen(&args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_renamed_optional_column_stops_the_run_naming_key_and_header() {
    let dir = tempfile::tempdir().unwrap();
    let input = renamed_sample(dir.path(), "カード発行日", "交付年月日");
    let out = check(&input, &dir.path().join("o"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("columns.card_issued: header \"カード発行日\" is missing"),
        "{err}"
    );
    assert!(err.contains("absent = [\"card_issued\"]"), "{err}");
    assert!(!dir.path().join("o").exists(), "nothing written");

    // The same for 転送不要, which would otherwise mail non-forwardable
    // letters as ordinary ones.
    let input = renamed_sample(dir.path(), "転送不要", "転送");
    let out = check(&input, &dir.path().join("o"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("columns.non_forwardable"),
        "{}",
        stderr(&out)
    );

    // `run` refuses alike, before touching the ledger.
    let out = common::kigen_command()
        .args(["run", "--quiet", "--as-of", "2026-11-26", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--state")
        .arg(dir.path().join("state.sqlite"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("columns.non_forwardable"));
    assert!(!dir.path().join("out/2026-11-26").exists());
}

#[test]
fn a_column_listed_absent_may_be_missing_but_not_present() {
    let dir = tempfile::tempdir().unwrap();
    let input = renamed_sample(dir.path(), "カード発行日", "交付年月日");
    let profile = absent_profile(dir.path(), &["card_issued"]);
    let out = check(
        &input,
        &dir.path().join("o"),
        &["--profile", profile.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // Listed absent, yet the export has it: the profile is out of date.
    let out = check(
        &root().join(SAMPLE),
        &dir.path().join("o2"),
        &["--profile", profile.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("columns.card_issued") && err.contains("columns.absent"),
        "{err}"
    );
}

#[test]
fn absent_keys_are_validated_naming_columns_absent() {
    let dir = tempfile::tempdir().unwrap();
    for (keys, want) in [
        (&["card_isued"][..], "card_isued"),
        (&["birth_date"][..], "required"),
    ] {
        let profile = absent_profile(dir.path(), keys);
        let out = check(
            &root().join(SAMPLE),
            &dir.path().join("o"),
            &["--profile", profile.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(
            err.contains("columns.absent") && err.contains(want),
            "{err}"
        );
    }
}

#[test]
fn columns_shows_the_header_and_each_key_without_data() {
    let out = kigen(&["columns", "--input", &common::repo_path(SAMPLE)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("header row (20 columns)"), "{text}");
    let line_of = |key: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("{key}: {text}"))
            .to_string()
    };
    assert!(line_of("resident_code").contains("column 1"), "{text}");
    assert!(line_of("card_issued").contains("column 12"), "{text}");
    assert!(line_of("card_issued").contains("カード発行日"), "{text}");
    assert!(
        text.contains("does not read (2): 2 個人番号, 6 性別"),
        "{text}"
    );
    assert!(!text.contains(FIRST_ROW_NUMBER) && !text.contains(FIRST_ROW_NAME));

    // A renamed column: shown missing, and the run's own message, exit 2.
    let dir = tempfile::tempdir().unwrap();
    let input = renamed_sample(dir.path(), "カード発行日", "交付年月日");
    let out = kigen(&["columns", "--input", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    let card = text
        .lines()
        .find(|l| l.trim_start().starts_with("card_issued"))
        .unwrap();
    assert!(card.contains("MISSING"), "{text}");
    assert!(text.contains("12 交付年月日"), "the unread column: {text}");
    let run = check(&input, &dir.path().join("o"), &[]);
    assert_eq!(stderr(&out), stderr(&run), "the same message as the run");

    // Listed absent: shown so, exit 0.
    let profile = absent_profile(dir.path(), &["card_issued"]);
    let out = kigen(&[
        "columns",
        "--input",
        input.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("absent (listed)"), "{}", stdout(&out));
}

#[test]
fn summary_records_the_column_map() {
    let dir = tempfile::tempdir().unwrap();
    let run = |input: &Path, profile: &Path, name: &str| {
        let out = common::kigen_command()
            .args(["run", "--quiet", "--as-of", "2026-11-26", "--input"])
            .arg(input)
            .arg("--profile")
            .arg(profile)
            .arg("--out")
            .arg(dir.path().join(name))
            .arg("--state")
            .arg(dir.path().join(format!("{name}.sqlite")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let batch = dir.path().join(name).join("2026-11-26");
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap();
        let verify = common::kigen_command()
            .arg("verify")
            .arg(&batch)
            .arg("--state")
            .arg(dir.path().join(format!("{name}.sqlite")))
            .output()
            .unwrap();
        assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
        (
            summary,
            std::fs::read_to_string(batch.join("summary.json")).unwrap(),
        )
    };
    let saku = root().join("templates/saku");
    let (summary, text) = run(&root().join(SAMPLE), &saku, "full");
    let columns = summary["columns"].as_object().expect("a columns object");
    // SPEC 1's 18 keys, then SPEC 9's five (送付先, 支援措置) and SPEC 15's
    // card_kind, which the Saku profile does not map: null.
    assert_eq!(columns.len(), 24);
    assert_eq!(columns["resident_code"], "住民コード");
    assert_eq!(columns["card_issued"], "カード発行日");
    assert_eq!(columns["non_forwardable"], "転送不要");
    assert!(KEYS.iter().all(|k| columns[*k].is_string()), "{columns:?}");
    for key in [
        "mail_to_postal_code",
        "mail_to_address",
        "mail_to_address_extra",
        "mail_to_name",
        "support_measure",
        "card_kind",
    ] {
        assert!(columns[key].is_null(), "{key}: {columns:?}");
    }
    // In the fixed order of the profile's keys.
    let at: Vec<usize> = KEYS
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    // The existing keys stay.
    for key in [
        "tool",
        "version",
        "as_of",
        "input",
        "profile_sha256",
        "counts",
        "files",
    ] {
        assert!(summary.get(key).is_some(), "{key}");
    }

    // A key listed absent is recorded as null.
    let input = renamed_sample(dir.path(), "カード申請日", "申請日");
    let profile = absent_profile(dir.path(), &["card_applied"]);
    let (summary, _) = run(&input, &profile, "absent");
    assert!(summary["columns"]["card_applied"].is_null(), "{summary}");
    assert_eq!(summary["columns"]["card_issued"], "カード発行日");
}

#[test]
fn a_utf8_file_read_as_cp932_names_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("utf8.csv");
    std::fs::write(&input, sample_text()).unwrap();
    let out = check(&input, &dir.path().join("o"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("looks like UTF-8") && err.contains("--encoding utf-8"),
        "{err}"
    );
    // And it reads with the option.
    let out = check(&input, &dir.path().join("o"), &["--encoding", "utf-8"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_cp932_file_read_as_utf8_names_cp932() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(
        &root().join(SAMPLE),
        &dir.path().join("o"),
        &["--encoding", "utf-8"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("looks like CP932") && err.contains("--encoding cp932"),
        "{err}"
    );
}

#[test]
fn utf16_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = sample_text();
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let ascii = "code,name\r\nA1,x\r\n";
    let ascii_le: Vec<u8> = ascii.encode_utf16().flat_map(u16::to_le_bytes).collect();
    for (name, bytes) in [
        ("le-bom", [&[0xFF, 0xFE][..], &le].concat()),
        ("be-bom", [&[0xFE, 0xFF][..], &be].concat()),
        ("le", le.clone()),
        ("ascii-le", ascii_le),
    ] {
        let input = dir.path().join(format!("{name}.csv"));
        std::fs::write(&input, bytes).unwrap();
        for encoding in ["cp932", "utf-8"] {
            let out = check(&input, &dir.path().join("o"), &["--encoding", encoding]);
            assert_eq!(out.status.code(), Some(2), "{name}");
            let err = stderr(&out);
            assert!(
                err.contains("UTF-16 is not supported"),
                "{name} {encoding}: {err}"
            );
        }
    }
}

#[test]
fn a_headerless_file_never_echoes_its_first_row() {
    let dir = tempfile::tempdir().unwrap();
    let text = sample_text();
    let (_, body) = text.split_once("\r\n").or(text.split_once('\n')).unwrap();
    assert!(body.lines().next().unwrap().contains(FIRST_ROW_NUMBER));
    let input = dir.path().join("headerless.csv");
    std::fs::write(&input, cp932(body)).unwrap();
    let out = check(&input, &dir.path().join("o"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("does not look like a header row"), "{err}");
    assert!(
        !err.contains(FIRST_ROW_NUMBER) && !err.contains(FIRST_ROW_NAME),
        "{err}"
    );

    let out = kigen(&["columns", "--input", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    for s in [stdout(&out), stderr(&out)] {
        assert!(
            !s.contains(FIRST_ROW_NUMBER) && !s.contains(FIRST_ROW_NAME),
            "{s}"
        );
    }
}
