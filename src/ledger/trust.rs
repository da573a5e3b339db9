//! Schema version 4 (SPEC 13): the residents each batch held for 支援措置,
//! and a seal per batch, a SHA-256 over the batch's record, its notices and
//! its 支援措置 residents, checked before any work. SQLite's
//! `integrity_check` finds a damaged page; the seal finds a damaged value
//! (a byte of a resident code, a date, a batch id) that SQLite cannot, and
//! that would otherwise make a night notify a resident again or fail at
//! the commit after the batch was built.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use super::{all_rows, db_err, Ledger};
use crate::digest::sha256_hex;
use crate::error::Result;

/// Version 4's tables. `support_held` has no reference to `batch`: a
/// withdrawn batch's 支援措置 residents stay (支援措置 is never undone).
pub(super) const SCHEMA_V4: &str = "
CREATE TABLE support_held (
    batch_id        TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    resident_code   TEXT NOT NULL,
    PRIMARY KEY (batch_id, resident_code)
);
CREATE INDEX support_held_resident ON support_held(resident_code);
CREATE TABLE batch_seal (
    batch_id        TEXT PRIMARY KEY REFERENCES batch(batch_id),
    sha256          TEXT NOT NULL
);
";

/// The tables version 4 adds, for the integrity check's count.
pub(super) const V4_TABLES: [&str; 2] = ["support_held", "batch_seal"];

/// Appends one value, length-prefixed (so no value can imitate two).
fn push(text: &mut String, value: &str) {
    text.push_str(&value.len().to_string());
    text.push(':');
    text.push_str(value);
    text.push('|');
}

/// The seal of one batch as the ledger holds it now.
pub(super) fn seal_of(conn: &Connection, batch_id: &str) -> rusqlite::Result<String> {
    seal_with(conn, batch_id, &notices_text(conn, batch_id)?)
}

/// The seal of one batch, its notices' part (see [`notices_text`]) given:
/// a night reads it when it stages the notices, while its files render.
pub(super) fn seal_with(
    conn: &Connection,
    batch_id: &str,
    notices: &str,
) -> rusqlite::Result<String> {
    let mut text = String::with_capacity(notices.len() + 1024);
    conn.query_row(
        "SELECT batch_id, as_of, input_sha256, profile_sha256, summary_sha256, timings_json,
                CAST(packets AS TEXT), tool_version
         FROM batch WHERE batch_id = ?1",
        params![batch_id],
        |r| {
            for i in 0..8 {
                push(&mut text, &r.get::<_, String>(i)?);
            }
            Ok(())
        },
    )?;
    text.push('\n');
    text.push_str(notices);
    let mut stmt = conn.prepare(
        "SELECT as_of, resident_code FROM support_held WHERE batch_id = ?1
         ORDER BY resident_code",
    )?;
    let mut rows = stmt.query(params![batch_id])?;
    while let Some(r) = rows.next()? {
        text.push('S');
        push(&mut text, &r.get::<_, String>(0)?);
        push(&mut text, &r.get::<_, String>(1)?);
        text.push('\n');
    }
    retention_seal_text(conn, batch_id, &mut text)?;
    Ok(sha256_hex(text.as_bytes()))
}

/// The part of a batch's seal its notices make, as the ledger holds them.
pub(super) fn notices_text(conn: &Connection, batch_id: &str) -> rusqlite::Result<String> {
    let mut text = String::new();
    let mut stmt = conn.prepare(
        "SELECT resident_code, item, expiry, batch_id, as_of, document_number, print_file,
                CAST(first_page AS TEXT), CAST(pages AS TEXT), kind
         FROM notice WHERE batch_id = ?1 ORDER BY resident_code, item, expiry",
    )?;
    let mut rows = stmt.query(params![batch_id])?;
    while let Some(r) = rows.next()? {
        for i in 0..9 {
            push(&mut text, &r.get::<_, String>(i)?);
        }
        // The kind (schema version 6) only when recorded: a batch sealed
        // before it keeps its seal.
        if let Some(kind) = r.get::<_, Option<String>>(9)? {
            text.push('K');
            push(&mut text, &kind);
        }
        text.push('\n');
    }
    Ok(text)
}

/// Records the batch's 支援措置 residents and seals it (inside the batch's
/// commit, after its notices). `notices` is the seal's part of the notices
/// when it was read already, inside the same transaction ([`notices_text`]).
pub(super) fn record_and_seal(
    conn: &Connection,
    batch_id: &str,
    as_of: NaiveDate,
    support_held: &[String],
    notices: Option<&str>,
) -> rusqlite::Result<()> {
    {
        let mut stmt = conn.prepare(
            "INSERT OR IGNORE INTO support_held (batch_id, as_of, resident_code)
             VALUES (?1, ?2, ?3)",
        )?;
        for code in support_held {
            stmt.execute(params![batch_id, as_of.to_string(), code])?;
        }
    }
    let sha = match notices {
        Some(text) => seal_with(conn, batch_id, text)?,
        None => seal_of(conn, batch_id)?,
    };
    insert_seal(conn, batch_id, &sha)
}

