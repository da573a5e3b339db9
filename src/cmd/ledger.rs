//! `kigen ledger check | rebuild`: the ledger against the batch directories,
//! and a ledger rebuilt from verified batches when it was lost.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use crate::batch::agreement::{batch_dirs, check_agreement, check_ledger_present};
use crate::cli::{LedgerArgs, LedgerCommand};
use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::ledger::{BatchRecord, IssuedNotice, Ledger};
use crate::outputs::csvfile::read_csv;
use crate::outputs::summary::read_summary;
use crate::verify::{manifest_notices, verify};

/// Runs `kigen ledger …`.
pub fn run(args: LedgerArgs) -> Result<i32> {
    match args.command {
        LedgerCommand::Check { out, state } => check(&out, &state),
        LedgerCommand::Rebuild { out, state } => rebuild(&out, &state),
    }
}

/// The checks `kigen run` makes before any work, alone.
fn check(out: &Path, state: &Path) -> Result<i32> {
    check_ledger_present(state, out)?;
    if !state.exists() {
        println!(
            "kigen ledger check: no ledger and no batches in {}: nothing to check",
            out.display()
        );
        return Ok(0);
    }
    let ledger = Ledger::open(state)?;
    check_agreement(&ledger, out, None)?;
    println!(
        "kigen ledger check: {} and {} agree: {} batch(es), {} notice(s)",
        state.display(),
        out.display(),
        ledger.batch_ids()?.len(),
        ledger.notice_count()?
    );
    Ok(0)
}

/// A new ledger at `state` from every batch directory under `out`, each
/// verified first. An existing ledger is never overwritten.
fn rebuild(out: &Path, state: &Path) -> Result<i32> {
    if std::fs::metadata(state).is_ok_and(|m| m.len() > 0) {
        return Err(Error::State(format!(
            "{} exists: kigen never overwrites a ledger; move it aside (keep it for the auditors) and run again",
            state.display()
        )));
    }
    let dirs = batch_dirs(out)?;
    if dirs.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no batch directory: nothing to rebuild from",
            out.display()
        )));
    }
    let mut batches = Vec::with_capacity(dirs.len());
    for name in &dirs {
        batches.push(read_batch(&out.join(name), name)?);
    }
    let _ = std::fs::remove_file(state);
    let mut ledger = Ledger::open(state)?;
    let mut o = std::io::stdout().lock();
    for (record, notices) in &batches {
        ledger.commit_batch(record, notices)?;
        let _ = writeln!(
            o,
            "recorded {}: {} packets, {} notices",
            record.batch_id,
            record.packets,
            notices.len()
        );
    }
    let _ = writeln!(
        o,
        "kigen ledger rebuild: {} from {} verified batch(es) in {}",
        state.display(),
        batches.len(),
        out.display()
    );
    Ok(0)
}

/// A verified batch directory as the ledger recorded it.
fn read_batch(dir: &Path, name: &str) -> Result<(BatchRecord, Vec<IssuedNotice>)> {
    let report = verify(dir, None)?;
    if let Some(first) = report.problems.first() {
        return Err(Error::State(format!(
            "{} does not verify ({} problem(s), the first: {first}): a ledger is rebuilt from verified batches only; see `kigen verify {}`",
            dir.display(),
            report.problems.len(),
            dir.display()
        )));
    }
    let (summary, bytes) = read_summary(dir)?;
    let as_of = NaiveDate::parse_from_str(name, "%Y-%m-%d")
        .map_err(|e| Error::Internal(format!("{name}: {e}")))?;
    let manifest = read_csv(&dir.join("manifest.csv")).map_err(|message| Error::Input {
        path: dir.join("manifest.csv"),
        message,
    })?;
    let mut notices = Vec::new();
    for row in &manifest {
        notices.extend(manifest_notices(row).ok_or_else(|| Error::Input {
            path: dir.join("manifest.csv"),
            message: format!("row with seq {:?} is not a manifest row", row.first()),
        })?);
    }
    let record = BatchRecord {
        batch_id: name.to_string(),
        as_of,
        input_sha256: summary.input.sha256.clone(),
        profile_sha256: summary.profile_sha256.clone(),
        summary_sha256: sha256_hex(&bytes),
        timings_json: summary.timings.to_string(),
        packets: manifest.len() as u64,
        tool_version: summary.version.clone(),
    };
    Ok((record, notices))
}
