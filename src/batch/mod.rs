//! A batch: one night's work, from the export to a complete, recorded
//! directory `out/<as-of>/`.
//!
//! [`check`] reads and selects (and is `kigen check` on its own);
//! [`resources`] loads fonts and postal data; [`plan`] sorts, numbers and
//! chunks the due notices; [`print`] renders the print files; this module
//! builds the whole batch in a temporary directory and moves it into place
//! with the ledger's commit (SPEC 3).

pub(crate) mod agreement;
pub mod check;
pub(crate) mod plan;
pub(crate) mod print;
pub(crate) mod resources;
pub(crate) mod restore;
mod unchanged;

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;

use crate::barcode::PostalTable;
use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::files::{create_private_dir, sync_dir};
use crate::ledger::{
    BatchRecord, IssuedNotice, Ledger, NoticeSet, PrintedAddress, PrintedPacket, StagedBatch,
};
use crate::model::{weight_band, CountSheet, Counts, CsvEncoding, DueNotice, InputEncoding};
use crate::names::{HELD_FILE, SUMMARY_FILE};
use crate::outputs::auditor::AuditorFiles;
use crate::outputs::bundles::write_bundles;
use crate::outputs::districts::{per_district, per_file_and_district};
use crate::outputs::mailing::write_mailing;
use crate::outputs::manifest::{write_manifest, ManifestRow};
use crate::outputs::overview::{Identity, PrintFileFacts};
use crate::outputs::summary::{write_summary, SummaryInput};
use crate::profile::Profile;
use crate::registry::{CardsFile, Export, FirstPass};
use crate::render::printable::{Printability, SUPPORT_MEASURE_REASON};
use check::{check, CheckReport, CheckRequest};
use plan::{bundle_files, place, print_files, Placed, PrintFile};
use print::{planned_spans, write_mailroom_pdfs, write_print_files, PrintJob, Spans};
use resources::{load_postal, postal_description, Renderer};

/// What a run needs.
pub(crate) struct RunRequest<'a> {
    /// The registry export.
    pub(crate) input: PathBuf,
    /// The batch date.
    pub(crate) as_of: NaiveDate,
    /// The profile.
    pub(crate) profile: &'a Profile,
    /// Input encoding.
    pub(crate) encoding: InputEncoding,
    /// CSV output encoding.
    pub(crate) csv_encoding: CsvEncoding,
    /// The output root (`out/`): the batch goes to `<root>/<as-of>/`.
    pub(crate) out_root: PathBuf,
    /// The ledger file (`state/kigen.sqlite`).
    pub(crate) state: PathBuf,
    /// Rebuild a completed batch's files from the ledger's record.
    pub(crate) regenerate: bool,
    /// Today in Asia/Tokyo (the future-date guard's reference).
    pub(crate) today: NaiveDate,
    /// Accept an `--as-of` beyond `[nightly] max_days_ahead`.
    pub(crate) allow_future: bool,
    /// Accept an export with no 住民 rows or one that shrank by more than
    /// `[input] max_drop_percent`.
    pub(crate) accept_input_change: bool,
    /// For a date already complete: a supplementary batch `<as-of>.N` with
    /// only the notices the ledger does not hold yet.
    pub(crate) supplement: bool,
    /// `--cards`: the card-status file.
    pub(crate) cards: Option<CardsFile>,
}

/// Which batch is being built: the night's own (`<as-of>`) or a
/// supplement (`<as-of>.N`, numbered on after the night's notices).
struct Target<'l> {
    batch_id: String,
    /// Document numbers continue after this many packets of the date.
    first_number: u32,
    /// The ledger that will record the batch: its notices and packets are
    /// staged there while the print files render (`Ledger::stage_batch`),
    /// and committed once the directory is in place. None for a
    /// `--regenerate`, which records nothing.
    ledger: Option<&'l mut Ledger>,
}

/// The night's date and what the operator allowed, as the helpers of a
/// run use them (the rest of `kigen run`'s flags are decided in [`run`]).
#[derive(Debug, Clone, Copy)]
struct Night {
    /// The batch date.
    as_of: NaiveDate,
    /// `--regenerate`.
    regenerate: bool,
    /// `--accept-input-change`: the drop guards are off.
    accept_input_change: bool,
}

/// Where a batch goes: the output root, the ledger that records it, and
/// how its CSVs are written.
#[derive(Debug, Clone, Copy)]
struct Destination<'a> {
    /// `out/`: the batch goes to `<root>/<batch id>/`.
    out_root: &'a Path,
    /// The ledger file (`state/kigen.sqlite`).
    state: &'a Path,
    /// CSV output encoding.
    csv_encoding: CsvEncoding,
}