/// Seals one batch as it is now (a commit, or a migration from version 3,
/// which trusts what passed `integrity_check`).
pub(super) fn seal(conn: &Connection, batch_id: &str) -> rusqlite::Result<()> {
    insert_seal(conn, batch_id, &seal_of(conn, batch_id)?)
}

fn insert_seal(conn: &Connection, batch_id: &str, sha: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO batch_seal (batch_id, sha256) VALUES (?1, ?2)",
        params![batch_id, sha],
    )?;
    Ok(())
}

/// Seals every batch (the migration from version 3).
pub(super) fn seal_all(conn: &Connection) -> rusqlite::Result<()> {
    let ids: Vec<String> = {
        let mut stmt = conn.prepare("SELECT batch_id FROM batch")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids
    };
    for id in ids {
        seal(conn, &id)?;
    }
    Ok(())
}

impl Ledger {
    /// The batches whose seal is missing or does not match what the ledger
    /// holds (empty when all agree).
    pub(super) fn broken_seals(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT b.batch_id, s.sha256 FROM batch b
                 LEFT JOIN batch_seal s ON s.batch_id = b.batch_id ORDER BY b.batch_id",
            )
            .map_err(|e| db_err(&self.path, e))?;
        let rows: Vec<(String, Option<String>)> = all_rows(
            &self.path,
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))),
        )?;
        let mut broken = Vec::new();
        for (id, sealed) in rows {
            let now = seal_of(&self.conn, &id).map_err(|e| db_err(&self.path, e))?;
            if sealed.as_deref() != Some(now.as_str()) {
                broken.push(id);
            }
        }
        Ok(broken)
    }

    /// The batches, at or after `as_of`, that held `resident_code` for
    /// 支援措置 (withdrawn batches included: 支援措置 is never undone).
    pub(crate) fn support_held_since(
        &self,
        resident_code: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT batch_id FROM support_held WHERE resident_code = ?1 AND as_of >= ?2
                 ORDER BY as_of, batch_id",
            )
            .map_err(|e| db_err(&self.path, e))?;
        all_rows(
            &self.path,
            stmt.query_map(params![resident_code, as_of.to_string()], |r| r.get(0)),
        )
    }

    /// Whether any batch held `resident_code` for 支援措置.
    pub(crate) fn ever_support_held(&self, resident_code: &str) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM support_held WHERE resident_code = ?1",
                params![resident_code],
                |r| r.get(0),
            )
            .map_err(|e| db_err(&self.path, e))?;
        Ok(n > 0)
    }

    /// The inputs (SHA-256) of every batch recorded or withdrawn, with the
    /// batch's date: how `reprint` tells an export older than the latest
    /// batch.
    pub(crate) fn batch_inputs(&self) -> Result<Vec<(String, NaiveDate)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT input_sha256, as_of FROM batch
                 UNION ALL SELECT input_sha256, as_of FROM voided_batch",
            )
            .map_err(|e| db_err(&self.path, e))?;
        let rows: Vec<(String, String)> = all_rows(
            &self.path,
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(sha, d)| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .ok()
                    .map(|d| (sha, d))
            })
            .collect())
    }
}

/// The version 5 rows of one batch (`ledger::retention`'s import, archive
/// and purge tables; sealed here so that `retention` uses `trust`, not the
/// other way round), appended to its seal (nothing for a
/// batch that has none, so the seals of earlier batches stay as they were).
fn retention_seal_text(
    conn: &Connection,
    batch_id: &str,
    text: &mut String,
) -> rusqlite::Result<()> {
    for (tag, sql) in [
        ('I', "SELECT file_name || '|' || file_sha256 || '|' || rows FROM batch_import WHERE batch_id = ?1"),
        ('A', "SELECT moved_to || '|' || archived_on FROM batch_archive WHERE batch_id = ?1"),
        ('P', "SELECT purged_on || '|' || record_sha256 FROM batch_purge WHERE batch_id = ?1"),
    ] {
        let row: Option<String> = conn
            .query_row(sql, params![batch_id], |r| r.get(0))
            .optional()?;
        if let Some(row) = row {
            text.push(tag);
            text.push_str(&row.len().to_string());
            text.push(':');
            text.push_str(&row);
            text.push('\n');
        }
    }
    Ok(())
}
