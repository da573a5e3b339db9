//! The auditor's two files of a batch, written together (SPEC 12): one
//! [`Overview`] is counted, then audit.xlsx and report.html are written
//! from it. Above `overview`, `audit` and `report`, so none of those needs
//! another to write itself.

use std::path::Path;

use super::audit::write_audit;
use super::manifest::ManifestRow;
use super::overview::{tally_held, tally_rejects, Identity, MailFacts, Overview, PrintFileFacts};
use super::report::write_report;
use super::summary::batch_files;
use crate::error::{Error, Result};
use crate::model::Counts;
use crate::names::{HELD_FILE, REJECTS_FILE};

/// Writes the batch's audit.xlsx and then report.html into `dir`, from the
/// counts summary.json will hold, the print files and the manifest's rows
/// (rejects.csv and held.csv are read back from `dir`). Called once every
/// other file but summary.json is written, so the report can list them.
pub(crate) fn write_auditor_files(
    dir: &Path,
    identity: Identity<'_>,
    counts: &Counts,
    print_files: &[PrintFileFacts],
    rows: &[ManifestRow<'_>],
) -> Result<()> {
    let overview = Overview {
        identity,
        counts,
        print_files,
        mail: MailFacts::from_rows(rows),
        rejects: tally_rejects(&dir.join(REJECTS_FILE))?,
        held: tally_held(&dir.join(HELD_FILE))?,
    };
    write_audit(dir, &overview, rows)?;
    let mut files = Vec::new();
    for rel in batch_files(dir)? {
        let path = dir.join(&rel);
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        files.push((rel, meta.len()));
    }
    write_report(dir, &overview, &files)
}