/// What a run produced.
#[derive(Debug)]
pub(crate) struct RunReport {
    /// The batch directory.
    pub(crate) dir: PathBuf,
    /// Row counts.
    pub(crate) counts: Counts,
    /// Print files: (name, packets, pages).
    pub(crate) files: Vec<(String, usize, usize)>,
    /// Seconds spent reading and selecting.
    pub(crate) select_seconds: f64,
    /// Seconds spent laying out and writing PDFs.
    pub(crate) render_seconds: f64,
    /// True when the batch already existed and nothing was done.
    pub(crate) already_done: bool,
    /// True when `--regenerate` rebuilt the files of a recorded batch.
    pub(crate) regenerated: bool,
    /// For a batch already complete: the input's SHA-256 when it differs
    /// from the one the batch was built from.
    pub(crate) input_differs: Option<String>,
    /// For a batch already complete: the card file's SHA-256 when it is not
    /// the one the batch read (or the batch read none).
    pub(crate) cards_differ: Option<String>,
}

impl RunReport {
    fn already_done(dir: PathBuf) -> Self {
        RunReport {
            dir,
            counts: Counts::new(),
            files: Vec::new(),
            select_seconds: 0.0,
            render_seconds: 0.0,
            already_done: true,
            regenerated: false,
            input_differs: None,
            cards_differ: None,
        }
    }
}

/// Runs the nightly job (SPEC 3): one batch per as-of date, atomic.
///
/// The batch is complete when the ledger records it. Its files are built in
/// `<out>/.<as-of>.partial/`, synced, renamed to `<out>/<as-of>/`, and then
/// the ledger transaction commits. A crash before the commit leaves no
/// recorded batch: the rerun builds the same bytes again and replaces any
/// directory the crashed run had renamed into place.
pub(crate) fn run(req: &RunRequest<'_>) -> Result<RunReport> {
    // One process per output directory as well as per ledger: two ledgers
    // writing into one --out would each record the other's files.
    refuse_far_future(req.as_of, req.today, req.profile, req.allow_future)?;
    let group = shared_group(req.profile)?;
    crate::files::create_dir_for(&req.out_root, group)?;
    let _out_lock = crate::files::lock_in(&req.out_root, ".kigen.lock")?;
    agreement::refuse_symlinked_batch(&req.out_root.join(req.as_of.to_string()))?;
    agreement::check_ledger_present(&req.state, &req.out_root)?;
    let mut ledger = Ledger::open(&req.state)?;
    agreement::check_agreement(
        &ledger,
        &req.out_root,
        Some(&agreement::Request {
            out_root: &req.out_root,
            as_of: req.as_of,
            input: &req.input,
            profile_sha256: &req.profile.sha256,
            cards: req.cards.as_ref().map(|c| c.path.as_path()),
        }),
    )?;
    let export = Export {
        input: &req.input,
        encoding: req.encoding,
        profile: req.profile,
        cards: req.cards.as_ref(),
    };
    let night = Night {
        as_of: req.as_of,
        regenerate: req.regenerate,
        accept_input_change: req.accept_input_change,
    };
    let dest = Destination {
        out_root: &req.out_root,
        state: &req.state,
        csv_encoding: req.csv_encoding,
    };
    let dir = req.out_root.join(req.as_of.to_string());
    let recorded = ledger.batch(req.as_of)?;
    if req.supplement {
        return supplement(&export, night, dest, &mut ledger, recorded);
    }
    if already_complete(night, &req.input, &ledger, recorded.as_ref(), &dir)? {
        return done_already(&export, recorded.as_ref(), dir);
    }
    night_batch(&export, night, dest, &mut ledger, recorded, group)
}

