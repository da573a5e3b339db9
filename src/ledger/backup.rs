//! `kigen ledger backup` and `restore` (SPEC 14, "Backup"): SQLite's online
//! backup of the ledger into a new file, checked with `integrity_check`, and
//! what a restore needs to know of a backup before it changes anything.

use std::path::Path;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

use super::{db_err, sqlite_integrity, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::files::create_new_private;

/// What a backup holds.
#[derive(Debug)]
pub(crate) struct BackupContents {
    /// The batches it records whose directories are in --out (void,
    /// imported and archived ones excluded), in order.
    pub(crate) batch_ids: Vec<String>,
    /// Its notices.
    pub(crate) notices: u64,
}

/// Copies the ledger `from` into the new file `to` (0600; an existing path
/// is refused) with SQLite's online backup, then checks the copy.
///
/// Takes no state lock, so it can run while a nightly run holds the ledger:
/// the copy is made in one step under one read transaction, which in WAL
/// mode sees one committed state of the ledger whatever the writer does.
pub(crate) fn backup(from: &Path, to: &Path) -> Result<BackupContents> {
    let src = open_read_only(from)?;
    // Created new here (O_EXCL, 0600) so that SQLite writes into our file
    // and never through a planted link or over an older backup.
    drop(create_new_private(to)?);
    let result = copy(&src, to).and_then(|()| inspect(to));
    if result.is_err() {
        // A half-written copy must not be taken for a backup later.
        let _ = std::fs::remove_file(to);
    }
    result
}

/// Copies `src` whole into the (new, empty) file `to` and syncs it.
pub(crate) fn copy(src: &Connection, to: &Path) -> Result<()> {
    let mut dst = Connection::open(to).map_err(|e| db_err(to, e))?;
    {
        let b = Backup::new(src, &mut dst).map_err(|e| db_err(to, e))?;
        // Every page in one step, under one read transaction (a step of
        // fewer pages would restart whenever the nightly run commits).
        b.run_to_completion(i32::MAX, std::time::Duration::from_millis(50), None)
            .map_err(|e| db_err(to, e))?;
    }
    // The copy is a rollback-journal file of its own until it is opened as
    // a ledger; FULL sync makes the backup durable before we report it.
    dst.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| db_err(to, e))?;
    dst.close().map_err(|(_, e)| db_err(to, e))?;
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(to, e))
}

/// Opens a ledger file read-only and refuses one that is missing, empty,
/// damaged or of a newer schema, without writing to it.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() > 0 => {}
        Ok(m) if m.is_file() => {
            return Err(Error::State(format!(
                "{}: the ledger is empty (0 bytes)",
                path.display()
            )))
        }
        _ => {
            return Err(Error::Usage(format!(
                "{}: no such ledger file",
                path.display()
            )))
        }
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| db_err(path, e))?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| db_err(path, e))?;
    if !(1..=SCHEMA_VERSION).contains(&version) {
        return Err(Error::Ledger {
            path: path.to_path_buf(),
            message: format!(
                "schema version {version}: not a ledger this kigen reads (versions 1 to {SCHEMA_VERSION})"
            ),
        });
    }
    sqlite_integrity(&conn, path)?;
    Ok(conn)
}

/// A ledger file's batches and notices, after `integrity_check`.
pub(crate) fn inspect(path: &Path) -> Result<BackupContents> {
    let conn = open_read_only(path)?;
    // Version 5's import and archived batches have no directory in --out.
    let v5: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('batch_import', 'batch_archive')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| db_err(path, e))?;
    let sql = if v5 == 2 {
        "SELECT batch_id FROM batch WHERE batch_id NOT IN
            (SELECT batch_id FROM batch_import UNION SELECT batch_id FROM batch_archive)
         ORDER BY batch_id"
    } else {
        "SELECT batch_id FROM batch ORDER BY batch_id"
    };
    let batch_ids = {
        let mut stmt = conn.prepare(sql).map_err(|e| db_err(path, e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        rows.map_err(|e| db_err(path, e))?
    };
    let notices: i64 = conn
        .query_row("SELECT count(*) FROM notice", [], |r| r.get(0))
        .map_err(|e| db_err(path, e))?;
    Ok(BackupContents {
        batch_ids,
        notices: notices as u64,
    })
}
