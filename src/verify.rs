//! `kigen verify out/<as-of>`: an auditor's check that does not trust the
//! run. Recomputes every checksum in summary.json, flags files that should
//! not be there, re-reads the CSVs and the PDFs and reconciles them: rows
//! read = the sum of outcomes; rejects, held and exceptions as counted;
//! printed residents = manifest rows; pages per file = manifest pages = the
//! PDF's pages; mailing.csv = the manifest's totals; report.html's figures
//! = summary.json's and the CSVs'; audit.xlsx's sheets hold the CSVs' rows;
//! and, with the ledger, every manifest row's due items = the ledger's
//! notices, one to one.
//!
//! Every failed check says what it expected and what it found. A batch
//! verifies wherever it is copied (its directory's name is only a note).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::Path;

use chrono::NaiveDate;

use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::ledger::{BatchRecord, IssuedNotice, Ledger};
use crate::model::Counts;
use crate::names::PRINT_DIR;
use crate::names::PURGED_FILE;
use crate::names::{
    BUNDLES_FILE, EXCEPTIONS_FILE, HELD_FILE, MAILING_FILE, MANIFEST_FILE, OUTCOMES_FILE,
    REJECTS_FILE,
};
use crate::outputs::audit::{read_sheet_rows, sheet_rows_for, AUDIT_FILE, SHEETS};
use crate::outputs::bundles::{read_bundles, BundleRecord};
use crate::outputs::csvfile::read_csv;
use crate::outputs::mailing::read_mailing;
use crate::outputs::manifest::read_manifest;
use crate::outputs::overview::{tally_held, tally_rejects};
use crate::outputs::report::{read_figures, reason_figures, REPORT_FILE};
use crate::outputs::rows::{read_rows, ExceptionRecord, HeldRecord, OutcomeRecord, RejectRecord};
use crate::outputs::summary::{read_summary, Summary, SUMMARY_FILE};
use crate::select::Outcome;

mod purged;

/// What verify found.
#[derive(Debug, Default)]
pub(crate) struct VerifyReport {
    /// Checks that held.
    pub(crate) checked: Vec<String>,
    /// Checks that failed, each naming the file, what was expected and what
    /// was found.
    pub(crate) problems: Vec<String>,
    /// Things not checked, and why.
    pub(crate) notes: Vec<String>,
}

impl VerifyReport {
    /// Records `what`: held when `found == expected`.
    fn require<T: PartialEq + Display>(&mut self, what: impl Display, expected: T, found: T) {
        if found == expected {
            self.checked.push(format!("{what}: {found}"));
        } else {
            self.problems
                .push(format!("{what}: expected {expected}, found {found}"));
        }
    }

    fn problem(&mut self, what: String) {
        self.problems.push(what);
    }
}

/// Verifies the batch in `dir`; with `state`, also against the ledger. A
/// directory that does not exist, or a ledger that cannot be read, is an
/// error (exit 2), not a mismatch.
pub(crate) fn verify(dir: &Path, state: Option<&Path>) -> Result<VerifyReport> {
    if let Some(moved) = archived_place(dir, state)? {
        let mut rep = verify(&moved, state)?;
        rep.notes.insert(
            0,
            format!(
                "{} was archived: verified at {}",
                dir.display(),
                moved.display()
            ),
        );
        return Ok(rep);
    }
    refuse_non_batch(dir)?;
    let mut rep = VerifyReport::default();
    let (summary, summary_bytes) = match read_summary(dir) {
        Ok(s) => s,
        Err(e) => {
            rep.problem(format!("{SUMMARY_FILE}: {e}"));
            return Ok(rep);
        }
    };
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name != summary.as_of && !name.starts_with(&format!("{}.", summary.as_of)) {
        rep.notes.push(format!(
            "the directory is named {name}, the batch is of {} (a copy?)",
            summary.as_of
        ));
    }
    if dir.join(PURGED_FILE).exists() {
        // A purged batch keeps no manifest to match the ledger's notices
        // with: its summary.json is matched with the ledger's record.
        if let Some(state) = state {
            check_ledger_record(&mut rep, dir, &summary, &summary_bytes, state)?;
        }
        purged::check_purged(&mut rep, dir, &summary);
        return Ok(rep);
    }
    if let Some(state) = state {
        check_ledger(&mut rep, dir, &summary, &summary_bytes, state)?;
    }
    check_files(&mut rep, dir, &summary)?;
    check_outcomes(&mut rep, dir, &summary.counts);
    check_row_files(&mut rep, dir, &summary.counts);
    if let Some(rows) = check_manifest(&mut rep, dir, &summary) {
        check_mailing(&mut rep, dir, &rows);
        // Batches written before presort bundles have no bundles.csv.
        if summary.files.iter().any(|f| f.file == BUNDLES_FILE) {
            check_bundles(&mut rep, dir, &rows);
        }
    }
    check_auditor_files(&mut rep, dir, &summary);
    Ok(rep)
}

