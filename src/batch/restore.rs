//! `kigen ledger restore`: a ledger brought back from a backup. Every check
//! is made on the backup and on a working copy of it (the schema,
//! integrity_check, the seals, the batch directories) before the ledger in
//! place is touched; that one is then moved aside (kept for the auditors),
//! never deleted.

use std::path::{Path, PathBuf};

use crate::batch::agreement::{batch_dirs, check_agreement};
use crate::error::{Error, Result};
use crate::ledger::Ledger;

/// A restore done: what the ledger now holds and where the one it replaced
/// went.
#[derive(Debug)]
pub(crate) struct Restored {
    /// The batches the restored ledger records.
    pub(crate) batches: usize,
    /// Its notices.
    pub(crate) notices: u64,
    /// The ledger it replaced, moved aside (none when there was none).
    pub(crate) kept: Option<PathBuf>,
}

/// Puts the backup `from` in the place of the ledger `state`, once it and
/// the batch directories under `out` agree; a refusal changes nothing.
pub(crate) fn restore_ledger(state: &Path, from: &Path, out: &Path) -> Result<Restored> {
    refuse_disagreeing_backup(from, out)?;
    let parent = match state.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from("."),
    };
    let file_name = state
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Usage(format!("--state {}: not a file name", state.display())))?;
    crate::files::create_private_dir(&parent)?;
    let work = parent.join(format!(".{file_name}.restoring"));
    let (batches, notices) = checked_working_copy(from, &work, out)?;
    // No run may hold the ledger while it is replaced.
    let lock_name = state
        .with_extension("lock")
        .file_name()
        .and_then(|n| n.to_str().map(str::to_string))
        .unwrap_or_else(|| "kigen.lock".into());
    let _lock = crate::files::lock_in(&parent, &lock_name)?;
    let mut kept = None;
    if state.exists() {
        let aside = (1..)
            .map(|n| parent.join(format!("{file_name}.replaced-{n}")))
            .find(|p| !p.exists())
            .unwrap_or_else(|| parent.join(format!("{file_name}.replaced")));
        rename_sidecars(state, &aside)?;
        kept = Some(aside);
    }
    rename_sidecars(&work, state)?;
    crate::files::sync_dir(&parent)?;
    Ok(Restored {
        batches,
        notices,
        kept,
    })
}

/// The backup's batches against the directories under `out`, before any
/// file is made: a batch it does not know would be noticed again, one it
/// records that is not there means another `--out`.
fn refuse_disagreeing_backup(from: &Path, out: &Path) -> Result<()> {
    let contents = crate::ledger::inspect_backup(from)?;
    let dirs = batch_dirs(out)?;
    let unknown: Vec<&String> = dirs
        .iter()
        .filter(|d| !contents.batch_ids.contains(d))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::State(format!(
            "{} holds committed batch(es) the backup {} does not know ({}): restoring it would forget their notices and print them again. Nothing was changed. Bring them in: restore a newer backup; or build a new ledger from every batch directory with `kigen ledger rebuild --out {} --state NEW_FILE` (returns, reprints and printed addresses are not in the batches); a batch that was never mailed may instead be moved out of {} first",
            out.display(),
            from.display(),
            join(&unknown),
            out.display(),
            out.display()
        )));
    }
    let absent: Vec<&String> = contents
        .batch_ids
        .iter()
        .filter(|b| !dirs.contains(b))
        .collect();
    if !absent.is_empty() {
        return Err(Error::State(format!(
            "the backup {} records batch(es) that are not in {} ({}): nothing was changed; pass the --out they were written to",
            from.display(),
            out.display(),
            join(&absent)
        )));
    }
    Ok(())
}

/// The backup copied to `work` and opened as a ledger (its seals checked,
/// an older schema migrated) that agrees with `out`, before it takes the
/// ledger's place; its batches and notices. On a refusal the copy is
/// removed again.
fn checked_working_copy(from: &Path, work: &Path, out: &Path) -> Result<(usize, u64)> {
    for stale in sidecars(work) {
        let _ = std::fs::remove_file(stale);
    }
    let src = crate::ledger::open_ledger_file(from)?;
    crate::files::create_new_private(work).map(drop)?;
    crate::ledger::copy_ledger(&src, work)?;
    drop(src);
    let checked = Ledger::open(work).and_then(|l| {
        check_agreement(&l, out, None)?;
        Ok((l.batch_ids()?.len(), l.notice_count()?))
    });
    let _ = std::fs::remove_file(work.with_extension("lock"));
    if checked.is_err() {
        for f in sidecars(work) {
            let _ = std::fs::remove_file(f);
        }
    }
    checked
}

/// Moves a SQLite file and the sidecars it has from `from` to `to`.
fn rename_sidecars(from: &Path, to: &Path) -> Result<()> {
    for (from_f, to_f) in sidecars(from).into_iter().zip(sidecars(to)) {
        if from_f.exists() {
            std::fs::rename(&from_f, &to_f).map_err(|e| Error::io(&from_f, e))?;
        }
    }
    Ok(())
}

/// A SQLite file and its WAL and shared-memory files.
fn sidecars(path: &Path) -> [PathBuf; 3] {
    let with = |s: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(s);
        PathBuf::from(p)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
