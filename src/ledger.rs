//! The ledger: an embedded SQLite database of every notice issued. It is
//! what lets nightly runs catch up after missed nights and never notify a
//! resident twice. The only module that touches SQLite.
//!
//! A state file is used by one kigen process at a time: [`Ledger::open`]
//! takes an exclusive lock on `<state>.lock` and refuses (exit 2) when
//! another process holds it.

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{params, Connection};

use crate::error::{Error, Result};
use crate::files::{create_private_dir, create_private_keep};
use crate::model::CodeKey;
use crate::rules::ItemKind;
use crate::select::NoticeKind;
use crate::select::NoticeLedger;
pub(crate) use backup::{
    backup, copy as copy_ledger, inspect as inspect_backup, open_read_only as open_ledger_file,
};
pub(crate) use import::import_notices;
use mailroom::SCHEMA_V3;
pub(crate) use retention::BatchPlace;
use retention::SCHEMA_V5;
use trust::SCHEMA_V4;

mod backup;
mod import;
mod lookup;
mod mailroom;
mod retention;
mod trust;
mod withdraw;

pub(crate) use lookup::{packet_kind, Event};
pub(crate) use mailroom::{
    DocumentRecord, OpenReturn, PrintedAddress, PrintedPacket, ReprintRecord, ResolveOutcome,
    ReturnReason, ReturnRecord,
};
pub(crate) use withdraw::{rebuild, refuse_existing, void_batch};

/// The page size of a ledger this build creates (`PRAGMA page_size`).
const LEDGER_PAGE_SIZE: i64 = 16 * 1024;

/// The schema version this build reads and writes (`PRAGMA user_version`).
/// Versions 1 to 3 are migrated in place (version 3 adds the mail room's
/// tables: the packets' printed addresses, returns and reprints; version 4
/// the residents held for 支援措置 and a seal per batch; version 5 the
/// batches not in `--out`: imported, archived, purged).
pub const SCHEMA_VERSION: i64 = 6;

/// From version 1: the batch table without `UNIQUE (as_of)`, since a
/// supplementary batch (`<as-of>.2`) shares its date with the first.
const MIGRATE_V1_BATCH: &str = "
CREATE TABLE batch_v2 (
    batch_id        TEXT PRIMARY KEY,
    as_of           TEXT NOT NULL,
    input_sha256    TEXT NOT NULL,
    profile_sha256  TEXT NOT NULL,
    summary_sha256  TEXT NOT NULL,
    timings_json    TEXT NOT NULL,
    packets         INTEGER NOT NULL,
    tool_version    TEXT NOT NULL
);
INSERT INTO batch_v2 SELECT * FROM batch;
DROP TABLE batch;
ALTER TABLE batch_v2 RENAME TO batch;
";

/// Version 2: withdrawn batches and their notices, kept with the reason
/// (`kigen ledger void`); the live tables then hold only what counts.
const SCHEMA_V2: &str = "
CREATE TABLE voided_batch (
    batch_id        TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    input_sha256    TEXT NOT NULL,
    profile_sha256  TEXT NOT NULL,
    summary_sha256  TEXT NOT NULL,
    timings_json    TEXT NOT NULL,
    packets         INTEGER NOT NULL,
    tool_version    TEXT NOT NULL,
    reason          TEXT NOT NULL,
    moved_to        TEXT NOT NULL
);
CREATE TABLE voided_notice (
    resident_code   TEXT NOT NULL,
    item            TEXT NOT NULL,
    expiry          TEXT NOT NULL,
    batch_id        TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    document_number TEXT NOT NULL,
    print_file      TEXT NOT NULL,
    first_page      INTEGER NOT NULL,
    pages           INTEGER NOT NULL
);
";

const SCHEMA: &str = "
CREATE TABLE batch (
    batch_id        TEXT PRIMARY KEY,
    as_of           TEXT NOT NULL,
    input_sha256    TEXT NOT NULL,
    profile_sha256  TEXT NOT NULL,
    summary_sha256  TEXT NOT NULL,
    timings_json    TEXT NOT NULL,
    packets         INTEGER NOT NULL,
    tool_version    TEXT NOT NULL
);
CREATE TABLE notice (
    resident_code   TEXT NOT NULL,
    item            TEXT NOT NULL,
    expiry          TEXT NOT NULL,
    batch_id        TEXT NOT NULL REFERENCES batch(batch_id),
    as_of           TEXT NOT NULL,
    document_number TEXT NOT NULL,
    print_file      TEXT NOT NULL,
    first_page      INTEGER NOT NULL,
    pages           INTEGER NOT NULL,
    PRIMARY KEY (resident_code, item, expiry)
);
CREATE INDEX notice_batch ON notice(batch_id);
";

/// Version 6 (SPEC 15): each notice's packet kind (`card`, `certificate`,
/// `residence`, `tokutei`), which its items alone cannot tell (a residence
/// letter covers the card like a card notice). NULL for notices recorded
/// before version 6 and for imported ones: `history` then derives `card` or
/// `certificate` from the items, as those versions did. A withdrawn
/// notice keeps its kind. Part of the batch's seal when not NULL, so the
/// seals of batches recorded before it stay as they were.
const SCHEMA_V6: &str = "
ALTER TABLE notice ADD COLUMN kind TEXT;
ALTER TABLE voided_notice ADD COLUMN kind TEXT;
";

/// A completed batch as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BatchRecord {
    /// The batch id (the as-of date, one batch a date).
    pub(crate) batch_id: String,
    /// The batch date.
    pub(crate) as_of: NaiveDate,
    /// SHA-256 of the input file.
    pub(crate) input_sha256: String,
    /// SHA-256 of profile.toml.
    pub(crate) profile_sha256: String,
    /// SHA-256 of the batch's summary.json.
    pub(crate) summary_sha256: String,
    /// The timings written into summary.json (kept so that `--regenerate`
    /// reproduces it byte for byte).
    pub(crate) timings_json: String,
    /// Packets printed.
    pub(crate) packets: u64,
    /// kigen's version.
    pub(crate) tool_version: String,
}

/// One notice issued: one item of one resident in one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssuedNotice {
    /// 住民コード.
    pub(crate) resident_code: String,
    /// The item.
    pub(crate) item: ItemKind,
    /// Its expiry date E.
    pub(crate) expiry: NaiveDate,
    /// The packet's notice number.
    pub(crate) document_number: String,
    /// The print file, relative to the batch directory.
    pub(crate) print_file: String,
    /// The packet's first page in that file.
    pub(crate) first_page: u32,
    /// The packet's page count.
    pub(crate) pages: u32,
    /// The packet's kind (`None`: not known, an imported notice).
    pub(crate) kind: Option<NoticeKind>,
}

/// Why and where a batch was withdrawn (`kigen ledger void`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Voided {
    /// The reason given.
    pub(crate) reason: String,
    /// Where its directory went, relative to the out directory
    /// (`.void/<batch>-<n>`).
    pub(crate) moved_to: String,
}