/// Where the ledger says the batch `dir` names was archived, when `dir`
/// is gone (SPEC 14: `verify` finds archived batches).
pub(crate) fn archived_place(
    dir: &Path,
    state: Option<&Path>,
) -> Result<Option<std::path::PathBuf>> {
    let (Some(state), false) = (state, dir.exists()) else {
        return Ok(None);
    };
    let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    if !state.is_file() {
        return Ok(None);
    }
    let ledger = Ledger::open_read_only(state)?;
    // An older ledger (no archive table) has archived nothing.
    Ok(ledger
        .place_of(name)
        .ok()
        .and_then(|p| p.archived_to)
        .map(std::path::PathBuf::from)
        .filter(|p| p.as_path() != dir))
}

/// What a batch directory is, for the operator who gave another path.
const WHAT_A_BATCH_IS: &str = "a batch directory is OUT/<as-of>/ (or OUT/<as-of>.N/ for a supplement) as kigen run wrote it, holding summary.json, manifest.csv and print/; `kigen batches --state FILE` lists them";

/// A path that is not a batch at all (missing, a file, an empty or
/// unrelated directory, the output root) is a usage error (exit 2), not a
/// batch that fails its checks (exit 1). A directory holding any of a
/// batch's files is a batch, damaged or not, and is checked.
fn refuse_non_batch(dir: &Path) -> Result<()> {
    let shown = dir.display();
    if !dir.exists() {
        return Err(Error::Usage(format!(
            "{shown}: no such batch directory ({WHAT_A_BATCH_IS})"
        )));
    }
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{shown} is a file, not a batch directory ({WHAT_A_BATCH_IS})"
        )));
    }
    let batch_file = [SUMMARY_FILE, MANIFEST_FILE, PRINT_DIR]
        .iter()
        .any(|f| dir.join(f).exists());
    if batch_file {
        return Ok(());
    }
    let holds_batches = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .any(|e| e.path().join(SUMMARY_FILE).is_file());
    let hint = if holds_batches {
        ": it holds batches (the output root?); give one of them, such as OUT/<as-of>"
    } else {
        ""
    };
    Err(Error::Usage(format!(
        "{shown} is not a batch directory{hint} ({WHAT_A_BATCH_IS})"
    )))
}

/// summary.json against the ledger's record only (a purged batch).
fn check_ledger_record(
    rep: &mut VerifyReport,
    dir: &Path,
    summary: &Summary,
    summary_bytes: &[u8],
    state: &Path,
) -> Result<()> {
    let mut all = VerifyReport::default();
    check_ledger(&mut all, dir, summary, summary_bytes, state)?;
    // The manifest comparisons need the manifest, which was erased; the
    // failure to read it names its full path, not only its name.
    let keep = |line: &String| !line.contains(MANIFEST_FILE);
    rep.checked.extend(all.checked.into_iter().filter(keep));
    rep.problems.extend(all.problems.into_iter().filter(keep));
    Ok(())
}

