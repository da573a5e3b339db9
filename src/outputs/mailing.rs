//! mailing.csv: the 差出票 counts, per print file and 3-digit postal
//! district, then each file's total and the batch total.

use std::path::Path;

use super::csvfile::{push_record, CsvFile};
use super::districts::per_file_and_district;
use super::manifest::ManifestRow;
use super::MAILING_HEADER;
use crate::error::Result;
use crate::model::CsvEncoding;
use crate::names::MAILING_FILE;

/// Writes mailing.csv into `dir` from the manifest's rows.
pub(crate) fn write_mailing(
    dir: &Path,
    rows: &[ManifestRow<'_>],
    encoding: CsvEncoding,
) -> Result<()> {
    let by_district = per_file_and_district(rows);
    let mut totals: Vec<(&str, u64, u64)> = Vec::new();
    for d in &by_district {
        match totals.iter_mut().find(|t| t.0 == d.file) {
            Some(t) => {
                t.1 += d.count.packets;
                t.2 += d.count.pages;
            }
            None => totals.push((d.file, d.count.packets, d.count.pages)),
        }
    }
    let mut text = String::new();
    let mut written = 0u64;
    let mut push = |file: &str, district: &str, packets: u64, pages: u64| {
        push_record(
            &mut text,
            &[file, district, &packets.to_string(), &pages.to_string()],
        );
        written += 1;
    };
    for d in &by_district {
        push(d.file, d.district, d.count.packets, d.count.pages);
    }
    for (file, packets, pages) in &totals {
        push(file, "all", *packets, *pages);
    }
    let all_packets = totals.iter().map(|t| t.1).sum();
    let all_pages = totals.iter().map(|t| t.2).sum();
    push("all", "all", all_packets, all_pages);
    let mut f = CsvFile::create(&dir.join(MAILING_FILE), &MAILING_HEADER, encoding)?;
    f.write_records(&text, written)?;
    f.finish()?;
    Ok(())
}

/// One mailing.csv record as read back (by header name).
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct MailingRecord {
    /// The print file, or `all`.
    pub file: String,
    /// The 3-digit district, or `all`.
    pub district: String,
    /// Packets.
    pub packets: u64,
    /// Pages.
    pub pages: u64,
}

/// Reads mailing.csv by header name; the error names the file.
pub(crate) fn read_mailing(path: &Path) -> std::result::Result<Vec<MailingRecord>, String> {
    super::csvfile::read_records(path).map_err(|e| format!("{}: {e}", path.display()))
}
