//! `kigen verify out/<as-of>`: an auditor's check that does not trust the
//! run. Recomputes every checksum in summary.json, re-reads the CSVs and
//! the PDFs, and checks the reconciliation: rows read = the sum of outcomes,
//! printed residents = manifest rows, pages per file = manifest pages = the
//! PDF's pages, and every manifest row's pages exist in its file.

use std::collections::BTreeMap;
use std::path::Path;

use crate::digest::sha256_hex;
use crate::error::Result;
use crate::ledger::Ledger;
use crate::model::Counts;
use crate::outputs::csvfile::read_csv;
use crate::outputs::summary::{batch_files, read_summary, Summary, SUMMARY_FILE};
use crate::select::Outcome;

/// What verify found.
#[derive(Debug, Default)]
pub(crate) struct VerifyReport {
    /// Checks that held.
    pub checked: Vec<String>,
    /// Checks that failed, each naming the file.
    pub problems: Vec<String>,
    /// Things not checked, and why.
    pub notes: Vec<String>,
}

impl VerifyReport {
    fn check(&mut self, ok: bool, what: String) {
        if ok {
            self.checked.push(what);
        } else {
            self.problems.push(what);
        }
    }
}

/// Verifies the batch in `dir`; with `state`, also against the ledger.
pub(crate) fn verify(dir: &Path, state: Option<&Path>) -> Result<VerifyReport> {
    let mut rep = VerifyReport::default();
    let (summary, summary_bytes) = match read_summary(dir) {
        Ok(s) => s,
        Err(e) => {
            rep.problems.push(format!("{SUMMARY_FILE}: {e}"));
            return Ok(rep);
        }
    };
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    rep.check(
        name == summary.as_of,
        format!(
            "{SUMMARY_FILE}: as_of {} names this directory ({name})",
            summary.as_of
        ),
    );
    check_ledger(&mut rep, &summary, &summary_bytes, state);
    check_files(&mut rep, dir, &summary)?;
    check_outcomes(&mut rep, dir, &summary.counts);
    check_row_files(&mut rep, dir, &summary.counts);
    check_manifest(&mut rep, dir, &summary);
    Ok(rep)
}

/// The ledger's record of summary.json, when the state is at hand.
fn check_ledger(
    rep: &mut VerifyReport,
    summary: &Summary,
    summary_bytes: &[u8],
    state: Option<&Path>,
) {
    // The ledger's record of summary.json, when the state is at hand.
    if let Some(state) = state.filter(|s| !s.exists()) {
        rep.problems.push(format!(
            "{SUMMARY_FILE}: the ledger {} does not exist, so summary.json cannot be checked against its record",
            state.display()
        ));
    }
    if let Some(state) = state.filter(|s| s.exists()) {
        match Ledger::open_read_only(state).and_then(|l| {
            let date = chrono::NaiveDate::parse_from_str(&summary.as_of, "%Y-%m-%d")
                .map_err(|e| crate::error::Error::Usage(format!("as_of: {e}")))?;
            l.batch(date)
        }) {
            Ok(Some(rec)) => rep.check(
                rec.summary_sha256 == sha256_hex(summary_bytes),
                format!(
                    "{SUMMARY_FILE}: SHA-256 matches the ledger's record in {}",
                    state.display()
                ),
            ),
            Ok(None) => rep.problems.push(format!(
                "{SUMMARY_FILE}: the ledger {} has no batch for {}",
                state.display(),
                summary.as_of
            )),
            Err(e) => rep.problems.push(format!("ledger: {e}")),
        }
    }
}

/// Every file: present, same size, same SHA-256; nothing unlisted.
fn check_files(rep: &mut VerifyReport, dir: &Path, summary: &Summary) -> Result<()> {
    let listed: BTreeMap<&str, _> = summary.files.iter().map(|f| (f.file.as_str(), f)).collect();
    for f in &summary.files {
        let path = dir.join(&f.file);
        match std::fs::read(&path) {
            Ok(bytes) => rep.check(
                bytes.len() as u64 == f.bytes && sha256_hex(&bytes) == f.sha256,
                format!("{}: {} bytes, SHA-256 as recorded", f.file, f.bytes),
            ),
            Err(e) => rep.problems.push(format!("{}: {e}", f.file)),
        }
    }
    for f in batch_files(dir)? {
        if !listed.contains_key(f.as_str()) {
            rep.problems
                .push(format!("{f}: not listed in {SUMMARY_FILE}"));
        }
    }

    Ok(())
}

