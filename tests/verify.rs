//! `kigen verify` as SPEC 10 says: each failure with what was expected and
//! found, stray files flagged, a copied batch still verifying, usage errors
//! exit 2, and with the ledger, manifest rows and notices matched one to one.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::root;

fn kigen(args: &[&std::ffi::OsStr]) -> Output {
    common::kigen_command().args(args).output().unwrap()
}

fn batch(dir: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("out");
    let state = dir.join("state.sqlite");
    let run = common::kigen_command()
        .args(["run", "--quiet", "--as-of", "2026-11-26", "--input"])
        .arg(root().join("input-samples/edge-cases.csv"))
        .arg("--out")
        .arg(&out)
        .arg("--state")
        .arg(&state)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    (out.join("2026-11-26"), state)
}

fn verify(dir: &Path, state: Option<&Path>) -> (Option<i32>, String) {
    let mut args = vec![dir.as_os_str().to_owned()];
    if let Some(s) = state {
        args.push("--state".into());
        args.push(s.as_os_str().to_owned());
    }
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let mut all = vec![std::ffi::OsStr::new("verify")];
    all.extend(refs);
    let o = kigen(&all);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// Rewrites a CSV of the batch and its entry in summary.json, as someone
/// covering their tracks would: the file checks then pass.
fn rewrite_consistently(batch: &Path, file: &str, edit: impl FnOnce(&mut Vec<String>)) {
    let path = batch.join(file);
    let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
    let mut lines: Vec<String> = text.split_inclusive("\r\n").map(String::from).collect();
    edit(&mut lines);
    let new = lines.concat();
    std::fs::write(&path, &new).unwrap();
    let summary_path = batch.join("summary.json");
    let mut summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary_path).unwrap()).unwrap();
    for f in summary["files"].as_array_mut().unwrap() {
        if f["file"] == file {
            use sha2::Digest;
            let sha: String = sha2::Sha256::digest(new.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            f["bytes"] = serde_json::json!(new.len());
            f["sha256"] = serde_json::json!(sha);
        }
    }
    std::fs::write(
        &summary_path,
        serde_json::to_string_pretty(&summary).unwrap() + "\n",
    )
    .unwrap();
}

#[test]
fn a_clean_batch_verifies_even_copied_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let (b, state) = batch(dir.path());
    let (code, text) = verify(&b, Some(&state));
    assert_eq!(code, Some(0), "{text}");
    let copy = dir.path().join("archive/batch-copy");
    std::fs::create_dir_all(copy.join("print")).unwrap();
    for f in common::batch_files(&b) {
        std::fs::copy(b.join(&f), copy.join(&f)).unwrap();
    }
    let (code, text) = verify(&copy, Some(&state));
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("a copy?"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (b, _state) = batch(dir.path());
    assert_eq!(verify(&dir.path().join("nope"), None).0, Some(2));
    assert_eq!(verify(&b, Some(&dir.path().join("nope.sqlite"))).0, Some(2));
}

#[test]
fn a_path_that_is_not_a_batch_exits_2_saying_what_a_batch_is() {
    let dir = tempfile::tempdir().unwrap();
    let (b, state) = batch(dir.path());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let file = dir.path().join("a-file.txt");
    std::fs::write(&file, b"x").unwrap();
    let out = b.parent().unwrap().to_path_buf();
    for (path, with_state) in [(&empty, false), (&file, false), (&out, true)] {
        let (code, text) = verify(path, with_state.then_some(state.as_path()));
        assert_eq!(code, Some(2), "{}: {text}", path.display());
        assert!(text.contains("not a batch directory"), "{text}");
        assert!(
            text.contains("a batch directory is OUT/<as-of>/") && text.contains("summary.json"),
            "{text}"
        );
    }
    let (_, text) = verify(&out, Some(&state));
    assert!(text.contains("the output root?"), "{text}");
    // A batch that lost its summary.json is still a batch: a mismatch.
    std::fs::remove_file(b.join("summary.json")).unwrap();
    let (code, text) = verify(&b, Some(&state));
    assert_eq!(code, Some(1), "{text}");
}

#[test]
fn stray_files_are_flagged_with_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let (b, state) = batch(dir.path());
    std::fs::write(b.join("print/notices-0002.pdf.part"), b"x").unwrap();
    std::fs::create_dir(b.join("extra")).unwrap();
    let (code, text) = verify(&b, Some(&state));
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("print/notices-0002.pdf.part: expected nothing else"),
        "{text}"
    );
    assert!(
        text.contains("extra: expected nothing else in the batch, found a directory"),
        "{text}"
    );
}

#[test]
fn a_changed_byte_says_expected_and_found() {
    let dir = tempfile::tempdir().unwrap();
    let (b, state) = batch(dir.path());
    let p = b.join("rejects.csv");
    let mut bytes = std::fs::read(&p).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 1;
    std::fs::write(&p, bytes).unwrap();
    let (code, text) = verify(&b, Some(&state));
    assert_eq!(code, Some(1), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("rejects.csv: SHA-256"))
        .unwrap_or_default();
    assert!(
        line.contains("expected ") && line.contains(", found "),
        "{text}"
    );
}

#[test]
fn swapped_pages_and_a_removed_resident_are_caught_with_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let (b, state) = batch(dir.path());
    // Swap the pages of the first two packets, consistently.
    rewrite_consistently(&b, "manifest.csv", |lines| {
        let mut a: Vec<String> = lines[1].split(',').map(String::from).collect();
        let mut c: Vec<String> = lines[2].split(',').map(String::from).collect();
        std::mem::swap(&mut a[2], &mut c[2]);
        lines[1] = a.join(",");
        lines[2] = c.join(",");
    });
    let (code, text) = verify(&b, Some(&state));
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("manifest.csv: notices the ledger records and the manifest does not: expected none, found"),
        "{text}"
    );

    // A resident removed from the manifest and the mailing counts alike.
    let dir = tempfile::tempdir().unwrap();
    let (b, state) = batch(dir.path());
    let mut removed = String::new();
    rewrite_consistently(&b, "manifest.csv", |lines| {
        removed = lines.remove(2).split(',').nth(4).unwrap().to_string();
    });
    let (code, text) = verify(&b, Some(&state));
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("manifest.csv: rows (= printed): expected"),
        "{text}"
    );
    assert!(text.contains("mailing.csv: packets/pages"), "{text}");
    assert!(
        text.contains("bundles.csv: packets in bundles (= manifest rows)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "the manifest does not: expected none, found 2 ({removed} "
        )),
        "{removed}: {text}"
    );
}

#[test]
fn exceptions_are_reconciled_with_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (b, _state) = batch(dir.path());
    rewrite_consistently(&b, "exceptions.csv", |lines| {
        lines.pop();
    });
    let (code, text) = verify(&b, None);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("exceptions.csv: rows per code"), "{text}");
}

#[test]
fn an_unreadable_manifest_is_named_not_read_as_a_difference_from_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let (b, state) = batch(dir.path());
    // The first packet's seq is not a number: the manifest cannot be read.
    rewrite_consistently(&b, "manifest.csv", |lines| {
        let mut f: Vec<String> = lines[1].split(',').map(String::from).collect();
        f[0] = "one".into();
        lines[1] = f.join(",");
    });
    let (code, text) = verify(&b, Some(&state));
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("manifest.csv: line 2: ") && text.contains("not compared with it"),
        "{text}"
    );
    assert!(
        !text
            .contains("notices the ledger records and the manifest does not: expected none, found"),
        "{text}"
    );
}
