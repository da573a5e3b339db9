//! `kigen ledger backup` and `restore` (SPEC 14, "Backup"): a backup taken
//! while a 200,000-row run holds the ledger opens and passes
//! integrity_check; a restore that would forget a committed batch restores
//! nothing; a restore over a damaged ledger brings the nights back.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::{kigen, kigen_command};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn s(&self, rel: &str) -> String {
        self.p(rel).to_str().unwrap().to_string()
    }
    fn sample(&self, name: &str, rows: &str, seed: &str) -> String {
        let o = kigen(&[
            "sample",
            "--rows",
            rows,
            "--seed",
            seed,
            "--as-of",
            "2026-11-26",
            "--out",
            &self.s(name),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        self.s(name)
    }
    fn run_args(&self, input: &str, as_of: &str) -> Vec<String> {
        [
            "run",
            "--input",
            input,
            "--as-of",
            as_of,
            "--out",
            &self.s("out"),
            "--state",
            &self.s("state/kigen.sqlite"),
            "--quiet",
            "--accept-input-change",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
    fn run(&self, input: &str, as_of: &str) -> Output {
        kigen_command()
            .args(self.run_args(input, as_of))
            .output()
            .unwrap()
    }
    fn ledger(&self, args: &[&str]) -> Output {
        let mut all = vec!["ledger"];
        all.extend_from_slice(args);
        kigen(&all)
    }
    fn backup(&self, to: &str) -> Output {
        self.ledger(&[
            "backup",
            "--state",
            &self.s("state/kigen.sqlite"),
            "--to",
            &self.s(to),
        ])
    }
    fn restore(&self, from: &str) -> Output {
        self.ledger(&[
            "restore",
            "--state",
            &self.s("state/kigen.sqlite"),
            "--from",
            &self.s(from),
            "--out",
            &self.s("out"),
        ])
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// integrity_check and the batches, read with SQLite itself.
fn check_copy(path: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let verdict: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok", "{}", path.display());
    let mut stmt = c
        .prepare("SELECT batch_id FROM batch ORDER BY batch_id")
        .unwrap();
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    ids
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(tree(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn a_backup_taken_during_a_large_run_is_consistent_and_restores() {
    let e = Env::new();
    let small = e.sample("small.csv", "2000", "2");
    let big = e.sample("big.csv", "200000", "1");
    let o = e.run(&small, "2026-11-25");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = e.backup("night1.sqlite");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("integrity_check ok"));
    #[cfg(unix)]
    assert_eq!(mode(&e.p("night1.sqlite")), 0o600);
    assert_eq!(check_copy(&e.p("night1.sqlite")), ["2026-11-25"]);

    // Backups, one after another, while the 200,000-row night runs and
    // commits: each one opens, passes integrity_check and holds either the
    // night before or both nights, never half a commit.
    let mut child = kigen_command()
        .args(e.run_args(&big, "2026-11-26"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut during = 0;
    let mut n = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        n += 1;
        let name = format!("during-{n}.sqlite");
        let o = e.backup(&name);
        assert!(o.status.success(), "{}", stderr(&o));
        let ids = check_copy(&e.p(&name));
        assert!(
            ids == ["2026-11-25"] || ids == ["2026-11-25", "2026-11-26"],
            "{ids:?}"
        );
        if child.try_wait().unwrap().is_none() {
            during += 1;
        }
    };
    assert!(status.success());
    assert!(during > 0, "no backup was taken while the run was going");
    let o = e.backup("night2.sqlite");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        check_copy(&e.p("night2.sqlite")),
        ["2026-11-25", "2026-11-26"]
    );
    // A backup is never written over.
    let before = std::fs::read(e.p("night1.sqlite")).unwrap();
    let o = e.backup("night1.sqlite");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read(e.p("night1.sqlite")).unwrap(), before);

    // The night-1 backup does not know the batch of 2026-11-26: restoring
    // it would print that night again, so nothing is restored.
    let state_before = tree(&e.p("state"));
    let o = e.restore("night1.sqlite");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("2026-11-26"), "{}", stderr(&o));
    assert!(stderr(&o).contains("Nothing was changed"), "{}", stderr(&o));
    assert_eq!(tree(&e.p("state")), state_before);

    // The ledger is damaged; the night-2 backup brings it back, the damaged
    // file kept beside it, and the nights go on.
    std::fs::write(e.p("state/kigen.sqlite"), b"not a ledger at all").unwrap();
    let o = e.ledger(&[
        "check",
        "--out",
        &e.s("out"),
        "--state",
        &e.s("state/kigen.sqlite"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = e.restore("night2.sqlite");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(e.p("state/kigen.sqlite.replaced-1")).unwrap(),
        b"not a ledger at all"
    );
    let o = e.ledger(&[
        "check",
        "--out",
        &e.s("out"),
        "--state",
        &e.s("state/kigen.sqlite"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The restored ledger knows the night: its rerun changes nothing.
    let out_before = tree(&e.p("out"));
    let o = e.run(&big, "2026-11-26");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(tree(&e.p("out")), out_before);
}