/// The night's own batch `<as-of>` (or the `--regenerate` of a recorded
/// one): built, moved into place over any directory a crashed run left,
/// and recorded. `group` is `[output] group`'s gid.
fn night_batch(
    export: &Export<'_>,
    night: Night,
    dest: Destination<'_>,
    ledger: &mut Ledger,
    recorded: Option<BatchRecord>,
    group: Option<u32>,
) -> Result<RunReport> {
    let as_of = night.as_of;
    let dir = dest.out_root.join(as_of.to_string());
    if recorded.is_none() {
        let allow = night.accept_input_change || export.profile.settings.input.allow_unchanged;
        if !allow {
            unchanged::refuse_unchanged_export(export.input, export.cards, dest.out_root, ledger)?;
        }
    }
    // Selection sees the notices of earlier batches only (for a regenerate,
    // exactly what the batch saw when it ran).
    let issued = ledger.notices_before(as_of)?;
    let previous = match (&recorded, ledger.latest()?) {
        (None, Some(latest)) => {
            residents_of(&dest.out_root.join(latest.to_string())).map(|n| (latest, n.0, n.1))
        }
        _ => None,
    };
    let target = Target {
        batch_id: as_of.to_string(),
        first_number: 0,
        ledger: recorded.is_none().then_some(ledger),
    };
    let built = build(
        export,
        night,
        dest,
        target,
        &issued,
        recorded.as_ref().map(|r| r.timings_json.as_str()),
        previous,
    )?;
    if let Some(rec) = &recorded {
        if built.record.summary_sha256 != rec.summary_sha256 {
            return Err(Error::State(format!(
                "--regenerate: the rebuilt summary.json differs from the recorded one (profile or kigen changed since {as_of}); the files were left in {}",
                built.tmp.display()
            )));
        }
    }
    // Into place: a directory left by a crashed run (never recorded) or the
    // one being regenerated makes way for the complete one.
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        crate::fault::point("old-batch-removed");
    }
    if let Some(gid) = group {
        crate::files::share_with_group(&built.tmp, gid)?;
    }
    std::fs::rename(&built.tmp, &dir).map_err(|e| Error::io(&dir, e))?;
    sync_dir(dest.out_root)?;
    crate::fault::point("renamed");
    if let Some(staged) = built.staged {
        commit_or_withdraw(dest, staged, &built.record, &dir)?;
        crate::fault::point("committed");
    }
    Ok(RunReport {
        dir,
        counts: built.counts,
        files: built.files,
        select_seconds: built.select_seconds,
        render_seconds: built.render_seconds,
        already_done: false,
        regenerated: recorded.is_some(),
        input_differs: None,
        cards_differ: None,
    })
}

/// The report of a run for a date already complete; a corrected export the
/// same night is said, never acted on.
fn done_already(
    export: &Export<'_>,
    recorded: Option<&BatchRecord>,
    dir: PathBuf,
) -> Result<RunReport> {
    let mut report = RunReport::already_done(dir);
    if let Some(rec) = recorded {
        let sha = sha256_file(export.input)?;
        report.input_differs = (sha != rec.input_sha256).then_some(sha);
        if let Some(cards) = export.cards {
            let sha = sha256_file(&cards.path)?;
            let recorded = crate::outputs::summary::read_summary(&report.dir)
                .ok()
                .and_then(|(s, _)| s.cards)
                .map(|c| c.sha256);
            report.cards_differ = (recorded.as_deref() != Some(sha.as_str())).then_some(sha);
        }
    }
    Ok(report)
}

/// `--supplement`: for a date already complete, a batch `<as-of>.N` with
/// the notices a corrected export makes due that no batch of the date
/// issued (SPEC 10). Its document numbers continue after the date's.
fn supplement(
    export: &Export<'_>,
    night: Night,
    dest: Destination<'_>,
    ledger: &mut Ledger,
    recorded: Option<BatchRecord>,
) -> Result<RunReport> {
    let as_of = night.as_of;
    let Some(main) = recorded else {
        return Err(Error::State(format!(
            "--supplement: the ledger has no batch for {as_of}: run without --supplement"
        )));
    };
    if night.regenerate {
        return Err(Error::Usage(
            "--supplement and --regenerate do not go together".into(),
        ));
    }
    let on_date = ledger.batches_on(as_of)?;
    let batch_id = format!("{}.{}", as_of, on_date.len() + 1);
    let dir = dest.out_root.join(&batch_id);
    agreement::refuse_symlinked_batch(&dir)?;
    let issued = ledger.notices_through(as_of)?;
    let previous = residents_of(&dest.out_root.join(&main.batch_id)).map(|n| (as_of, n.0, n.1));
    let target = Target {
        batch_id,
        first_number: on_date.iter().map(|b| b.packets).sum::<u64>() as u32,
        ledger: Some(ledger),
    };
    let built = build(export, night, dest, target, &issued, None, previous)?;
    // Every packet issues at least one notice: no packets, no notices.
    if built.record.packets == 0 {
        unchanged::discard_empty_supplement(&built.tmp)?;
        return Ok(RunReport::already_done(dest.out_root.join(&main.batch_id)));
    }
    if let Some(gid) = shared_group(export.profile)? {
        crate::files::share_with_group(&built.tmp, gid)?;
    }
    std::fs::rename(&built.tmp, &dir).map_err(|e| Error::io(&dir, e))?;
    sync_dir(dest.out_root)?;
    crate::fault::point("renamed");
    if let Some(staged) = built.staged {
        commit_or_withdraw(dest, staged, &built.record, &dir)?;
    }
    Ok(RunReport {
        dir,
        counts: built.counts,
        files: built.files,
        select_seconds: built.select_seconds,
        render_seconds: built.render_seconds,
        already_done: false,
        regenerated: false,
        input_differs: None,
        cards_differ: None,
    })
}

