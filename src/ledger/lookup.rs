//! What the ledger tells of one resident (SPEC 12, `kigen history`): their
//! notices grouped into packets, reprints and returns, as events by date;
//! and a clerk's lookup by name (SPEC 14): the names the ledger printed on
//! packets, with their residents' codes. The ledger keeps no birth date.

use std::collections::BTreeMap;
use std::path::Path;

use super::mailroom::{ReprintRecord, ResidentReturn};
use super::{all_rows, db_err, Ledger, ResidentNotice};
use crate::error::{Error, Result};
use crate::rules::ItemKind;

/// Everything the ledger records of one resident.
#[derive(Debug)]
pub(crate) struct History {
    /// Their notices, one per item.
    pub(crate) notices: Vec<ResidentNotice>,
    /// Their packets printed again.
    pub(crate) reprints: Vec<ReprintRecord>,
    /// Their pieces returned.
    pub(crate) returns: Vec<ResidentReturn>,
}

/// One event of a resident's history.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    /// A packet issued: the notices of one document, one per item (never
    /// empty).
    Notice(Vec<&'a ResidentNotice>),
    /// A packet printed again (`-R<n>`).
    Reprint(&'a ReprintRecord),
    /// A piece Japan Post returned.
    Return(&'a ResidentReturn),
}

impl Event<'_> {
    /// The day it happened.
    pub(crate) fn date(&self) -> chrono::NaiveDate {
        match self {
            Event::Notice(items) => items.first().map(|n| n.as_of).unwrap_or_default(),
            Event::Reprint(r) => r.reprinted_on,
            Event::Return(r) => r.record.returned_on,
        }
    }
}

impl History {
    /// The events: notices grouped into packets (one document of one
    /// batch, withdrawn or not), reprints and returns, by date (a notice
    /// before what followed it on the same day).
    pub(crate) fn events(&self) -> Vec<Event<'_>> {
        let mut out: Vec<Event<'_>> = Vec::new();
        for n in &self.notices {
            match out.last_mut() {
                Some(Event::Notice(items))
                    if items[0].batch_id == n.batch_id
                        && items[0].document_number == n.document_number
                        && items[0].void.is_some() == n.void.is_some() =>
                {
                    items.push(n)
                }
                _ => out.push(Event::Notice(vec![n])),
            }
        }
        out.extend(self.reprints.iter().map(Event::Reprint));
        out.extend(self.returns.iter().map(Event::Return));
        out.sort_by_key(Event::date);
        out
    }
}

/// A packet's kind as the manifest spells it: as the ledger recorded it
/// (schema version 6 on: `residence` and `tokutei` letters cover the card
/// too); for a notice recorded before, or imported, `card` when the card
/// was among its items (renewing the card renews the certificates), else
/// `certificate` (SPEC 2), the only kinds there were.
pub(crate) fn packet_kind(items: &[&ResidentNotice]) -> &'static str {
    if let Some(kind) = items.iter().find_map(|n| n.kind) {
        kind.as_str()
    } else if items.iter().any(|n| n.item == ItemKind::Card) {
        "card"
    } else {
        "certificate"
    }
}

impl Ledger {
    /// Opens an existing ledger for reading (`kigen batches`, `kigen
    /// history`): never creates one, takes no lock (a nightly run may be
    /// writing), and needs this build's schema.
    pub(crate) fn open_for_reading(state: &Path) -> Result<Ledger> {
        if !state.is_file() {
            return Err(Error::Usage(format!(
                "--state {}: no such ledger",
                state.display()
            )));
        }
        let ledger = Ledger::open_read_only(state)?;
        ledger.require_current_schema()?;
        Ok(ledger)
    }

    /// What the ledger records of the resident `code`.
    pub(crate) fn history_of(&self, code: &str) -> Result<History> {
        Ok(History {
            notices: self.notices_of_resident(code)?,
            reprints: self.reprints_of_resident(code)?,
            returns: self.returns_of_resident(code)?,
        })
    }

    /// The residents whose printed name folds to `wanted` (a
    /// `text::fold_name`), each with the names printed for them that match,
    /// by 住民コード.
    pub(crate) fn residents_named(&self, wanted: &str) -> Result<BTreeMap<String, Vec<String>>> {
        let mut matches: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (code, printed) in self.printed_names()? {
            if crate::text::fold_name(&printed) == wanted {
                matches.entry(code).or_default().push(printed);
            }
        }
        Ok(matches)
    }

    /// Every (住民コード, name as printed) pair of the packets the ledger
    /// records, withdrawn batches' included, by code and name.
    pub(crate) fn printed_names(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT resident_code, name FROM packet
                 UNION SELECT resident_code, name FROM voided_packet
                 ORDER BY 1, 2",
            )
            .map_err(|e| db_err(&self.path, e))?;
        all_rows(
            &self.path,
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))),
        )
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{packet_kind, Event, History};
    use crate::ledger::{BatchPlace, ResidentNotice, Voided};
    use crate::rules::ItemKind;

    fn notice(batch: &str, doc: &str, item: ItemKind, void: bool) -> ResidentNotice {
        let as_of = NaiveDate::parse_from_str(&batch[..10], "%Y-%m-%d").unwrap();
        ResidentNotice {
            batch_id: batch.into(),
            as_of,
            item,
            expiry: as_of,
            document_number: doc.into(),
            print_file: "print/00.pdf".into(),
            first_page: 1,
            pages: 2,
            kind: None,
            void: void.then(|| Voided {
                reason: "misprint".into(),
                moved_to: ".void/x-1".into(),
            }),
            place: BatchPlace::default(),
        }
    }

    #[test]
    fn notices_group_into_packets_by_document_and_withdrawal_and_sort_by_date() {
        let history = History {
            notices: vec![
                notice("2026-11-26", "D1", ItemKind::UserCert, false),
                notice("2026-11-26", "D1", ItemKind::SignCert, false),
                notice("2026-11-26", "D2", ItemKind::Card, false),
                notice("2026-10-01", "D3", ItemKind::UserCert, true),
                notice("2026-10-01", "D3", ItemKind::SignCert, false),
            ],
            reprints: Vec::new(),
            returns: Vec::new(),
        };
        let events = history.events();
        let packets: Vec<(String, usize, &str)> = events
            .iter()
            .map(|e| match e {
                Event::Notice(items) => (
                    items[0].document_number.clone(),
                    items.len(),
                    packet_kind(items),
                ),
                other => panic!("only notices were given: {other:?}"),
            })
            .collect();
        // The October packets first; D3's withdrawn item is not grouped
        // with the one that still counts.
        assert_eq!(
            packets,
            vec![
                ("D3".into(), 1, "certificate"),
                ("D3".into(), 1, "certificate"),
                ("D1".into(), 2, "certificate"),
                ("D2".into(), 1, "card"),
            ]
        );
        assert_eq!(
            events[0].date(),
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
        );
    }
}
