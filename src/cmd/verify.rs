//! `kigen verify DIR [--state FILE]`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::verify::verify;

/// Verifies a batch directory and prints each check; 0 when all hold, 1 on
/// any mismatch.
pub(crate) fn run(dir: &Path, state: Option<&Path>) -> Result<i32> {
    let default = PathBuf::from("state/kigen.sqlite");
    // Which ledger was compared is said first, always (SPEC 13): a default
    // found in the current directory is a different check from none.
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "the current directory".into());
    let (report, ledger_note) = match state {
        Some(s) => (
            verify(dir, Some(s))?,
            format!("ledger used: {} (--state)", s.display()),
        ),
        None if default.exists() => (
            verify(dir, Some(&default))?,
            format!(
                "ledger used: {} (the default, found in {cwd}; give --state to choose another)",
                default.display()
            ),
        ),
        None => (
            verify(dir, None)?,
            format!(
                "ledger used: none (no --state given and no {} in {cwd}): summary.json was not compared with the ledger's record",
                default.display()
            ),
        ),
    };
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "note     {ledger_note}");
    for line in &report.notes {
        let _ = writeln!(o, "note     {line}");
    }
    for line in &report.checked {
        let _ = writeln!(o, "ok       {line}");
    }
    for line in &report.problems {
        let _ = writeln!(o, "MISMATCH {line}");
    }
    if report.problems.is_empty() {
        let _ = writeln!(
            o,
            "kigen verify: {} holds ({} checks)",
            dir.display(),
            report.checked.len()
        );
        Ok(0)
    } else {
        let _ = writeln!(
            o,
            "kigen verify: {}: {} problem(s)",
            dir.display(),
            report.problems.len()
        );
        Ok(1)
    }
}
