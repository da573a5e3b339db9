//! `kigen ledger check | rebuild`: the ledger against the batch directories,
//! and a ledger rebuilt from verified batches when it was lost.

use std::io::Write;
use std::path::Path;

use crate::batch::agreement::{batch_dirs, check_agreement, check_ledger_present};
use crate::batch::support_held_of;
use crate::cli::{LedgerArgs, LedgerCommand};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::verify::verified_batch;

/// Runs `kigen ledger …`.
pub(crate) fn run(args: LedgerArgs) -> Result<i32> {
    match args.command {
        LedgerCommand::Check { out, state } => check(&out, &state),
        LedgerCommand::Rebuild { out, state } => rebuild(&out, &state),
        LedgerCommand::Void {
            as_of,
            reason,
            out,
            state,
        } => void(&as_of, &reason, &out, &state),
        LedgerCommand::Backup { state, to } => backup(&state, &to),
        LedgerCommand::Restore { state, from, out } => restore(&state, &from, &out),
        LedgerCommand::Import {
            state,
            file,
            as_of,
            dry_run,
        } => import(&state, &file, &as_of, dry_run),
    }
}

/// `kigen ledger import`: every line checked, then all recorded or none.
fn import(state: &Path, file: &Path, as_of: &str, dry_run: bool) -> Result<i32> {
    let date = crate::wareki::parse_date(as_of.trim()).map_err(|e| Error::Date {
        option: "as-of",
        source: Box::new(e),
    })?;
    let r = crate::ledger::import_notices(state, file, date, dry_run)?;
    println!(
        "kigen ledger import: {} {} notice(s) of {} resident(s) from {} as batch {} (kind import){}",
        if r.dry_run { "would record" } else { "recorded" },
        r.notices,
        r.residents,
        file.display(),
        r.batch_id,
        if r.dry_run { "; --dry-run: nothing was changed" } else { "" }
    );
    Ok(0)
}

/// `kigen ledger backup`: the copy and what it holds.
fn backup(state: &Path, to: &Path) -> Result<i32> {
    let c = crate::ledger::backup(state, to)?;
    println!(
        "kigen ledger backup: {} → {} (integrity_check ok): {} batch(es), {} notice(s)",
        state.display(),
        to.display(),
        c.batch_ids.len(),
        c.notices
    );
    Ok(0)
}

/// `kigen ledger restore`: every check is made on the backup and on a
/// working copy of it (the schema, integrity_check, the seals, the batch
/// directories) before the ledger in place is touched; that one is then
/// moved aside (kept for the auditors), never deleted.
fn restore(state: &Path, from: &Path, out: &Path) -> Result<i32> {
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
    let parent = match state.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.to_path_buf(),
        None => std::path::PathBuf::from("."),
    };
    let file_name = state
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Usage(format!("--state {}: not a file name", state.display())))?;
    crate::files::create_private_dir(&parent)?;
    // The working copy is opened as a ledger (its seals checked, an older
    // schema migrated) before it takes the ledger's place.
    let work = parent.join(format!(".{file_name}.restoring"));
    for stale in sidecars(&work) {
        let _ = std::fs::remove_file(stale);
    }
    let src = crate::ledger::open_ledger_file(from)?;
    crate::files::create_new_private(&work).map(drop)?;
    crate::ledger::copy_ledger(&src, &work)?;
    drop(src);
    let checked = Ledger::open(&work).and_then(|l| {
        check_agreement(&l, out, None)?;
        Ok((l.batch_ids()?.len(), l.notice_count()?))
    });
    let _ = std::fs::remove_file(work.with_extension("lock"));
    let (batches, notices) = match checked {
        Ok(n) => n,
        Err(e) => {
            for f in sidecars(&work) {
                let _ = std::fs::remove_file(f);
            }
            return Err(e);
        }
    };
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
        for (from_f, to_f) in sidecars(state).into_iter().zip(sidecars(&aside)) {
            if from_f.exists() {
                std::fs::rename(&from_f, &to_f).map_err(|e| Error::io(&from_f, e))?;
            }
        }
        kept = Some(aside);
    }
    for (from_f, to_f) in sidecars(&work).into_iter().zip(sidecars(state)) {
        if from_f.exists() {
            std::fs::rename(&from_f, &to_f).map_err(|e| Error::io(&from_f, e))?;
        }
    }
    crate::files::sync_dir(&parent)?;
    println!(
        "kigen ledger restore: {} is now {} ({batches} batch(es), {notices} notice(s); it agrees with {}){}",
        state.display(),
        from.display(),
        out.display(),
        kept.map(|k| format!("; the ledger it replaced is kept as {}", k.display()))
            .unwrap_or_default()
    );
    Ok(0)
}

/// A SQLite file and its WAL and shared-memory files.
fn sidecars(path: &Path) -> [std::path::PathBuf; 3] {
    let with = |s: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(s);
        std::path::PathBuf::from(p)
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

/// `kigen ledger void`: withdraws the batch of `as_of` (see
/// [`crate::ledger::void_batch`]).
fn void(as_of: &str, reason: &str, out: &Path, state: &Path) -> Result<i32> {
    let date = crate::wareki::parse_date(as_of.trim()).map_err(|e| Error::Date {
        option: "as-of",
        source: Box::new(e),
    })?;
    let v = crate::ledger::void_batch(date, reason, out, state)?;
    println!(
        "kigen ledger void: the batch of {date} ({} packets) is withdrawn: {}; its residents will be selected again",
        v.packets, v.moved_to
    );
    Ok(0)
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
    for (batch, to) in crate::batch::agreement::missing_archives(&ledger)? {
        eprintln!(
            "kigen ledger check: warning: batch {batch} was archived to {to}, which is not there now (archive media not mounted, or moved?): mount it, or move it back there; `verify`, `pulls` and `history` need it"
        );
    }
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
    crate::ledger::refuse_existing(state)?;
    let dirs = batch_dirs(out)?;
    if dirs.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no batch directory: nothing to rebuild from",
            out.display()
        )));
    }
    // Every batch is read and verified before the ledger file is made.
    let mut batches = Vec::with_capacity(dirs.len());
    for name in &dirs {
        let (record, notices) = verified_batch(&out.join(name), name)?;
        let held = support_held_of(&out.join(name))?;
        batches.push((record, notices, held));
    }
    crate::ledger::rebuild(state, &batches)?;
    let mut o = std::io::stdout().lock();
    for (record, notices, _) in &batches {
        // A batch directory does not keep the printed addresses: the
        // rebuilt ledger has none for the mail room (README).
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
