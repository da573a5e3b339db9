//! Retention (SPEC 14): `kigen archive` moves committed batches older than
//! a date out of `--out` (copied, verified, recorded, then removed), and
//! `kigen purge` erases the personal data of batches past `[retention]
//! years`, keeping summary.json, the counts, the hashes and `purged.json`.
//! The ledger's notices (住民コード, item, expiry) are never erased: after a
//! purge no resident is noticed twice. `kigen ledger rebuild` is here too:
//! a lost ledger made again from the verified batches under `--out`.
//!
//! Every check (the ledger and `--out` agree, every batch verifies, no
//! target exists, no batch too young) is made before the first change.

use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};

use crate::batch::agreement::check_agreement;
use crate::error::{Error, Result};
use crate::ledger::{BatchListing, Ledger};
use crate::names::PURGED_FILE;
use crate::outputs::summary::read_summary;
use crate::verify::verify;

/// A batch moved or purged, and where it is.
#[derive(Debug)]
pub(crate) struct Done {
    /// The batch.
    pub(crate) batch_id: String,
    /// Its directory now.
    pub(crate) dir: PathBuf,
    /// Files erased (purge only).
    pub(crate) files: usize,
}

/// The batch files that hold personal data (names, addresses, resident
/// codes, echoed values, masked card keys): erased by a purge.
/// `summary.json`, `mailing.csv`, `bundles.csv` and `report.html` hold
/// counts only and are kept.
fn holds_personal_data(file: &str) -> bool {
    use crate::names::{
        AUDIT_FILE, CARDS_UNMATCHED_FILE, EXCEPTIONS_FILE, HELD_FILE, MANIFEST_FILE, OUTCOMES_FILE,
        PRINT_DIR, REJECTS_FILE,
    };
    file.strip_prefix(PRINT_DIR)
        .is_some_and(|rest| rest.starts_with('/'))
        || [
            MANIFEST_FILE,
            OUTCOMES_FILE,
            HELD_FILE,
            REJECTS_FILE,
            EXCEPTIONS_FILE,
            CARDS_UNMATCHED_FILE,
            AUDIT_FILE,
        ]
        .contains(&file)
}

fn batch_date(id: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(id.split('.').next().unwrap_or(id), "%Y-%m-%d").ok()
}

/// Opens the ledger and checks it against `--out`, holding both locks.
fn open(state: &Path, out: &Path) -> Result<(std::fs::File, Ledger)> {
    let lock = crate::files::lock_in(out, ".kigen.lock")?;
    let ledger = Ledger::open_existing(state)?;
    check_agreement(&ledger, out, None)?;
    Ok((lock, ledger))
}

/// A batch directory must verify (against the ledger) before it is moved
/// or purged.
fn must_verify(dir: &Path, state: &Path) -> Result<()> {
    let report = verify(dir, Some(state))?;
    match report.problems.first() {
        None => Ok(()),
        Some(first) => Err(Error::State(format!(
            "{} does not verify ({} problem(s), the first: {first}): nothing was changed; see `kigen verify {} --state {}`",
            dir.display(),
            report.problems.len(),
            dir.display(),
            state.display()
        ))),
    }
}

