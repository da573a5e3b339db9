//! Going live (SPEC 14): `kigen ledger import` records the notices the
//! process being replaced already sent; the next run prints exactly the
//! others. An import with one bad line imports nothing.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Output;

use common::{kigen, read_csv};

const AS_OF: &str = "2026-11-26";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn s(&self, rel: &str) -> String {
        self.dir.path().join(rel).to_str().unwrap().to_string()
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn run(&self, input: &str, out: &str, state: &str) -> Output {
        kigen(&[
            "run",
            "--input",
            input,
            "--as-of",
            AS_OF,
            "--out",
            &self.s(out),
            "--state",
            &self.s(state),
            "--quiet",
        ])
    }
}

/// The manifest's residents, and its NOTICES.csv lines (one per due item).
fn manifest(path: &std::path::Path) -> Vec<(String, Vec<String>)> {
    read_csv(path)
        .into_iter()
        .map(|row| {
            let code = row["resident_code"].clone();
            let mut lines = Vec::new();
            for (item, col) in [
                ("card", "card"),
                ("user_cert", "user_cert"),
                ("sign_cert", "sign_cert"),
            ] {
                if row[&format!("{col}_due")] == "1" {
                    lines.push(format!(
                        "{code},{item},{},2026-11-20",
                        row[&format!("{col}_expiry")]
                    ));
                }
            }
            (code, lines)
        })
        .collect()
}

#[test]
fn an_import_of_half_the_night_leaves_the_other_half_to_print() {
    let e = Env {
        dir: tempfile::tempdir().unwrap(),
    };
    let input = e.s("registry.csv");
    let o = kigen(&[
        "sample", "--rows", "3000", "--seed", "7", "--as-of", AS_OF, "--out", &input,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // What tonight would print without the import.
    let o = e.run(&input, "out-before", "state-before/kigen.sqlite");
    assert!(o.status.success(), "{}", stderr(&o));
    let due = manifest(&e.p(&format!("out-before/{AS_OF}/manifest.csv")));
    assert!(
        due.len() >= 10,
        "the sample has {} due residents",
        due.len()
    );
    // Every other resident was written to by the old process (the header
    // and the lines as an earlier system writes them: CRLF, one 和暦 date).
    let mut csv = String::from("resident_code,item,expiry,sent_on\r\n");
    let (mut sent, mut left) = (BTreeSet::new(), BTreeSet::new());
    for (i, (code, lines)) in due.iter().enumerate() {
        if i % 2 == 0 {
            sent.insert(code.clone());
            for l in lines {
                csv.push_str(l);
                csv.push_str("\r\n");
            }
        } else {
            left.insert(code.clone());
        }
    }
    let csv = csv.replacen("2026-11-20\r\n", "令和8年11月20日\r\n", 1);
    std::fs::write(e.p("NOTICES.csv"), &csv).unwrap();
    let state = e.s("state/kigen.sqlite");
    let import = |extra: &[&str]| {
        let mut args = vec!["ledger", "import", "--state", &state, "--file"];
        let file = e.s("NOTICES.csv");
        args.push(&file);
        args.extend_from_slice(&["--as-of", AS_OF]);
        args.extend_from_slice(extra);
        kigen(&args.iter().map(|s| &**s).collect::<Vec<_>>())
    };
    // A dry run changes nothing (no ledger is made).
    let o = import(&["--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("would record"), "{}", stdout(&o));
    assert!(!e.p("state/kigen.sqlite").exists());
    let o = import(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("import-{AS_OF}")),
        "{}",
        stdout(&o)
    );
    // The same file again is refused, changing nothing.
    let o = import(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("imported already"), "{}", stderr(&o));
    // The night prints exactly the other half.
    let o = e.run(&input, "out", "state/kigen.sqlite");
    assert!(o.status.success(), "{}", stderr(&o));
    let printed: BTreeSet<String> = manifest(&e.p(&format!("out/{AS_OF}/manifest.csv")))
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(printed, left);
    // batches, history, verify --state and ledger check understand it.
    let o = kigen(&["batches", "--state", &state]);
    assert!(stdout(&o).contains("kind import"), "{}", stdout(&o));
    let first = sent.iter().next().unwrap();
    let o = kigen(&["history", "--state", &state, "--resident", first]);
    assert!(
        stdout(&o).contains("IMPORTED from NOTICES.csv"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("2026-11-20"), "{}", stdout(&o));
    let o = kigen(&["verify", &e.s(&format!("out/{AS_OF}")), "--state", &state]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = kigen(&["ledger", "check", "--out", &e.s("out"), "--state", &state]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Tomorrow's night goes on (the import is not "the last batch").
    let o = kigen(&[
        "run",
        "--input",
        &input,
        "--as-of",
        "2026-11-27",
        "--out",
        &e.s("out"),
        "--state",
        &state,
        "--quiet",
        "--accept-input-change",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn one_bad_line_imports_nothing_and_is_named() {
    let e = Env {
        dir: tempfile::tempdir().unwrap(),
    };
    let state = e.s("state/kigen.sqlite");
    let write = |text: &str| std::fs::write(e.p("NOTICES.csv"), text).unwrap();
    let import = || {
        kigen(&[
            "ledger",
            "import",
            "--state",
            &state,
            "--file",
            &e.s("NOTICES.csv"),
            "--as-of",
            AS_OF,
        ])
    };
    write(
        "resident_code,item,expiry,sent_on\n\
         A0001,card,2027-01-15,2026-11-20\n\
         A0002,cards,2027-01-16,2026-11-20\n\
         A0003,sign_cert,2027-13-01,2026-11-20\n\
         A0004,user_cert,2027-01-18,2026-12-20\n\
         123456789018,card,2027-01-18,2026-11-20\n\
         A0001,card,2027-01-15,2026-11-21\n",
    );
    let o = import();
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    for want in [
        "NOTICES.csv",
        "5 bad line(s), nothing was imported",
        "line 3, item",
        "line 4, expiry",
        "line 5, sent_on",
        "line 6, resident_code: looks like a 個人番号",
        "line 7: the same notice as line 2",
    ] {
        assert!(err.contains(want), "{want:?} not in {err}");
    }
    // No value is echoed, and nothing was made.
    assert!(
        !err.contains("123456789018") && !err.contains("cards"),
        "{err}"
    );
    assert!(!e.p("state/kigen.sqlite").exists());
    // Into an existing ledger: nothing recorded either.
    write("resident_code,item,expiry,sent_on\nA0001,card,2027-01-15,2026-11-20\n");
    assert!(import().status.success());
    write("resident_code,item,expiry,sent_on\nA0009,card,2027-01-15,2026-11-20\nA0001,card,2027-01-15,2026-11-20\n");
    let o = import();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("line 3: the ledger already records this notice"),
        "{}",
        stderr(&o)
    );
    let o = kigen(&["history", "--state", &state, "--resident", "A0009"]);
    assert!(stdout(&o).contains("nothing recorded"), "{}", stdout(&o));
    // A header without the columns.
    write("code,item,expiry\nA0001,card,2027-01-15\n");
    let o = import();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("line 1: no column resident_code"),
        "{}",
        stderr(&o)
    );
}
