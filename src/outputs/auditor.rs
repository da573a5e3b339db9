//! The auditor's two files of a batch, written together (SPEC 12): one
//! [`Overview`] is counted, then audit.xlsx and report.html are written
//! from it. Above `overview`, `audit` and `report`, so none of those needs
//! another to write itself.

use std::path::Path;

use super::audit::AuditBook;
use super::manifest::ManifestRow;
use super::overview::{
    tally_held, tally_rejects, Identity, MailFacts, Overview, PrintFileFacts, ReasonTally,
};
use super::report::write_report;
use super::summary::batch_files;
use crate::error::{Error, Result};
use crate::model::{Counts, HoldCode, RejectCode};
use crate::names::{HELD_FILE, REJECTS_FILE};

/// The auditor's files of a batch being written: what needs only the
/// manifest's rows and the CSVs selection wrote is done by
/// [`AuditorFiles::start`], while the print files render; the rest, which
/// lists the print files, by [`AuditorFiles::finish`].
pub(crate) struct AuditorFiles {
    book: AuditBook,
    mail: MailFacts,
    rejects: ReasonTally<RejectCode>,
    held: ReasonTally<HoldCode>,
}

impl AuditorFiles {
    /// Counts the manifest's rows, rejects.csv and held.csv (read back from
    /// `dir`) and writes audit.xlsx's sheets of rows.
    pub(crate) fn start(
        dir: &Path,
        identity: &Identity<'_>,
        rows: &[ManifestRow<'_>],
    ) -> Result<AuditorFiles> {
        Ok(AuditorFiles {
            mail: MailFacts::from_rows(rows),
            rejects: tally_rejects(&dir.join(REJECTS_FILE))?,
            held: tally_held(&dir.join(HELD_FILE))?,
            book: AuditBook::start(dir, identity, rows)?,
        })
    }

    /// Writes audit.xlsx and then report.html into `dir`, with the counts
    /// summary.json will hold and the print files as written. Called once
    /// every other file but summary.json is written, so the report can
    /// list them.
    pub(crate) fn finish(
        self,
        dir: &Path,
        identity: Identity<'_>,
        counts: &Counts,
        print_files: &[PrintFileFacts],
    ) -> Result<()> {
        let overview = Overview {
            identity,
            counts,
            print_files,
            mail: self.mail,
            rejects: self.rejects,
            held: self.held,
        };
        self.book.finish(dir, &overview)?;
        let mut files = Vec::new();
        for rel in batch_files(dir)? {
            let path = dir.join(&rel);
            let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
            files.push((rel, meta.len()));
        }
        write_report(dir, &overview, &files)
    }
}
