//! The mail room's part of the ledger (schema version 3, SPEC 11): where
//! each packet was addressed, the pieces Japan Post returned (還付), and the
//! reprints made on request. None of it is a notice: the `notice` table
//! still holds one row per item noticed, whatever is returned or reprinted.

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Transaction};

use super::{all_rows, db_err, item_from_key, Ledger};
use crate::error::{Error, Result};
use crate::rules::ItemKind;

/// Version 3: the packets' printed addresses (and those of a withdrawn
/// batch), returns and reprints.
pub(super) const SCHEMA_V3: &str = "
CREATE TABLE packet (
    batch_id        TEXT NOT NULL REFERENCES batch(batch_id),
    document_number TEXT NOT NULL,
    resident_code   TEXT NOT NULL,
    name            TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    address         TEXT NOT NULL,
    address_extra   TEXT NOT NULL,
    care_of         TEXT,
    PRIMARY KEY (batch_id, document_number)
);
CREATE TABLE voided_packet (
    batch_id        TEXT NOT NULL,
    document_number TEXT NOT NULL,
    resident_code   TEXT NOT NULL,
    name            TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    address         TEXT NOT NULL,
    address_extra   TEXT NOT NULL,
    care_of         TEXT
);
CREATE TABLE returned (
    batch_id        TEXT NOT NULL,
    document_number TEXT NOT NULL,
    resident_code   TEXT NOT NULL,
    reason          TEXT NOT NULL,
    returned_on     TEXT NOT NULL,
    recorded_on     TEXT NOT NULL,
    source          TEXT NOT NULL,
    resolved_on     TEXT,
    resolution      TEXT,
    PRIMARY KEY (batch_id, document_number)
);
CREATE TABLE reprint (
    document_number TEXT NOT NULL,
    original        TEXT NOT NULL,
    number          INTEGER NOT NULL,
    batch_id        TEXT NOT NULL,
    resident_code   TEXT NOT NULL,
    reason          TEXT NOT NULL,
    reprinted_on    TEXT NOT NULL,
    file            TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    pages           INTEGER NOT NULL,
    input_sha256    TEXT NOT NULL,
    name            TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    address         TEXT NOT NULL,
    address_extra   TEXT NOT NULL,
    care_of         TEXT,
    PRIMARY KEY (batch_id, document_number),
    UNIQUE (batch_id, original, number)
);
CREATE INDEX returned_document ON returned(document_number);
CREATE INDEX reprint_document ON reprint(document_number);
CREATE INDEX notice_document ON notice(document_number);
";

/// Where a packet went, as printed in the envelope window: the 送付先 when
/// the letter went to one (SPEC 9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrintedAddress {
    /// 氏名 as printed.
    pub(crate) name: String,
    /// The postal code printed (7 digits).
    pub(crate) postal_code: String,
    /// The address printed.
    pub(crate) address: String,
    /// The 方書 printed.
    pub(crate) address_extra: String,
    /// The 送付先氏名 (`<name> 様方`) when the letter went to a 送付先.
    pub(crate) care_of: Option<String>,
}

/// A packet of a batch and where it was addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrintedPacket {
    /// The notice number printed on it.
    pub(crate) document_number: String,
    /// 住民コード.
    pub(crate) resident_code: String,
    /// The envelope.
    pub(crate) address: PrintedAddress,
}

/// Why Japan Post returned a piece (the reasons its return label gives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ReturnReason {
    /// あて所に尋ねあたりません.
    NotFound,
    /// 転居先不明.
    Moved,
    /// 受取人不明.
    Unknown,
    /// 受取拒絶.
    Refused,
    /// 保管期間経過.
    Unclaimed,
    /// あて名不完全.
    Incomplete,
}

impl ReturnReason {
    /// Every reason, in the order of the return label.
    pub(crate) const ALL: [ReturnReason; 6] = [
        ReturnReason::NotFound,
        ReturnReason::Moved,
        ReturnReason::Unknown,
        ReturnReason::Refused,
        ReturnReason::Unclaimed,
        ReturnReason::Incomplete,
    ];

