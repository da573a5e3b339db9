//! Nightly operation: the ledger, atomic batches under crashes, catch-up
//! after skipped nights, reruns, `--regenerate`, `verify` and the state lock.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{assert_same_batch, root};

struct Env {
    _dir: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    Env {
        out: dir.path().join("out"),
        state: dir.path().join("state/kigen.sqlite"),
        _dir: dir,
    }
}

fn kigen_run(e: &Env, input: &Path, as_of: &str, extra: &[&str], fault: Option<u32>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kigen"));
    c.args(["run", "--quiet", "--as-of", as_of])
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(&e.out)
        .arg("--state")
        .arg(&e.state)
        .args(extra)
        .current_dir(root());
    if let Some(n) = fault {
        c.env("KIGEN_FAULT_AFTER", n.to_string());
    }
    c.output().unwrap()
}

fn edge_cases() -> PathBuf {
    root().join("input-samples/edge-cases.csv")
}

/// (住民コード, item, expiry) of every notice in the ledger, and the count of rows.
fn ledger_notices(state: &Path) -> (BTreeSet<(String, String, String)>, usize) {
    let conn = rusqlite::Connection::open(state).unwrap();
    let mut stmt = conn
        .prepare("SELECT resident_code, item, expiry FROM notice")
        .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let n = rows.len();
    (rows.into_iter().collect(), n)
}

#[test]
fn a_crash_anywhere_leaves_nothing_or_everything() {
    let reference = env();
    let ok = kigen_run(&reference, &edge_cases(), "2026-11-26", &[], None);
    assert!(ok.status.success());
    let ref_batch = reference.out.join("2026-11-26");
    let (ref_notices, _) = ledger_notices(&reference.state);
    assert!(!ref_notices.is_empty());

    let mut crashed = 0;
    for n in 1.. {
        let e = env();
        let out = kigen_run(&e, &edge_cases(), "2026-11-26", &[], Some(n));
        if out.status.success() {
            break; // past the last fault point: the run completed
        }
        crashed += 1;
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("KIGEN_FAULT_AFTER"),
            "point {n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Either no batch is recorded, or the whole batch is in place.
        let batch = e.out.join("2026-11-26");
        let recorded = e.state.exists() && !ledger_notices(&e.state).0.is_empty();
        if recorded || batch.exists() {
            // Recorded, or renamed into place just before the commit: the
            // directory under the batch's name is always the whole batch.
            assert_same_batch(&ref_batch, &batch);
        }
        // The rerun finishes the job: same bytes, each notice once.
        let rerun = kigen_run(&e, &edge_cases(), "2026-11-26", &[], None);
        assert!(
            rerun.status.success(),
            "point {n}: {}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        assert_same_batch(&ref_batch, &batch);
        let (notices, rows) = ledger_notices(&e.state);
        assert_eq!(notices, ref_notices, "point {n}");
        assert_eq!(rows, notices.len(), "point {n}: each notice once");
        assert!(!e.out.join(".2026-11-26.partial").exists() || !recorded);
    }
    assert!(crashed >= 10, "only {crashed} fault points were exercised");
}

#[test]
fn catching_up_after_skipped_nights_notices_the_same_residents_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("registry.csv");
    let sample = Command::new(env!("CARGO_BIN_EXE_kigen"))
        .args([
            "sample",
            "--rows",
            "4000",
            "--seed",
            "11",
            "--as-of",
            "2026-11-26",
            "--out",
        ])
        .arg(&input)
        .output()
        .unwrap();
    assert!(sample.status.success());
    let days = [
        "2026-11-26",
        "2026-11-27",
        "2026-11-28",
        "2026-11-29",
        "2026-11-30",
    ];

    let nightly = env();
    for d in days {
        assert!(
            kigen_run(&nightly, &input, d, &[], None).status.success(),
            "{d}"
        );
    }
    let catch_up = env();
    for d in [days[0], days[4]] {
        assert!(
            kigen_run(&catch_up, &input, d, &[], None).status.success(),
            "{d}"
        );
    }
    let (a, rows_a) = ledger_notices(&nightly.state);
    let (b, rows_b) = ledger_notices(&catch_up.state);
    assert!(a.len() > 50, "a few percent of 4,000 rows are due");
    assert_eq!(a, b, "the union of notices is the same");
    assert_eq!((rows_a, rows_b), (a.len(), b.len()), "nobody noticed twice");
    // The days in between noticed someone (the test would prove nothing otherwise).
    let later: usize = days[1..4]
        .iter()
        .map(|d| common::read_csv(&nightly.out.join(d).join("manifest.csv")).len())
        .sum();
    assert!(later > 0, "items entered their window between the runs");
}