/// A batch as `kigen batches` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BatchListing {
    /// `<as-of>` or `<as-of>.N`.
    pub(crate) batch_id: String,
    /// The batch date.
    pub(crate) as_of: NaiveDate,
    /// Packets printed.
    pub(crate) packets: u64,
    /// Notices (items) recorded.
    pub(crate) notices: u64,
    /// Print files its notices are in.
    pub(crate) print_files: u64,
    /// The kigen that wrote it.
    pub(crate) tool_version: String,
    /// SHA-256 of its input.
    pub(crate) input_sha256: String,
    /// Withdrawn, or `None` while it counts.
    pub(crate) void: Option<Voided>,
    /// Imported, archived or purged (SPEC 14); default for a batch in --out.
    pub(crate) place: BatchPlace,
}

/// One notice (one item) of a resident, as `kigen history` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResidentNotice {
    /// The batch.
    pub(crate) batch_id: String,
    /// Its date.
    pub(crate) as_of: NaiveDate,
    /// The item.
    pub(crate) item: ItemKind,
    /// Its expiry.
    pub(crate) expiry: NaiveDate,
    /// The packet's notice number.
    pub(crate) document_number: String,
    /// The print file, relative to the batch directory.
    pub(crate) print_file: String,
    /// The packet's first page in it.
    pub(crate) first_page: u32,
    /// The packet's pages.
    pub(crate) pages: u32,
    /// The packet's kind, when recorded (schema version 6 on).
    pub(crate) kind: Option<NoticeKind>,
    /// Withdrawn with its batch, or `None` while it counts.
    pub(crate) void: Option<Voided>,
    /// Its batch imported, archived or purged (SPEC 14).
    pub(crate) place: BatchPlace,
}

/// The ledger, open and locked.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    _lock: File,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

fn db_err(path: &Path, source: rusqlite::Error) -> Error {
    Error::Database {
        path: path.to_path_buf(),
        source,
    }
}

/// Every row of a query, each mapped, any error the ledger's at `path`.
fn all_rows<T>(
    path: &Path,
    rows: rusqlite::Result<impl Iterator<Item = rusqlite::Result<T>>>,
) -> Result<Vec<T>> {
    rows.and_then(|rows| rows.collect::<rusqlite::Result<Vec<T>>>())
        .map_err(|e| db_err(path, e))
}

/// The ledger is damaged: restore or rebuild it (exit 2).
fn damaged(path: &Path, what: &str) -> Error {
    Error::State(format!(
        "ledger {} is damaged ({what}); nothing was done: restore it from the backup, or rebuild it from the batch directories with `kigen ledger rebuild --out DIR --state {}`",
        path.display(),
        path.display()
    ))
}

/// An error opening (or migrating) the ledger: a file SQLite finds corrupt
/// or not a database (a damaged schema page fails here, before
/// `quick_check` could run) is said to be damaged, with what to do.
fn open_err(path: &Path, source: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match source.sqlite_error_code() {
        Some(DatabaseCorrupt | NotADatabase) => damaged(path, &source.to_string()),
        _ => db_err(path, source),
    }
}

/// SQLite's full `integrity_check` (`quick_check` does not compare the
/// indexes with their tables: a notice row and its key can disagree).
fn sqlite_integrity(conn: &Connection, path: &Path) -> Result<()> {
    let damaged = |what: String| damaged(path, &what);
    let verdict: Vec<String> = {
        let mut stmt = conn
            .prepare("PRAGMA integrity_check(20)")
            .map_err(|e| damaged(format!("SQLite integrity_check failed: {e}")))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        rows.map_err(|e| damaged(format!("SQLite integrity_check failed: {e}")))?
    };
    if verdict != ["ok"] {
        return Err(damaged(format!(
            "SQLite integrity_check: {}",
            verdict.join("; ")
        )));
    }
    Ok(())
}

/// A notice's recorded kind: `None` for NULL; a spelling this kigen does
/// not know is a damaged row.
fn notice_kind(kind: Option<&str>) -> std::result::Result<Option<NoticeKind>, ()> {
    match kind {
        None => Ok(None),
        Some(k) => NoticeKind::parse(k).map(Some).ok_or(()),
    }
}

/// One batch's rows, inside the caller's transaction: its record, notices,
/// packets and 支援措置 residents, then its seal.
fn insert_batch(
    tx: &Connection,
    batch: &BatchRecord,
    notices: &[IssuedNotice],
    packets: &[PrintedPacket],
    support_held: &[String],
) -> rusqlite::Result<()> {
    insert_record(tx, batch)?;
    insert_rows(tx, &batch.batch_id, batch.as_of, notices, packets)?;
    trust::record_and_seal(tx, &batch.batch_id, batch.as_of, support_held, None)
}

/// A batch's notices and packets, inside the caller's transaction.
fn insert_rows(
    tx: &Connection,
    batch_id: &str,
    as_of: NaiveDate,
    notices: &[IssuedNotice],
    packets: &[PrintedPacket],
) -> rusqlite::Result<()> {
    {
        let mut stmt = tx.prepare(
            "INSERT INTO notice (resident_code, item, expiry, batch_id, as_of,
                                     document_number, print_file, first_page, pages, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let as_of = as_of.to_string();
        for n in notices {
            stmt.execute(params![
                n.resident_code,
                item_key(n.item),
                n.expiry.to_string(),
                batch_id,
                as_of,
                n.document_number,
                n.print_file,
                n.first_page as i64,
                n.pages as i64,
                n.kind.map(NoticeKind::as_str),
            ])?;
        }
    }
    mailroom::insert_packets(tx, batch_id, packets)
}

/// A batch's notices and packets written in an open transaction (see
/// [`Ledger::stage_batch`]), waiting for the batch's record.
pub(crate) struct StagedBatch<'l> {
    ledger: &'l mut Ledger,
    batch_id: String,
    /// The seal's part of the staged notices, read back when they were
    /// written (nothing else writes until the commit).
    notices_text: String,
    open: bool,
}

impl StagedBatch<'_> {
    /// Adds the batch's record, its 支援措置 residents and its seal, and
    /// commits: the whole batch is recorded, or (on an error) none of it.
    pub(crate) fn commit(mut self, batch: &BatchRecord, support_held: &[String]) -> Result<()> {
        let path = self.ledger.path.clone();
        if batch.batch_id != self.batch_id {
            return Err(Error::Internal(format!(
                "the ledger staged batch {} and was asked to record {}",
                self.batch_id, batch.batch_id
            )));
        }
        let conn = &self.ledger.conn;
        insert_record(conn, batch)
            .and_then(|()| {
                trust::record_and_seal(
                    conn,
                    &batch.batch_id,
                    batch.as_of,
                    support_held,
                    Some(&self.notices_text),
                )
            })
            .map_err(|e| db_err(&path, e))?;
        crate::fault::point("ledger-commit");
        conn.execute_batch("COMMIT").map_err(|e| db_err(&path, e))?;
        self.open = false;
        Ok(())
    }
}

impl Drop for StagedBatch<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing of the batch is recorded; a failed rollback leaves
            // the transaction to SQLite, which discards it when the
            // connection closes.
            let _ = self.ledger.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A batch's record (its row of `batch`).
fn insert_record(tx: &Connection, batch: &BatchRecord) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO batch (batch_id, as_of, input_sha256, profile_sha256, summary_sha256,
                            timings_json, packets, tool_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            batch.batch_id,
            batch.as_of.to_string(),
            batch.input_sha256,
            batch.profile_sha256,
            batch.summary_sha256,
            batch.timings_json,
            batch.packets as i64,
            batch.tool_version,
        ],
    )?;
    Ok(())
}