    /// The code written in the ledger and in followups.csv.
    pub(crate) fn key(self) -> &'static str {
        match self {
            ReturnReason::NotFound => "not-found",
            ReturnReason::Moved => "moved",
            ReturnReason::Unknown => "unknown",
            ReturnReason::Refused => "refused",
            ReturnReason::Unclaimed => "unclaimed",
            ReturnReason::Incomplete => "incomplete",
        }
    }

    /// Japan Post's wording.
    pub(crate) fn label(self) -> &'static str {
        match self {
            ReturnReason::NotFound => "あて所に尋ねあたりません",
            ReturnReason::Moved => "転居先不明",
            ReturnReason::Unknown => "受取人不明",
            ReturnReason::Refused => "受取拒絶",
            ReturnReason::Unclaimed => "保管期間経過",
            ReturnReason::Incomplete => "あて名不完全",
        }
    }

    /// A code (`not-found`, any ASCII case) or Japan Post's wording.
    pub(crate) fn parse(s: &str) -> Option<ReturnReason> {
        let s = s.trim_matches(|c: char| c.is_whitespace());
        Self::ALL
            .into_iter()
            .find(|r| r.key().eq_ignore_ascii_case(s) || r.label() == s)
    }

    /// Every code, for messages.
    pub(crate) fn codes() -> String {
        Self::ALL.map(|r| r.key()).join(", ")
    }
}

/// A document the ledger knows: a packet of a batch, or a reprint of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocumentRecord {
    /// The batch whose notice it is.
    pub(crate) batch_id: String,
    /// That batch's date.
    pub(crate) as_of: NaiveDate,
    /// The document's number (with `-R<n>` for a reprint).
    pub(crate) document_number: String,
    /// The packet's number in the batch (the same as `document_number`
    /// unless this is a reprint).
    pub(crate) original: String,
    /// For a reprint: its number (1 for `-R1`).
    pub(crate) reprint: Option<u32>,
    /// 住民コード.
    pub(crate) resident_code: String,
    /// The items the notice was for, with their expiries (ItemKind order).
    pub(crate) items: Vec<(ItemKind, NaiveDate)>,
    /// The print file (relative to the batch, or the reprint's file).
    pub(crate) print_file: String,
    /// First page in that file.
    pub(crate) first_page: u32,
    /// Pages.
    pub(crate) pages: u32,
    /// The day it was printed: the batch date, or the reprint's date.
    pub(crate) printed_on: NaiveDate,
    /// Where it was addressed, when the ledger keeps it (not for batches
    /// recorded before version 3 or rebuilt from their directories).
    pub(crate) address: Option<PrintedAddress>,
}

/// A returned piece, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReturnRecord {
    /// The batch of the document.
    pub(crate) batch_id: String,
    /// The document number on the returned piece.
    pub(crate) document_number: String,
    /// 住民コード.
    pub(crate) resident_code: String,
    /// Japan Post's reason.
    pub(crate) reason: ReturnReason,
    /// The day it came back.
    pub(crate) returned_on: NaiveDate,
    /// Where the record came from (`--document`, or a returns file's line).
    pub(crate) source: String,
}

/// An open return with its document: one line of followups.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenReturn {
    /// The return.
    pub(crate) record: ReturnRecord,
    /// The day it was recorded.
    pub(crate) recorded_on: String,
    /// The document returned.
    pub(crate) document: DocumentRecord,
}

/// A return as `kigen history` lists it: open or resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResidentReturn {
    /// The return.
    pub(crate) record: ReturnRecord,
    /// The day it was recorded.
    pub(crate) recorded_on: String,
    /// The day it was resolved, and the note, once it is.
    pub(crate) resolved: Option<(String, String)>,
}

/// What `--resolve` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResolveOutcome {
    /// The return is closed now.
    Resolved,
    /// It was closed before (nothing changed): the day and the note.
    AlreadyResolved {
        /// When.
        on: String,
        /// The note then.
        note: String,
    },
}

