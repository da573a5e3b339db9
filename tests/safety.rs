//! Operating safely (SPEC 10): the ledger and the batch directories must
//! agree before any work, and kigen refuses to guess. Each test breaks the
//! state the way an operator or a machine does and checks that the next run
//! stops with exit 2, says what to do, and leaves the batches as they were.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{batch_files, root};

struct Env {
    dir: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    Env {
        out: dir.path().join("out"),
        state: dir.path().join("state/kigen.sqlite"),
        dir,
    }
}

fn run(out: &Path, state: &Path, input: &Path, as_of: &str, fault: Option<u32>) -> Output {
    let mut c = common::kigen_command();
    c.args(["run", "--quiet", "--as-of", as_of])
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(out)
        .arg("--state")
        .arg(state);
    if let Some(n) = fault {
        c.env("KIGEN_FAULT_AFTER", n.to_string());
    }
    c.output().unwrap()
}

fn edge_cases() -> PathBuf {
    root().join("input-samples/edge-cases.csv")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file of the batch with its bytes, to show it did not change.
fn snapshot(batch: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    batch_files(batch)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(batch.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

/// A first night, then the state is broken by `damage`; the second night
/// must refuse with exit 2 and a message holding every one of `says`, and
/// write no batch for it.
fn second_night_refuses(damage: impl FnOnce(&Env), says: &[&str]) {
    let e = env();
    let first = run(&e.out, &e.state, &edge_cases(), "2026-11-26", None);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&e.out.join("2026-11-26"));
    damage(&e);
    let second = run(&e.out, &e.state, &edge_cases(), "2026-11-27", None);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    for s in says {
        assert!(
            stderr(&second).contains(s),
            "{s:?} not in: {}",
            stderr(&second)
        );
    }
    assert!(!e.out.join("2026-11-27").exists(), "a batch was written");
    let first_batch = e.out.join("2026-11-26");
    if first_batch.exists() {
        assert!(snapshot(&first_batch) == before, "the batch changed");
    }
}

#[test]
fn a_deleted_ledger_is_refused_not_recreated() {
    second_night_refuses(
        |e| std::fs::remove_file(&e.state).unwrap(),
        &["missing", "2026-11-26", "kigen ledger rebuild"],
    );
}

#[test]
fn a_truncated_ledger_is_refused() {
    second_night_refuses(
        |e| {
            std::fs::File::create(&e.state).unwrap();
            let _ = std::fs::remove_file(e.state.with_extension("sqlite-wal"));
        },
        &["empty", "kigen ledger rebuild"],
    );
}

#[test]
fn a_damaged_ledger_is_found_before_any_work() {
    second_night_refuses(
        |e| {
            // Overwrite the pages after the header: the file still opens.
            let mut bytes = std::fs::read(&e.state).unwrap();
            assert!(bytes.len() > 8192, "{} bytes", bytes.len());
            for b in &mut bytes[4096..] {
                *b ^= 0x5A;
            }
            std::fs::write(&e.state, bytes).unwrap();
        },
        &["damaged", "kigen ledger rebuild"],
    );
}

#[test]
fn another_ledger_on_the_same_out_is_refused() {
    second_night_refuses(
        |e| {
            // The operator points the second night at a new ledger.
            std::fs::rename(&e.state, e.dir.path().join("elsewhere.sqlite")).unwrap();
            std::fs::write(&e.state, b"").unwrap();
        },
        &["2026-11-26"],
    );
    // And with a fresh ledger file that SQLite already initialised.
    let e = env();
    assert!(run(&e.out, &e.state, &edge_cases(), "2026-11-26", None)
        .status
        .success());
    let other = e.dir.path().join("other/kigen.sqlite");
    let init = run(
        &e.dir.path().join("scratch"),
        &other,
        &edge_cases(),
        "2026-11-20",
        None,
    );
    assert!(init.status.success(), "{}", stderr(&init));
    let second = run(&e.out, &other, &edge_cases(), "2026-11-27", None);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("does not record"),
        "{}",
        stderr(&second)
    );
}

#[test]
fn a_moved_batch_is_refused() {
    second_night_refuses(
        |e| {
            std::fs::rename(e.out.join("2026-11-26"), e.dir.path().join("archived")).unwrap();
        },
        &["not in", "2026-11-26"],
    );
}

/// Runs with a fault after each point until the batch directory is in place
/// but not recorded: the state of a crash (or a failing commit, a full disk)
/// between the rename and the commit.
fn crash_after_rename(e: &Env, input: &Path) {
    for n in 1..200 {
        let _ = std::fs::remove_dir_all(&e.out);
        let _ = std::fs::remove_dir_all(e.state.parent().unwrap());
        let out = run(&e.out, &e.state, input, "2026-11-26", Some(n));
        if out.status.success() {
            break;
        }
        let recorded = rusqlite::Connection::open(&e.state)
            .and_then(|c| c.query_row("SELECT count(*) FROM batch", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0);
        if e.out.join("2026-11-26/summary.json").exists() && recorded == 0 {
            return;
        }
    }
    panic!("no fault point between the rename and the commit");
}

#[test]
fn a_crash_before_the_commit_completes_with_the_same_input_only() {
    let e = env();
    crash_after_rename(&e, &edge_cases());
    let batch = e.out.join("2026-11-26");
    let before = snapshot(&batch);

    // The export changed since: the batch in place may be in the mail room.
    let changed = e.dir.path().join("changed.csv");
    let mut bytes = std::fs::read(edge_cases()).unwrap();
    bytes.extend_from_slice(b"\r\n");
    std::fs::write(&changed, bytes).unwrap();
    let refused = run(&e.out, &e.state, &changed, "2026-11-26", None);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("does not record it"),
        "{}",
        stderr(&refused)
    );
    assert!(
        snapshot(&batch) == before,
        "the batch in place was replaced"
    );

    // The next night, too, sees the unrecorded batch.
    let next = run(&e.out, &e.state, &edge_cases(), "2026-11-27", None);
    assert_eq!(next.status.code(), Some(2), "{}", stderr(&next));

    // The same input completes it: same bytes, now recorded.
    let same = run(&e.out, &e.state, &edge_cases(), "2026-11-26", None);
    assert!(same.status.success(), "{}", stderr(&same));
    common::assert_same_batch(
        &{
            let d = e.dir.path().join("before");
            for (f, b) in &before {
                std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
                std::fs::write(d.join(f), b).unwrap();
            }
            d
        },
        &batch,
    );
}

#[test]
fn a_symlinked_batch_path_is_refused() {
    let e = env();
    std::fs::create_dir_all(&e.out).unwrap();
    let target = e.dir.path().join("elsewhere");
    std::fs::create_dir_all(&target).unwrap();
    std::os::unix::fs::symlink(&target, e.out.join("2026-11-26")).unwrap();
    let out = run(&e.out, &e.state, &edge_cases(), "2026-11-26", None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn existing_directories_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let e = env();
    let shared = e.dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let state = shared.join("kigen.sqlite");
    let out = run(&shared, &state, &edge_cases(), "2026-11-26", None);
    assert!(out.status.success(), "{}", stderr(&out));
    let check = common::kigen_command()
        .args(["check", "--quiet", "--as-of", "2026-11-26", "--input"])
        .arg(edge_cases())
        .arg("--out")
        .arg(&shared)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o1777, "the operator's directory was re-moded");
    // What kigen creates is private.
    let batch = std::fs::metadata(shared.join("2026-11-26")).unwrap();
    assert_eq!(batch.permissions().mode() & 0o777, 0o700);
}

fn ledger_cmd(args: &[&str], out: &Path, state: &Path) -> Output {
    common::kigen_command()
        .arg("ledger")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--state")
        .arg(state)
        .output()
        .unwrap()
}

/// Every notice row in full, sorted.
fn notice_rows(state: &Path) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(state).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT resident_code, item, expiry, batch_id, as_of, document_number, print_file, first_page, pages FROM notice ORDER BY 1, 2, 3",
        )
        .unwrap();
    stmt.query_map([], |r| {
        (0..9)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i)
                    .map(|v| format!("{v:?}"))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn batch_rows(state: &Path) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(state).unwrap();
    let mut stmt = conn.prepare("SELECT * FROM batch ORDER BY as_of").unwrap();
    stmt.query_map([], |r| {
        (0..8)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i)
                    .map(|v| format!("{v:?}"))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn a_lost_ledger_is_rebuilt_from_the_batches_as_it_was() {
    let e = env();
    let input = e.dir.path().join("registry.csv");
    let sample = common::kigen_command()
        .args([
            "sample",
            "--rows",
            "3000",
            "--seed",
            "5",
            "--as-of",
            "2026-11-26",
            "--out",
        ])
        .arg(&input)
        .output()
        .unwrap();
    assert!(sample.status.success());
    for d in ["2026-11-26", "2026-11-30"] {
        // The same export both nights (SPEC 14: said, then accepted).
        let o = run_with(&e, &input, d, &["--accept-input-change"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let check = ledger_cmd(&["check"], &e.out, &e.state);
    assert!(check.status.success(), "{}", stderr(&check));
    let (notices, batches) = (notice_rows(&e.state), batch_rows(&e.state));
    assert!(notices.len() > 20, "{} notices", notices.len());

    // Refuses to overwrite the ledger it would replace.
    let refused = ledger_cmd(&["rebuild"], &e.out, &e.state);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));

    std::fs::rename(&e.state, e.dir.path().join("lost.sqlite")).unwrap();
    let _ = std::fs::remove_file(e.state.with_extension("sqlite-wal"));
    let rebuilt = ledger_cmd(&["rebuild"], &e.out, &e.state);
    assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
    assert_eq!(
        notice_rows(&e.state),
        notices,
        "notices differ after rebuild"
    );
    assert_eq!(
        batch_rows(&e.state),
        batches,
        "batches differ after rebuild"
    );
    // Every batch still verifies against the rebuilt ledger, and the next
    // night goes on.
    let next = run_with(&e, &input, "2026-12-01", &["--accept-input-change"]);
    assert!(next.status.success(), "{}", stderr(&next));

    // A batch that does not verify is not taken into a ledger.
    std::fs::remove_file(&e.state).unwrap();
    let manifest = e.out.join("2026-11-26/manifest.csv");
    let mut bytes = std::fs::read(&manifest).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 1;
    std::fs::write(&manifest, bytes).unwrap();
    let bad = ledger_cmd(&["rebuild"], &e.out, &e.state);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("does not verify"), "{}", stderr(&bad));

    // And `ledger check` names an unrecorded batch.
    let unrecorded = ledger_cmd(&["check"], &e.out, &e.dir.path().join("fresh.sqlite"));
    assert_eq!(unrecorded.status.code(), Some(2), "{}", stderr(&unrecorded));
}

#[test]
fn an_export_rewritten_while_read_fails_the_run() {
    for (point, says) in [
        ("between-passes", "the first pass read"),
        ("while-reading", "bytes when opened"),
    ] {
        let e = env();
        let input = e.dir.path().join("registry.csv");
        let sample = common::kigen_command()
            .args([
                "sample",
                "--rows",
                "40000",
                "--seed",
                "3",
                "--as-of",
                "2026-11-26",
                "--out",
            ])
            .arg(&input)
            .output()
            .unwrap();
        assert!(sample.status.success());
        let out = common::kigen_command()
            .args(["run", "--quiet", "--as-of", "2026-11-26", "--input"])
            .arg(&input)
            .arg("--out")
            .arg(&e.out)
            .arg("--state")
            .arg(&e.state)
            .env("KIGEN_FAULT_REWRITE", point)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{point}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("changed while kigen read it"),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains(says), "{point}: {}", stderr(&out));
        assert!(
            !e.out.join("2026-11-26").exists(),
            "{point}: a batch was put in place"
        );
        let recorded = rusqlite::Connection::open(&e.state)
            .and_then(|c| c.query_row("SELECT count(*) FROM batch", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0);
        assert_eq!(recorded, 0, "{point}: a batch was recorded");
        // Unchanged, the same file runs and records the SHA-256 of its bytes.
        let again = run(&e.out, &e.state, &input, "2026-11-26", None);
        assert!(again.status.success(), "{}", stderr(&again));
        let summary = std::fs::read_to_string(e.out.join("2026-11-26/summary.json")).unwrap();
        let sha = {
            use sha2::Digest;
            let bytes = std::fs::read(&input).unwrap();
            kigen_hex(&sha2::Sha256::digest(&bytes))
        };
        assert!(
            summary.contains(&sha),
            "summary.json does not hold the input's SHA-256"
        );
    }
}

fn kigen_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_my_number_in_a_mapped_column_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    // The header is mislabelled: 住民コード and 住民状態 hold 個人番号 values.
    let input = dir.path().join("registry.csv");
    std::fs::write(
        &input,
        "住民コード,氏名,生年月日,住民状態,郵便番号,住所\n\
         123456789018,佐久　太郎,1970-01-15,住民,385-0051,長野県佐久市中込1丁目2番3号\n\
         A2,佐久　花子,1970-01-15,000000000000,385-0051,長野県佐久市中込1丁目2番3号\n\
         A3,佐久　次郎,1970-01-15,住民,385-0051,長野県佐久市中込1丁目2番3号\n",
    )
    .unwrap();
    let out_dir = dir.path().join("check");
    // The export has the required columns only: the rest listed absent.
    let profile = common::absent_profile(
        dir.path(),
        &[
            "name_kana",
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
        ],
    );
    let out = common::kigen_command()
        .args([
            "check",
            "--as-of",
            "2026-11-26",
            "--encoding",
            "utf-8",
            "--input",
        ])
        .arg(&input)
        .arg("--out")
        .arg(&out_dir)
        .arg("--profile")
        .arg(&profile)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut everything = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    for f in ["outcomes.csv", "rejects.csv", "exceptions.csv", "held.csv"] {
        everything.push_str(&std::fs::read_to_string(out_dir.join(f)).unwrap());
    }
    assert!(!everything.contains("123456789018"), "{everything}");
    assert!(!everything.contains("000000000000"), "{everything}");
    let rejects = common::read_csv(&out_dir.join("rejects.csv"));
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    for r in &rejects {
        assert_eq!(r["value"], "************");
        assert!(r["reason"].contains("個人番号"), "{r:?}");
    }
    assert_eq!(rejects[0]["field"], "住民コード");
    assert_eq!(rejects[1]["field"], "住民状態");
}

fn run_with(e: &Env, input: &Path, as_of: &str, extra: &[&str]) -> Output {
    common::kigen_command()
        .args(["run", "--quiet", "--as-of", as_of, "--input"])
        .arg(input)
        .arg("--out")
        .arg(&e.out)
        .arg("--state")
        .arg(&e.state)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_far_future_as_of_is_refused_unless_allowed() {
    let e = env();
    let out = run_with(&e, &edge_cases(), "2099-01-01", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow-future"), "{}", stderr(&out));
    assert!(!e.out.join("2099-01-01").exists());
    assert!(!e.state.exists(), "the ledger was touched");
    let allowed = run_with(&e, &edge_cases(), "2099-01-01", &["--allow-future"]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
}

#[test]
fn a_header_only_or_shrunk_export_is_refused() {
    let e = env();
    let first = run_with(&e, &edge_cases(), "2026-11-26", &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    // The header alone: a truncated export, not a quiet night.
    let header_only = e.dir.path().join("header.csv");
    let bytes = std::fs::read(edge_cases()).unwrap();
    let end = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    std::fs::write(&header_only, &bytes[..end]).unwrap();
    let out = run_with(&e, &header_only, "2026-11-27", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("0 住民 row(s)"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--accept-input-change"),
        "{}",
        stderr(&out)
    );
    assert!(!e.out.join("2026-11-27").exists());
    // Half the rows: more than 20 % fewer.
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    let half = e.dir.path().join("half.csv");
    std::fs::write(&half, lines[..lines.len() / 2].concat()).unwrap();
    let out = run_with(&e, &half, "2026-11-27", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the batch of 2026-11-26 had"),
        "{}",
        stderr(&out)
    );
    let accepted = run_with(&e, &half, "2026-11-27", &["--accept-input-change"]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
}

#[test]
fn a_corrected_export_for_a_complete_date_is_named_not_used() {
    let e = env();
    assert!(run_with(&e, &edge_cases(), "2026-11-26", &[])
        .status
        .success());
    let before = snapshot(&e.out.join("2026-11-26"));
    let changed = e.dir.path().join("changed.csv");
    let mut bytes = std::fs::read(edge_cases()).unwrap();
    bytes.extend_from_slice(b"\r\n");
    std::fs::write(&changed, bytes).unwrap();
    let out = run_with(&e, &changed, "2026-11-26", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not the input the 2026-11-26 batch was built from"),
        "{}",
        stderr(&out)
    );
    assert!(snapshot(&e.out.join("2026-11-26")) == before);
}

#[cfg(unix)]
#[test]
fn a_planted_part_file_link_is_not_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("check");
    std::fs::create_dir(&out_dir).unwrap();
    let target = dir.path().join("precious.txt");
    std::fs::write(&target, b"keep me").unwrap();
    std::os::unix::fs::symlink(&target, out_dir.join("outcomes.csv.part")).unwrap();
    std::os::unix::fs::symlink(&target, out_dir.join("rejects.csv")).unwrap();
    let out = common::kigen_command()
        .args(["check", "--quiet", "--as-of", "2026-11-26", "--input"])
        .arg(edge_cases())
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    for f in ["outcomes.csv", "rejects.csv"] {
        let meta = std::fs::symlink_metadata(out_dir.join(f)).unwrap();
        assert!(meta.is_file(), "{f} is not a regular file");
    }
    // kigen sample --out, too.
    let sample_out = dir.path().join("sample.csv");
    std::os::unix::fs::symlink(&target, &sample_out).unwrap();
    let sample = common::kigen_command()
        .args(["sample", "--rows", "10", "--as-of", "2026-11-26", "--out"])
        .arg(&sample_out)
        .output()
        .unwrap();
    assert!(sample.status.success(), "{}", stderr(&sample));
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
}

#[test]
fn a_record_with_no_line_break_is_rejected_in_bounded_memory() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("registry.csv");
    let header = std::fs::read(edge_cases()).unwrap();
    let header_end = header.iter().position(|b| *b == b'\n').unwrap() + 1;
    let row: Vec<u8> = header[header_end..]
        .split_inclusive(|b| *b == b'\n')
        .next()
        .unwrap()
        .to_vec();
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
        f.write_all(&header[..header_end]).unwrap();
        f.write_all(&row).unwrap(); // line 2
                                    // Line 3: 100 MB of one field that never ends on its line, inside an
                                    // open quote.
        f.write_all(b"\"").unwrap();
        let chunk = vec![b'A'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&chunk).unwrap();
        }
        f.write_all(b"\r\n").unwrap();
        f.write_all(&row).unwrap(); // line 4
    }
    let out_dir = dir.path().join("check");
    let out = common::kigen_command()
        .args(["check", "--as-of", "2026-11-26", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let outcomes = common::read_csv(&out_dir.join("outcomes.csv"));
    let lines: Vec<(&str, &str)> = outcomes
        .iter()
        .map(|r| (r["line"].as_str(), r["outcome"].as_str()))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[1], ("3", "rejected"), "{lines:?}");
    assert_eq!(
        lines[2].0, "4",
        "reading resumed on the next line: {lines:?}"
    );
    let rejects = common::read_csv(&out_dir.join("rejects.csv"));
    let long = rejects.iter().find(|r| r["line"] == "3").unwrap();
    assert!(long["reason"].contains("longer than"), "{rejects:?}");
    // The run's own figure: the peak stays far below the 100 MB record.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let peak: f64 = stdout
        .split("peak memory ")
        .nth(1)
        .and_then(|s| s.split(" MiB").next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {stdout}"));
    assert!(peak < 100.0, "peak memory {peak} MiB for a 100 MB record");
}

#[test]
fn a_future_batch_is_withdrawn_with_ledger_void() {
    let e = env();
    // A typo: 12-26 instead of 11-26, let through with --allow-future.
    let typo = run_with(&e, &edge_cases(), "2026-12-26", &["--allow-future"]);
    assert!(typo.status.success(), "{}", stderr(&typo));
    // Every later night is now refused…
    let tonight = run_with(&e, &edge_cases(), "2026-11-26", &[]);
    assert_eq!(tonight.status.code(), Some(2), "{}", stderr(&tonight));
    assert!(
        stderr(&tonight).contains("2026-12-26"),
        "{}",
        stderr(&tonight)
    );
    // …until the batch is withdrawn.
    let void = ledger_cmd(
        &[
            "void",
            "2026-12-26",
            "--reason",
            "typo in --as-of, never printed",
        ],
        &e.out,
        &e.state,
    );
    assert!(void.status.success(), "{}", stderr(&void));
    assert!(!e.out.join("2026-12-26").exists());
    assert!(e.out.join(".void/2026-12-26-1/summary.json").exists());
    let conn = rusqlite::Connection::open(&e.state).unwrap();
    let (reason, moved): (String, String) = conn
        .query_row("SELECT reason, moved_to FROM voided_batch", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(reason, "typo in --as-of, never printed");
    assert_eq!(moved, ".void/2026-12-26-1");
    let voided: i64 = conn
        .query_row("SELECT count(*) FROM voided_notice", [], |r| r.get(0))
        .unwrap();
    assert!(voided > 0);
    drop(conn);
    // Tonight runs, and notices the same residents the void released.
    let tonight = run_with(&e, &edge_cases(), "2026-11-26", &[]);
    assert!(tonight.status.success(), "{}", stderr(&tonight));
    let printed = common::read_csv(&e.out.join("2026-11-26/manifest.csv")).len();
    assert!(printed > 0);
    // Voiding again: there is nothing recorded for that date any more.
    let again = ledger_cmd(
        &["void", "2026-12-26", "--reason", "again"],
        &e.out,
        &e.state,
    );
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
}

#[test]
fn a_version_1_ledger_is_migrated_in_place() {
    let e = env();
    let first = run_with(&e, &edge_cases(), "2026-11-26", &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    // Make it a ledger of the first release: no voided or mail-room
    // tables, version 1.
    {
        let conn = rusqlite::Connection::open(&e.state).unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             BEGIN;
             ALTER TABLE notice DROP COLUMN kind;
             DROP TABLE voided_batch; DROP TABLE voided_notice;
             DROP TABLE packet; DROP TABLE voided_packet; DROP TABLE returned;
             DROP TABLE reprint; DROP INDEX notice_document;
             DROP TABLE support_held; DROP TABLE batch_seal;
             DROP TABLE batch_import; DROP TABLE batch_archive; DROP TABLE batch_purge;
             CREATE TABLE batch_v1 (
                 batch_id TEXT PRIMARY KEY, as_of TEXT NOT NULL UNIQUE,
                 input_sha256 TEXT NOT NULL, profile_sha256 TEXT NOT NULL,
                 summary_sha256 TEXT NOT NULL, timings_json TEXT NOT NULL,
                 packets INTEGER NOT NULL, tool_version TEXT NOT NULL);
             INSERT INTO batch_v1 SELECT * FROM batch;
             DROP TABLE batch;
             ALTER TABLE batch_v1 RENAME TO batch;
             PRAGMA user_version = 1;
             COMMIT;",
        )
        .unwrap();
    }
    let rows_before: i64 = rusqlite::Connection::open(&e.state)
        .unwrap()
        .query_row("SELECT count(*) FROM notice", [], |r| r.get(0))
        .unwrap();
    let next = run_with(&e, &edge_cases(), "2026-11-27", &["--accept-input-change"]);
    assert!(next.status.success(), "{}", stderr(&next));
    let conn = rusqlite::Connection::open(&e.state).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, kigen::ledger::SCHEMA_VERSION);
    let rows_after: i64 = conn
        .query_row(
            "SELECT count(*) FROM notice WHERE batch_id = '2026-11-26'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        rows_after, rows_before,
        "the first batch's notices survived"
    );
}

#[test]
fn a_corrected_export_is_printed_as_a_supplement_nobody_twice() {
    let e = env();
    let dir = e.dir.path();
    let full = dir.join("full.csv");
    let sample = common::kigen_command()
        .args([
            "sample",
            "--rows",
            "3000",
            "--seed",
            "8",
            "--as-of",
            "2026-11-26",
            "--out",
        ])
        .arg(&full)
        .output()
        .unwrap();
    assert!(sample.status.success());
    // The night's export lacked the last tenth of the rows (a district's
    // file came late); the corrected one is complete.
    let bytes = std::fs::read(&full).unwrap();
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    let partial = dir.join("partial.csv");
    std::fs::write(&partial, lines[..lines.len() * 9 / 10].concat()).unwrap();

    let night = run_with(&e, &partial, "2026-11-26", &[]);
    assert!(night.status.success(), "{}", stderr(&night));
    let noted = run_with(&e, &full, "2026-11-26", &[]);
    assert!(noted.status.success());
    assert!(
        stderr(&noted).contains("--supplement"),
        "{}",
        stderr(&noted)
    );
    let supplement = run_with(&e, &full, "2026-11-26", &["--supplement"]);
    assert!(supplement.status.success(), "{}", stderr(&supplement));

    let first = common::read_csv(&e.out.join("2026-11-26/manifest.csv"));
    let second = common::read_csv(&e.out.join("2026-11-26.2/manifest.csv"));
    assert!(
        !second.is_empty(),
        "the corrected export adds due residents"
    );
    // Nobody twice, and document numbers go on from the night's.
    let codes: std::collections::BTreeSet<&str> = first
        .iter()
        .chain(&second)
        .map(|r| r["resident_code"].as_str())
        .collect();
    assert_eq!(
        codes.len(),
        first.len() + second.len(),
        "a resident in both batches"
    );
    let numbers: std::collections::BTreeSet<&str> = first
        .iter()
        .chain(&second)
        .map(|r| r["document_number"].as_str())
        .collect();
    assert_eq!(
        numbers.len(),
        first.len() + second.len(),
        "a document number twice"
    );

    // The union equals one run on the corrected export.
    let whole = env();
    assert!(run_with(&whole, &full, "2026-11-26", &[]).status.success());
    let all: std::collections::BTreeSet<String> =
        common::read_csv(&whole.out.join("2026-11-26/manifest.csv"))
            .iter()
            .map(|r| r["resident_code"].clone())
            .collect();
    let union: std::collections::BTreeSet<String> = codes.iter().map(|c| c.to_string()).collect();
    assert_eq!(union, all);

    // Both verify against the ledger; the next night and the ledger agree.
    for b in ["2026-11-26", "2026-11-26.2"] {
        let v = common::kigen_command()
            .arg("verify")
            .arg(e.out.join(b))
            .arg("--state")
            .arg(&e.state)
            .output()
            .unwrap();
        assert_eq!(
            v.status.code(),
            Some(0),
            "{b}: {}",
            String::from_utf8_lossy(&v.stdout)
        );
    }
    let next = run_with(&e, &full, "2026-11-27", &["--accept-input-change"]);
    assert!(next.status.success(), "{}", stderr(&next));
}
