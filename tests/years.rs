//! Living with kigen for years (SPEC 14): a stale export refused, an empty
//! supplement not written, and a clerk's lookup by name.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{kigen_command, repo_path};

struct Env {
    _dir: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
    root: PathBuf,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    Env {
        out: root.join("out"),
        state: root.join("state/kigen.sqlite"),
        root,
        _dir: dir,
    }
}

fn run(e: &Env, input: &str, as_of: &str, extra: &[&str]) -> Output {
    kigen_command()
        .args(["run", "--allow-future", "--as-of", as_of, "--input", input])
        .arg("--out")
        .arg(&e.out)
        .arg("--state")
        .arg(&e.state)
        .args(extra)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn batches(e: &Env) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&e.out)
        .unwrap()
        .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn an_unchanged_export_is_refused_on_a_new_night_only() {
    let e = env();
    let sample = repo_path("input-samples/registry-sample.csv");
    let first = run(&e, &sample, "2026-11-26", &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let ledger_before = std::fs::read(&e.state).unwrap();

    // The next night with yesterday's file, byte for byte: refused, and
    // nothing changed.
    let stale = run(&e, &sample, "2026-11-27", &[]);
    let t = text(&stale);
    assert_eq!(stale.status.code(), Some(2), "{t}");
    assert!(
        t.contains("the export has not changed since 2026-11-26"),
        "{t}"
    );
    assert!(t.contains("--accept-input-change"), "what to do: {t}");
    assert!(t.contains("allow_unchanged"), "{t}");
    assert_eq!(batches(&e), ["2026-11-26"]);
    assert_eq!(std::fs::read(&e.state).unwrap(), ledger_before);

    // The same night again: complete already, as before.
    let again = run(&e, &sample, "2026-11-26", &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("already complete"),
        "{}",
        text(&again)
    );

    // A changed export (one more byte) passes.
    let changed = e.root.join("changed.csv");
    let mut bytes = std::fs::read(&sample).unwrap();
    bytes.extend_from_slice(b"\r\n");
    std::fs::write(&changed, bytes).unwrap();
    let o = run(&e, changed.to_str().unwrap(), "2026-11-27", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // The same file the night after: refused against 2026-11-27 ...
    let o = run(&e, changed.to_str().unwrap(), "2026-11-28", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("has not changed since 2026-11-27"));
    // ... and accepted when the operator says so.
    let o = run(
        &e,
        changed.to_str().unwrap(),
        "2026-11-28",
        &["--accept-input-change"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Or when the profile allows it.
    let profile = common::profile_with(
        &e.root,
        &[("allow_unchanged = false", "allow_unchanged = true")],
    );
    let o = run(
        &e,
        changed.to_str().unwrap(),
        "2026-11-29",
        &["--profile", profile.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        batches(&e),
        ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]
    );
}

#[test]
fn a_supplement_with_nothing_to_add_writes_no_batch() {
    let e = env();
    let sample = repo_path("input-samples/registry-sample.csv");
    let first = run(&e, &sample, "2026-11-26", &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let ledger_before = std::fs::read(&e.state).unwrap();
    let o = run(&e, &sample, "2026-11-26", &["--supplement"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("adds no notice"), "{t}");
    assert!(t.contains("no batch written"), "{t}");
    assert_eq!(batches(&e), ["2026-11-26"], "no empty 2026-11-26.2");
    assert_eq!(std::fs::read(&e.state).unwrap(), ledger_before);
}

const HEADER: &str = "住民コード,氏名,氏名カナ,生年月日,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,在留期間満了日,転送不要,法定代理人氏名";

fn names_export(dir: &Path) -> PathBuf {
    let rows = [
        "A001,佐久　太郎,サク　タロウ,1980-01-15,住民,3850051,長野県佐久市中込1-2-3,,,2017-01-15,,,,,,,0,",
        "A002,佐久　次郎,サク　ジロウ,1981-01-20,住民,3850051,長野県佐久市中込2-3-4,,,2017-01-20,,,,,,,0,",
        "A003,佐久太郎,サクタロウ,1982-01-22,住民,3850051,長野県佐久市中込3-4-5,,,2017-01-22,,,,,,,0,",
        "A004,SMITH JOHN,スミス　ジョン,1983-01-25,住民,3850051,長野県佐久市中込4-5-6,,,2017-01-25,,,,,,,0,",
    ];
    let path = dir.join("names.csv");
    std::fs::write(&path, format!("{HEADER}\r\n{}\r\n", rows.join("\r\n"))).unwrap();
    path
}

fn history(e: &Env, args: &[&str]) -> Output {
    kigen_command()
        .arg("history")
        .arg("--state")
        .arg(&e.state)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn history_finds_residents_by_name_folding_width_and_spaces() {
    let e = env();
    let input = names_export(&e.root);
    let o = run(
        &e,
        input.to_str().unwrap(),
        "2026-11-26",
        &["--encoding", "utf-8"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // An ASCII space where the register has a 全角 one, and none at all.
    let o = history(&e, &["--name", "佐久 太郎", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = doc["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["resident_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["A001", "A003"], "{doc}");
    for m in doc["matches"].as_array().unwrap() {
        assert_eq!(m["events"][0]["type"], "notice", "{m}");
    }
    // Full-width letters, lower case, an ideographic space.
    let o = history(&e, &["--name", "ｓｍｉｔｈ　ｊｏｈｎ"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("1 resident(s)"), "{t}");
    assert!(t.contains("resident A004  printed as SMITH JOHN"), "{t}");
    assert!(!t.contains("A001"), "{t}");
    // --birth: the ledger keeps none; the clerk is told to confirm it.
    let o = history(&e, &["--name", "佐久太郎", "--birth", "昭和55年1月15日"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("2 resident(s)"), "{t}");
    assert!(
        t.contains("the ledger records no birth dates: confirm the birth date 1980-01-15"),
        "{t}"
    );
    // Nobody by that name: none, exit 0; a bad date or no name: exit 2.
    let o = history(&e, &["--name", "佐久　三郎"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("0 resident(s)"), "{}", text(&o));
    let o = history(&e, &["--name", "佐久太郎", "--birth", "1980-02-30"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--birth"), "{}", text(&o));
    let o = history(&e, &["--name", "　 "]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = history(&e, &["--birth", "1980-01-15", "--resident", "A001"]);
    assert_eq!(o.status.code(), Some(2), "--birth needs --name");
}

#[test]
fn a_run_off_a_terminal_logs_one_line_per_phase_with_counts_and_seconds() {
    let e = env();
    let sample = repo_path("input-samples/registry-sample.csv");
    let o = run(&e, &sample, "2026-11-26", &[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(e.out.join("2026-11-26/summary.json")).unwrap())
            .unwrap();
    let rows = summary["counts"]["rows_read"].as_u64().unwrap();
    let bytes = std::fs::metadata(&sample).unwrap().len();
    let packets: u64 = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["packets"].as_u64())
        .sum();
    assert!(packets > 0);
    let lines: Vec<&str> = err.lines().collect();
    let read = format!("kigen: read {rows} row(s) of {bytes} bytes in ");
    let rendered = format!("kigen: rendered {packets} packet(s) in ");
    let at = |p: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(p) && l.ends_with(" s"))
            .unwrap_or_else(|| panic!("no line {p:?} in {err}"))
    };
    assert!(at(&read) < at(&rendered), "{err}");
    // No bar or escape sequence in a log.
    assert!(!err.contains('\u{1b}'), "{err:?}");
    // A failed run claims no phase it did not finish: nothing rendered.
    let o = run(&e, &sample, "2026-11-27", &[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("kigen: rendered"), "{err}");
    assert!(!err.contains("done in"), "{err}");
}
