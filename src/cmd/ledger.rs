//! `kigen ledger check | rebuild`: the ledger against the batch directories,
//! and a ledger rebuilt from verified batches when it was lost.

use std::io::Write;
use std::path::Path;

use crate::batch::agreement::check_ledger;
use crate::batch::restore::{restore_ledger, Restored};
use crate::cli::{LedgerArgs, LedgerCommand};
use crate::error::{Error, Result};
use crate::retention::rebuild_ledger;

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

/// `kigen ledger restore`: the backup in the ledger's place once it and
/// the batch directories agree (see [`restore_ledger`]).
fn restore(state: &Path, from: &Path, out: &Path) -> Result<i32> {
    let Restored {
        batches,
        notices,
        kept,
    } = restore_ledger(state, from, out)?;
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

/// The checks `kigen run` makes before any work, alone (see
/// [`check_ledger`]).
fn check(out: &Path, state: &Path) -> Result<i32> {
    let Some(agrees) = check_ledger(state, out)? else {
        println!(
            "kigen ledger check: no ledger and no batches in {}: nothing to check",
            out.display()
        );
        return Ok(0);
    };
    for (batch, to) in &agrees.missing_archives {
        eprintln!(
            "kigen ledger check: warning: batch {batch} was archived to {to}, which is not there now (archive media not mounted, or moved?): mount it, or move it back there; `verify`, `pulls` and `history` need it"
        );
    }
    println!(
        "kigen ledger check: {} and {} agree: {} batch(es), {} notice(s)",
        state.display(),
        out.display(),
        agrees.batches,
        agrees.notices
    );
    Ok(0)
}

/// A new ledger at `state` from every batch directory under `out` (see
/// [`rebuild_ledger`]).
fn rebuild(out: &Path, state: &Path) -> Result<i32> {
    let batches = rebuild_ledger(out, state)?;
    let mut o = std::io::stdout().lock();
    for b in &batches {
        let _ = writeln!(
            o,
            "recorded {}: {} packets, {} notices",
            b.batch_id, b.packets, b.notices
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
