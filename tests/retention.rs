//! Retention (SPEC 14): an old batch archived, then purged; the nights go
//! on, `verify` and `history` find the archived batch, and a purged
//! resident is never noticed twice.

mod common;

use std::collections::BTreeSet;
use std::process::Output;

use common::{kigen, read_csv};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn archive_then_purge_an_old_batch_and_the_nights_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let s = |rel: &str| dir.path().join(rel).to_str().unwrap().to_string();
    let (out, state, archive) = (s("out"), s("state/kigen.sqlite"), s("archive"));
    let input = s("registry.csv");
    let o = kigen(&[
        "sample",
        "--rows",
        "2000",
        "--seed",
        "3",
        "--as-of",
        "2026-11-26",
        "--out",
        &input,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let run = |as_of: &str| {
        kigen(&[
            "run",
            "--input",
            &input,
            "--as-of",
            as_of,
            "--out",
            &out,
            "--state",
            &state,
            "--quiet",
            "--accept-input-change",
        ])
    };
    let o = run("2026-11-26");
    assert!(o.status.success(), "{}", stderr(&o));
    let first: BTreeSet<String> = read_csv(&dir.path().join("out/2026-11-26/manifest.csv"))
        .into_iter()
        .map(|r| r["resident_code"].clone())
        .collect();
    assert!(!first.is_empty());
    // Archive: the batch leaves --out, the next night runs.
    let o = kigen(&[
        "archive",
        "--state",
        &state,
        "--out",
        &out,
        "--before",
        "2026-11-27",
        "--to",
        &archive,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!dir.path().join("out/2026-11-26").exists());
    assert!(dir.path().join("archive/2026-11-26/manifest.csv").is_file());
    let o = run("2026-11-27");
    assert!(o.status.success(), "{}", stderr(&o));
    // verify finds it, by its old path or its new one; history shows where.
    for path in [s("out/2026-11-26"), s("archive/2026-11-26")] {
        let o = kigen(&["verify", &path, "--state", &state]);
        assert_eq!(o.status.code(), Some(0), "{path}: {}", stdout(&o));
    }
    let code = first.iter().next().unwrap();
    let o = kigen(&["history", "--state", &state, "--resident", code]);
    assert!(stdout(&o).contains("ARCHIVED to"), "{}", stdout(&o));
    // Purge: refused while younger than [retention] years, changing nothing.
    let purge = |extra: &[&str]| {
        let mut a = vec![
            "purge",
            "--state",
            &state,
            "--out",
            &out,
            "--before",
            "2026-11-27",
        ];
        a.extend_from_slice(extra);
        kigen(&a)
    };
    let o = purge(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("[retention] years = 5"),
        "{}",
        stderr(&o)
    );
    assert!(dir.path().join("archive/2026-11-26/manifest.csv").is_file());
    let o = purge(&["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let batch = dir.path().join("archive/2026-11-26");
    assert!(!batch.join("manifest.csv").exists());
    assert!(!batch.join("print/notices-0001.pdf").exists());
    assert!(batch.join("summary.json").is_file());
    // purged.json keeps the hashes summary.json recorded.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap();
    let purged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("purged.json")).unwrap()).unwrap();
    let manifest_sha = |v: &serde_json::Value| {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == "manifest.csv")
            .map(|f| f["sha256"].clone())
            .unwrap()
    };
    assert_eq!(manifest_sha(&summary), manifest_sha(&purged));
    let o = kigen(&["verify", &s("archive/2026-11-26"), "--state", &state]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = kigen(&["history", "--state", &state, "--resident", code]);
    assert!(stdout(&o).contains("PURGED"), "{}", stdout(&o));
    // A purged resident is never noticed twice.
    let o = run("2026-11-28");
    assert!(o.status.success(), "{}", stderr(&o));
    let later: BTreeSet<String> = read_csv(&dir.path().join("out/2026-11-28/manifest.csv"))
        .into_iter()
        .map(|r| r["resident_code"].clone())
        .collect();
    assert!(
        later.is_disjoint(&first),
        "noticed again: {:?}",
        later.intersection(&first).collect::<Vec<_>>()
    );
    let outcomes = read_csv(&dir.path().join("out/2026-11-28/outcomes.csv"));
    assert!(outcomes
        .iter()
        .any(|r| first.contains(&r["resident_code"]) && r["outcome"] == "already-noticed"));
    let o = kigen(&["ledger", "check", "--out", &out, "--state", &state]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kigen(&["batches", "--state", &state]);
    assert!(
        stdout(&o).contains("archived to") && stdout(&o).contains("purged"),
        "{}",
        stdout(&o)
    );
}

/// The mail room's commands on an archived batch (SPEC 14): `pulls` reads
/// it where the ledger says it went (its list goes beside where the batch
/// was), `reprint` needs only the ledger; `ledger check` warns when the
/// archive is not there; `pulls` of a purged batch is refused (exit 2).
#[test]
fn pulls_and_reprint_find_an_archived_batch_and_ledger_check_warns_when_it_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let s = |rel: &str| dir.path().join(rel).to_str().unwrap().to_string();
    let (out, state, archive) = (s("out"), s("state/kigen.sqlite"), s("archive"));
    let input = s("registry.csv");
    let o = kigen(&[
        "sample",
        "--rows",
        "400",
        "--seed",
        "5",
        "--as-of",
        "2026-11-26",
        "--out",
        &input,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kigen(&[
        "run",
        "--input",
        &input,
        "--as-of",
        "2026-11-26",
        "--out",
        &out,
        "--state",
        &state,
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = read_csv(&dir.path().join("out/2026-11-26/manifest.csv"));
    let doc = manifest[0]["document_number"].clone();
    let o = kigen(&[
        "archive",
        "--state",
        &state,
        "--out",
        &out,
        "--before",
        "2026-11-27",
        "--to",
        &archive,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // pulls by the batch's old path: read from the archive.
    let o = kigen(&[
        "pulls",
        &s("out/2026-11-26"),
        "--input",
        &input,
        "--state",
        &state,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = read_csv(&dir.path().join("out/pulls-2026-11-26/pull-list.csv"));
    assert!(
        list.is_empty(),
        "the same export: nothing to pull: {list:?}"
    );
    assert!(!dir.path().join("archive/pulls-2026-11-26").exists());
    let o = kigen(&[
        "reprint",
        "--state",
        &state,
        "--document",
        &doc,
        "--input",
        &input,
        "--reason",
        "再送",
        "--out",
        &s("reprints"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read_dir(dir.path().join("reprints"))
            .unwrap()
            .count()
            == 1
    );
    // ledger check: agrees, and warns of an archive that has gone.
    let check = || kigen(&["ledger", "check", "--state", &state, "--out", &out]);
    let o = check();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    std::fs::rename(s("archive"), s("elsewhere")).unwrap();
    let o = check();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: batch 2026-11-26 was archived to")
            && stderr(&o).contains("not there now"),
        "{}",
        stderr(&o)
    );
    std::fs::rename(s("elsewhere"), s("archive")).unwrap();
    // A purged batch has nothing to pull.
    let o = kigen(&[
        "purge",
        "--state",
        &state,
        "--out",
        &out,
        "--before",
        "2026-11-27",
        "--force",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kigen(&[
        "pulls",
        &s("out/2026-11-26"),
        "--input",
        &input,
        "--state",
        &state,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("was purged"), "{}", stderr(&o));
}