fn item_key(kind: ItemKind) -> &'static str {
    kind.key()
}

fn item_from_key(s: &str) -> Option<ItemKind> {
    ItemKind::ALL.into_iter().find(|k| k.key() == s)
}

impl Ledger {
    /// Opens (creating on first use) the ledger at `path` and takes the
    /// state lock. Another process holding it is an error (exit 2).
    pub fn open(path: &Path) -> Result<Ledger> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent)?;
        }
        let lock_path = path.with_extension("lock");
        let lock = create_private_keep(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked { path: lock_path })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        let fresh = !path.exists();
        let empty = fresh || std::fs::metadata(path).is_ok_and(|m| m.len() == 0);
        let conn = Connection::open(path).map_err(|e| open_err(path, e))?;
        #[cfg(unix)]
        if fresh {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::io(path, e))?;
        }
        // Everything that can refuse the file is read before anything is
        // written to it (the journal mode included): a newer kigen's ledger
        // or a damaged one is left exactly as it was.
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| open_err(path, e))?;
        if !(0..=SCHEMA_VERSION).contains(&version) {
            return Err(Error::Ledger {
                path: path.to_path_buf(),
                message: format!(
                    "schema version {version}, this kigen reads version {SCHEMA_VERSION} and older: nothing was written to it; run the kigen that wrote it (or a newer one)"
                ),
            });
        }
        if !empty {
            sqlite_integrity(&conn, path)?;
        }
        if empty {
            // 16 KiB pages for a new ledger: a night's notices are written
            // in a quarter of the system calls that 4 KiB pages take (6,066
            // writes and 3,455 reads at 9,000 notices before, 1,420 and
            // 470 after). SQLite fixes the size when the file is first
            // written, so an existing ledger keeps its own.
            conn.pragma_update(None, "page_size", LEDGER_PAGE_SIZE)
                .map_err(|e| open_err(path, e))?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| open_err(path, e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| open_err(path, e))?;
        // Off (outside any transaction) while the schema may be migrated:
        // the batch table is rebuilt under the notices that refer to it.
        conn.pragma_update(None, "foreign_keys", "OFF")
            .map_err(|e| open_err(path, e))?;
        let migration = match version {
            0 => format!("{SCHEMA} {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} {SCHEMA_V6}"),
            // Foreign keys are off until after the migration: the batch
            // table is rebuilt under the notices that refer to it.
            1 => format!(
                "{MIGRATE_V1_BATCH} {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} {SCHEMA_V6}"
            ),
            // Versions 3 to 5 only add tables, 6 a nullable column: every
            // batch and notice stays.
            2 => format!("{SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} {SCHEMA_V6}"),
            3 => format!("{SCHEMA_V4} {SCHEMA_V5} {SCHEMA_V6}"),
            4 => format!("{SCHEMA_V5} {SCHEMA_V6}"),
            5 => SCHEMA_V6.to_string(),
            _ => String::new(),
        };
        if !migration.is_empty() {
            let tx = conn
                .unchecked_transaction()
                .map_err(|e| open_err(path, e))?;
            tx.execute_batch(&migration)
                .map_err(|e| open_err(path, e))?;
            // Batches recorded before version 4 are sealed as they are
            // (they passed integrity_check above); their 支援措置
            // residents are not known (README).
            // A version 4 ledger has its seals: they are checked below,
            // never made again from what is there now.
            if version < 4 {
                trust::seal_all(&tx).map_err(|e| open_err(path, e))?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(|e| open_err(path, e))?;
            tx.commit().map_err(|e| open_err(path, e))?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| db_err(path, e))?;
        let ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            _lock: lock,
        };
        ledger.check_contents()?;
        Ok(ledger)
    }

    /// Opens a ledger that must already exist and hold a schema: what the
    /// mail-room commands use (they never create a ledger nor write a
    /// schema into an empty file: a missing or empty ledger where one was
    /// meant is a wrong path or a lost ledger, exit 2).
    pub(crate) fn open_existing(path: &Path) -> Result<Ledger> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() && m.len() > 0 => Ledger::open(path),
            Ok(m) if m.is_file() => Err(Error::State(format!(
                "--state {}: the ledger is empty (0 bytes): nothing was done. A lost ledger is restored from the backup or rebuilt with `kigen ledger rebuild --out DIR --state {}` (move the empty file aside first)",
                path.display(),
                path.display()
            ))),
            _ => Err(Error::Usage(format!(
                "--state {}: no such ledger",
                path.display()
            ))),
        }
    }

    /// Opens an existing ledger read-only, without the lock (for `verify`,
    /// which changes nothing).
    pub(crate) fn open_read_only(path: &Path) -> Result<Ledger> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| db_err(path, e))?;
        let lock_path = path.with_extension("lock");
        let lock = File::open(&lock_path)
            .or_else(|_| File::open(path))
            .map_err(|e| Error::io(path, e))?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    /// The ledger file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Every batch of `as_of`: the night's own and its supplements, in
    /// order of their ids.
    pub(crate) fn batches_on(&self, as_of: NaiveDate) -> Result<Vec<BatchRecord>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT batch_id, input_sha256, profile_sha256, summary_sha256,
                        timings_json, packets, tool_version
                 FROM batch WHERE as_of = ?1 AND batch_id NOT IN {}
                 ORDER BY length(batch_id), batch_id",
                retention::IMPORTS
            ))
            .map_err(|e| db_err(&self.path, e))?;
        let rows = all_rows(
            &self.path,
            stmt.query_map(params![as_of.to_string()], |r| {
                Ok(BatchRecord {
                    batch_id: r.get(0)?,
                    as_of,
                    input_sha256: r.get(1)?,
                    profile_sha256: r.get(2)?,
                    summary_sha256: r.get(3)?,
                    timings_json: r.get(4)?,
                    packets: r.get::<_, i64>(5)? as u64,
                    tool_version: r.get(6)?,
                })
            }),
        )?;
        Ok(rows)
    }

    /// The completed batch for `as_of` (the night's own, not a supplement),
    /// if any.
    pub(crate) fn batch(&self, as_of: NaiveDate) -> Result<Option<BatchRecord>> {
        let id = as_of.to_string();
        Ok(self
            .batches_on(as_of)?
            .into_iter()
            .find(|b| b.batch_id == id))
    }

    /// The latest completed batch date (an import batch, which printed
    /// nothing and has no directory, is not one).
    pub(crate) fn latest(&self) -> Result<Option<NaiveDate>> {
        let s: Option<String> = self
            .conn
            .query_row(
                &format!(
                    "SELECT max(as_of) FROM batch WHERE batch_id NOT IN {}",
                    retention::IMPORTS
                ),
                [],
                |r| r.get(0),
            )
            .map_err(|e| db_err(&self.path, e))?;
        Ok(s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()))
    }

    /// The notices issued by batches before `as_of`, for selection, and
    /// every imported notice whatever its date: the earlier process sent
    /// it before kigen went live, and a catch-up night must not send it again.
    pub(crate) fn notices_before(&self, as_of: NaiveDate) -> Result<NoticeSet> {
        self.notices_where("as_of < ?1", as_of)
    }

    /// The notices issued by batches up to and including `as_of`: what a
    /// supplementary batch of that date must not issue again.
    pub(crate) fn notices_through(&self, as_of: NaiveDate) -> Result<NoticeSet> {
        self.notices_where("as_of <= ?1", as_of)
    }

    fn notices_where(&self, condition: &str, as_of: NaiveDate) -> Result<NoticeSet> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT resident_code, item, expiry FROM notice
                 WHERE ({condition}) OR batch_id IN {}",
                retention::IMPORTS
            ))
            .map_err(|e| db_err(&self.path, e))?;
        let rows = stmt
            .query_map(params![as_of.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| db_err(&self.path, e))?;
        let mut keys = Vec::new();
        for row in rows {
            let (code, item, expiry) = row.map_err(|e| db_err(&self.path, e))?;
            let bad = || Error::Ledger {
                path: self.path.clone(),
                message: format!("unreadable notice row ({code}, {item}, {expiry})"),
            };
            let code = CodeKey::new(&code).ok_or_else(bad)?;
            let item = item_from_key(&item).ok_or_else(bad)?;
            let expiry = NaiveDate::parse_from_str(&expiry, "%Y-%m-%d").map_err(|_| bad())?;
            keys.push(NoticeKey::new(code, item, expiry));
        }
        keys.sort_unstable();
        Ok(NoticeSet { keys })
    }

    /// Records a completed batch, its notices and its packets' printed
    /// addresses in one transaction: either all of it is recorded or none.
    /// (`packets` is empty for a batch rebuilt from its directory, which
    /// does not keep the addresses.) `support_held` is the residents the
    /// batch held for 支援措置; the batch is sealed with them. (A night
    /// stages its rows while it renders: [`Ledger::stage_batch`].)
    #[cfg(test)]
    pub(crate) fn commit_batch(
        &mut self,
        batch: &BatchRecord,
        notices: &[IssuedNotice],
        packets: &[PrintedPacket],
        support_held: &[String],
    ) -> Result<()> {
        self.stage_batch(&batch.batch_id, batch.as_of, notices, packets)?
            .commit(batch, support_held)
    }

    /// Opens the transaction that will record batch `batch_id` and writes
    /// its notices and packets in it, before the batch is complete: a night
    /// does it while its print files render, and commits (with the batch's
    /// record, which holds summary.json's digest, and its seal) once the
    /// batch directory is in place. Nothing is recorded unless
    /// [`StagedBatch::commit`] is called: dropping it, or a crash, rolls the
    /// transaction back. (The ledger's lock keeps every other writer out
    /// meanwhile; readers see the ledger as it was.)
    pub(crate) fn stage_batch(
        &mut self,
        batch_id: &str,
        as_of: NaiveDate,
        notices: &[IssuedNotice],
        packets: &[PrintedPacket],
    ) -> Result<StagedBatch<'_>> {
        let path = self.path.clone();
        // The notices refer to the batch's row, written at the commit.
        self.conn
            .execute_batch("BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;")
            .map_err(|e| db_err(&path, e))?;
        let mut staged = StagedBatch {
            ledger: self,
            batch_id: batch_id.to_string(),
            notices_text: String::new(),
            open: true,
        };
        let conn = &staged.ledger.conn;
        staged.notices_text = insert_rows(conn, batch_id, as_of, notices, packets)
            .and_then(|()| trust::notices_text(conn, batch_id))
            .map_err(|e| db_err(&path, e))?;
        Ok(staged)
    }

    /// Several batches in one transaction (`ledger rebuild`): all or none.
    pub(crate) fn commit_batches(
        &mut self,
        batches: &[(BatchRecord, Vec<IssuedNotice>, Vec<String>)],
    ) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db_err(&path, e))?;
        for (batch, notices, support_held) in batches {
            insert_batch(&tx, batch, notices, &[], support_held).map_err(|e| db_err(&path, e))?;
        }
        tx.commit().map_err(|e| db_err(&path, e))
    }

    /// SQLite's `integrity_check`, the schema's tables, every row's batch
    /// (`foreign_key_check`) and every batch's seal: a damaged ledger is
    /// found before any work, not at the commit after a batch was built.
    #[cfg(test)]
    pub(crate) fn check_integrity(&self) -> Result<()> {
        sqlite_integrity(&self.conn, &self.path)?;
        self.check_contents()
    }

    /// What [`Ledger::open`] checks after SQLite's own check: the tables,
    /// the references and the seals.
    fn check_contents(&self) -> Result<()> {
        let damaged = |what: String| damaged(&self.path, &what);
        let names: Vec<&str> = [
            "batch",
            "notice",
            "voided_batch",
            "voided_notice",
            "packet",
            "voided_packet",
            "returned",
            "reprint",
        ]
        .into_iter()
        .chain(trust::V4_TABLES)
        .chain(retention::V5_TABLES)
        .collect();
        let listed = names
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let tables: i64 = self
            .conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({listed})"
                ),
                [],
                |r| r.get(0),
            )
            .map_err(|e| damaged(e.to_string()))?;
        if tables != names.len() as i64 {
            return Err(damaged(format!(
                "{tables} of its {} tables ({}) are there",
                names.len(),
                names.join(", ")
            )));
        }
        // A notice (or packet, or seal) whose batch is not recorded.
        let orphans: Vec<(String, String)> = {
            let mut stmt = self
                .conn
                .prepare("PRAGMA foreign_key_check")
                .map_err(|e| damaged(e.to_string()))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(2)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
            rows.map_err(|e| damaged(e.to_string()))?
        };
        if let Some((table, parent)) = orphans.first() {
            return Err(damaged(format!(
                "{} row(s) refer to a batch that is not recorded (the first: a {table} row without its {parent} row)",
                orphans.len()
            )));
        }
        let broken = self.broken_seals().map_err(|e| damaged(e.to_string()))?;
        if !broken.is_empty() {
            return Err(damaged(format!(
                "the record or notices of {} batch(es) differ from what was committed ({}): a damaged value",
                broken.len(),
                broken
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(())
    }

    /// Withdraws a batch that was never mailed: its record, notices and
    /// packets move to the voided tables with `reason` and where its
    /// directory went, in one transaction; its notices stop counting, so the
    /// residents are selected again. A batch with a recorded return or
    /// reprint was mailed: it is refused.
    pub(crate) fn void_batch(
        &mut self,
        batch_id: &str,
        reason: &str,
        moved_to: &str,
    ) -> Result<()> {
        self.refuse_void_of_mailed(batch_id)?;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db_err(&path, e))?;
        mailroom::void_packets(&tx, batch_id).map_err(|e| db_err(&path, e))?;
        tx.execute(
            "INSERT INTO voided_batch SELECT batch_id, as_of, input_sha256, profile_sha256,
                    summary_sha256, timings_json, packets, tool_version, ?2, ?3
             FROM batch WHERE batch_id = ?1",
            params![batch_id, reason, moved_to],
        )
        .map_err(|e| db_err(&path, e))?;
        tx.execute(
            "INSERT INTO voided_notice SELECT resident_code, item, expiry, batch_id, as_of,
                    document_number, print_file, first_page, pages, kind
             FROM notice WHERE batch_id = ?1",
            params![batch_id],
        )
        .map_err(|e| db_err(&path, e))?;
        tx.execute("DELETE FROM notice WHERE batch_id = ?1", params![batch_id])
            .map_err(|e| db_err(&path, e))?;
        tx.execute(
            "DELETE FROM batch_seal WHERE batch_id = ?1",
            params![batch_id],
        )
        .map_err(|e| db_err(&path, e))?;
        tx.execute("DELETE FROM batch WHERE batch_id = ?1", params![batch_id])
            .map_err(|e| db_err(&path, e))?;
        crate::fault::point("void-commit");
        tx.commit().map_err(|e| db_err(&path, e))
    }

    /// The batch ids (as-of dates) the ledger records, in order.
    pub(crate) fn batch_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT batch_id FROM batch ORDER BY batch_id")
            .map_err(|e| db_err(&self.path, e))?;
        let ids = all_rows(&self.path, stmt.query_map([], |r| r.get::<_, String>(0)))?;
        Ok(ids)
    }

    /// The notices one batch recorded.
    pub(crate) fn notices_of(&self, batch_id: &str) -> Result<Vec<IssuedNotice>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT resident_code, item, expiry, document_number, print_file, first_page, pages,
                        kind
                 FROM notice WHERE batch_id = ?1",
            )
            .map_err(|e| db_err(&self.path, e))?;
        let rows = stmt
            .query_map(params![batch_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })
            .map_err(|e| db_err(&self.path, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (code, item, expiry, document_number, print_file, first, pages, kind) =
                row.map_err(|e| db_err(&self.path, e))?;
            let bad = || Error::Ledger {
                path: self.path.clone(),
                message: format!("unreadable notice row ({code}, {item}, {expiry})"),
            };
            let kind = notice_kind(kind.as_deref()).map_err(|_| bad())?;
            out.push(IssuedNotice {
                item: item_from_key(&item).ok_or_else(bad)?,
                expiry: NaiveDate::parse_from_str(&expiry, "%Y-%m-%d").map_err(|_| bad())?,
                resident_code: code,
                document_number,
                print_file,
                first_page: first as u32,
                pages: pages as u32,
                kind,
            });
        }
        Ok(out)
    }

    /// Number of notices recorded (all batches).
    pub(crate) fn notice_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM notice", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| db_err(&self.path, e))
    }

    /// A read-only reader (`kigen batches`, `kigen history`) needs this
    /// build's schema: an older ledger is migrated by any command that
    /// opens it for writing (`kigen ledger check`).
    pub(crate) fn require_current_schema(&self) -> Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| db_err(&self.path, e))?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        Err(Error::Ledger {
            path: self.path.clone(),
            message: format!(
                "schema version {version}, this kigen reads version {SCHEMA_VERSION}: run `kigen ledger check` with this kigen once (it migrates an older ledger)"
            ),
        })
    }

    /// Every batch the ledger knows, recorded or withdrawn, by date and id
    /// (a withdrawn batch before the one that replaced it): what `kigen
    /// batches` lists.
    pub(crate) fn batch_listing(&self) -> Result<Vec<BatchListing>> {
        // One query per table; a withdrawn batch's notices are in
        // voided_notice under its id. A batch id withdrawn twice (rare: a
        // date voided, rerun and voided again) shares its notices' counts.
        let query = |batches: &str, notices: &str, void_cols: &str| {
            format!(
                "SELECT b.batch_id, b.as_of, b.packets, b.tool_version, b.input_sha256,
                        (SELECT count(*) FROM {notices} n WHERE n.batch_id = b.batch_id),
                        (SELECT count(DISTINCT print_file) FROM {notices} n WHERE n.batch_id = b.batch_id),
                        {void_cols}
                 FROM {batches} b ORDER BY b.rowid"
            )
        };
        let mut out = Vec::new();
        for (sql, voided) in [
            (
                query("voided_batch", "voided_notice", "b.reason, b.moved_to"),
                true,
            ),
            (query("batch", "notice", "NULL, NULL"), false),
        ] {
            let mut stmt = self.conn.prepare(&sql).map_err(|e| db_err(&self.path, e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                    ))
                })
                .map_err(|e| db_err(&self.path, e))?;
            for row in rows {
                let (id, as_of, packets, version, input, notices, files, reason, moved) =
                    row.map_err(|e| db_err(&self.path, e))?;
                out.push(BatchListing {
                    as_of: NaiveDate::parse_from_str(&as_of, "%Y-%m-%d").map_err(|_| {
                        Error::Ledger {
                            path: self.path.clone(),
                            message: format!("batch {id}: unreadable as_of {as_of:?}"),
                        }
                    })?,
                    batch_id: id,
                    packets: packets as u64,
                    notices: notices as u64,
                    print_files: files as u64,
                    tool_version: version,
                    input_sha256: input,
                    void: voided.then(|| Voided {
                        reason: reason.unwrap_or_default(),
                        moved_to: moved.unwrap_or_default(),
                    }),
                    place: BatchPlace::default(),
                });
            }
        }
        self.fill_places(&mut out, |b| (b.void.is_none(), &b.batch_id, &mut b.place))?;
        // By date, then id as batches_on orders them (2026-11-26 before
        // 2026-11-26.2 before 2026-11-26.10), withdrawn first; stable, so
        // records of one table keep their order.
        out.sort_by(|a, b| {
            (a.as_of, a.batch_id.len(), &a.batch_id, a.void.is_none()).cmp(&(
                b.as_of,
                b.batch_id.len(),
                &b.batch_id,
                b.void.is_none(),
            ))
        });
        Ok(out)
    }

    /// Every notice of one resident, recorded or withdrawn with its batch:
    /// what `kigen history` lists, by date, batch, document and item.
    pub(crate) fn notices_of_resident(&self, resident_code: &str) -> Result<Vec<ResidentNotice>> {
        let mut out = Vec::new();
        for (sql, voided) in [
            (
                "SELECT n.batch_id, n.as_of, n.item, n.expiry, n.document_number, n.print_file,
                        n.first_page, n.pages, NULL, NULL, n.kind
                 FROM notice n WHERE n.resident_code = ?1",
                false,
            ),
            (
                "SELECT n.batch_id, n.as_of, n.item, n.expiry, n.document_number, n.print_file,
                        n.first_page, n.pages,
                        (SELECT reason FROM voided_batch b WHERE b.batch_id = n.batch_id ORDER BY b.rowid LIMIT 1),
                        (SELECT moved_to FROM voided_batch b WHERE b.batch_id = n.batch_id ORDER BY b.rowid LIMIT 1),
                        n.kind
                 FROM voided_notice n WHERE n.resident_code = ?1",
                true,
            ),
        ] {
            let mut stmt = self
                .conn
                .prepare(sql)
                .map_err(|e| db_err(&self.path, e))?;
            let rows = stmt
                .query_map(params![resident_code], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<String>>(9)?,
                        r.get::<_, Option<String>>(10)?,
                    ))
                })
                .map_err(|e| db_err(&self.path, e))?;
            for row in rows {
                let (batch_id, as_of, item, expiry, document_number, print_file, first, pages, reason, moved, kind) =
                    row.map_err(|e| db_err(&self.path, e))?;
                let bad = || Error::Ledger {
                    path: self.path.clone(),
                    message: format!("unreadable notice row ({item}, {expiry}) of batch {batch_id}"),
                };
                let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad());
                let kind = notice_kind(kind.as_deref()).map_err(|_| bad())?;
                out.push(ResidentNotice {
                    as_of: date(&as_of)?,
                    item: item_from_key(&item).ok_or_else(bad)?,
                    expiry: date(&expiry)?,
                    batch_id,
                    document_number,
                    print_file,
                    first_page: first as u32,
                    pages: pages as u32,
                    kind,
                    void: voided.then(|| Voided {
                        reason: reason.unwrap_or_default(),
                        moved_to: moved.unwrap_or_default(),
                    }),
                    place: BatchPlace::default(),
                });
            }
        }
        self.fill_places(&mut out, |n| (n.void.is_none(), &n.batch_id, &mut n.place))?;
        out.sort_by(|a, b| {
            (
                a.as_of,
                a.batch_id.len(),
                &a.batch_id,
                a.void.is_none(),
                &a.document_number,
                a.item,
            )
                .cmp(&(
                    b.as_of,
                    b.batch_id.len(),
                    &b.batch_id,
                    b.void.is_none(),
                    &b.document_number,
                    b.item,
                ))
        });
        Ok(out)
    }
}

