//! `kigen ledger check | rebuild`: the ledger against the batch directories,
//! and a ledger rebuilt from verified batches when it was lost.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use crate::batch::agreement::{batch_dirs, check_agreement, check_ledger_present};
use crate::batch::support_held_of;
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

/// Withdraws the batch of `as_of`: its directory moves aside first (so a
/// crash leaves a batch the ledger records but `--out` lacks, which the next
/// run refuses and a rerun of this command completes), then the ledger
/// moves its record and notices to the voided tables.
fn void(as_of: &str, reason: &str, out: &Path, state: &Path) -> Result<i32> {
    let date = crate::wareki::parse_date(as_of.trim()).map_err(|e| Error::Date {
        option: "as-of",
        source: Box::new(e),
    })?;
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
    let void_root = out.join(".void");
    let dir = out.join(&rec.batch_id);
    let moved = match previously_moved(&void_root, &rec.batch_id)? {
        Some(existing) if !dir.exists() => existing,
        _ => {
            if !dir.is_dir() {
                return Err(Error::State(format!(
                    "{} is not there: the batch to withdraw must be in --out",
                    dir.display()
                )));
            }
            crate::files::create_private_dir(&void_root)?;
            let target = (1..)
                .map(|n| void_root.join(format!("{}-{n}", rec.batch_id)))
                .find(|p| !p.exists())
                .unwrap_or_else(|| void_root.join(&rec.batch_id));
            std::fs::rename(&dir, &target).map_err(|e| Error::io(&dir, e))?;
            crate::files::sync_dir(out)?;
            crate::fault::point("void-moved");
            target
        }
    };
    let moved_to = moved
        .strip_prefix(out)
        .unwrap_or(&moved)
        .display()
        .to_string();
    ledger.void_batch(&rec.batch_id, reason.trim(), &moved_to)?;
    println!(
        "kigen ledger void: the batch of {date} ({} packets) is withdrawn: {moved_to}; its residents will be selected again",
        rec.packets
    );
    Ok(0)
}

/// The `.void/<batch>-<n>` directory an interrupted void already made, if
/// any (the newest).
fn previously_moved(void_root: &Path, batch_id: &str) -> Result<Option<std::path::PathBuf>> {
    let mut found = None;
    for n in 1.. {
        let p = void_root.join(format!("{batch_id}-{n}"));
        if !p.exists() {
            break;
        }
        found = Some(p);
    }
    Ok(found)
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
    // Every batch is read and verified before the ledger file is made.
    let mut batches = Vec::with_capacity(dirs.len());
    for name in &dirs {
        let (record, notices) = read_batch(&out.join(name), name)?;
        let held = support_held_of(&out.join(name))?;
        batches.push((record, notices, held));
    }
    let _ = std::fs::remove_file(state);
    // One transaction: a rebuild that fails leaves no half ledger (the file
    // it made is removed again).
    let written = Ledger::open(state).and_then(|mut ledger| ledger.commit_batches(&batches));
    if let Err(e) = written {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = state.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(p));
        }
        return Err(e);
    }
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
    let date = name.split('.').next().unwrap_or(name);
    let as_of = NaiveDate::parse_from_str(date, "%Y-%m-%d")
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