/// summary.json against the ledger's record, and the ledger's notices of
/// the batch against the manifest, one to one.
fn check_ledger(
    rep: &mut VerifyReport,
    dir: &Path,
    summary: &Summary,
    summary_bytes: &[u8],
    state: &Path,
) -> Result<()> {
    if !state.is_file() {
        return Err(Error::Usage(format!(
            "--state {}: no such ledger",
            state.display()
        )));
    }
    let ledger = Ledger::open_read_only(state)?;
    let date = NaiveDate::parse_from_str(&summary.as_of, "%Y-%m-%d").map_err(|e| Error::Input {
        path: dir.join(SUMMARY_FILE),
        message: format!("as_of {:?}: {e}", summary.as_of),
    })?;
    // The night's batch or one of its supplements: the one whose record
    // has this summary.json's checksum, else the night's own.
    let sha = sha256_hex(summary_bytes);
    let on_date = ledger.batches_on(date)?;
    let Some(rec) = on_date
        .iter()
        .find(|r| r.summary_sha256 == sha)
        .or_else(|| on_date.first())
    else {
        rep.problem(format!(
            "{SUMMARY_FILE}: expected the ledger {} to record the batch of {}, found no record",
            state.display(),
            summary.as_of
        ));
        return Ok(());
    };
    rep.require(
        format!("{SUMMARY_FILE}: SHA-256 against the ledger's record"),
        rec.summary_sha256.clone(),
        sha,
    );
    let recorded: BTreeSet<String> = ledger
        .notices_of(&rec.batch_id)?
        .iter()
        .map(notice_line)
        .collect();
    let printed: BTreeSet<String> = match manifest_notices(dir) {
        Ok(notices) => notices.iter().map(notice_line).collect(),
        Err(e) => {
            // Said as what it is, naming the file and the line: an empty
            // list here would read as "the ledger and the manifest differ".
            rep.problem(format!(
                "{e}: the ledger's notices were not compared with it"
            ));
            return Ok(());
        }
    };
    let missing: Vec<&String> = recorded.difference(&printed).collect();
    let extra: Vec<&String> = printed.difference(&recorded).collect();
    rep.require(
        "manifest.csv: notices the ledger records and the manifest does not",
        "none".to_string(),
        examples(&missing),
    );
    rep.require(
        "manifest.csv: notices in the manifest the ledger does not record",
        "none".to_string(),
        examples(&extra),
    );
    Ok(())
}

fn notice_line(n: &IssuedNotice) -> String {
    format!(
        "{} {} {} {} {} p.{}+{}",
        n.resident_code,
        n.item.key(),
        n.expiry,
        n.document_number,
        n.print_file,
        n.first_page,
        n.pages
    )
}

fn examples(lines: &[&String]) -> String {
    match lines.len() {
        0 => "none".to_string(),
        n => format!(
            "{n} ({}{})",
            lines
                .iter()
                .take(3)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            if n > 3 { "; …" } else { "" }
        ),
    }
}

/// A verified batch directory as the ledger recorded it.
pub(crate) fn verified_batch(dir: &Path, name: &str) -> Result<(BatchRecord, Vec<IssuedNotice>)> {
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
    let packets = read_manifest(dir)?.len() as u64;
    let notices = manifest_notices(dir)?;
    let record = BatchRecord {
        batch_id: name.to_string(),
        as_of,
        input_sha256: summary.input.sha256.clone(),
        profile_sha256: summary.profile_sha256.clone(),
        summary_sha256: sha256_hex(&bytes),
        timings_json: summary.timings.to_string(),
        packets,
        tool_version: summary.version.clone(),
    };
    Ok((record, notices))
}

/// The ledger notices of `dir`'s manifest: one per item marked due (SPEC
/// 5's columns, read by header name). An unreadable manifest, or a due
/// item whose expiry is not a date, is an error naming the file and line.
pub(crate) fn manifest_notices(dir: &Path) -> Result<Vec<IssuedNotice>> {
    let mut out = Vec::new();
    for row in read_manifest(dir)? {
        let kind = crate::select::NoticeKind::parse(&row.kind).ok_or_else(|| Error::Input {
            path: dir.join(MANIFEST_FILE),
            message: format!("seq {}: kind {:?}: not a notice kind", row.seq, row.kind),
        })?;
        for (item, expiry) in row.due_items() {
            let expiry =
                NaiveDate::parse_from_str(expiry, "%Y-%m-%d").map_err(|e| Error::Input {
                    path: dir.join(MANIFEST_FILE),
                    message: format!("seq {}: {} expiry {expiry:?}: {e}", row.seq, item.key()),
                })?;
            out.push(IssuedNotice {
                resident_code: row.resident_code.clone(),
                item,
                expiry,
                document_number: row.document_number.clone(),
                print_file: row.file.clone(),
                first_page: row.first_page,
                pages: row.pages,
                kind: Some(kind),
            });
        }
    }
    Ok(out)
}

