//! `[output] group` (SPEC 14): the mail room's group gets batch directories
//! 0750 and files 0640 in that group; without it, 0700 / 0600. An unknown
//! group, or one the running account is not in, is refused (exit 2, naming
//! the key) before anything is written. Runs as any user: the group is one
//! the test process holds (a supplementary one when it has any).

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{kigen, profile_with};

const AS_OF: &str = "2026-11-26";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The groups this process holds (`id -G`: the effective one first); the
/// one to use is a supplementary one when there is one, so that the chown
/// shows.
fn own_group() -> u32 {
    let out = std::process::Command::new("id").arg("-G").output().unwrap();
    assert!(out.status.success());
    let gids: Vec<u32> = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(|g| g.parse().unwrap())
        .collect();
    *gids.get(1).unwrap_or(&gids[0])
}

/// A gid this process does not hold.
fn foreign_gid() -> u32 {
    let out = std::process::Command::new("id").arg("-G").output().unwrap();
    let held = String::from_utf8(out.stdout).unwrap();
    (4_000_000u32..)
        .find(|g| !held.split_whitespace().any(|h| h == g.to_string()))
        .unwrap()
}

fn run(dir: &Path, group: Option<&str>, out: &str) -> Output {
    let key = group.map(|g| format!("duplex = false\ngroup = {g:?}\n"));
    let changes: Vec<(&str, &str)> = key
        .as_deref()
        .map(|k| vec![("duplex = false\n", k)])
        .unwrap_or_default();
    let profile = profile_with(dir, &changes);
    let input = dir.join("registry.csv");
    if !input.exists() {
        let o = kigen(&[
            "sample",
            "--rows",
            "400",
            "--seed",
            "7",
            "--as-of",
            AS_OF,
            "--out",
            input.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let out = dir.join(out);
    let state = dir.join(format!("{}.sqlite", out.display()));
    kigen(&[
        "run",
        "--input",
        input.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--quiet",
    ])
}

/// Every directory and file under `dir` (itself included).
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut all = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all.extend(tree(&p));
        } else {
            all.push(p);
        }
    }
    all
}

#[test]
fn a_shared_batch_is_the_groups_to_read_and_a_private_one_is_not() {
    let gid = own_group();
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), Some(&gid.to_string()), "shared");
    assert!(o.status.success(), "{}", stderr(&o));
    let batch = dir.path().join("shared").join(AS_OF);
    let all = tree(&batch);
    assert!(
        all.iter()
            .any(|p| p.extension().is_some_and(|x| x == "pdf")),
        "a print file"
    );
    assert!(all.len() > 8, "{all:?}");
    // The out root kigen made: the mail room must be able to reach into it.
    all.iter()
        .chain(std::iter::once(&dir.path().join("shared")))
        .for_each(|p| {
            let m = std::fs::symlink_metadata(p).unwrap();
            let want = if m.is_dir() { 0o750 } else { 0o640 };
            assert_eq!(m.mode() & 0o777, want, "{}", p.display());
            assert_eq!(m.gid(), gid, "{}", p.display());
        });
    // Without the key: owner only, as before.
    let o = run(dir.path(), None, "private");
    assert!(o.status.success(), "{}", stderr(&o));
    for p in tree(&dir.path().join("private").join(AS_OF)) {
        let m = std::fs::symlink_metadata(&p).unwrap();
        let want = if m.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(m.mode() & 0o777, want, "{}", p.display());
    }
    // The ledger stays the running account's alone.
    let ledger = std::fs::metadata(dir.path().join("shared.sqlite")).unwrap();
    assert_eq!(ledger.mode() & 0o077, 0, "the ledger is 0600");
}

#[test]
fn an_unknown_group_or_one_kigen_is_not_in_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = foreign_gid().to_string();
    for (group, why) in [
        ("kigen-no-such-group-xq", "no such group"),
        (foreign.as_str(), "not a member"),
    ] {
        let o = run(dir.path(), Some(group), "out");
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("output.group"), "{err}");
        assert!(err.contains("profile.toml"), "{err}");
        assert!(err.contains(why), "{err}");
        assert!(!dir.path().join("out").exists(), "nothing was written");
    }
}
