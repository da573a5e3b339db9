//! `followups.csv`: every open return (還付) with the resident, the address
//! the piece was printed to, the document, when and why it came back, and
//! the expiries of the items its notice was for: the list for the
//! 居住実態調査 and the follow-up letter (SPEC 11).

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::ledger::{Ledger, OpenReturn};
use crate::model::CsvEncoding;
use crate::outputs::csvfile::{push_record, CsvFile};
use crate::outputs::iso;
use crate::rules::ItemKind;

/// followups.csv's columns.
pub(crate) const FOLLOWUPS_HEADER: [&str; 17] = [
    "resident_code",
    "name",
    "postal_code",
    "address",
    "address_extra",
    "mail_to_name",
    "document_number",
    "batch",
    "returned_on",
    "reason",
    "reason_text",
    "card_expiry",
    "user_cert_expiry",
    "sign_cert_expiry",
    "recorded_on",
    "source",
    "support_measure",
];

/// Writes `out/followups.csv`; returns its path and the open returns.
pub(crate) fn write_followups(
    ledger: &Ledger,
    out: &Path,
    encoding: CsvEncoding,
) -> Result<(PathBuf, Vec<OpenReturn>)> {
    let open = ledger.open_returns()?;
    crate::files::create_output_dir(out, "--out")?;
    let path = out.join("followups.csv");
    let mut file = CsvFile::create(&path, &FOLLOWUPS_HEADER, encoding)?;
    let mut text = String::new();
    for r in &open {
        // 支援措置 is never undone: a resident any batch held for it gets
        // no address in the list, whatever the returned piece carried.
        let support = ledger.ever_support_held(&r.record.resident_code)?;
        push_line(&mut text, r, support);
    }
    file.write_records(&text, open.len() as u64)?;
    file.finish()?;
    crate::files::sync_dir(out)?;
    Ok((path, open))
}

fn push_line(text: &mut String, r: &OpenReturn, support_measure: bool) {
    let d = &r.document;
    let expiry = |kind: ItemKind| iso(d.items.iter().find(|(k, _)| *k == kind).map(|(_, e)| *e));
    // A batch recorded before ledger version 3 (or rebuilt from its
    // directory) has no printed address: the columns stay empty; so do a
    // 支援措置 resident's.
    let a = d.address.as_ref().filter(|_| !support_measure);
    let field = |f: fn(&crate::ledger::PrintedAddress) -> &str| a.map(f).unwrap_or("");
    push_record(
        text,
        &[
            r.record.resident_code.as_str(),
            field(|a| &a.name),
            field(|a| &a.postal_code),
            field(|a| &a.address),
            field(|a| &a.address_extra),
            a.and_then(|a| a.care_of.as_deref()).unwrap_or(""),
            &r.record.document_number,
            &r.record.batch_id,
            &iso(Some(r.record.returned_on)),
            r.record.reason.key(),
            r.record.reason.label(),
            &expiry(ItemKind::Card),
            &expiry(ItemKind::UserCert),
            &expiry(ItemKind::SignCert),
            &r.recorded_on,
            &r.record.source,
            if support_measure { "1" } else { "0" },
        ],
    );
}