/// Every file: present, same size, same SHA-256; nothing else in the
/// directory (no stray `.part` file, no extra directory).
fn check_files(rep: &mut VerifyReport, dir: &Path, summary: &Summary) -> Result<()> {
    for f in &summary.files {
        match std::fs::read(dir.join(&f.file)) {
            Ok(bytes) => {
                rep.require(format!("{}: bytes", f.file), f.bytes, bytes.len() as u64);
                rep.require(
                    format!("{}: SHA-256", f.file),
                    f.sha256.clone(),
                    sha256_hex(&bytes),
                );
            }
            Err(e) => rep.problem(format!("{}: expected as listed, found {e}", f.file)),
        }
    }
    let listed: BTreeSet<&str> = summary.files.iter().map(|f| f.file.as_str()).collect();
    for (sub, entry) in directory_entries(dir)? {
        let rel = if sub.is_empty() {
            entry.clone()
        } else {
            format!("{sub}/{entry}")
        };
        let is_dir = dir.join(&rel).is_dir();
        let expected_dir = sub.is_empty() && entry == PRINT_DIR;
        if (is_dir && !expected_dir)
            || (!is_dir && rel != SUMMARY_FILE && !listed.contains(rel.as_str()))
        {
            rep.problem(format!(
                "{rel}: expected nothing else in the batch, found {} not listed in {SUMMARY_FILE}",
                if is_dir { "a directory" } else { "a file" }
            ));
        }
    }
    Ok(())
}

/// (sub-directory, name) of every entry of the batch and of its print/.
fn directory_entries(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for sub in ["", PRINT_DIR] {
        let d = dir.join(sub);
        if !d.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            out.push((
                sub.to_string(),
                entry.file_name().to_string_lossy().into_owned(),
            ));
        }
    }
    out.sort();
    Ok(out)
}

/// outcomes.csv against the counts: one row per input row.
fn check_outcomes(rep: &mut VerifyReport, dir: &Path, counts: &Counts) {
    let rows: Vec<OutcomeRecord> = match read_rows(&dir.join(OUTCOMES_FILE)) {
        Ok(rows) => rows,
        Err(e) => return rep.problem(e),
    };
    rep.require(
        "outcomes.csv: rows (= rows read)",
        counts.rows_read,
        rows.len() as u64,
    );
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rows {
        let o = &r.outcome;
        if Outcome::parse(o).is_none() {
            rep.problem(format!(
                "outcomes.csv line {}: expected an outcome, found {o:?}",
                r.line
            ));
        }
        *seen.entry(o.clone()).or_insert(0) += 1;
    }
    for o in Outcome::ALL {
        rep.require(
            format!("outcomes.csv: {} rows (summary.json's count)", o.as_str()),
            counts.of(o),
            seen.get(o.as_str()).copied().unwrap_or(0),
        );
    }
    rep.require(
        format!("{SUMMARY_FILE}: sum of outcomes (= rows read)"),
        counts.rows_read,
        counts.outcomes.values().sum::<u64>(),
    );
}

/// rejects.csv and held.csv: one row per rejected and held input row;
/// exceptions.csv: its rows per code as counted.
fn check_row_files(rep: &mut VerifyReport, dir: &Path, counts: &Counts) {
    match read_rows::<RejectRecord>(&dir.join(REJECTS_FILE)) {
        Ok(rows) => {
            // The last column says which file the line is in (SPEC 9); a
            // batch written before it existed has only registry rejects.
            let from = |source: &str| rows.iter().filter(|r| r.source() == source).count() as u64;
            rep.require(
                "rejects.csv: registry rows (= rejected)",
                counts.of(Outcome::Rejected),
                from("registry"),
            );
            rep.require(
                "rejects.csv: card file rows (= cards.rejected)",
                counts.cards.as_ref().map_or(0, |c| c.rejected),
                from("cards"),
            );
        }
        Err(e) => rep.problem(e),
    }
    match read_rows::<HeldRecord>(&dir.join(HELD_FILE)) {
        Ok(rows) => rep.require(
            "held.csv: rows (= held)",
            counts.of(Outcome::Held),
            rows.len() as u64,
        ),
        Err(e) => rep.problem(e),
    }
    if let Some(cards) = &counts.cards {
        rep.require(
            format!("{SUMMARY_FILE}: card rows read (= joined + rejected + unmatched)"),
            cards.rows_read,
            cards.joined + cards.rejected + cards.unmatched,
        );
        rep.require(
            format!("{SUMMARY_FILE}: card rows unattributed (<= rejected)"),
            true,
            cards.unattributed <= cards.rejected,
        );
        match read_csv(&dir.join(crate::names::CARDS_UNMATCHED_FILE)) {
            Ok(rows) => rep.require(
                "cards-unmatched.csv: rows (= cards.unmatched)",
                cards.unmatched,
                rows.len() as u64,
            ),
            Err(e) => rep.problem(e),
        }
    }
    match read_rows::<ExceptionRecord>(&dir.join(EXCEPTIONS_FILE)) {
        Ok(rows) => {
            let mut by_code: BTreeMap<String, u64> = BTreeMap::new();
            for r in rows {
                *by_code.entry(r.code).or_insert(0) += 1;
            }
            rep.require(
                "exceptions.csv: rows per code (summary.json's counts)",
                format_counts(&counts.exceptions_by_code),
                format_counts(&by_code),
            );
        }
        Err(e) => rep.problem(e),
    }
}

