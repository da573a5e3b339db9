//! Schema version 5 (SPEC 14): batches that are not in `--out`. An
//! `import` batch records notices an earlier process sent (going live; it
//! has no directory at all); an archived batch's directory was moved to
//! `kigen archive --to DIR`; a purged batch's personal data was erased
//! (`kigen purge`). Each table refers to its batch, and each row is part of
//! the batch's seal, so a damaged location or kind is found on open.

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};

use super::{all_rows, db_err, BatchRecord, IssuedNotice, Ledger};
use crate::error::Result;

/// Version 5's tables.
pub(super) const SCHEMA_V5: &str = "
CREATE TABLE batch_import (
    batch_id        TEXT PRIMARY KEY REFERENCES batch(batch_id),
    file_name       TEXT NOT NULL,
    file_sha256     TEXT NOT NULL,
    rows            INTEGER NOT NULL
);
CREATE TABLE batch_archive (
    batch_id        TEXT PRIMARY KEY REFERENCES batch(batch_id),
    moved_to        TEXT NOT NULL,
    archived_on     TEXT NOT NULL
);
CREATE TABLE batch_purge (
    batch_id        TEXT PRIMARY KEY REFERENCES batch(batch_id),
    purged_on       TEXT NOT NULL,
    record_sha256   TEXT NOT NULL
);
";

/// The tables version 5 adds, for the integrity check's count.
pub(super) const V5_TABLES: [&str; 3] = ["batch_import", "batch_archive", "batch_purge"];

/// The import batches' ids, as an SQL subquery.
pub(super) const IMPORTS: &str = "(SELECT batch_id FROM batch_import)";

/// The batches whose directory is not under `--out` (imported ones have
/// none, archived ones are elsewhere), as an SQL subquery.
const NOT_IN_OUT: &str =
    "(SELECT batch_id FROM batch_import UNION SELECT batch_id FROM batch_archive)";

/// An imported notice's row: no document, print file or pages, and the
/// day the earlier process sent it as its date (what `history` shows).
fn insert_imported(
    tx: &rusqlite::Transaction<'_>,
    batch_id: &str,
    notices: &[(IssuedNotice, NaiveDate)],
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare(
        "INSERT INTO notice (resident_code, item, expiry, batch_id, as_of,
                             document_number, print_file, first_page, pages)
         VALUES (?1, ?2, ?3, ?4, ?5, '', '', 0, 0)",
    )?;
    for (n, sent_on) in notices {
        stmt.execute(params![
            n.resident_code,
            n.item.key(),
            n.expiry.to_string(),
            batch_id,
            sent_on.to_string(),
        ])?;
    }
    Ok(())
}

/// Where a batch is, besides `--out`: what `batches` and `history` show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BatchPlace {
    /// An `import` batch (no print files, no directory): its file's name.
    pub(crate) imported_from: Option<String>,
    /// The directory an archived batch was moved to.
    pub(crate) archived_to: Option<String>,
    /// The day its personal data was purged.
    pub(crate) purged_on: Option<String>,
}

impl Ledger {
    /// Fills in where each counting item's batch is (a withdrawn batch's id
    /// may be taken again by its rerun, so those are left as they are).
    pub(super) fn fill_places<T>(
        &self,
        items: &mut [T],
        part: impl Fn(&mut T) -> (bool, &String, &mut BatchPlace),
    ) -> Result<()> {
        let mut known: std::collections::HashMap<String, BatchPlace> = Default::default();
        for item in items.iter_mut() {
            let (counts, id, place) = part(item);
            if !counts {
                continue;
            }
            if !known.contains_key(id) {
                known.insert(id.clone(), self.place_of(id)?);
            }
            *place = known.get(id).cloned().unwrap_or_default();
        }
        Ok(())
    }

