//! mailing.csv: the 差出票 counts, per print file and 3-digit postal
//! district, then each file's total and the batch total.

use std::path::Path;

use super::csvfile::{push_record, CsvFile};
use super::manifest::ManifestRow;
use super::MAILING_HEADER;
use crate::error::Result;
use crate::model::CsvEncoding;

/// Writes mailing.csv into `dir` from the manifest's rows.
pub(crate) fn write_mailing(
    dir: &Path,
    rows: &[ManifestRow<'_>],
    encoding: CsvEncoding,
) -> Result<()> {
    // Per file (in print order) and district (ascending): presort orders
    // by 郵便区番号, so a district's pieces need not be consecutive.
    let mut by_district: Vec<(&str, &str, u64, u64)> = Vec::new();
    let mut totals: Vec<(&str, u64, u64)> = Vec::new();
    for row in rows {
        let district = row.notice.resident.envelope().postal_code.district();
        let pages = row.pages as u64;
        match by_district
            .iter_mut()
            .find(|r| r.0 == row.file && r.1 == district)
        {
            Some(r) => {
                r.2 += 1;
                r.3 += pages;
            }
            None => by_district.push((row.file, district, 1, pages)),
        }
        match totals.last_mut() {
            Some(t) if t.0 == row.file => {
                t.1 += 1;
                t.2 += pages;
            }
            _ => totals.push((row.file, 1, pages)),
        }
    }
    let file_rank = |f: &str| totals.iter().position(|t| t.0 == f).unwrap_or(usize::MAX);
    by_district.sort_by(|a, b| (file_rank(a.0), a.1).cmp(&(file_rank(b.0), b.1)));
    let mut text = String::new();
    let mut written = 0u64;
    let mut push = |file: &str, district: &str, packets: u64, pages: u64| {
        push_record(
            &mut text,
            &[file, district, &packets.to_string(), &pages.to_string()],
        );
        written += 1;
    };
    for (file, district, packets, pages) in &by_district {
        push(file, district, *packets, *pages);
    }
    for (file, packets, pages) in &totals {
        push(file, "all", *packets, *pages);
    }
    let all_packets = totals.iter().map(|t| t.1).sum();
    let all_pages = totals.iter().map(|t| t.2).sum();
    push("all", "all", all_packets, all_pages);
    let mut f = CsvFile::create(&dir.join("mailing.csv"), &MAILING_HEADER, encoding)?;
    f.write_records(&text, written)?;
    f.finish()?;
    Ok(())
}