fn format_counts(m: &BTreeMap<String, u64>) -> String {
    let s: Vec<String> = m.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if s.is_empty() {
        "none".into()
    } else {
        s.join(", ")
    }
}

/// One manifest row as verify reads it.
struct ManifestLine {
    file: String,
    district: String,
    pages: u64,
}

/// manifest.csv against the counts, summary.json and the PDFs; returns its
/// rows for the mailing check.
fn check_manifest(
    rep: &mut VerifyReport,
    dir: &Path,
    summary: &Summary,
) -> Option<Vec<ManifestLine>> {
    let rows = match read_manifest(dir) {
        Ok(rows) => rows,
        Err(e) => {
            rep.problem(e.to_string());
            return None;
        }
    };
    rep.require(
        "manifest.csv: rows (= printed)",
        summary.counts.of(Outcome::Printed),
        rows.len() as u64,
    );
    let mut lines = Vec::with_capacity(rows.len());
    // Per file: packets, pages, last page used.
    let mut by_file: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let (first_page, pages) = (u64::from(r.first_page), u64::from(r.pages));
        if u64::from(r.seq) != i as u64 + 1 {
            rep.problem(format!(
                "manifest.csv row {}: expected seq {}, found {}",
                i + 1,
                i + 1,
                r.seq
            ));
        }
        let e = by_file.entry(r.file.clone()).or_default();
        e.0 += 1;
        e.1 += pages;
        e.2 = e.2.max(first_page + pages.saturating_sub(1));
        lines.push(ManifestLine {
            file: r.file.clone(),
            district: r.postal_code.chars().take(3).collect(),
            pages,
        });
    }
    check_print_files(rep, dir, summary, &by_file);
    Some(lines)
}

/// Each print file: packets and pages as summary.json lists them, the PDF's
/// page count, and every manifest row's pages inside it.
fn check_print_files(
    rep: &mut VerifyReport,
    dir: &Path,
    summary: &Summary,
    by_file: &BTreeMap<String, (u64, u64, u64)>,
) {
    let listed: BTreeMap<&str, _> = summary.files.iter().map(|f| (f.file.as_str(), f)).collect();
    for (file, (packets, pages, last_page)) in by_file {
        let recorded = listed.get(file.as_str());
        rep.require(
            format!("{file}: packets and pages (summary.json against manifest.csv)"),
            recorded
                .map(|f| {
                    format!(
                        "{} packets, {} pages",
                        f.packets.unwrap_or(0),
                        f.pages.unwrap_or(0)
                    )
                })
                .unwrap_or_else(|| "a listed print file".into()),
            format!("{packets} packets, {pages} pages"),
        );
        match lopdf::Document::load(dir.join(file)) {
            Ok(doc) => {
                let n = doc.get_pages().len() as u64;
                rep.require(format!("{file}: pages in the PDF (= manifest)"), *pages, n);
                rep.require(
                    format!("{file}: last page a manifest row uses (within the PDF)"),
                    true,
                    *last_page <= n,
                );
            }
            Err(e) => rep.problem(format!("{file}: expected a readable PDF, found {e}")),
        }
    }
    for f in summary.files.iter().filter(|f| f.pages.is_some()) {
        if !by_file.contains_key(&f.file) {
            rep.problem(format!(
                "{}: expected manifest rows for this print file, found none",
                f.file
            ));
        }
    }
}

