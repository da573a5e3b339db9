//! The printed packets counted per print file and 3-digit postal district,
//! once, from the manifest's rows: mailing.csv writes them per file, and
//! the report, the workbook and the 差出票 sum them per district.

use std::collections::BTreeMap;

use super::manifest::ManifestRow;

/// The packets of one print file in one district (the envelope's: the 送付先
/// when there is one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileDistrict<'a> {
    /// The print file.
    pub(crate) file: &'a str,
    /// The first three digits of the postal code.
    pub(crate) district: &'a str,
    /// The counts.
    pub(crate) count: DistrictCount,
}

/// Packets and pages of one 3-digit postal district (mailing.csv's
/// rows summed over the print files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DistrictCount {
    /// The first three digits of the postal code.
    pub(crate) district: String,
    /// Packets.
    pub(crate) packets: u64,
    /// Pages.
    pub(crate) pages: u64,
    /// Of the packets, those to addresses marked 転送不要.
    pub(crate) non_forwardable: u64,
    /// Of the packets, those without a customer barcode.
    pub(crate) without_barcode: u64,
}

impl DistrictCount {
    fn add(&mut self, other: &DistrictCount) {
        self.packets += other.packets;
        self.pages += other.pages;
        self.non_forwardable += other.non_forwardable;
        self.without_barcode += other.without_barcode;
    }
}

/// The rows counted per print file (in print order) and district
/// (ascending): presort orders by 郵便区番号, so a district's pieces need
/// not be consecutive.
pub(crate) fn per_file_and_district<'a>(rows: &'a [ManifestRow<'a>]) -> Vec<FileDistrict<'a>> {
    let mut files: Vec<&str> = Vec::new();
    let mut counts: BTreeMap<(usize, &str), DistrictCount> = BTreeMap::new();
    for row in rows {
        if files.last() != Some(&row.file) && !files.contains(&row.file) {
            files.push(row.file);
        }
        let rank = files
            .iter()
            .position(|f| *f == row.file)
            .unwrap_or(usize::MAX);
        let r = &row.notice.resident;
        let district = r.envelope().postal_code.district();
        let c = counts
            .entry((rank, district))
            .or_insert_with(|| DistrictCount {
                district: district.to_string(),
                ..DistrictCount::default()
            });
        c.packets += 1;
        c.pages += row.pages as u64;
        c.non_forwardable += u64::from(r.non_forwardable);
        c.without_barcode += u64::from(row.notice.barcode.is_err());
    }
    counts
        .into_iter()
        .map(|((rank, district), count)| FileDistrict {
            file: files[rank],
            district,
            count,
        })
        .collect()
}

/// The same counts summed over the print files, in district order.
pub(crate) fn per_district(by_file: &[FileDistrict<'_>]) -> Vec<DistrictCount> {
    let mut out: BTreeMap<&str, DistrictCount> = BTreeMap::new();
    for f in by_file {
        out.entry(f.district)
            .or_insert_with(|| DistrictCount {
                district: f.district.to_string(),
                ..DistrictCount::default()
            })
            .add(&f.count);
    }
    out.into_values().collect()
}