/// The ledger's commit of a batch just moved into place. A crash before it
/// leaves the directory, which the rerun completes (SPEC 3); an error (a
/// ledger that fails its write) must not: the directory is removed again,
/// so the night leaves no batch the ledger does not record, and the error
/// is said.
fn commit_or_withdraw(
    dest: Destination<'_>,
    staged: StagedBatch<'_>,
    record: &BatchRecord,
    dir: &Path,
) -> Result<()> {
    let committed = support_held_of(dir).and_then(|held| staged.commit(record, &held));
    let Err(e) = committed else {
        return Ok(());
    };
    let undone = std::fs::remove_dir_all(dir)
        .map_err(|e| Error::io(dir, e))
        .and_then(|()| sync_dir(dest.out_root));
    match undone {
        Ok(()) => Err(Error::State(format!(
            "the ledger {} could not record the batch ({e}); its directory {} was removed again, nothing was recorded. If the ledger is damaged, restore it from the backup or rebuild it with `kigen ledger rebuild`, then run again",
            dest.state.display(),
            dir.display()
        ))),
        Err(undo) => Err(Error::State(format!(
            "the ledger {} could not record the batch ({e}), and its directory {} could not be removed ({undo}): remove it by hand, then see to the ledger (restore it from the backup or `kigen ledger rebuild`) and run again",
            dest.state.display(),
            dir.display()
        ))),
    }
}

/// The residents a batch held for 支援措置, from its held.csv (the ledger
/// keeps them: a reprint must never undo the hold).
pub(crate) fn support_held_of(dir: &Path) -> Result<Vec<String>> {
    let path = dir.join(HELD_FILE);
    let rows = crate::outputs::csvfile::read_csv(&path).map_err(|message| Error::Input {
        path: path.clone(),
        message,
    })?;
    let reason = crate::outputs::HELD_HEADER
        .iter()
        .position(|h| *h == "reason");
    let code = crate::outputs::HELD_HEADER
        .iter()
        .position(|h| *h == "resident_code");
    let (Some(reason), Some(code)) = (reason, code) else {
        return Err(Error::Internal(
            "held.csv has no reason or resident_code".into(),
        ));
    };
    let mut held: Vec<String> = rows
        .iter()
        .filter(|r| r.get(reason).map(String::as_str) == Some(SUPPORT_MEASURE_REASON))
        .filter_map(|r| r.get(code).cloned())
        .collect();
    held.sort();
    held.dedup();
    Ok(held)
}

/// An `--as-of` later than today plus `[nightly] max_days_ahead` is a typo
/// or a clock jump: once recorded, every later night would be refused.
fn refuse_far_future(
    as_of: NaiveDate,
    today: NaiveDate,
    profile: &Profile,
    allow_future: bool,
) -> Result<()> {
    let ahead = profile.settings.nightly.max_days_ahead;
    let limit = today + chrono::Days::new(u64::from(ahead));
    if as_of > limit && !allow_future {
        return Err(Error::Usage(format!(
            "--as-of {as_of} is more than {ahead} day(s) after today ({today} in Asia/Tokyo; [nightly] max_days_ahead): check the date and the clock; if it is meant, pass --allow-future"
        )));
    }
    Ok(())
}

/// The 住民 rows of a batch (rows read less those excluded on their
/// status) and, when it read a card file, the card rows joined, from its
/// summary.json.
fn residents_of(dir: &Path) -> Option<(u64, Option<u64>)> {
    let (summary, _) = crate::outputs::summary::read_summary(dir).ok()?;
    let c = &summary.counts;
    Some((
        c.rows_read - c.of(crate::select::Outcome::Excluded),
        c.cards.as_ref().map(|k| k.joined),
    ))
}

/// The last batch's date, 住民 rows and card rows joined, for the drop
/// guard.
type Previous = Option<(NaiveDate, u64, Option<u64>)>;