#[test]
fn rerun_changes_nothing_and_regenerate_reproduces_every_byte() {
    let e = env();
    assert!(kigen_run(&e, &edge_cases(), "2026-11-26", &[], None)
        .status
        .success());
    let batch = e.out.join("2026-11-26");
    let snapshot: Vec<(PathBuf, Vec<u8>)> = common::batch_files(&batch)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(batch.join(&f)).unwrap();
            (f, bytes)
        })
        .collect();
    let mtime = std::fs::metadata(batch.join("summary.json"))
        .unwrap()
        .modified()
        .unwrap();

    let again = kigen_run(&e, &edge_cases(), "2026-11-26", &[], None);
    assert!(again.status.success());
    assert_eq!(
        mtime,
        std::fs::metadata(batch.join("summary.json"))
            .unwrap()
            .modified()
            .unwrap(),
        "a rerun touches nothing"
    );

    std::fs::remove_dir_all(&batch).unwrap();
    let missing = kigen_run(&e, &edge_cases(), "2026-11-26", &[], None);
    assert_eq!(
        missing.status.code(),
        Some(2),
        "files gone: asks for --regenerate"
    );
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--regenerate"));

    let regen = kigen_run(&e, &edge_cases(), "2026-11-26", &["--regenerate"], None);
    assert!(
        regen.status.success(),
        "{}",
        String::from_utf8_lossy(&regen.stderr)
    );
    for (f, bytes) in &snapshot {
        assert!(
            std::fs::read(batch.join(f)).unwrap() == *bytes,
            "{} differs",
            f.display()
        );
    }
    assert_eq!(common::batch_files(&batch).len(), snapshot.len());
    let (_, rows) = ledger_notices(&e.state);
    let (set, _) = ledger_notices(&e.state);
    assert_eq!(rows, set.len(), "regenerate records nothing twice");
}

fn verify(batch: &Path, state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kigen"))
        .arg("verify")
        .arg(batch)
        .arg("--state")
        .arg(state)
        .output()
        .unwrap()
}

#[test]
fn verify_passes_then_fails_on_any_changed_byte() {
    let e = env();
    assert!(kigen_run(&e, &edge_cases(), "2026-11-26", &[], None)
        .status
        .success());
    let batch = e.out.join("2026-11-26");
    let ok = verify(&batch, &e.state);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    let flip = |file: &str, at: fn(usize) -> usize| {
        let path = batch.join(file);
        let original = std::fs::read(&path).unwrap();
        let mut bytes = original.clone();
        let i = at(bytes.len());
        bytes[i] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let out = verify(&batch, &e.state);
        std::fs::write(&path, &original).unwrap();
        out
    };
    for (file, at) in [
        ("print/notices-0001.pdf", (|n| n / 2) as fn(usize) -> usize),
        ("print/non-forwardable-0001.pdf", |n| n - 10),
        ("manifest.csv", |n| n - 5),
        ("summary.json", |n| n - 8), // inside the timings
        ("summary.json", |n| n / 3),
    ] {
        let out = flip(file, at);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{file}: {text}");
        assert!(
            text.lines()
                .any(|l| l.starts_with("MISMATCH") && l.contains(file)),
            "{file} not named: {text}"
        );
    }
    // Restored: passes again.
    assert_eq!(verify(&batch, &e.state).status.code(), Some(0));
}

#[test]
fn a_second_process_on_the_same_state_exits_2() {
    let e = env();
    let _held = kigen::ledger::Ledger::open(&e.state).unwrap();
    let out = kigen_run(&e, &edge_cases(), "2026-11-26", &[], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another kigen process"));
    assert!(!e.out.join("2026-11-26").exists());
}

#[test]
fn an_earlier_date_after_a_later_batch_is_refused() {
    let e = env();
    assert!(kigen_run(&e, &edge_cases(), "2026-11-27", &[], None)
        .status
        .success());
    let out = kigen_run(&e, &edge_cases(), "2026-11-26", &[], None);
    assert_eq!(out.status.code(), Some(2));
}
