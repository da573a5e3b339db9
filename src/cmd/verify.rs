//! `kigen verify DIR [--state FILE]`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::verify::verify;

/// Verifies a batch directory and prints each check; 0 when all hold, 1 on
/// any mismatch.
pub fn run(dir: &Path, state: Option<&Path>) -> Result<i32> {
    let default = PathBuf::from("state/kigen.sqlite");
    let report = match state {
        Some(s) => verify(dir, Some(s))?,
        None if default.exists() => verify(dir, Some(&default))?,
        None => {
            let mut r = verify(dir, None)?;
            r.notes.push(
                "no ledger given and state/kigen.sqlite not found: summary.json was not compared with the ledger's record".into(),
            );
            r
        }
    };
    let mut o = std::io::stdout().lock();
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