/// An export with no 住民 rows, or fewer by more than `[input]
/// max_drop_percent` than the last batch's, is a truncated or wrong file
/// until a person says otherwise; so is a card file whose joined rows
/// dropped as much (a truncated card extract would make its residents
/// `no-item` in silence), or a run without `--cards` after a batch that
/// read one.
fn refuse_shrunk_input(
    input: &Path,
    profile: &Profile,
    counts: &Counts,
    previous: Previous,
) -> Result<()> {
    let now = counts.rows_read - counts.of(crate::select::Outcome::Excluded);
    let max_drop = u64::from(profile.settings.input.max_drop_percent.min(100));
    let dropped = |now: u64, before: u64| now * 100 < before * (100 - max_drop);
    if let Some((date, _, Some(before))) = previous {
        let joined = counts.cards.as_ref().map(|c| c.joined);
        let problem = match joined {
            None => Some(format!(
                "the batch of {date} read a card file (--cards) and this run has none: its residents would all be no-item"
            )),
            Some(j) if dropped(j, before) => Some(format!(
                "the card file joins {j} 住民 row(s), the batch of {date} joined {before} (more than [input] max_drop_percent = {max_drop} % fewer): a truncated card extract?"
            )),
            _ => None,
        };
        if let Some(p) = problem {
            return Err(Error::State(format!(
                "{p} Nothing was recorded. If the files are complete, run again with --accept-input-change"
            )));
        }
    }
    let refused = match previous {
        _ if now == 0 => true,
        Some((_, before, _)) => dropped(now, before),
        None => false,
    };
    if !refused {
        return Ok(());
    }
    let against = match previous {
        Some((date, before, _)) => format!(", the batch of {date} had {before}"),
        None => String::new(),
    };
    Err(Error::State(format!(
        "{} has {now} 住民 row(s){against} (more than [input] max_drop_percent = {max_drop} % fewer, or none): a truncated or wrong export? Nothing was recorded. If the export is complete, run again with --accept-input-change",
        input.display()
    )))
}

/// Card rows rejected without a readable key name no resident: whoever
/// they belonged to is `no-item` tonight without a word. More of them than
/// `[cards] max_unattributed` refuses the night before printing (SPEC 13).
fn refuse_unattributed(
    profile: &Profile,
    cards_file: Option<&CardsFile>,
    counts: &Counts,
) -> Result<()> {
    let Some(cards) = &counts.cards else {
        return Ok(());
    };
    let max = profile.settings.cards.max_unattributed;
    if cards.unattributed <= max {
        return Ok(());
    }
    Err(Error::State(format!(
        "{} card row(s) of {} were rejected without a readable key (unattributed, more than [cards] max_unattributed = {max}): the residents they belong to cannot be told and would be no-item. Nothing was printed or recorded. Read rejects.csv (source cards) of `kigen check` with the same files, have the card extract fixed and run again; if those residents may go without a notice tonight, run again with --accept-input-change",
        cards.unattributed,
        cards_file
            .map(|c| c.path.display().to_string())
            .unwrap_or_default()
    )))
}

/// Whether the batch for the date is complete and nothing is to be done;
/// an error when the request does not fit the ledger's record (a
/// `--regenerate` of another input or of no batch, a date before the last
/// batch, a recorded batch whose files are gone).
fn already_complete(
    night: Night,
    input: &Path,
    ledger: &Ledger,
    recorded: Option<&BatchRecord>,
    dir: &Path,
) -> Result<bool> {
    let as_of = night.as_of;
    if let Some(rec) = recorded {
        if !night.regenerate {
            if !dir.join(SUMMARY_FILE).exists() {
                return Err(Error::State(format!(
                    "the ledger records the batch for {as_of} but {} is missing or incomplete: rerun with --regenerate to rebuild its files",
                    dir.display()
                )));
            }
            return Ok(true);
        }
        let input_sha = sha256_file(input)?;
        if input_sha != rec.input_sha256 {
            return Err(Error::State(format!(
                "--regenerate: {} is not the input of the {as_of} batch (SHA-256 {input_sha}, recorded {})",
                input.display(),
                rec.input_sha256
            )));
        }
    } else if night.regenerate {
        return Err(Error::State(format!(
            "--regenerate: the ledger has no batch for {as_of}"
        )));
    } else if let Some(latest) = ledger.latest()? {
        if latest > as_of {
            return Err(Error::State(format!(
                "the ledger already has a batch for {latest}, after {as_of}: notices cannot be issued in the past"
            )));
        }
    }
    Ok(false)
}

/// A batch built in its temporary directory, not yet in place.
struct Built<'l> {
    tmp: PathBuf,
    record: BatchRecord,
    /// Its notices and packets, staged in the ledger (None for a
    /// `--regenerate`).
    staged: Option<StagedBatch<'l>>,
    counts: Counts,
    files: Vec<(String, usize, usize)>,
    select_seconds: f64,
    render_seconds: f64,
}