    /// Records an import batch and its notices in one transaction, sealed.
    pub(crate) fn commit_import(
        &mut self,
        batch: &BatchRecord,
        notices: &[(IssuedNotice, NaiveDate)],
        file_name: &str,
    ) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db_err(&path, e))?;
        super::insert_record(&tx, batch).map_err(|e| db_err(&path, e))?;
        insert_imported(&tx, &batch.batch_id, notices).map_err(|e| db_err(&path, e))?;
        tx.execute(
            "INSERT INTO batch_import (batch_id, file_name, file_sha256, rows) VALUES (?1, ?2, ?3, ?4)",
            params![batch.batch_id, file_name, batch.input_sha256, notices.len() as i64],
        )
        .map_err(|e| db_err(&path, e))?;
        super::trust::record_and_seal(&tx, &batch.batch_id, batch.as_of, &[], None)
            .map_err(|e| db_err(&path, e))?;
        crate::fault::point("import-commit");
        tx.commit().map_err(|e| db_err(&path, e))
    }

    /// The import batch that already recorded a file of this SHA-256.
    pub(crate) fn import_of_file(&self, sha256: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT batch_id FROM batch_import WHERE file_sha256 = ?1",
                params![sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| db_err(&self.path, e))
    }

    /// The ids of every batch (recorded or not) whose id starts `prefix`.
    pub(crate) fn batch_ids_like(&self, prefix: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT batch_id FROM batch WHERE substr(batch_id, 1, length(?1)) = ?1
                 UNION SELECT batch_id FROM voided_batch WHERE substr(batch_id, 1, length(?1)) = ?1",
            )
            .map_err(|e| db_err(&self.path, e))?;
        all_rows(&self.path, stmt.query_map(params![prefix], |r| r.get(0)))
    }

    /// The batches whose directories must be under `--out` (not imported,
    /// not archived), in order.
    pub(crate) fn batch_ids_in_out(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT batch_id FROM batch WHERE batch_id NOT IN {NOT_IN_OUT} ORDER BY batch_id"
            ))
            .map_err(|e| db_err(&self.path, e))?;
        all_rows(&self.path, stmt.query_map([], |r| r.get(0)))
    }

    /// Where a batch is besides `--out`.
    pub(crate) fn place_of(&self, batch_id: &str) -> Result<BatchPlace> {
        let one = |sql: &str| -> Result<Option<String>> {
            self.conn
                .query_row(sql, params![batch_id], |r| r.get(0))
                .optional()
                .map_err(|e| db_err(&self.path, e))
        };
        Ok(BatchPlace {
            imported_from: one("SELECT file_name FROM batch_import WHERE batch_id = ?1")?,
            archived_to: one("SELECT moved_to FROM batch_archive WHERE batch_id = ?1")?,
            purged_on: one("SELECT purged_on FROM batch_purge WHERE batch_id = ?1")?,
        })
    }

    /// Records that a batch's directory now is `moved_to`, and seals the
    /// batch again with it.
    pub(crate) fn record_archive(
        &mut self,
        batch_id: &str,
        moved_to: &str,
        on: NaiveDate,
    ) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db_err(&path, e))?;
        tx.execute(
            "INSERT OR REPLACE INTO batch_archive (batch_id, moved_to, archived_on) VALUES (?1, ?2, ?3)",
            params![batch_id, moved_to, on.to_string()],
        )
        .map_err(|e| db_err(&path, e))?;
        super::trust::seal(&tx, batch_id).map_err(|e| db_err(&path, e))?;
        tx.commit().map_err(|e| db_err(&path, e))
    }

    /// Records a batch's purge and erases the personal data the ledger
    /// keeps of it (the printed names and addresses of its packets and
    /// reprints); its notices (住民コード, item, expiry) stay, so that no
    /// resident is noticed twice.
    pub(crate) fn record_purge(
        &mut self,
        batch_id: &str,
        on: NaiveDate,
        record_sha256: &str,
    ) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db_err(&path, e))?;
        let erase = |table: &str| {
            tx.execute(
                &format!(
                    "UPDATE {table} SET name = '', postal_code = '', address = '', address_extra = '',
                        care_of = NULL WHERE batch_id = ?1"
                ),
                params![batch_id],
            )
        };
        erase("packet").map_err(|e| db_err(&path, e))?;
        erase("reprint").map_err(|e| db_err(&path, e))?;
        tx.execute(
            "INSERT OR REPLACE INTO batch_purge (batch_id, purged_on, record_sha256) VALUES (?1, ?2, ?3)",
            params![batch_id, on.to_string(), record_sha256],
        )
        .map_err(|e| db_err(&path, e))?;
        super::trust::seal(&tx, batch_id).map_err(|e| db_err(&path, e))?;
        tx.commit().map_err(|e| db_err(&path, e))
    }
}
