//! SPEC 13, "Trust": the README's two commands in order (verify says which
//! ledger it used), no value fails a night (audit.xlsx cuts a cell at
//! Excel's limit), paths (no link followed where kigen creates, nothing
//! written inside a committed batch, only regular files read), and honest
//! logs (no "done" before an error).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{kigen_command, read_csv, root};

const AS_OF: &str = "2026-11-26";

fn sample() -> PathBuf {
    root().join("input-samples/registry-sample.csv")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs kigen with `args` in `cwd`; a run still going after 60 s (stuck on
/// a FIFO, reading /dev/zero) is killed and fails the test.
fn kigen_in(cwd: &Path, args: &[&std::ffi::OsStr]) -> Output {
    let mut c = kigen_command();
    c.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("kigen starts");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let o = child.wait_with_output().expect("output");
            panic!("kigen {args:?} hung: {}", stderr(&o));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// `kigen run` of the sample into `dir/out` and `dir/state` (the default
/// paths, run from `dir`): the README's first command. Returns the batch.
fn readme_run(dir: &Path) -> PathBuf {
    let o = kigen_in(
        dir,
        &[
            os("run"),
            os("--quiet"),
            os("--input"),
            sample().as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let batch = dir.join("out").join(AS_OF);
    assert!(batch.join("summary.json").is_file());
    assert!(dir.join("state/kigen.sqlite").is_file());
    batch
}

/// Every file under `dir` with its bytes, to show that nothing changed.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn verify_says_which_ledger_it_used() {
    let dir = tempfile::tempdir().unwrap();
    let batch = readme_run(dir.path());
    // From the directory the README's command ran in: the default ledger.
    let o = kigen_in(dir.path(), &[os("verify"), os("out/2026-11-26")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let first = stdout(&o).lines().next().unwrap_or("").to_string();
    assert!(
        first.contains("ledger used: state/kigen.sqlite (the default"),
        "{first}"
    );
    // From elsewhere: none, and it says so.
    let elsewhere = tempfile::tempdir().unwrap();
    let o = kigen_in(elsewhere.path(), &[os("verify"), batch.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("ledger used: none"), "{}", stdout(&o));
    // Named: that one.
    let state = dir.path().join("state/kigen.sqlite");
    let o = kigen_in(
        elsewhere.path(),
        &[
            os("verify"),
            batch.as_os_str(),
            os("--state"),
            state.as_os_str(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let said = format!("ledger used: {} (--state)", state.display());
    assert!(stdout(&o).contains(&said), "{}", stdout(&o));
}

#[test]
fn a_value_past_excels_cell_limit_does_not_fail_the_night() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(sample()).unwrap();
    // The sample's first data row with another code, no 個人番号, and a
    // birth date of 100,000 characters: a reject whose value is echoed.
    let start = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let end = start + bytes[start..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let row = &bytes[start..end];
    let long = "x".repeat(100_000);
    let replace = |hay: &[u8], from: &str, to: &str| -> Vec<u8> {
        let at = hay
            .windows(from.len())
            .position(|w| w == from.as_bytes())
            .unwrap_or_else(|| panic!("{from} in the row"));
        [&hay[..at], to.as_bytes(), &hay[at + from.len()..]].concat()
    };
    let row = replace(row, "R1573731505", "R9999999999");
    let row = replace(&row, "401112190958", "");
    let row = replace(&row, "1959-02-26", &long);
    let mut input = bytes.clone();
    if !input.ends_with(b"\n") {
        input.extend_from_slice(b"\r\n");
    }
    input.extend_from_slice(&row);
    let path = dir.path().join("registry.csv");
    std::fs::write(&path, &input).unwrap();

    let o = kigen_in(
        dir.path(),
        &[
            os("run"),
            os("--quiet"),
            os("--input"),
            path.as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let batch = dir.path().join("out").join(AS_OF);

    // rejects.csv keeps the whole value.
    let rejects = read_csv(&batch.join("rejects.csv"));
    let ours = rejects
        .iter()
        .find(|r| r.values().any(|v| v == &long))
        .unwrap_or_else(|| panic!("the long value in rejects.csv"));
    assert!(ours.values().any(|v| v.contains("R9999999999")) || ours.len() > 1);

    // audit.xlsx opens; its 不備 sheet shows the value cut, with the mark,
    // within Excel's 32,767 characters.
    let mut wb: Xlsx<_> = open_workbook(batch.join("audit.xlsx")).expect("audit.xlsx opens");
    let sheet = wb.worksheet_range("不備").expect("不備");
    let cut: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|c| match c {
            Data::String(s) if s.starts_with("xxxx") => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(!cut.is_empty(), "the long value's cell");
    for cell in &cut {
        assert!(cell.ends_with("…(truncated)"), "marked");
        let units = cell.encode_utf16().count();
        assert!((32_700..=32_767).contains(&units), "{units} UTF-16 units");
    }

    // The night is whole: verify holds, and the next night runs.
    let v = kigen_in(dir.path(), &[os("verify"), batch.as_os_str()]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
    let next = kigen_in(
        dir.path(),
        &[
            os("run"),
            os("--quiet"),
            os("--input"),
            path.as_os_str(),
            os("--as-of"),
            os("2026-11-27"),
            os("--accept-input-change"),
        ],
    );
    assert_eq!(next.status.code(), Some(0), "{}", stderr(&next));
}

#[cfg(unix)]
#[test]
fn no_output_path_is_followed_through_a_link() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("keep"), "x").unwrap();
    let before = snapshot(&victim);
    std::fs::create_dir(dir.path().join("out")).unwrap();

    // The default out/check-<date>, a link planted there.
    symlink(&victim, dir.path().join("out/check-2026-11-26")).unwrap();
    let o = kigen_in(
        dir.path(),
        &[
            os("check"),
            os("--input"),
            sample().as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));

    // The default out/forecast-<from>.
    symlink(&victim, dir.path().join("out/forecast-2026-11-26")).unwrap();
    let o = kigen_in(
        dir.path(),
        &[
            os("forecast"),
            os("--input"),
            sample().as_os_str(),
            os("--from"),
            os(AS_OF),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));

    // The ledger's lock file.
    let lock_victim = dir.path().join("lock-victim");
    std::fs::write(&lock_victim, "y").unwrap();
    std::fs::create_dir(dir.path().join("state")).unwrap();
    symlink(&lock_victim, dir.path().join("state/kigen.lock")).unwrap();
    let o = kigen_in(
        dir.path(),
        &[
            os("run"),
            os("--quiet"),
            os("--input"),
            sample().as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert!(!dir.path().join("out").join(AS_OF).exists(), "no batch");

    assert_eq!(snapshot(&victim), before, "nothing written through a link");
    assert_eq!(std::fs::read(&lock_victim).unwrap(), b"y");
}

#[test]
fn nothing_is_written_inside_a_committed_batch() {
    let dir = tempfile::tempdir().unwrap();
    let batch = readme_run(dir.path());
    let before = snapshot(&batch);
    let inside = [
        batch.clone(),
        batch.join("print"),
        batch.join("print/deeper"),
    ];
    for out in &inside {
        for args in [
            vec![
                os("check"),
                os("--input"),
                sample().as_os_str(),
                os("--as-of"),
                os(AS_OF),
                os("--out"),
                out.as_os_str(),
            ],
            vec![
                os("forecast"),
                os("--input"),
                sample().as_os_str(),
                os("--from"),
                os(AS_OF),
                os("--out"),
                out.as_os_str(),
            ],
            vec![os("followups"), os("--out"), out.as_os_str()],
            vec![
                os("pulls"),
                batch.as_os_str(),
                os("--input"),
                sample().as_os_str(),
                os("--out"),
                out.as_os_str(),
            ],
        ] {
            let o = kigen_in(dir.path(), &args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("committed batch"),
                "{args:?}: {}",
                stderr(&o)
            );
        }
    }
    // `run --out` whose root is the batch.
    let o = kigen_in(
        dir.path(),
        &[
            os("run"),
            os("--quiet"),
            os("--input"),
            sample().as_os_str(),
            os("--as-of"),
            os("2026-11-27"),
            os("--out"),
            batch.as_os_str(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(snapshot(&batch), before, "the batch is as it was");
    let v = kigen_in(dir.path(), &[os("verify"), os("out/2026-11-26")]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
}

#[cfg(unix)]
#[test]
fn inputs_that_are_not_regular_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
    let not_files = [
        fifo.clone(),
        PathBuf::from("/dev/zero"),
        dir.path().to_path_buf(),
    ];
    for bad in &not_files {
        for args in [
            vec![
                os("check"),
                os("--input"),
                bad.as_os_str(),
                os("--as-of"),
                os(AS_OF),
            ],
            vec![
                os("check"),
                os("--input"),
                sample().as_os_str(),
                os("--as-of"),
                os(AS_OF),
                os("--cards"),
                bad.as_os_str(),
            ],
            vec![
                os("forecast"),
                os("--input"),
                bad.as_os_str(),
                os("--from"),
                os(AS_OF),
            ],
            vec![os("columns"), os("--input"), bad.as_os_str()],
        ] {
            let o = kigen_in(dir.path(), &args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("not a regular file"),
                "{args:?}: {}",
                stderr(&o)
            );
        }
    }
    // profile.toml a link to /dev/zero (read without bound before), and a
    // FIFO.
    for bad in [Path::new("/dev/zero"), fifo.as_path()] {
        let profile = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(bad, profile.path().join("profile.toml")).unwrap();
        let o = kigen_in(
            dir.path(),
            &[
                os("check"),
                os("--input"),
                sample().as_os_str(),
                os("--as-of"),
                os(AS_OF),
                os("--profile"),
                profile.path().as_os_str(),
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn a_failed_run_ends_with_its_error_and_claims_nothing_done() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("registry.csv");
    std::fs::copy(sample(), &input).unwrap();
    // Not --quiet, standard error not a terminal: the plain progress lines.
    let mut c = kigen_command();
    let o = c
        .args(["run", "--as-of", AS_OF, "--input"])
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--state")
        .arg(dir.path().join("state/kigen.sqlite"))
        .env("KIGEN_FAULT_REWRITE", "while-reading")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = lines.last().copied().unwrap_or("");
    assert!(
        last.contains("changed while kigen read it"),
        "last line: {err}"
    );
    assert!(
        !lines.iter().any(|l| l.contains(": done")),
        "a phase claimed done before the error: {err}"
    );
    // A good run still says it.
    std::fs::copy(sample(), &input).unwrap();
    let mut c = kigen_command();
    let o = c
        .args(["run", "--as-of", AS_OF, "--input"])
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--state")
        .arg(dir.path().join("state/kigen.sqlite"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("selecting and rendering: done in"));
    // The batch already complete: nothing done, no "done" claimed.
    let mut c = kigen_command();
    let o = c
        .args(["run", "--as-of", AS_OF, "--input"])
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--state")
        .arg(dir.path().join("state/kigen.sqlite"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("done in"), "{}", stderr(&o));
}