/// Builds the whole batch in `<out>/.<as-of>.partial/`, every file synced.
/// `previous` is the last batch's date, 住民 rows and card rows joined, for
/// the drop guard.
fn build<'l>(
    export: &Export<'_>,
    night: Night,
    dest: Destination<'_>,
    target: Target<'l>,
    issued: &NoticeSet,
    timings: Option<&str>,
    previous: Previous,
) -> Result<Built<'l>> {
    let started = Instant::now();
    let profile = export.profile;
    let loaded = load(export)?;
    crate::fault::point("start");
    let tmp = fresh_partial_dir(dest.out_root, &target.batch_id)?;
    let selected = select_rows(export, night.as_of, dest.csv_encoding, issued, loaded, &tmp)?;
    if timings.is_none() && !night.accept_input_change {
        refuse_shrunk_input(export.input, profile, &selected.report.counts, previous)?;
        refuse_unattributed(profile, export.cards, &selected.report.counts)?;
    }
    let select_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let profile_name = profile.name();
    let batch_id = target.batch_id.clone();
    let identity = Identity {
        batch_id: &batch_id,
        as_of: night.as_of,
        version: env!("CARGO_PKG_VERSION"),
        input_sha256: &selected.input_sha256,
        input_bytes: selected.input_bytes,
        profile: &profile_name,
        profile_sha256: &profile.sha256,
        postal_data: &selected.postal_data,
    };
    let printed = print_batch(
        profile,
        dest.csv_encoding,
        target,
        &selected.renderer,
        &selected.report.notices,
        &tmp,
        (identity, &selected.report.counts),
    )?;
    let render_seconds = started.elapsed().as_secs_f64();

    let timings_json = match timings {
        Some(t) => t.to_string(),
        None => serde_json::json!({
            "select_seconds": (select_seconds * 1000.0).round() / 1000.0,
            "render_seconds": (render_seconds * 1000.0).round() / 1000.0,
        })
        .to_string(),
    };
    let summary_sha256 = write_summary(
        &tmp,
        &SummaryInput {
            as_of: night.as_of,
            input_sha256: &selected.input_sha256,
            input_bytes: selected.input_bytes,
            columns: &selected.report.columns,
            cards: selected.report.cards.clone(),
            profile: &profile_name,
            profile_sha256: &profile.sha256,
            postal_data: &selected.postal_data,
            counts: &selected.report.counts,
            print_files: &printed.facts,
            timings_json: &timings_json,
        },
    )?;
    sync_dir(&tmp.join("print"))?;
    sync_dir(&tmp)?;
    crate::fault::point("built");
    Ok(Built {
        tmp,
        record: BatchRecord {
            batch_id,
            as_of: night.as_of,
            input_sha256: selected.input_sha256,
            profile_sha256: profile.sha256.clone(),
            summary_sha256,
            timings_json,
            packets: printed.packets,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        staged: printed.staged,
        counts: selected.report.counts,
        files: printed.files,
        select_seconds,
        render_seconds,
    })
}

/// What a run loads before reading rows: the duplicate scan, fonts and
/// wording, postal data.
struct Loaded<'p> {
    first_pass: FirstPass,
    renderer: Renderer<'p>,
    postal: PostalTable,
}

/// The first pass over the registry (and the card file) reads on one core
/// while the fonts and the postal data load on the other.
fn load<'p>(export: &Export<'p>) -> Result<Loaded<'p>> {
    let profile = export.profile;
    let (first_pass, loaded) = rayon::join(
        || export.first_pass(),
        || -> Result<_> {
            let renderer = Renderer::new(profile)?;
            renderer.fonts.prepare_pdf()?;
            Ok((renderer, load_postal(profile)?))
        },
    );
    let (renderer, postal) = loaded?;
    Ok(Loaded {
        first_pass: first_pass?,
        renderer,
        postal,
    })
}

/// The gid of `[output] group` (SPEC 14), checked again where it is used:
/// the group may have gone since the profile was loaded.
pub(crate) fn shared_group(profile: &Profile) -> Result<Option<u32>> {
    profile
        .settings
        .output
        .shared_group()
        .map_err(|message| Error::Profile {
            path: profile.file(),
            message,
        })
}

