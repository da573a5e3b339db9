//! The two whole-ledger transactions of `kigen ledger`: a batch withdrawn
//! (`void`: its directory moved aside, then its record and notices moved
//! to the voided tables) and a new ledger written from verified batches
//! (`rebuild`: all or nothing). The command parses, calls and prints.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{BatchRecord, IssuedNotice, Ledger};
use crate::error::{Error, Result};

/// A batch withdrawn by [`void_batch`].
#[derive(Debug, Clone)]
pub(crate) struct Withdrawn {
    /// Its packets.
    pub(crate) packets: u64,
    /// Where its directory went, relative to `--out` (`.void/<batch>-<n>`).
    pub(crate) moved_to: String,
}

/// Withdraws the batch of `date`: its directory moves aside first (so a
/// crash leaves a batch the ledger records but `--out` lacks, which the next
/// run refuses and a rerun of this command completes), then the ledger
/// moves its record and notices to the voided tables.
pub(crate) fn void_batch(
    date: NaiveDate,
    reason: &str,
    out: &Path,
    state: &Path,
) -> Result<Withdrawn> {
    if reason.trim().is_empty() {
        return Err(Error::Usage(
            "--reason: say why the batch is withdrawn".into(),
        ));
    }
    if !state.is_file() {
        return Err(Error::Usage(format!(
            "--state {}: no such ledger",
            state.display()
        )));
    }
    let _out_lock = crate::files::lock_in(out, ".kigen.lock")?;
    let mut ledger = Ledger::open(state)?;
    let Some(rec) = ledger.batch(date)? else {
        return Err(Error::State(format!(
            "the ledger {} records no batch for {date} (already void?)",
            state.display()
        )));
    };
    // Every check before the first change: a mailed batch is refused with
    // its directory, the ledger and the locks as they were.
    ledger.refuse_void_of_mailed(&rec.batch_id)?;
    let moved = move_aside(out, &rec.batch_id)?;
    let moved_to = moved
        .strip_prefix(out)
        .unwrap_or(&moved)
        .display()
        .to_string();
    ledger.void_batch(&rec.batch_id, reason.trim(), &moved_to)?;
    Ok(Withdrawn {
        packets: rec.packets,
        moved_to,
    })
}

/// Moves `<out>/<batch>` to `<out>/.void/<batch>-<n>`, or finds where an
/// interrupted void already moved it.
fn move_aside(out: &Path, batch_id: &str) -> Result<PathBuf> {
    let void_root = out.join(".void");
    let dir = out.join(batch_id);
    if let Some(existing) = previously_moved(&void_root, batch_id) {
        if !dir.exists() {
            return Ok(existing);
        }
    }
    if !dir.is_dir() {
        return Err(Error::State(format!(
            "{} is not there: the batch to withdraw must be in --out",
            dir.display()
        )));
    }
    crate::files::create_private_dir(&void_root)?;
    let target = (1..)
        .map(|n| void_root.join(format!("{batch_id}-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| void_root.join(batch_id));
    std::fs::rename(&dir, &target).map_err(|e| Error::io(&dir, e))?;
    crate::files::sync_dir(out)?;
    crate::fault::point("void-moved");
    Ok(target)
}

/// The `.void/<batch>-<n>` directory an interrupted void already made, if
/// any (the newest).
fn previously_moved(void_root: &Path, batch_id: &str) -> Option<PathBuf> {
    let mut found = None;
    for n in 1.. {
        let p = void_root.join(format!("{batch_id}-{n}"));
        if !p.exists() {
            break;
        }
        found = Some(p);
    }
    found
}

/// Refuses a rebuild into an existing ledger: kigen never overwrites one.
pub(crate) fn refuse_existing(state: &Path) -> Result<()> {
    if std::fs::metadata(state).is_ok_and(|m| m.len() > 0) {
        return Err(Error::State(format!(
            "{} exists: kigen never overwrites a ledger; move it aside (keep it for the auditors) and run again",
            state.display()
        )));
    }
    Ok(())
}

/// A new ledger at `state` holding `batches` (each: its record, notices and
/// 支援措置 residents held), in one transaction: a rebuild that fails
/// leaves no half ledger (the file it made is removed again).
pub(crate) fn rebuild(
    state: &Path,
    batches: &[(BatchRecord, Vec<IssuedNotice>, Vec<String>)],
) -> Result<()> {
    refuse_existing(state)?;
    let _ = std::fs::remove_file(state);
    let written = Ledger::open(state).and_then(|mut ledger| ledger.commit_batches(batches));
    if let Err(e) = written {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = state.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        return Err(e);
    }
    Ok(())
}