/// `kigen archive`: every committed batch in `out` dated before `before`
/// moves to `to/<batch>/`.
pub(crate) fn archive(
    state: &Path,
    out: &Path,
    before: NaiveDate,
    to: &Path,
    today: NaiveDate,
) -> Result<Vec<Done>> {
    let (_lock, mut ledger) = open(state, out)?;
    let ids: Vec<String> = ledger
        .batch_ids_in_out()?
        .into_iter()
        .filter(|id| batch_date(id).is_some_and(|d| d < before))
        .collect();
    for id in &ids {
        must_verify(&out.join(id), state)?;
        if to.join(id).exists() {
            return Err(Error::State(format!(
                "{} exists already: nothing was changed; archive into another --to",
                to.join(id).display()
            )));
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    crate::files::create_private_dir(to)?;
    let to = to.canonicalize().map_err(|e| Error::io(to, e))?;
    let mut done = Vec::new();
    for id in ids {
        let target = to.join(&id);
        let partial = to.join(format!(".{id}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        copy_dir(&out.join(&id), &partial)?;
        std::fs::rename(&partial, &target).map_err(|e| Error::io(&partial, e))?;
        crate::files::sync_dir(&to)?;
        must_verify(&target, state)?;
        ledger.record_archive(&id, &target.display().to_string(), today)?;
        crate::fault::point("archive-recorded");
        std::fs::remove_dir_all(out.join(&id)).map_err(|e| Error::io(out.join(&id), e))?;
        crate::files::sync_dir(out)?;
        done.push(Done {
            batch_id: id,
            dir: target,
            files: 0,
        });
    }
    Ok(done)
}

/// Copies a batch directory: directories 0700, files created new 0600,
/// each synced.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    crate::files::create_private_dir(to)?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(|e| Error::io(from, e))?
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io(from, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| Error::io(&src, e))?;
        if kind.is_dir() {
            copy_dir(&src, &dst)?;
        } else if kind.is_file() {
            let mut r = std::fs::File::open(&src).map_err(|e| Error::io(&src, e))?;
            let mut w = crate::files::create_new_private(&dst)?;
            std::io::copy(&mut r, &mut w).map_err(|e| Error::io(&dst, e))?;
            w.sync_all().map_err(|e| Error::io(&dst, e))?;
        } else {
            return Err(Error::State(format!(
                "{}: neither a file nor a directory in a batch: nothing more was copied",
                src.display()
            )));
        }
    }
    crate::files::sync_dir(to)
}

/// What `kigen purge` is asked.
pub(crate) struct PurgeRequest<'a> {
    /// The ledger.
    pub(crate) state: &'a Path,
    /// The output root.
    pub(crate) out: &'a Path,
    /// Batches dated before this are purged.
    pub(crate) before: NaiveDate,
    /// `[retention] years`.
    pub(crate) years: u32,
    /// Purge batches younger than the retention period too.
    pub(crate) force: bool,
    /// Today (the purge's date).
    pub(crate) today: NaiveDate,
}

/// `kigen purge`: the personal data of every batch dated before `before`
/// (in `out` or archived) is erased; younger than `years` is refused
/// unless `force`.
pub(crate) fn purge(req: &PurgeRequest<'_>) -> Result<Vec<Done>> {
    let (_lock, mut ledger) = open(req.state, req.out)?;
    let limit = req
        .today
        .checked_sub_months(Months::new(req.years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MIN);
    let batches: Vec<BatchListing> = ledger
        .batch_listing()?
        .into_iter()
        .filter(|b| {
            b.void.is_none() && b.place.imported_from.is_none() && b.place.purged_on.is_none()
        })
        .filter(|b| b.as_of < req.before)
        .collect();
    let young: Vec<&str> = batches
        .iter()
        .filter(|b| b.as_of >= limit)
        .map(|b| b.batch_id.as_str())
        .collect();
    if !young.is_empty() && !req.force {
        return Err(Error::State(format!(
            "batch(es) younger than [retention] years = {} (dated on or after {limit}): {}: nothing was purged; purge before {limit}, or pass --force if the law allows it",
            req.years,
            young.join(", ")
        )));
    }
    let mut dirs = Vec::new();
    for b in &batches {
        let dir = match &b.place.archived_to {
            Some(to) => PathBuf::from(to),
            None => req.out.join(&b.batch_id),
        };
        must_verify(&dir, req.state)?;
        dirs.push((b.batch_id.clone(), dir));
    }
    let mut done = Vec::new();
    for (id, dir) in dirs {
        let (record_sha, files) = erase(&dir, &id, req.today)?;
        ledger.record_purge(&id, req.today, &record_sha)?;
        done.push(Done {
            batch_id: id,
            dir,
            files,
        });
    }
    Ok(done)
}

/// Writes `purged.json` (the files, their sizes and SHA-256 as summary.json
/// recorded them), then removes those files; its SHA-256 and the count.
fn erase(dir: &Path, batch_id: &str, today: NaiveDate) -> Result<(String, usize)> {
    let (summary, _) = read_summary(dir)?;
    let erased: Vec<_> = summary
        .files
        .iter()
        .filter(|f| holds_personal_data(&f.file))
        .collect();
    let record = serde_json::json!({
        "batch_id": batch_id,
        "purged_on": today.to_string(),
        "reason": "[retention] years passed: personal data erased (SPEC 14)",
        "files": erased.iter().map(|f| serde_json::json!({
            "file": f.file, "bytes": f.bytes, "sha256": f.sha256,
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&record)
        .map_err(|e| Error::Internal(format!("purged.json: {e}")))?;
    text.push('\n');
    let path = dir.join(PURGED_FILE);
    let tmp = dir.join(format!(".{PURGED_FILE}.partial"));
    let _ = std::fs::remove_file(&tmp);
    {
        use std::io::Write;
        let mut f = crate::files::create_new_private(&tmp)?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&tmp, e))?;
    for f in &erased {
        let p = dir.join(&f.file);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&p, e)),
        }
    }
    crate::files::sync_dir(dir)?;
    if dir.join("print").is_dir() {
        crate::files::sync_dir(&dir.join("print"))?;
    }
    Ok((crate::digest::sha256_hex(text.as_bytes()), erased.len()))
}

/// A batch [`rebuild_ledger`] recorded.
#[derive(Debug)]
pub(crate) struct Rebuilt {
    /// The batch.
    pub(crate) batch_id: String,
    /// Its packets.
    pub(crate) packets: u64,
    /// Its notices.
    pub(crate) notices: usize,
}

/// `kigen ledger rebuild`: a new ledger at `state` from every batch
/// directory under `out`, each verified first. An existing ledger is never
/// overwritten. A batch directory does not keep the printed addresses: the
/// rebuilt ledger has none for the mail room (README).
pub(crate) fn rebuild_ledger(out: &Path, state: &Path) -> Result<Vec<Rebuilt>> {
    crate::ledger::refuse_existing(state)?;
    let dirs = crate::batch::agreement::batch_dirs(out)?;
    if dirs.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no batch directory: nothing to rebuild from",
            out.display()
        )));
    }
    // Every batch is read and verified before the ledger file is made.
    let mut batches = Vec::with_capacity(dirs.len());
    for name in &dirs {
        let (record, notices) = crate::verify::verified_batch(&out.join(name), name)?;
        let held = crate::batch::support_held_of(&out.join(name))?;
        batches.push((record, notices, held));
    }
    crate::ledger::rebuild(state, &batches)?;
    Ok(batches
        .into_iter()
        .map(|(record, notices, _)| Rebuilt {
            batch_id: record.batch_id,
            packets: record.packets,
            notices: notices.len(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::holds_personal_data;

    #[test]
    fn a_purge_erases_every_file_with_personal_data_and_keeps_the_counts() {
        for erased in [
            "manifest.csv",
            "outcomes.csv",
            "held.csv",
            "rejects.csv",
            "exceptions.csv",
            "cards-unmatched.csv",
            "audit.xlsx",
            "print/notices-0001.pdf",
        ] {
            assert!(holds_personal_data(erased), "{erased}");
        }
        for kept in [
            "summary.json",
            "mailing.csv",
            "bundles.csv",
            "report.html",
            "printed.csv",
        ] {
            assert!(!holds_personal_data(kept), "{kept}");
        }
    }
}