/// A reprint, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReprintRecord {
    /// The reprint's number (`<original>-R<n>`).
    pub(crate) document_number: String,
    /// The packet's number in its batch.
    pub(crate) original: String,
    /// n of `-R<n>`.
    pub(crate) number: u32,
    /// The batch of the original.
    pub(crate) batch_id: String,
    /// 住民コード.
    pub(crate) resident_code: String,
    /// Why it was reprinted.
    pub(crate) reason: String,
    /// The day it was reprinted.
    pub(crate) reprinted_on: NaiveDate,
    /// The file written.
    pub(crate) file: String,
    /// Its SHA-256.
    pub(crate) sha256: String,
    /// Its pages.
    pub(crate) pages: u32,
    /// SHA-256 of the export the current address came from.
    pub(crate) input_sha256: String,
    /// Where it was addressed.
    pub(crate) address: PrintedAddress,
}

/// Records a batch's packets (inside the batch's commit).
pub(super) fn insert_packets(
    tx: &rusqlite::Connection,
    batch_id: &str,
    packets: &[PrintedPacket],
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare(
        "INSERT INTO packet (batch_id, document_number, resident_code, name, postal_code,
                             address, address_extra, care_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for p in packets {
        let a = &p.address;
        stmt.execute(params![
            batch_id,
            p.document_number,
            p.resident_code,
            a.name,
            a.postal_code,
            a.address,
            a.address_extra,
            a.care_of,
        ])?;
    }
    Ok(())
}

/// Moves a withdrawn batch's packets to `voided_packet` (inside the void).
pub(super) fn void_packets(tx: &Transaction<'_>, batch_id: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO voided_packet SELECT batch_id, document_number, resident_code, name,
                postal_code, address, address_extra, care_of
         FROM packet WHERE batch_id = ?1",
        params![batch_id],
    )?;
    tx.execute("DELETE FROM packet WHERE batch_id = ?1", params![batch_id])?;
    Ok(())
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A row's address columns (name, postal code, address, 方書, care of).
type AddressColumns = (String, String, String, String, Option<String>);

fn address_of(c: AddressColumns) -> PrintedAddress {
    PrintedAddress {
        name: c.0,
        postal_code: c.1,
        address: c.2,
        address_extra: c.3,
        care_of: c.4,
    }
}

impl Ledger {
    fn unreadable(&self, what: String) -> Error {
        Error::Ledger {
            path: self.path.clone(),
            message: format!("unreadable {what}"),
        }
    }

    /// Whether the ledger has the version-3 tables (a ledger opened read
    /// only is not migrated).
    pub(crate) fn has_mailroom_tables(&self) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'packet'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| db_err(&self.path, e))?;
        Ok(n == 1)
    }

    /// Where each packet of a batch was addressed (empty for a batch
    /// recorded before version 3 or rebuilt from its directory).
    pub(crate) fn packets_of(&self, batch_id: &str) -> Result<Vec<PrintedPacket>> {
        if !self.has_mailroom_tables()? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT document_number, resident_code, name, postal_code, address,
                        address_extra, care_of
                 FROM packet WHERE batch_id = ?1 ORDER BY document_number",
            )
            .map_err(|e| db_err(&self.path, e))?;
        let rows = all_rows(
            &self.path,
            stmt.query_map(params![batch_id], |r| {
                Ok(PrintedPacket {
                    document_number: r.get(0)?,
                    resident_code: r.get(1)?,
                    address: address_of((r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
                })
            }),
        )?;
        Ok(rows)
    }

    /// The packets of live batches numbered `document_number` (usually
    /// one; more only when the profile's number has no `{date}`), with
    /// their items.
    fn original_documents(&self, document_number: &str) -> Result<Vec<DocumentRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT batch_id, as_of, resident_code, item, expiry, print_file, first_page, pages
                 FROM notice WHERE document_number = ?1 ORDER BY batch_id, item",
            )
            .map_err(|e| db_err(&self.path, e))?;
        type Row = (String, String, String, String, String, String, i64, i64);
        let rows: Vec<Row> = all_rows(
            &self.path,
            stmt.query_map(params![document_number], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            }),
        )?;
        let mut out: Vec<DocumentRecord> = Vec::new();
        for (batch_id, as_of, code, item, expiry, file, first, pages) in rows {
            let bad = || self.unreadable(format!("notice row ({code}, {item}, {expiry})"));
            let item = item_from_key(&item).ok_or_else(bad)?;
            let expiry = parse_date(&expiry).ok_or_else(bad)?;
            match out.last_mut().filter(|d| d.batch_id == batch_id) {
                Some(d) => d.items.push((item, expiry)),
                None => {
                    let as_of = parse_date(&as_of).ok_or_else(bad)?;
                    out.push(DocumentRecord {
                        batch_id,
                        as_of,
                        document_number: document_number.to_string(),
                        original: document_number.to_string(),
                        reprint: None,
                        resident_code: code,
                        items: vec![(item, expiry)],
                        print_file: file,
                        first_page: first as u32,
                        pages: pages as u32,
                        printed_on: as_of,
                        address: None,
                    })
                }
            }
        }
        for d in &mut out {
            d.items.sort();
            d.address = self
                .conn
                .query_row(
                    "SELECT name, postal_code, address, address_extra, care_of
                     FROM packet WHERE batch_id = ?1 AND document_number = ?2",
                    params![d.batch_id, d.original],
                    |r| {
                        Ok(address_of((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                        )))
                    },
                )
                .optional()
                .map_err(|e| db_err(&self.path, e))?;
        }
        Ok(out)
    }

    /// The documents numbered `document_number`: a packet of a live batch,
    /// or a reprint (`…-R1`). Empty when the ledger knows none.
    pub(crate) fn documents(&self, document_number: &str) -> Result<Vec<DocumentRecord>> {
        let mut out = self.original_documents(document_number)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT original, number, batch_id, reprinted_on, file, pages,
                        name, postal_code, address, address_extra, care_of
                 FROM reprint WHERE document_number = ?1 ORDER BY batch_id",
            )
            .map_err(|e| db_err(&self.path, e))?;
        type Row = (String, i64, String, String, String, i64, AddressColumns);
        let rows: Vec<Row> = all_rows(
            &self.path,
            stmt.query_map(params![document_number], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    (r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?),
                ))
            }),
        )?;
        for (original, number, batch_id, on, file, pages, address) in rows {
            let Some(packet) = self
                .original_documents(&original)?
                .into_iter()
                .find(|d| d.batch_id == batch_id)
            else {
                // The original's batch was withdrawn: so is the reprint.
                continue;
            };
            let printed_on = parse_date(&on)
                .ok_or_else(|| self.unreadable(format!("reprint {document_number}")))?;
            out.push(DocumentRecord {
                document_number: document_number.to_string(),
                reprint: Some(number as u32),
                print_file: file,
                first_page: 1,
                pages: pages as u32,
                printed_on,
                address: Some(address_of(address)),
                ..packet
            });
        }
        Ok(out)
    }

    /// The highest reprint number of a packet so far (0: never reprinted).
    pub(crate) fn reprints_of(&self, batch_id: &str, original: &str) -> Result<u32> {
        let n: Option<i64> = self
            .conn
            .query_row(
                "SELECT max(number) FROM reprint WHERE batch_id = ?1 AND original = ?2",
                params![batch_id, original],
                |r| r.get(0),
            )
            .map_err(|e| db_err(&self.path, e))?;
        Ok(n.unwrap_or(0) as u32)
    }

    /// The latest reprint of a packet: its number and the day it was made.
    pub(crate) fn last_reprint(
        &self,
        batch_id: &str,
        original: &str,
    ) -> Result<Option<(String, NaiveDate)>> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT document_number, reprinted_on FROM reprint
                 WHERE batch_id = ?1 AND original = ?2 ORDER BY number DESC LIMIT 1",
                params![batch_id, original],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| db_err(&self.path, e))?;
        row.map(|(number, on)| {
            parse_date(&on)
                .map(|d| (number, d))
                .ok_or_else(|| self.unreadable(format!("reprint {original}: reprinted_on {on}")))
        })
        .transpose()
    }

    /// Records a reprint (not a notice: the notice table is untouched).
    pub(crate) fn record_reprint(&mut self, r: &ReprintRecord) -> Result<()> {
        let a = &r.address;
        self.conn
            .execute(
                "INSERT INTO reprint (document_number, original, number, batch_id, resident_code,
                                      reason, reprinted_on, file, sha256, pages, input_sha256,
                                      name, postal_code, address, address_extra, care_of)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    r.document_number,
                    r.original,
                    r.number as i64,
                    r.batch_id,
                    r.resident_code,
                    r.reason,
                    r.reprinted_on.to_string(),
                    r.file,
                    r.sha256,
                    r.pages as i64,
                    r.input_sha256,
                    a.name,
                    a.postal_code,
                    a.address,
                    a.address_extra,
                    a.care_of,
                ],
            )
            .map_err(|e| db_err(&self.path, e))?;
        Ok(())
    }

    /// Records returns in one transaction (all or none). A document already
    /// recorded (earlier, or twice in `returns`) counts once: the first
    /// record stays. Returns, per record, whether it was new.
    pub(crate) fn record_returns(
        &mut self,
        returns: &[ReturnRecord],
        recorded_on: NaiveDate,
    ) -> Result<Vec<bool>> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db_err(&path, e))?;
        let mut new = Vec::with_capacity(returns.len());
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR IGNORE INTO returned (batch_id, document_number, resident_code,
                            reason, returned_on, recorded_on, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(|e| db_err(&path, e))?;
            for r in returns {
                let n = stmt
                    .execute(params![
                        r.batch_id,
                        r.document_number,
                        r.resident_code,
                        r.reason.key(),
                        r.returned_on.to_string(),
                        recorded_on.to_string(),
                        r.source,
                    ])
                    .map_err(|e| db_err(&path, e))?;
                new.push(n == 1);
            }
        }
        crate::fault::point("returns-commit");
        tx.commit().map_err(|e| db_err(&path, e))?;
        Ok(new)
    }

    /// The returns recorded for `document_number` (any batch), as
    /// (batch, resolved on).
    pub(crate) fn returns_of(
        &self,
        document_number: &str,
    ) -> Result<Vec<(String, Option<String>)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT batch_id, resolved_on FROM returned WHERE document_number = ?1
                 ORDER BY batch_id",
            )
            .map_err(|e| db_err(&self.path, e))?;
        let rows = all_rows(
            &self.path,
            stmt.query_map(params![document_number], |r| Ok((r.get(0)?, r.get(1)?))),
        )?;
        Ok(rows)
    }

    /// Closes the return of (`batch_id`, `document_number`) with a note.
    pub(crate) fn resolve_return(
        &mut self,
        batch_id: &str,
        document_number: &str,
        note: &str,
        on: NaiveDate,
    ) -> Result<ResolveOutcome> {
        let before: Option<(Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT resolved_on, resolution FROM returned
                 WHERE batch_id = ?1 AND document_number = ?2",
                params![batch_id, document_number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| db_err(&self.path, e))?;
        match before {
            None => Err(Error::Internal(format!(
                "no return of {document_number} in batch {batch_id}"
            ))),
            Some((Some(on), note)) => Ok(ResolveOutcome::AlreadyResolved {
                on,
                note: note.unwrap_or_default(),
            }),
            Some((None, _)) => {
                self.conn
                    .execute(
                        "UPDATE returned SET resolved_on = ?3, resolution = ?4
                         WHERE batch_id = ?1 AND document_number = ?2",
                        params![batch_id, document_number, on.to_string(), note],
                    )
                    .map_err(|e| db_err(&self.path, e))?;
                Ok(ResolveOutcome::Resolved)
            }
        }
    }

    /// Every open (unresolved) return with its document, by date returned,
    /// batch and document number.
    pub(crate) fn open_returns(&self) -> Result<Vec<OpenReturn>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT batch_id, document_number, resident_code, reason, returned_on,
                        recorded_on, source
                 FROM returned WHERE resolved_on IS NULL
                 ORDER BY returned_on, batch_id, document_number",
            )
            .map_err(|e| db_err(&self.path, e))?;
        type Row = (String, String, String, String, String, String, String);
        let rows: Vec<Row> = all_rows(
            &self.path,
            stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            }),
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (batch_id, doc, code, reason, returned_on, recorded_on, source) in rows {
            let bad = || self.unreadable(format!("return of {doc}"));
            let reason = ReturnReason::parse(&reason).ok_or_else(bad)?;
            let returned_on = parse_date(&returned_on).ok_or_else(bad)?;
            let document = self
                .documents(&doc)?
                .into_iter()
                .find(|d| d.batch_id == batch_id)
                .ok_or_else(bad)?;
            out.push(OpenReturn {
                record: ReturnRecord {
                    batch_id,
                    document_number: doc,
                    resident_code: code,
                    reason,
                    returned_on,
                    source,
                },
                recorded_on,
                document,
            });
        }
        Ok(out)
    }

    /// Every return of a resident's documents, open or resolved, by date
    /// returned (`kigen history`). Empty for a ledger without the version-3
    /// tables.
    pub(crate) fn returns_of_resident(&self, code: &str) -> Result<Vec<ResidentReturn>> {
        if !self.has_mailroom_tables()? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT batch_id, document_number, reason, returned_on, source, recorded_on,
                        resolved_on, resolution
                 FROM returned WHERE resident_code = ?1
                 ORDER BY returned_on, batch_id, document_number",
            )
            .map_err(|e| db_err(&self.path, e))?;
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = all_rows(
            &self.path,
            stmt.query_map(params![code], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            }),
        )?;
        rows.into_iter()
            .map(
                |(batch_id, doc, reason, on, source, recorded_on, resolved_on, note)| {
                    let bad = || self.unreadable(format!("return of {doc}"));
                    Ok(ResidentReturn {
                        record: ReturnRecord {
                            batch_id,
                            resident_code: code.to_string(),
                            reason: ReturnReason::parse(&reason).ok_or_else(bad)?,
                            returned_on: parse_date(&on).ok_or_else(bad)?,
                            document_number: doc,
                            source,
                        },
                        recorded_on,
                        resolved: resolved_on.map(|on| (on, note.unwrap_or_default())),
                    })
                },
            )
            .collect()
    }

    /// Every reprint made for a resident, by date (`kigen history`).
    pub(crate) fn reprints_of_resident(&self, code: &str) -> Result<Vec<ReprintRecord>> {
        if !self.has_mailroom_tables()? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT document_number, original, number, batch_id, reason, reprinted_on, file,
                        sha256, pages, input_sha256,
                        name, postal_code, address, address_extra, care_of
                 FROM reprint WHERE resident_code = ?1
                 ORDER BY reprinted_on, batch_id, original, number",
            )
            .map_err(|e| db_err(&self.path, e))?;
        type Row = (
            (String, String, i64, String, String),
            (String, String, String, i64, String),
            AddressColumns,
        );
        let rows: Vec<Row> = all_rows(
            &self.path,
            stmt.query_map(params![code], |r| {
                Ok((
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                    (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?),
                    (r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?),
                ))
            }),
        )?;
        rows.into_iter()
            .map(
                |((doc, original, number, batch_id, reason), (on, file, sha, pages, input), a)| {
                    Ok(ReprintRecord {
                        reprinted_on: parse_date(&on)
                            .ok_or_else(|| self.unreadable(format!("reprint {doc}")))?,
                        document_number: doc,
                        original,
                        number: number as u32,
                        batch_id,
                        resident_code: code.to_string(),
                        reason,
                        file,
                        sha256: sha,
                        pages: pages as u32,
                        input_sha256: input,
                        address: address_of(a),
                    })
                },
            )
            .collect()
    }

    /// A batch with a return or a reprint recorded was mailed: withdrawing
    /// it would select its residents again.
    /// (Asked by `ledger void` before anything moves.)
    pub(crate) fn refuse_void_of_mailed(&self, batch_id: &str) -> Result<()> {
        if !self.has_mailroom_tables()? {
            return Ok(());
        }
        let count = |sql: &str| -> Result<i64> {
            self.conn
                .query_row(sql, params![batch_id], |r| r.get(0))
                .map_err(|e| db_err(&self.path, e))
        };
        let returns = count("SELECT count(*) FROM returned WHERE batch_id = ?1")?;
        let reprints = count("SELECT count(*) FROM reprint WHERE batch_id = ?1")?;
        if returns + reprints > 0 {
            return Err(Error::State(format!(
                "the batch {batch_id} has {returns} return(s) and {reprints} reprint(s) recorded: it was mailed, and `ledger void` is for a batch never mailed; nothing was done"
            )));
        }
        Ok(())
    }
}
