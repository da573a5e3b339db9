//! Nightly operation: the ledger, atomic batches under crashes, catch-up
//! after skipped nights, reruns, `--regenerate`, `verify` and the state lock.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{assert_same_batch, example_profile, root};

struct Env {
    _dir: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
    /// The Saku profile with the example 外字 table edge-cases.csv expects.
    profile: PathBuf,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    Env {
        out: dir.path().join("out"),
        state: dir.path().join("state/kigen.sqlite"),
        profile: example_profile(dir.path()),
        _dir: dir,
    }
}

/// A fresh out and state using `other`'s profile: summary.json names the
/// profile's directory, so batches compared byte for byte share one.
fn env_sharing_profile(other: &Env) -> Env {
    Env {
        profile: other.profile.clone(),
        ..env()
    }
}

fn kigen_run(e: &Env, input: &Path, as_of: &str, extra: &[&str], fault: Option<u32>) -> Output {
    let mut c = common::kigen_command();
    c.args(["run", "--quiet", "--as-of", as_of])
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(&e.out)
        .arg("--state")
        .arg(&e.state)
        .arg("--profile")
        .arg(&e.profile)
        .args(extra);
    if let Some(n) = fault {
        c.env("KIGEN_FAULT_AFTER", n.to_string());
    }
    c.output().unwrap()
}

fn edge_cases() -> PathBuf {
    root().join("input-samples/edge-cases.csv")
}

/// (住民コード, item, expiry) of every notice in the ledger.
fn ledger_notices(state: &Path) -> BTreeSet<(String, String, String)> {
    ledger_rows(state)
        .into_iter()
        .map(|r| (r.0, r.1, r.2))
        .collect()
}

/// Every notice row of the ledger in full: (住民コード, item, expiry, batch,
/// document number, print file, first page), sorted.
type LedgerRow = (String, String, String, String, String, String, i64);
fn ledger_rows(state: &Path) -> Vec<LedgerRow> {
    let conn = rusqlite::Connection::open(state).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT resident_code, item, expiry, batch_id, document_number, print_file, first_page FROM notice ORDER BY resident_code, item, expiry",
        )
        .unwrap();
    let rows: Vec<LedgerRow> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

/// (住民コード, document number) of every manifest row of a batch.
fn manifest_residents(batch: &Path) -> Vec<(String, String)> {
    common::read_csv(&batch.join("manifest.csv"))
        .into_iter()
        .map(|r| (r["resident_code"].clone(), r["document_number"].clone()))
        .collect()
}

#[test]
fn a_crash_anywhere_leaves_nothing_or_everything() {
    let reference = env();
    let ok = kigen_run(&reference, &edge_cases(), "2026-11-26", &[], None);
    assert!(ok.status.success());
    let ref_batch = reference.out.join("2026-11-26");
    let ref_rows = ledger_rows(&reference.state);
    assert!(!ref_rows.is_empty());

    let mut crashed = 0;
    for n in 1.. {
        let e = env_sharing_profile(&reference);
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
        let recorded = e.state.exists() && !ledger_rows(&e.state).is_empty();
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
        // The ledger holds what the uninterrupted run recorded, row for row:
        // the same notices under the same numbers, files and pages.
        assert_eq!(ledger_rows(&e.state), ref_rows, "point {n}");
        // Nothing of the crashed attempt is left beside the batch: no
        // `.2026-11-26.partial`, no stray file (only the batch and the lock).
        let mut left: Vec<String> = std::fs::read_dir(&e.out)
            .unwrap()
            .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".kigen.lock", "2026-11-26"], "point {n}");
    }
    assert!(crashed >= 10, "only {crashed} fault points were exercised");
}

#[test]
fn catching_up_after_skipped_nights_notices_the_same_residents_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("registry.csv");
    let sample = common::kigen_command()
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
            kigen_run(&nightly, &input, d, &["--accept-input-change"], None)
                .status
                .success(),
            "{d}"
        );
    }
    let catch_up = env();
    for d in [days[0], days[4]] {
        assert!(
            kigen_run(&catch_up, &input, d, &["--accept-input-change"], None)
                .status
                .success(),
            "{d}"
        );
    }
    let a = ledger_notices(&nightly.state);
    let b = ledger_notices(&catch_up.state);
    assert!(a.len() > 50, "a few percent of 4,000 rows are due");
    assert_eq!(a, b, "the union of notices is the same");
    // Nobody was sent two letters: across the nightly batches' manifests
    // each resident appears once, and they are exactly the ledger's.
    let mailed: Vec<String> = days
        .iter()
        .flat_map(|d| manifest_residents(&nightly.out.join(d)))
        .map(|(code, _)| code)
        .collect();
    let once: BTreeSet<&String> = mailed.iter().collect();
    assert_eq!(once.len(), mailed.len(), "a resident was mailed twice");
    let noticed: BTreeSet<&String> = a.iter().map(|n| &n.0).collect();
    assert_eq!(
        once, noticed,
        "the manifests and the ledger name the same residents"
    );
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
    let rows_before = ledger_rows(&e.state);

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
    assert_eq!(
        ledger_rows(&e.state),
        rows_before,
        "regenerate changes nothing in the ledger"
    );
}

fn verify(batch: &Path, state: &Path) -> Output {
    common::kigen_command()
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