/// bundles.csv against the manifest (SPEC 11): the bundles' sequence ranges
/// follow one another from 1 to the last packet, so every packet is in
/// exactly one bundle; each bundle's pieces are its range's, and its files
/// those the manifest puts its packets in.
fn check_bundles(rep: &mut VerifyReport, dir: &Path, manifest: &[ManifestLine]) {
    let rows = match read_bundles(dir) {
        Ok(rows) => rows,
        Err(e) => return rep.problem(e.to_string()),
    };
    let mut next = 1u64;
    for (i, r) in rows.iter().enumerate() {
        let (pieces, first, last) = (r.pieces, r.first_seq, r.last_seq);
        let bundle = r.bundle.clone();
        rep.require(
            format!("bundles.csv bundle {bundle}: number"),
            (i + 1).to_string(),
            bundle.clone(),
        );
        rep.require(
            format!("bundles.csv bundle {bundle}: first seq (after the previous bundle)"),
            next,
            first,
        );
        rep.require(
            format!("bundles.csv bundle {bundle}: pieces (= its seq range)"),
            (last + 1).saturating_sub(first),
            pieces,
        );
        let mut files: Vec<&str> = manifest
            .iter()
            .skip(first.saturating_sub(1) as usize)
            .take(pieces as usize)
            .map(|m| m.file.as_str())
            .collect();
        files.dedup();
        rep.require(
            format!("bundles.csv bundle {bundle}: files (= manifest.csv)"),
            files.join(";"),
            r.file.clone(),
        );
        next = last + 1;
    }
    rep.require(
        "bundles.csv: packets in bundles (= manifest rows)",
        manifest.len() as u64,
        next - 1,
    );
    check_mailroom_pdfs(rep, dir, &rows, manifest.len());
}

/// The mail room's PDFs against bundles.csv and the manifest: a slip for
/// each bundle (two to a page, each naming its number and pieces), and the
/// count sheet's total pieces.
fn check_mailroom_pdfs(
    rep: &mut VerifyReport,
    dir: &Path,
    bundles: &[BundleRecord],
    packets: usize,
) {
    let texts = |file: &str| -> Option<Vec<String>> {
        let doc = lopdf::Document::load(dir.join(file)).ok()?;
        let n = doc.get_pages().len() as u32;
        Some(
            (1..=n)
                .map(|p| {
                    doc.extract_text(&[p])
                        .unwrap_or_default()
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect()
                })
                .collect(),
        )
    };
    match texts("print/bundle-slips.pdf") {
        Some(pages) => {
            rep.require(
                "print/bundle-slips.pdf: pages (two slips a page)",
                bundles.len().div_ceil(2).max(1),
                pages.len(),
            );
            let missing: Vec<&str> = bundles
                .iter()
                .enumerate()
                .filter(|(i, b)| {
                    let want = format!("束{}/{}", b.bundle, bundles.len());
                    let pieces = format!("{}通", b.pieces);
                    !pages
                        .get(i / 2)
                        .is_some_and(|t| t.contains(&want) && t.contains(&pieces))
                })
                .map(|(_, b)| b.bundle.as_str())
                .collect();
            rep.require(
                "print/bundle-slips.pdf: each bundle's slip with its pieces (= bundles.csv)",
                "none missing".to_string(),
                if missing.is_empty() {
                    "none missing".to_string()
                } else {
                    format!("missing for bundle {}", missing.join(", "))
                },
            );
        }
        None => rep.problem("print/bundle-slips.pdf: expected a readable PDF".into()),
    }
    match texts("print/count-sheet.pdf") {
        Some(pages) => rep.require(
            "print/count-sheet.pdf: total pieces (= manifest rows)",
            true,
            pages.concat().contains(&format!("合計{packets}")),
        ),
        None => rep.problem("print/count-sheet.pdf: expected a readable PDF".into()),
    }
}

