//! Every file format of a batch: outcomes, rejects, exceptions and held
//! ([`rows`]), the manifest ([`manifest`]), the mailing counts
//! ([`mailing`]) and summary.json ([`summary`]), all written through
//! [`csvfile`]. Column lists are SPEC 5's, exactly. For the auditors
//! (SPEC 12): report.html ([`report`]) and audit.xlsx ([`audit`]), both
//! from one [`overview`].

pub(crate) mod audit;
pub(crate) mod auditor;
pub(crate) mod bundles;
pub(crate) mod csvfile;
pub(crate) mod districts;
pub(crate) mod mailing;
pub(crate) mod manifest;
pub(crate) mod overview;
pub(crate) mod report;
pub(crate) mod rows;
pub(crate) mod summary;

use chrono::{Datelike, NaiveDate};

/// outcomes.csv columns.
pub(crate) const OUTCOMES_HEADER: [&str; 7] = [
    "line",
    "resident_code",
    "outcome",
    "card_expiry",
    "user_cert_expiry",
    "sign_cert_expiry",
    "detail",
];

/// manifest.csv columns: SPEC 5's, then the notice number, why a packet
/// has no barcode, and whether it goes to a 送付先 (SPEC 9; `postal_code`
/// is then the 送付先's).
pub(crate) const MANIFEST_HEADER: [&str; 19] = [
    "seq",
    "file",
    "first_page",
    "pages",
    "resident_code",
    "name",
    "postal_code",
    "kind",
    "card_expiry",
    "card_due",
    "user_cert_expiry",
    "user_cert_due",
    "sign_cert_expiry",
    "sign_cert_due",
    "non_forwardable",
    "barcode",
    "document_number",
    "barcode_note",
    "mail_to",
];

/// bundles.csv columns (SPEC 11).
pub(crate) const BUNDLES_HEADER: [&str; 6] =
    ["bundle", "key", "pieces", "first_seq", "last_seq", "file"];

/// mailing.csv columns.
pub(crate) const MAILING_HEADER: [&str; 4] = ["file", "district", "packets", "pages"];

/// rejects.csv columns: SPEC 5's, then the reason's code
/// ([`crate::model::RejectCode`], what the report groups by) and which file
/// the line is in (SPEC 9, last).
pub(crate) const REJECTS_HEADER: [&str; 7] = [
    "line",
    "resident_code",
    "field",
    "value",
    "reason",
    "code",
    "source",
];

/// cards-unmatched.csv columns (SPEC 9).
pub(crate) const CARDS_UNMATCHED_HEADER: [&str; 3] = ["line", "key_hint", "reason"];

/// exceptions.csv columns.
pub(crate) const EXCEPTIONS_HEADER: [&str; 4] = ["line", "resident_code", "code", "detail"];

/// held.csv columns (`code`: the hold's kind, `model::HoldCode`).
pub(crate) const HELD_HEADER: [&str; 6] = [
    "line",
    "resident_code",
    "field",
    "code_point",
    "reason",
    "code",
];

/// Appends an ISO date (`YYYY-MM-DD`) without going through a formatter:
/// this runs for every row of a million-row batch.
pub(crate) fn push_iso_date(buf: &mut String, d: NaiveDate) {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        buf.push_str(&d.to_string());
        return;
    }
    let y = y as u32;
    for v in [y / 1000, (y / 100) % 10, (y / 10) % 10, y % 10] {
        buf.push((b'0' + v as u8) as char);
    }
    buf.push('-');
    buf.push((b'0' + (m / 10) as u8) as char);
    buf.push((b'0' + (m % 10) as u8) as char);
    buf.push('-');
    buf.push((b'0' + (day / 10) as u8) as char);
    buf.push((b'0' + (day % 10) as u8) as char);
}

/// An optional ISO date as a string (empty when `None`).
pub(crate) fn iso(d: Option<NaiveDate>) -> String {
    let mut s = String::new();
    if let Some(d) = d {
        push_iso_date(&mut s, d);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 8, 4).unwrap();
        assert_eq!(iso(Some(d)), "2026-08-04");
        assert_eq!(iso(None), "");
    }
}