/// `<out>/.<batch>.partial/print/`, empty.
fn fresh_partial_dir(out_root: &Path, batch_id: &str) -> Result<PathBuf> {
    create_private_dir(out_root)?;
    let tmp = out_root.join(format!(".{batch_id}.partial"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    create_private_dir(&tmp.join("print"))?;
    Ok(tmp)
}

/// The selection half of a batch, and the input's identity.
struct Selected<'p> {
    renderer: Renderer<'p>,
    report: CheckReport,
    postal_data: String,
    input_sha256: String,
    input_bytes: u64,
}

/// Reads and selects every row, writing the four row CSVs into `tmp`. The
/// input's SHA-256 is that of the bytes the two passes read (and they must
/// agree).
fn select_rows<'p>(
    export: &Export<'p>,
    as_of: NaiveDate,
    csv_encoding: CsvEncoding,
    issued: &NoticeSet,
    loaded: Loaded<'p>,
    tmp: &Path,
) -> Result<Selected<'p>> {
    let Loaded {
        first_pass,
        renderer,
        postal,
    } = loaded;
    let profile = export.profile;
    let printable = Printability {
        renderer: Some((&renderer.fonts, &renderer.wording)),
        columns: &profile.settings.columns,
        as_of,
        support_measure: profile.settings.rules.support_measure,
    };
    let report = check(
        &CheckRequest {
            input: export.input.to_path_buf(),
            as_of,
            profile,
            encoding: export.encoding,
            csv_encoding,
            out_dir: tmp.to_path_buf(),
            first_pass: Some(first_pass),
            ledger: issued,
            printable: &printable,
            postal: Some(&postal),
            cards: export.cards,
        },
        true,
    )?;
    Ok(Selected {
        postal_data: postal_description(profile, &postal),
        input_sha256: report.input.sha256.clone(),
        input_bytes: report.input.bytes,
        renderer,
        report,
    })
}

/// What printing a batch produced.
struct Printed<'l> {
    /// Print files: (name, packets, pages).
    files: Vec<(String, usize, usize)>,
    /// The print files' sizes and SHA-256, hashed from the bytes written.
    facts: Vec<PrintFileFacts>,
    /// Packets in all.
    packets: u64,
    /// The notices and packets (each with the address it was printed
    /// with: the mail room's pull lists and returns), staged in the ledger.
    staged: Option<StagedBatch<'l>>,
}

/// Renders the print files and, beside them, writes manifest.csv,
/// mailing.csv, bundles.csv, the mail room's PDFs and audit.xlsx's sheets
/// of rows and stages the ledger's rows; then finishes audit.xlsx and
/// report.html (SPEC 12) with the print files, the batch's identity and the
/// counts summary.json will hold.
fn print_batch<'l>(
    profile: &Profile,
    csv_encoding: CsvEncoding,
    target: Target<'l>,
    renderer: &Renderer<'_>,
    notices: &[DueNotice],
    tmp: &Path,
    (identity, counts): (Identity<'_>, &Counts),
) -> Result<Printed<'l>> {
    let settings = &profile.settings;
    let as_of = identity.as_of;
    let (placed, mut bundles) = place(
        notices,
        as_of,
        &renderer.wording.letter.document_number,
        target.first_number,
        settings.mail.bundle_min,
    );
    let files = print_files(&placed, settings.output.chunk);
    bundle_files(&mut bundles, &files);
    let profile_file = profile.file();
    let job = PrintJob {
        renderer,
        as_of,
        batch_id: &target.batch_id,
        duplex: settings.output.duplex,
        profile_file: &profile_file,
        mail: &settings.mail,
    };
    let planned = planned_spans(&job, &files);
    let paths: Vec<String> = files.iter().map(PrintFile::path).collect();
    let rows = manifest_rows(&placed, &paths, &planned);
    let print_dir = tmp.join("print");
    let ledger = target.ledger;
    // The print files render on every core. What needs only the manifest's
    // rows is done meanwhile (the CSVs, the mail room's PDFs, audit.xlsx's
    // sheets of rows, the ledger's rows): rayon's other worker takes it
    // first, then joins the rendering, so no core idles while one file or
    // the workbook is finished alone.
    let (written, side) = rayon::join(
        || write_print_files(&job, &files, &planned, &print_dir),
        || -> Result<(AuditorFiles, Option<StagedBatch<'l>>)> {
            write_manifest(tmp, &rows, csv_encoding)?;
            write_mailing(tmp, &rows, csv_encoding)?;
            write_bundles(tmp, &bundles, csv_encoding)?;
            let sheet = count_sheet(profile, &target.batch_id, &rows, settings.output.duplex);
            write_mailroom_pdfs(&job, &bundles, &sheet, &print_dir)?;
            let auditor = AuditorFiles::start(tmp, &identity, &rows)?;
            let staged = ledger
                .map(|l| {
                    let (notices, packets) = (issued_notices(&rows), printed_packets(&rows));
                    l.stage_batch(&target.batch_id, as_of, &notices, &packets)
                })
                .transpose()
                .map_err(|e| {
                    Error::State(format!(
                        "{e}: the batch's notices could not be written to the ledger; nothing was recorded and no batch directory was placed. If the ledger is damaged, restore it from the backup or rebuild it with `kigen ledger rebuild`, then run again"
                    ))
                })?;
            Ok((auditor, staged))
        },
    );
    let written = written?;
    let (auditor, staged) = side?;
    let print_files: Vec<PrintFileFacts> = written
        .iter()
        .map(|w| PrintFileFacts {
            file: w.path.clone(),
            packets: w.spans.len() as u64,
            pages: w.pages() as u64,
            bytes: w.bytes,
            sha256: w.sha256.clone(),
        })
        .collect();
    auditor.finish(tmp, identity, counts, &print_files)?;
    Ok(Printed {
        files: written
            .iter()
            .map(|w| (w.name.clone(), w.spans.len(), w.pages()))
            .collect(),
        facts: print_files,
        packets: placed.len() as u64,
        staged,
    })
}

