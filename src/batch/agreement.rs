//! The ledger and the batch directories must agree before any work (SPEC
//! 10). kigen refuses to guess: a ledger that is missing, empty or damaged
//! while batches exist, a batch directory the ledger does not record, or a
//! recorded batch whose directory is gone stops the run with exit 2, saying
//! which and what to do. The one case completed silently is a crash between
//! the rename and the commit, rerun with the same input and profile.

use std::path::Path;

use chrono::NaiveDate;

use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::outputs::summary::read_summary;

/// The batch directories under `out_root`: names that are an as-of date,
/// or a date and a supplement's number (`2026-11-26.2`); temporary
/// `.partial` directories, `check-*` and hidden ones are not.
pub(crate) fn batch_dirs(out_root: &Path) -> Result<Vec<String>> {
    let mut dirs = Vec::new();
    let entries = match std::fs::read_dir(out_root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(dirs),
        Err(e) => return Err(Error::io(out_root, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(out_root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let (date, n) = name.split_once('.').unwrap_or((name.as_str(), "2"));
        if NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
        {
            dirs.push(name);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// A batch path that is a symbolic link is refused before anything else:
/// kigen writes only into directories it creates.
pub(crate) fn refuse_symlinked_batch(dir: &Path) -> Result<()> {
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::State(format!(
            "{} is a symbolic link: kigen writes batches only into directories it creates; remove the link",
            dir.display()
        )));
    }
    Ok(())
}

/// Before the ledger is opened (which would create it): a ledger file that
/// is missing or empty while batches exist is the state of a deleted or
/// truncated ledger, and a run would notify everyone again.
pub(crate) fn check_ledger_present(state: &Path, out_root: &Path) -> Result<()> {
    let empty = match std::fs::metadata(state) {
        Ok(m) => m.len() == 0,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(Error::io(state, e)),
    };
    if !empty {
        return Ok(());
    }
    let dirs = batch_dirs(out_root)?;
    if dirs.is_empty() {
        return Ok(());
    }
    Err(Error::State(format!(
        "the ledger {} is {} but {} holds {} batch(es) ({}): running now would notify their residents again. Restore the ledger from the backup, or rebuild it from the batches with `kigen ledger rebuild --out {} --state {}`",
        state.display(),
        if state.exists() { "empty" } else { "missing" },
        out_root.display(),
        dirs.len(),
        list(&dirs),
        out_root.display(),
        state.display()
    )))
}

/// What the run is about to do, for [`check_agreement`].
pub(crate) struct Request<'a> {
    /// The output root.
    pub(crate) out_root: &'a Path,
    /// The batch date.
    pub(crate) as_of: NaiveDate,
    /// The export.
    pub(crate) input: &'a Path,
    /// profile.toml's SHA-256.
    pub(crate) profile_sha256: &'a str,
    /// The card file (`--cards`), when the run reads one.
    pub(crate) cards: Option<&'a Path>,
}

/// The ledger's batches against the directories under `out_root`; with a
/// run's request, its own date may be absent or in place unrecorded (see
/// [`check_crashed_batch`]).
pub(crate) fn check_agreement(
    ledger: &Ledger,
    out_root: &Path,
    req: Option<&Request<'_>>,
) -> Result<()> {
    // The ledger's own checks (integrity_check, references, seals) ran
    // when it was opened.
    let recorded = ledger.batch_ids()?;
    // Import batches have no directory and archived ones are elsewhere
    // (SPEC 14): only the others must be under --out. An archived batch
    // still under --out (an archive stopped before removing it) is known.
    let in_out = ledger.batch_ids_in_out()?;
    let dirs = batch_dirs(out_root)?;
    let this = req.map(|r| r.as_of.to_string()).unwrap_or_default();
    let unrecorded: Vec<String> = dirs
        .iter()
        .filter(|d| !recorded.contains(d) && **d != this)
        .cloned()
        .collect();
    if !unrecorded.is_empty() {
        return Err(Error::State(format!(
            "{} holds batch(es) the ledger {} does not record ({}): is this the right ledger for this --out? If it is, rebuild the missing records with `kigen ledger rebuild --out {} --state LEDGER`",
            out_root.display(),
            ledger.path().display(),
            list(&unrecorded),
            out_root.display()
        )));
    }
    let missing: Vec<String> = in_out
        .iter()
        .filter(|b| !dirs.contains(b) && **b != this)
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(Error::State(format!(
            "the ledger {} records batch(es) that are not in {} ({}): was --out changed, or were they moved? Put them back or pass the --out they were written to",
            ledger.path().display(),
            out_root.display(),
            list(&missing)
        )));
    }
    if let Some(req) = req {
        if dirs.contains(&this) && !recorded.contains(&this) {
            check_crashed_batch(&out_root.join(&this), req)?;
        }
    }
    Ok(())
}

/// What `kigen ledger check` found: the ledger agrees with the batch
/// directories (the checks a run makes before any work, alone).
#[derive(Debug)]
pub(crate) struct LedgerAgrees {
    /// The batches it records.
    pub(crate) batches: usize,
    /// Its notices.
    pub(crate) notices: u64,
    /// Archived batches not where the ledger says (see [`missing_archives`]).
    pub(crate) missing_archives: Vec<(String, String)>,
}

/// The checks `kigen run` makes before any work, alone: `None` when there
/// is no ledger and no batch to check it against.
pub(crate) fn check_ledger(state: &Path, out_root: &Path) -> Result<Option<LedgerAgrees>> {
    check_ledger_present(state, out_root)?;
    if !state.exists() {
        return Ok(None);
    }
    let ledger = Ledger::open(state)?;
    check_agreement(&ledger, out_root, None)?;
    let missing_archives = missing_archives(&ledger)?;
    Ok(Some(LedgerAgrees {
        batches: ledger.batch_ids()?.len(),
        notices: ledger.notice_count()?,
        missing_archives,
    }))
}

/// The archived batches whose directory is not where the ledger says it
/// went (SPEC 14), with that place. `ledger check` warns of them; a night
/// never refuses for them (archive media may be unmounted).
pub(crate) fn missing_archives(ledger: &Ledger) -> Result<Vec<(String, String)>> {
    let mut missing = Vec::new();
    for id in ledger.batch_ids()? {
        // An older ledger (no archive table) has archived nothing.
        let Some(to) = ledger.place_of(&id).ok().and_then(|p| p.archived_to) else {
            continue;
        };
        if !Path::new(&to)
            .join(crate::outputs::summary::SUMMARY_FILE)
            .is_file()
        {
            missing.push((id, to));
        }
    }
    Ok(missing)
}

/// `out/<as-of>/` is in place but not recorded: a run crashed between the
/// rename and the commit. With the same input files (the export and the
/// card file, or no card file both times) and profile the rerun builds the
/// same bytes and records them; otherwise that batch may already be in the
/// mail room, and a person decides.
fn check_crashed_batch(dir: &Path, req: &Request<'_>) -> Result<()> {
    let Ok((summary, _)) = read_summary(dir) else {
        return Err(crashed(dir, req, "its summary.json cannot be read"));
    };
    let mut differ = Vec::new();
    if summary.profile_sha256 != req.profile_sha256 || summary.as_of != req.as_of.to_string() {
        differ.push("the profile");
    }
    if summary.input.sha256 != sha256_file(req.input)? {
        differ.push("the registry export");
    }
    let cards_now = match req.cards {
        Some(path) => Some(sha256_file(path)?),
        None => None,
    };
    let cards_then = summary.cards.as_ref().map(|c| c.sha256.clone());
    match (&cards_then, &cards_now) {
        (None, None) => {}
        (Some(_), None) => differ.push("the card file (it read one, this run has no --cards)"),
        (None, Some(_)) => differ.push("the card file (it read none, this run has --cards)"),
        (Some(a), Some(b)) if a != b => differ.push("the card file"),
        _ => {}
    }
    if differ.is_empty() {
        return Ok(());
    }
    Err(crashed(
        dir,
        req,
        &format!(
            "this run's input differs from the one it was built from: {}",
            differ.join(", ")
        ),
    ))
}

fn crashed(dir: &Path, req: &Request<'_>, why: &str) -> Error {
    Error::State(format!(
        "{} is in place but the ledger does not record it (a run stopped between moving it into place and recording it), and {why}. Nothing was done: if that batch was printed, record it with `kigen ledger rebuild --out {} --state LEDGER`; if it was not, move the directory aside and run again (or rerun with the files it was built from)",
        dir.display(),
        req.out_root.display()
    ))
}

fn list(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}
