//! manifest.csv: one row per printed packet, in print order (SPEC 5).

use std::path::Path;

use super::csvfile::{push_record, CsvFile};
use super::{iso, MANIFEST_HEADER};
use crate::error::{Error, Result};
use crate::model::{CsvEncoding, DueNotice};
use crate::names::MANIFEST_FILE;
use crate::rules::ItemKind;

/// One packet as the manifest lists it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ManifestRow<'a> {
    /// Position in the batch (1-based).
    pub(crate) seq: u32,
    /// The print file, relative to the batch (`print/notices-0001.pdf`).
    pub(crate) file: &'a str,
    /// The packet's first page in that file (1-based).
    pub(crate) first_page: usize,
    /// Its pages.
    pub(crate) pages: usize,
    /// The notice number printed on it.
    pub(crate) document_number: &'a str,
    /// The resident and what is due.
    pub(crate) notice: &'a DueNotice,
}

/// One row of manifest.csv as read back, by header name (`verify`, the
/// ledger's rebuild, the mail room).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub(crate) struct ManifestRecord {
    /// Position in the batch (1-based).
    pub(crate) seq: u32,
    /// The print file, relative to the batch.
    pub(crate) file: String,
    /// The packet's first page in that file (1-based).
    pub(crate) first_page: u32,
    /// Its pages.
    pub(crate) pages: u32,
    /// 住民コード.
    pub(crate) resident_code: String,
    /// 氏名 as written (see `csvfile::push_field`).
    pub(crate) name: String,
    /// The envelope's postal code, seven digits.
    pub(crate) postal_code: String,
    /// `card`, `certificate` or `residence`.
    pub(crate) kind: String,
    /// The card's expiry (ISO), or empty.
    pub(crate) card_expiry: String,
    /// `1` when the card is due.
    pub(crate) card_due: String,
    /// The user certificate's expiry, or empty.
    pub(crate) user_cert_expiry: String,
    /// `1` when it is due.
    pub(crate) user_cert_due: String,
    /// The signing certificate's expiry, or empty.
    pub(crate) sign_cert_expiry: String,
    /// `1` when it is due.
    pub(crate) sign_cert_due: String,
    /// The notice number.
    pub(crate) document_number: String,
    /// Why there is no barcode, or empty.
    pub(crate) barcode_note: String,
}

impl ManifestRecord {
    /// The items marked due, with their expiry as written: (card, user
    /// certificate, signing certificate) order.
    pub(crate) fn due_items(&self) -> Vec<(ItemKind, &str)> {
        [
            (ItemKind::Card, &self.card_due, &self.card_expiry),
            (
                ItemKind::UserCert,
                &self.user_cert_due,
                &self.user_cert_expiry,
            ),
            (
                ItemKind::SignCert,
                &self.sign_cert_due,
                &self.sign_cert_expiry,
            ),
        ]
        .into_iter()
        .filter(|(_, due, _)| due.as_str() == "1")
        .map(|(k, _, expiry)| (k, expiry.as_str()))
        .collect()
    }
}

/// Reads `dir`'s manifest.csv by header name; unreadable, or a row that is
/// not a manifest row, is an error naming the file and line (exit 2).
pub(crate) fn read_manifest(dir: &Path) -> Result<Vec<ManifestRecord>> {
    let path = dir.join(MANIFEST_FILE);
    super::csvfile::read_records(&path).map_err(|message| Error::Input { path, message })
}

/// Writes manifest.csv into `dir`.
pub(crate) fn write_manifest(
    dir: &Path,
    rows: &[ManifestRow<'_>],
    encoding: CsvEncoding,
) -> Result<()> {
    let mut manifest = CsvFile::create(&dir.join(MANIFEST_FILE), &MANIFEST_HEADER, encoding)?;
    let mut text = String::new();
    for row in rows {
        push_manifest_row(&mut text, row);
    }
    manifest.write_records(&text, rows.len() as u64)?;
    manifest.finish()?;
    Ok(())
}

fn push_manifest_row(text: &mut String, row: &ManifestRow<'_>) {
    let notice = row.notice;
    let r = &notice.resident;
    let ev = &notice.evaluation;
    let due = |k: ItemKind| {
        if notice.selection.due.contains(&k) {
            "1"
        } else {
            "0"
        }
    };
    let exp = |k: ItemKind| iso(ev.item(k).map(|i| i.expiry));
    let kind = notice.selection.kind.map(|k| k.as_str()).unwrap_or("");
    let (barcode_text, barcode_note) = match &notice.barcode {
        Ok(chars) => (crate::barcode::manifest_text(chars), String::new()),
        Err(why) => (String::new(), why.to_string()),
    };
    push_record(
        text,
        &[
            row.seq.to_string().as_str(),
            row.file,
            &row.first_page.to_string(),
            &row.pages.to_string(),
            &r.code,
            &r.name,
            r.envelope().postal_code.digits(),
            kind,
            &exp(ItemKind::Card),
            due(ItemKind::Card),
            &exp(ItemKind::UserCert),
            due(ItemKind::UserCert),
            &exp(ItemKind::SignCert),
            due(ItemKind::SignCert),
            if r.non_forwardable { "1" } else { "0" },
            &barcode_text,
            row.document_number,
            &barcode_note,
            if r.mail_to.is_some() { "1" } else { "0" },
        ],
    );
}