/// The manifest's rows: each placed packet with the file (by its path in
/// the batch) and pages it goes to, in print order.
fn manifest_rows<'a>(
    placed: &'a [Placed<'a>],
    paths: &'a [String],
    planned: &[Spans],
) -> Vec<ManifestRow<'a>> {
    let mut rows = Vec::with_capacity(placed.len());
    let mut p = placed.iter();
    for (path, spans) in paths.iter().zip(planned) {
        for &(seq, first_page, pages) in spans {
            if let Some(placed) = p.next() {
                debug_assert_eq!(placed.seq, seq);
                rows.push(ManifestRow {
                    seq,
                    file: path,
                    first_page,
                    pages,
                    document_number: &placed.document_number,
                    notice: placed.notice,
                });
            }
        }
    }
    rows
}

/// The 差出票's numbers from the manifest's rows: pieces and sheets per
/// file, barcode coverage, weight bands (sheets × `[mail] sheet_grams` +
/// `envelope_grams`), and pieces per 3-digit district, non-forwardable
/// apart.
fn count_sheet(
    profile: &Profile,
    batch_id: &str,
    rows: &[ManifestRow<'_>],
    duplex: bool,
) -> CountSheet {
    use std::collections::BTreeMap;
    let mail = &profile.settings.mail;
    let m = &profile.settings.municipality;
    let mut files: Vec<(String, u32, u32)> = Vec::new();
    let (mut with_barcode, mut without_barcode) = (0, 0);
    let mut bands: BTreeMap<&str, u32> = BTreeMap::new();
    let mut weights: BTreeMap<u32, f32> = BTreeMap::new();
    for row in rows {
        let sheets = if duplex {
            row.pages.div_ceil(2)
        } else {
            row.pages
        } as u32;
        match files.last_mut() {
            Some(f) if f.0 == row.file => {
                f.1 += 1;
                f.2 += sheets;
            }
            _ => files.push((row.file.to_string(), 1, sheets)),
        }
        if row.notice.barcode.is_ok() {
            with_barcode += 1;
        } else {
            without_barcode += 1;
        }
        let grams = sheets as f32 * mail.sheet_grams + mail.envelope_grams;
        *bands.entry(weight_band(grams)).or_default() += 1;
        weights.insert(sheets, grams);
    }
    CountSheet {
        batch_id: batch_id.to_string(),
        issuer: format!("{} {}", m.name, m.department),
        files,
        with_barcode,
        without_barcode,
        bands: bands.into_iter().map(|(b, n)| (b.to_string(), n)).collect(),
        districts: per_district(&per_file_and_district(rows))
            .into_iter()
            .map(|d| {
                let nf = d.non_forwardable as u32;
                (d.district, d.packets as u32 - nf, nf)
            })
            .collect(),
        weights: weights.into_iter().collect(),
    }
}

/// One ledger notice per due item of every packet.
fn issued_notices(rows: &[ManifestRow<'_>]) -> Vec<IssuedNotice> {
    let mut out = Vec::new();
    for row in rows {
        let n = row.notice;
        for kind in &n.selection.due {
            if let Some(item) = n.evaluation.item(*kind) {
                out.push(IssuedNotice {
                    resident_code: n.resident.code.clone(),
                    item: *kind,
                    expiry: item.expiry,
                    document_number: row.document_number.to_string(),
                    print_file: row.file.to_string(),
                    first_page: row.first_page as u32,
                    pages: row.pages as u32,
                    kind: n.selection.kind,
                });
            }
        }
    }
    out
}

/// Each packet's envelope as printed: the 送付先 when there is one.
fn printed_packets(rows: &[ManifestRow<'_>]) -> Vec<PrintedPacket> {
    rows.iter()
        .map(|row| {
            let r = &row.notice.resident;
            let to = r.envelope();
            PrintedPacket {
                document_number: row.document_number.to_string(),
                resident_code: r.code.clone(),
                address: PrintedAddress {
                    name: r.name.clone(),
                    postal_code: to.postal_code.digits().to_string(),
                    address: to.address.to_string(),
                    address_extra: to.address_extra.to_string(),
                    care_of: to.care_of.map(str::to_string),
                },
            }
        })
        .collect()
}
