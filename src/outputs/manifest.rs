//! manifest.csv: one row per printed packet, in print order (SPEC 5).

use std::path::Path;

use super::csvfile::{push_record, CsvFile};
use super::{iso, MANIFEST_HEADER};
use crate::error::Result;
use crate::model::{CsvEncoding, DueNotice};
use crate::rules::ItemKind;

/// One packet as the manifest lists it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ManifestRow<'a> {
    /// Position in the batch (1-based).
    pub seq: u32,
    /// The print file, relative to the batch (`print/notices-0001.pdf`).
    pub file: &'a str,
    /// The packet's first page in that file (1-based).
    pub first_page: usize,
    /// Its pages.
    pub pages: usize,
    /// The notice number printed on it.
    pub document_number: &'a str,
    /// The resident and what is due.
    pub notice: &'a DueNotice,
}

/// Writes manifest.csv into `dir`.
pub(crate) fn write_manifest(
    dir: &Path,
    rows: &[ManifestRow<'_>],
    encoding: CsvEncoding,
) -> Result<()> {
    let mut manifest = CsvFile::create(&dir.join("manifest.csv"), &MANIFEST_HEADER, encoding)?;
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
        Ok(chars) => (crate::barcode::manifest_text(chars), ""),
        Err(why) => (String::new(), why.as_str()),
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
            barcode_note,
            if r.mail_to.is_some() { "1" } else { "0" },
        ],
    );
}