/// outcomes.csv against the counts: one row per input row.
fn check_outcomes(rep: &mut VerifyReport, dir: &Path, counts: &Counts) {
    match read_csv(&dir.join("outcomes.csv")) {
        Ok(rows) => {
            rep.check(
                rows.len() as u64 == counts.rows_read,
                format!(
                    "outcomes.csv: {} rows = rows read {}",
                    rows.len(),
                    counts.rows_read
                ),
            );
            let mut seen: BTreeMap<String, u64> = BTreeMap::new();
            for r in &rows {
                let o = r.get(2).cloned().unwrap_or_default();
                if Outcome::parse(&o).is_none() {
                    rep.problems.push(format!(
                        "outcomes.csv: unknown outcome {o:?} on line {}",
                        r.first().cloned().unwrap_or_default()
                    ));
                }
                *seen.entry(o).or_insert(0) += 1;
            }
            for o in Outcome::ALL {
                let want = counts.of(o);
                let got = seen.get(o.as_str()).copied().unwrap_or(0);
                rep.check(
                    got == want,
                    format!("outcomes.csv: {} {got} = summary {want}", o.as_str()),
                );
            }
            let sum: u64 = counts.outcomes.values().sum();
            rep.check(
                sum == counts.rows_read,
                format!(
                    "{SUMMARY_FILE}: rows read {} = sum of outcomes {sum}",
                    counts.rows_read
                ),
            );
        }
        Err(e) => rep.problems.push(e),
    }
}

/// rejects.csv and held.csv: one row per rejected and held input row.
fn check_row_files(rep: &mut VerifyReport, dir: &Path, counts: &Counts) {
    for (file, outcome) in [
        ("rejects.csv", Outcome::Rejected),
        ("held.csv", Outcome::Held),
    ] {
        match read_csv(&dir.join(file)) {
            Ok(rows) => rep.check(
                rows.len() as u64 == counts.of(outcome),
                format!(
                    "{file}: {} rows = {} {}",
                    rows.len(),
                    outcome.as_str(),
                    counts.of(outcome)
                ),
            ),
            Err(e) => rep.problems.push(e),
        }
    }
}

/// manifest.csv against the counts, summary.json and the PDFs.
fn check_manifest(rep: &mut VerifyReport, dir: &Path, summary: &Summary) {
    let counts = &summary.counts;
    let listed: BTreeMap<&str, _> = summary.files.iter().map(|f| (f.file.as_str(), f)).collect();
    match read_csv(&dir.join("manifest.csv")) {
        Ok(rows) => {
            let printed = counts.of(Outcome::Printed);
            rep.check(
                rows.len() as u64 == printed,
                format!("manifest.csv: {} rows = printed {printed}", rows.len()),
            );
            let mut pages_by_file: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
            for (i, r) in rows.iter().enumerate() {
                let field = |k: usize| r.get(k).cloned().unwrap_or_default();
                let num = |k: usize| field(k).parse::<u64>().unwrap_or(0);
                if num(0) != i as u64 + 1 {
                    rep.problems
                        .push(format!("manifest.csv: row {} has seq {}", i + 1, field(0)));
                }
                let e = pages_by_file.entry(field(1)).or_default();
                e.0 += 1;
                e.1 += num(3);
                e.2 = e.2.max(num(2) + num(3).saturating_sub(1));
            }
            for (file, (packets, pages, last_page)) in &pages_by_file {
                let recorded = listed.get(file.as_str());
                rep.check(
                    recorded
                        .is_some_and(|f| f.pages == Some(*pages) && f.packets == Some(*packets)),
                    format!(
                        "{file}: {packets} packets, {pages} pages in manifest.csv = {SUMMARY_FILE}"
                    ),
                );
                match lopdf::Document::load(dir.join(file)) {
                    Ok(doc) => {
                        let n = doc.get_pages().len() as u64;
                        rep.check(
                            n == *pages,
                            format!("{file}: {n} pages in the PDF = manifest {pages}"),
                        );
                        rep.check(
                            *last_page <= n,
                            format!("{file}: every manifest row's pages exist (last {last_page} of {n})"),
                        );
                    }
                    Err(e) => rep
                        .problems
                        .push(format!("{file}: not a readable PDF: {e}")),
                }
            }
            for f in summary.files.iter().filter(|f| f.pages.is_some()) {
                if !pages_by_file.contains_key(&f.file) {
                    rep.problems
                        .push(format!("{}: print file with no manifest rows", f.file));
                }
            }
        }
        Err(e) => rep.problems.push(e),
    }
}