/// mailing.csv against the manifest: each (file, district) row, each file's
/// total and the batch total.
fn check_mailing(rep: &mut VerifyReport, dir: &Path, manifest: &[ManifestLine]) {
    let rows = match read_mailing(&dir.join(MAILING_FILE)) {
        Ok(rows) => rows,
        Err(e) => return rep.problem(e),
    };
    let mut expected: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for m in manifest {
        for key in [
            (m.file.clone(), m.district.clone()),
            (m.file.clone(), "all".to_string()),
            ("all".to_string(), "all".to_string()),
        ] {
            let e = expected.entry(key).or_default();
            e.0 += 1;
            e.1 += m.pages;
        }
    }
    if manifest.is_empty() {
        expected.insert(("all".into(), "all".into()), (0, 0));
    }
    let found: BTreeMap<(String, String), (u64, u64)> = rows
        .into_iter()
        .map(|r| ((r.file, r.district), (r.packets, r.pages)))
        .collect();
    let show = |m: &BTreeMap<(String, String), (u64, u64)>| {
        m.iter()
            .map(|((f, d), (p, pg))| format!("{f} {d}: {p}/{pg}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    rep.require(
        "mailing.csv: packets/pages per file and district (= manifest.csv)",
        show(&expected),
        show(&found),
    );
}

/// report.html and audit.xlsx (SPEC 12), when summary.json lists them (a
/// batch written before kigen wrote them has neither; their checksums are
/// checked with every other file's): the report's figures against
/// summary.json and the CSVs, the workbook's sheets against the CSVs they
/// show.
fn check_auditor_files(rep: &mut VerifyReport, dir: &Path, summary: &Summary) {
    let listed = |name: &str| summary.files.iter().any(|f| f.file == name);
    let mut rows_of = BTreeMap::new();
    for file in [MANIFEST_FILE, HELD_FILE, REJECTS_FILE, EXCEPTIONS_FILE] {
        match read_csv(&dir.join(file)) {
            Ok(rows) => {
                rows_of.insert(file, rows);
            }
            // Reported by the checks of the CSVs themselves.
            Err(_) => return,
        }
    }
    let count = |file: &str| rows_of.get(file).map_or(0, |r| r.len() as u64);
    if listed(REPORT_FILE) {
        let mut expected: Vec<(String, String)> = vec![
            ("as_of".into(), summary.as_of.clone()),
            ("version".into(), summary.version.clone()),
            ("input_sha256".into(), summary.input.sha256.clone()),
            ("profile_sha256".into(), summary.profile_sha256.clone()),
            ("rows_read".into(), summary.counts.rows_read.to_string()),
            (
                "sum".into(),
                summary.counts.outcomes.values().sum::<u64>().to_string(),
            ),
            ("packets".into(), count(MANIFEST_FILE).to_string()),
            ("held.csv:rows".into(), count(HELD_FILE).to_string()),
            ("rejects.csv:rows".into(), count(REJECTS_FILE).to_string()),
        ];
        reason_group_figures(rep, dir, &mut expected);
        for o in Outcome::ALL {
            expected.push((
                format!("outcome:{}", o.as_str()),
                summary.counts.of(o).to_string(),
            ));
        }
        for (code, n) in &summary.counts.exceptions_by_code {
            expected.push((format!("exception:{code}"), n.to_string()));
        }
        if let Some(k) = &summary.counts.cards {
            for (key, n) in [
                ("rows_read", k.rows_read),
                ("joined", k.joined),
                ("rejected", k.rejected),
                ("unmatched", k.unmatched),
            ] {
                expected.push((format!("cards:{key}"), n.to_string()));
            }
            // Reports written before SPEC 13 have no such figure; they had
            // none to show.
            if k.unattributed > 0 {
                expected.push(("cards:unattributed".into(), k.unattributed.to_string()));
            }
        }
        for f in summary.files.iter().filter(|f| f.packets.is_some()) {
            expected.push((
                format!("print:{}:packets", f.file),
                f.packets.unwrap_or(0).to_string(),
            ));
            expected.push((
                format!("print:{}:pages", f.file),
                f.pages.unwrap_or(0).to_string(),
            ));
            expected.push((format!("print:{}:sha256", f.file), f.sha256.clone()));
        }
        check_report(rep, dir, &expected);
    } else {
        rep.notes.push(format!(
            "no {REPORT_FILE} in {SUMMARY_FILE}'s list (a batch written before kigen wrote one)"
        ));
    }
    if listed(AUDIT_FILE) {
        // Read by header name; an unreadable manifest is reported by the
        // checks of the CSVs themselves.
        let Ok(manifest) = read_manifest(dir) else {
            return;
        };
        let districts: BTreeSet<String> = manifest
            .iter()
            .map(|r| r.postal_code.chars().take(3).collect())
            .collect();
        let expected: Vec<(&str, u64)> = vec![
            (SHEETS[1], sheet_rows_for(count(MANIFEST_FILE))),
            (SHEETS[2], sheet_rows_for(count(HELD_FILE))),
            (SHEETS[3], sheet_rows_for(count(REJECTS_FILE))),
            (SHEETS[4], sheet_rows_for(count(EXCEPTIONS_FILE))),
            (SHEETS[5], districts.len() as u64),
        ];
        check_workbook(rep, dir, &expected);
    } else {
        rep.notes.push(format!(
            "no {AUDIT_FILE} in {SUMMARY_FILE}'s list (a batch written before kigen wrote one)"
        ));
    }
}

/// The report's reject and held groups (`reject:{field}:{code}`,
/// `held:…`), counted again from rejects.csv and held.csv. A batch written
/// before the files had a `code` column has no such groups: noted.
fn reason_group_figures(rep: &mut VerifyReport, dir: &Path, expected: &mut Vec<(String, String)>) {
    let figures = tally_rejects(&dir.join(REJECTS_FILE))
        .map(|t| reason_figures(&t))
        .and_then(|mut f| {
            f.extend(reason_figures(&tally_held(&dir.join(HELD_FILE))?));
            Ok(f)
        });
    match figures {
        Ok(f) => expected.extend(f.into_iter().map(|(k, n)| (k, n.to_string()))),
        Err(e) => rep.notes.push(format!(
            "{REPORT_FILE}: the reason groups not checked ({e}: a batch written before rejects.csv and held.csv had a code column)"
        )),
    }
}

/// report.html's `data-k` figures, each as expected; a figure of an
/// exception code summary.json does not count is a mismatch too.
fn check_report(rep: &mut VerifyReport, dir: &Path, expected: &[(String, String)]) {
    let text = match std::fs::read_to_string(dir.join(REPORT_FILE)) {
        Ok(t) => t,
        Err(e) => {
            return rep.problem(format!(
                "{REPORT_FILE}: expected a readable file, found {e}"
            ))
        }
    };
    let found = read_figures(&text);
    let mut bad = 0;
    for (key, want) in expected {
        let got = found.get(key).map_or("no such figure", String::as_str);
        if got != want {
            bad += 1;
            rep.problem(format!(
                "{REPORT_FILE}: {key}: expected {want}, found {got}"
            ));
        }
    }
    let listed_only = |k: &str| {
        ["exception:", "reject:", "held:"]
            .iter()
            .any(|p| k.starts_with(p))
    };
    for key in found.keys().filter(|k| listed_only(k)) {
        if !expected.iter().any(|(k, _)| k == key) {
            bad += 1;
            rep.problem(format!(
                "{REPORT_FILE}: {key}: expected no such figure (neither {SUMMARY_FILE} nor the CSVs count it), found {}",
                found[key]
            ));
        }
    }
    if bad == 0 {
        rep.checked.push(format!(
            "{REPORT_FILE}: {} figures (counts, print files, SHA-256) = {SUMMARY_FILE} and the CSVs",
            expected.len()
        ));
    }
}

/// audit.xlsx: its sheets, in order, and the rows each holds.
fn check_workbook(rep: &mut VerifyReport, dir: &Path, expected: &[(&str, u64)]) {
    let sheets = match read_sheet_rows(&dir.join(AUDIT_FILE)) {
        Ok(s) => s,
        Err(e) => {
            return rep.problem(format!(
                "{AUDIT_FILE}: expected a readable workbook, found {e}"
            ))
        }
    };
    rep.require(
        format!("{AUDIT_FILE}: sheets"),
        SHEETS.join(", "),
        sheets
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    for (name, want) in expected {
        let got = sheets.iter().find(|(n, _)| n == name).map(|(_, r)| *r);
        let source = match *name {
            n if n == SHEETS[1] => MANIFEST_FILE,
            n if n == SHEETS[2] => HELD_FILE,
            n if n == SHEETS[3] => REJECTS_FILE,
            n if n == SHEETS[4] => EXCEPTIONS_FILE,
            _ => "the manifest's districts",
        };
        rep.require(
            format!("{AUDIT_FILE}: {name} rows (= {source})"),
            want.to_string(),
            got.map_or_else(|| "no such sheet".to_string(), |r| r.to_string()),
        );
    }
}