/// (住民コード, item, E), packed for a sorted in-memory set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct NoticeKey {
    code: CodeKey,
    item: u8,
    expiry: i32,
}

impl NoticeKey {
    fn new(code: CodeKey, item: ItemKind, expiry: NaiveDate) -> Self {
        NoticeKey {
            code,
            item: item as u8,
            expiry: chrono::Datelike::num_days_from_ce(&expiry),
        }
    }
}

/// The notices issued before a batch, loaded once and shared by the
/// selection threads (exact: no hashing shortcuts).
#[derive(Debug, Clone, Default)]
pub(crate) struct NoticeSet {
    keys: Vec<NoticeKey>,
}

impl NoticeSet {
    /// Number of notices.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when empty.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl NoticeLedger for NoticeSet {
    fn noticed(&self, resident_code: &str, kind: ItemKind, expiry: NaiveDate) -> bool {
        match CodeKey::new(resident_code) {
            Some(code) => self
                .keys
                .binary_search(&NoticeKey::new(code, kind, expiry))
                .is_ok(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn record(as_of: &str) -> BatchRecord {
        BatchRecord {
            batch_id: as_of.into(),
            as_of: d(as_of),
            input_sha256: "i".into(),
            profile_sha256: "p".into(),
            summary_sha256: "s".into(),
            timings_json: "{}".into(),
            packets: 1,
            tool_version: "0".into(),
        }
    }

    fn notice(code: &str, item: ItemKind, e: &str) -> IssuedNotice {
        IssuedNotice {
            resident_code: code.into(),
            item,
            expiry: d(e),
            document_number: "n".into(),
            print_file: "print/notices-0001.pdf".into(),
            first_page: 1,
            pages: 2,
            kind: Some(NoticeKind::Card),
        }
    }

    /// Commits the batch of 2026-11-26 with one card notice (A1).
    fn commit_one_notice(l: &mut Ledger) {
        l.commit_batch(
            &record("2026-11-26"),
            &[notice("A1", ItemKind::Card, "2027-01-15")],
            &[],
            &[],
        )
        .unwrap();
    }

    #[test]
    fn a_new_ledger_has_16_kib_pages_and_an_old_one_keeps_its_own() {
        let page_size = |l: &Ledger| -> i64 {
            l.conn
                .pragma_query_value(None, "page_size", |r| r.get(0))
                .unwrap()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.sqlite");
        let mut l = Ledger::open(&path).unwrap();
        commit_one_notice(&mut l);
        assert_eq!(page_size(&l), LEDGER_PAGE_SIZE);
        drop(l);
        assert_eq!(page_size(&Ledger::open(&path).unwrap()), LEDGER_PAGE_SIZE);

        // A ledger an older kigen created with SQLite's 4 KiB pages.
        let old = dir.path().join("old.sqlite");
        let l = Ledger::open(&old).unwrap();
        l.conn
            .pragma_update(None, "journal_mode", "DELETE")
            .unwrap();
        l.conn.pragma_update(None, "page_size", 4096).unwrap();
        l.conn.execute_batch("VACUUM").unwrap();
        assert_eq!(page_size(&l), 4096);
        drop(l);
        let mut l = Ledger::open(&old).unwrap();
        commit_one_notice(&mut l);
        assert_eq!(page_size(&l), 4096);
        assert_eq!(l.latest().unwrap(), Some(d("2026-11-26")));
    }

    #[test]
    fn batches_and_notices_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/kigen.sqlite");
        let mut l = Ledger::open(&path).unwrap();
        assert_eq!(l.latest().unwrap(), None);
        l.commit_batch(
            &record("2026-11-26"),
            &[notice("A1", ItemKind::Card, "2027-01-15")],
            &[],
            &["S9".to_string()],
        )
        .unwrap();
        assert_eq!(l.latest().unwrap(), Some(d("2026-11-26")));
        assert_eq!(l.batch(d("2026-11-26")).unwrap().unwrap().packets, 1);
        let before = l.notices_before(d("2026-11-27")).unwrap();
        assert!(before.noticed("A1", ItemKind::Card, d("2027-01-15")));
        assert!(!before.noticed("A1", ItemKind::UserCert, d("2027-01-15")));
        assert!(!before.noticed("A1", ItemKind::Card, d("2027-01-16")));
        // A batch does not see its own notices.
        assert!(l.notices_before(d("2026-11-26")).unwrap().is_empty());
        // The same notice twice violates the key: the transaction fails whole.
        let err = l.commit_batch(
            &record("2026-11-27"),
            &[
                notice("B2", ItemKind::Card, "2027-01-20"),
                notice("A1", ItemKind::Card, "2027-01-15"),
            ],
            &[],
            &[],
        );
        assert!(err.is_err());
        assert_eq!(l.batch(d("2026-11-27")).unwrap(), None);
        assert_eq!(l.notice_count().unwrap(), 1);
        // The 支援措置 resident is recorded with the batch.
        assert_eq!(
            l.support_held_since("S9", d("2026-11-26")).unwrap(),
            ["2026-11-26"]
        );
        assert!(l
            .support_held_since("S9", d("2026-11-27"))
            .unwrap()
            .is_empty());
        assert!(l.ever_support_held("S9").unwrap());
        assert!(!l.ever_support_held("A1").unwrap());
        l.check_integrity().unwrap();
    }

    /// A value SQLite cannot see is damaged (a resident code changed in
    /// place) breaks the batch's seal, and the ledger is refused on open.
    #[test]
    fn a_changed_notice_value_breaks_the_seal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kigen.sqlite");
        let mut l = Ledger::open(&path).unwrap();
        commit_one_notice(&mut l);
        l.conn
            .execute("UPDATE notice SET expiry = '2027-01-17'", [])
            .unwrap();
        drop(l);
        match Ledger::open(&path) {
            Err(Error::State(m)) => assert!(m.contains("damaged"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    /// A notice whose batch is not recorded is found on open.
    #[test]
    fn a_notice_without_its_batch_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kigen.sqlite");
        let l = Ledger::open(&path).unwrap();
        l.conn
            .execute_batch(
                "PRAGMA foreign_keys = OFF;
                 INSERT INTO notice VALUES ('A1', 'card', '2027-01-15', '2026-11-2x',
                    '2026-11-26', 'N', 'print/notices-0001.pdf', 1, 2, 'card');",
            )
            .unwrap();
        drop(l);
        match Ledger::open(&path) {
            Err(Error::State(m)) => assert!(m.contains("refer to a batch"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    /// A newer kigen's ledger is refused with its bytes untouched (no
    /// switch to WAL, no migration).
    #[test]
    fn a_newer_schema_is_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kigen.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        match Ledger::open(&path) {
            Err(Error::Ledger { message, .. }) => assert!(message.contains("99"), "{message}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert!(!dir.path().join("kigen.sqlite-wal").exists());
    }

    /// Version 5's ledger (no notice kind): migrated to 6, its batches'
    /// seals hold as they were (the kind is NULL, outside the seal), its
    /// notices have no kind; a later batch records and seals its kind. A
    /// migration that fails half-way changes nothing.
    #[test]
    fn a_version_5_ledger_gains_the_notice_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kigen.sqlite");
        let as_v5 = |extra: &str| {
            let mut l = Ledger::open(&path).unwrap();
            let mut n = notice("A1", ItemKind::Card, "2027-01-15");
            n.kind = None;
            l.commit_batch(&record("2026-11-26"), &[n], &[], &[])
                .unwrap();
            l.conn
                .execute_batch(&format!(
                    "ALTER TABLE notice DROP COLUMN kind;
                     ALTER TABLE voided_notice DROP COLUMN kind; {extra}
                     PRAGMA user_version = 5;"
                ))
                .unwrap();
        };
        as_v5("");
        let mut l = Ledger::open(&path).unwrap();
        let version: i64 = l
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 6);
        l.check_integrity().unwrap();
        assert_eq!(l.notices_of("2026-11-26").unwrap()[0].kind, None);
        let mut n = notice("B2", ItemKind::Card, "2027-03-31");
        n.kind = Some(NoticeKind::Residence);
        l.commit_batch(&record("2026-12-31"), &[n], &[], &[])
            .unwrap();
        let b2 = l.notices_of_resident("B2").unwrap();
        assert_eq!(b2[0].kind, Some(NoticeKind::Residence));
        // Withdrawn, it keeps its kind.
        l.void_batch("2026-12-31", "test", ".void/x").unwrap();
        let b2 = l.notices_of_resident("B2").unwrap();
        assert_eq!(b2[0].kind, Some(NoticeKind::Residence));
        assert!(b2[0].void.is_some());
        l.commit_batch(
            &record("2027-01-04"),
            &[notice("C3", ItemKind::Card, "2027-04-01")],
            &[],
            &[],
        )
        .unwrap();
        drop(l);
        // Sealed: a changed kind is found on open.
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE notice SET kind = 'residence' WHERE resident_code = 'C3'",
            [],
        )
        .unwrap();
        drop(conn);
        assert!(Ledger::open(&path).is_err());

        // All or nothing: the second statement fails (the column is
        // there), the first is undone and the version stays 5.
        for f in ["kigen.sqlite", "kigen.sqlite-wal", "kigen.sqlite-shm"] {
            let _ = std::fs::remove_file(dir.path().join(f));
        }
        as_v5("ALTER TABLE voided_notice ADD COLUMN kind TEXT;");
        assert!(Ledger::open(&path).is_err());
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 5);
        let kind_columns: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('notice') WHERE name = 'kind'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kind_columns, 0);
    }

    /// Version 3's ledger: every batch is sealed as it is, and 支援措置
    /// is empty (it was not recorded before version 4).
    #[test]
    fn a_version_3_ledger_is_migrated_and_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kigen.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(V2_SQL).unwrap();
            conn.execute_batch(SCHEMA_V3).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 3;
                 INSERT INTO batch VALUES
                    ('2026-11-25', '2026-11-25', 'i1', 'p', 's1', '{}', 1, '0.1.0');
                 INSERT INTO notice VALUES
                    ('A1', 'card', '2027-02-20', '2026-11-25', '2026-11-25', 'N-00001',
                     'print/notices-0001.pdf', 1, 2);",
            )
            .unwrap();
        }
        let l = Ledger::open(&path).unwrap();
        let version: i64 = l
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        l.check_integrity().unwrap();
        assert_eq!(l.notice_count().unwrap(), 1);
        assert!(!l.ever_support_held("A1").unwrap());
        drop(l);
        // Sealed: a later change to a notice is found.
        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE notice SET resident_code = 'A2'", [])
            .unwrap();
        drop(conn);
        assert!(Ledger::open(&path).is_err());
    }

    /// Version 2's schema as it shipped (SCHEMA and SCHEMA_V2 of that
    /// release), written out here so that later changes to the constants
    /// cannot make the test start from something that never existed.
    const V2_SQL: &str = "
        CREATE TABLE batch (
            batch_id TEXT PRIMARY KEY, as_of TEXT NOT NULL,
            input_sha256 TEXT NOT NULL, profile_sha256 TEXT NOT NULL,
            summary_sha256 TEXT NOT NULL, timings_json TEXT NOT NULL,
            packets INTEGER NOT NULL, tool_version TEXT NOT NULL);
        CREATE TABLE notice (
            resident_code TEXT NOT NULL, item TEXT NOT NULL, expiry TEXT NOT NULL,
            batch_id TEXT NOT NULL REFERENCES batch(batch_id), as_of TEXT NOT NULL,
            document_number TEXT NOT NULL, print_file TEXT NOT NULL,
            first_page INTEGER NOT NULL, pages INTEGER NOT NULL,
            PRIMARY KEY (resident_code, item, expiry));
        CREATE INDEX notice_batch ON notice(batch_id);
        CREATE TABLE voided_batch (
            batch_id TEXT NOT NULL, as_of TEXT NOT NULL, input_sha256 TEXT NOT NULL,
            profile_sha256 TEXT NOT NULL, summary_sha256 TEXT NOT NULL,
            timings_json TEXT NOT NULL, packets INTEGER NOT NULL,
            tool_version TEXT NOT NULL, reason TEXT NOT NULL, moved_to TEXT NOT NULL);
        CREATE TABLE voided_notice (
            resident_code TEXT NOT NULL, item TEXT NOT NULL, expiry TEXT NOT NULL,
            batch_id TEXT NOT NULL, as_of TEXT NOT NULL, document_number TEXT NOT NULL,
            print_file TEXT NOT NULL, first_page INTEGER NOT NULL, pages INTEGER NOT NULL);
        PRAGMA user_version = 2;
    ";

    #[test]
    fn a_version_2_ledger_is_migrated_keeping_every_batch_and_notice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kigen.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(V2_SQL).unwrap();
            conn.execute_batch(
                "INSERT INTO batch VALUES
                    ('2026-11-25', '2026-11-25', 'i1', 'p', 's1', '{}', 2, '0.1.0'),
                    ('2026-11-26', '2026-11-26', 'i2', 'p', 's2', '{}', 1, '0.1.0'),
                    ('2026-11-26.2', '2026-11-26', 'i3', 'p', 's3', '{}', 1, '0.1.0');
                 INSERT INTO notice VALUES
                    ('A1', 'card', '2027-02-20', '2026-11-25', '2026-11-25', 'N-00001',
                     'print/notices-0001.pdf', 1, 2),
                    ('B2', 'user_cert', '2027-02-21', '2026-11-25', '2026-11-25', 'N-00002',
                     'print/notices-0001.pdf', 3, 2),
                    ('B2', 'sign_cert', '2027-02-21', '2026-11-25', '2026-11-25', 'N-00002',
                     'print/notices-0001.pdf', 3, 2),
                    ('C3', 'card', '2027-02-22', '2026-11-26', '2026-11-26', 'N-00003',
                     'print/notices-0001.pdf', 1, 2),
                    ('D4', 'card', '2027-02-23', '2026-11-26.2', '2026-11-26', 'N-00004',
                     'print/notices-0001.pdf', 1, 2);
                 INSERT INTO voided_batch VALUES
                    ('2026-11-24', '2026-11-24', 'i0', 'p', 's0', '{}', 1, '0.1.0',
                     'wrong export', '.void/2026-11-24-1');
                 INSERT INTO voided_notice VALUES
                    ('E5', 'card', '2027-02-19', '2026-11-24', '2026-11-24', 'N-00001',
                     'print/notices-0001.pdf', 1, 2);",
            )
            .unwrap();
        }
        let mut l = Ledger::open(&path).unwrap();
        let version: i64 = l
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        l.check_integrity().unwrap();
        assert_eq!(
            l.batch_ids().unwrap(),
            ["2026-11-25", "2026-11-26", "2026-11-26.2"]
        );
        assert_eq!(l.notice_count().unwrap(), 5);
        assert_eq!(l.notices_of("2026-11-25").unwrap().len(), 3);
        assert_eq!(l.batches_on(d("2026-11-26")).unwrap().len(), 2);
        let voided: i64 = l
            .conn
            .query_row("SELECT count(*) FROM voided_notice", [], |r| r.get(0))
            .unwrap();
        assert_eq!(voided, 1);
        // Selection sees the same notices as before.
        let seen = l.notices_before(d("2026-11-27")).unwrap();
        assert_eq!(seen.len(), 5);
        assert!(seen.noticed("B2", ItemKind::SignCert, d("2027-02-21")));
        // The migrated batches have no printed addresses; their documents
        // are found, and the new tables take returns.
        assert!(l.packets_of("2026-11-25").unwrap().is_empty());
        let docs = l.documents("N-00002").unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].resident_code, "B2");
        assert_eq!(docs[0].items.len(), 2);
        assert_eq!(docs[0].address, None);
        let new = l
            .record_returns(
                &[ReturnRecord {
                    batch_id: "2026-11-25".into(),
                    document_number: "N-00002".into(),
                    resident_code: "B2".into(),
                    reason: ReturnReason::Moved,
                    returned_on: d("2026-12-01"),
                    source: "test".into(),
                }],
                d("2026-12-02"),
            )
            .unwrap();
        assert_eq!(new, [true]);
        assert_eq!(l.open_returns().unwrap().len(), 1);
        drop(l);
        // Opened again: version 3 as it is, nothing migrated twice.
        let l = Ledger::open(&path).unwrap();
        assert_eq!(l.notice_count().unwrap(), 5);
        assert_eq!(l.open_returns().unwrap().len(), 1);
    }

    #[test]
    fn packets_returns_and_reprints_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(&dir.path().join("kigen.sqlite")).unwrap();
        let address = PrintedAddress {
            name: "佐久　太郎".into(),
            postal_code: "3850051".into(),
            address: "長野県佐久市中込1-2-3".into(),
            address_extra: String::new(),
            care_of: None,
        };
        let mut n = notice("A1", ItemKind::Card, "2027-01-15");
        n.document_number = "N-1".into();
        l.commit_batch(
            &record("2026-11-26"),
            &[n],
            &[PrintedPacket {
                document_number: "N-1".into(),
                resident_code: "A1".into(),
                address: address.clone(),
            }],
            &[],
        )
        .unwrap();
        assert_eq!(l.packets_of("2026-11-26").unwrap()[0].address, address);
        let doc = &l.documents("N-1").unwrap()[0];
        assert_eq!(doc.address.as_ref(), Some(&address));
        assert_eq!(doc.items, [(ItemKind::Card, d("2027-01-15"))]);
        assert!(l.documents("N-2").unwrap().is_empty());
        // A return recorded twice counts once.
        let ret = ReturnRecord {
            batch_id: "2026-11-26".into(),
            document_number: "N-1".into(),
            resident_code: "A1".into(),
            reason: ReturnReason::NotFound,
            returned_on: d("2026-12-01"),
            source: "test".into(),
        };
        let new = l
            .record_returns(&[ret.clone(), ret.clone()], d("2026-12-01"))
            .unwrap();
        assert_eq!(new, [true, false]);
        assert_eq!(l.open_returns().unwrap().len(), 1);
        // A reprint is not a notice.
        assert_eq!(l.reprints_of("2026-11-26", "N-1").unwrap(), 0);
        l.record_reprint(&ReprintRecord {
            document_number: "N-1-R1".into(),
            original: "N-1".into(),
            number: 1,
            batch_id: "2026-11-26".into(),
            resident_code: "A1".into(),
            reason: "asked".into(),
            reprinted_on: d("2026-12-02"),
            file: "reprint-N-1-R1.pdf".into(),
            sha256: "x".into(),
            pages: 2,
            input_sha256: "y".into(),
            address: address.clone(),
        })
        .unwrap();
        assert_eq!(l.reprints_of("2026-11-26", "N-1").unwrap(), 1);
        assert_eq!(l.notice_count().unwrap(), 1);
        let r1 = &l.documents("N-1-R1").unwrap()[0];
        assert_eq!((r1.reprint, r1.original.as_str()), (Some(1), "N-1"));
        assert_eq!(r1.items, [(ItemKind::Card, d("2027-01-15"))]);
        // Resolving closes it once.
        assert_eq!(
            l.resolve_return("2026-11-26", "N-1", "moved, new address", d("2026-12-03"))
                .unwrap(),
            ResolveOutcome::Resolved
        );
        assert!(l.open_returns().unwrap().is_empty());
        assert!(matches!(
            l.resolve_return("2026-11-26", "N-1", "again", d("2026-12-04"))
                .unwrap(),
            ResolveOutcome::AlreadyResolved { .. }
        ));
        // A batch with returns was mailed: it cannot be voided.
        assert!(matches!(
            l.void_batch("2026-11-26", "wrong", ".void/x"),
            Err(Error::State(_))
        ));
        assert_eq!(l.notice_count().unwrap(), 1);
    }

    #[test]
    fn a_second_process_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kigen.sqlite");
        let _first = Ledger::open(&path).unwrap();
        match Ledger::open(&path) {
            Err(Error::Locked { .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
