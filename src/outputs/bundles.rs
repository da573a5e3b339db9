//! bundles.csv: the presort bundles, in print order (SPEC 11).

use std::path::Path;

use super::csvfile::{push_record, CsvFile};
use super::BUNDLES_HEADER;
use crate::error::{Error, Result};
use crate::model::{Bundle, CsvEncoding};
use crate::names::BUNDLES_FILE;

/// Writes bundles.csv into `dir`: one row per bundle; `file` names the
/// print file, or the files joined with `;` for a bundle that runs over a
/// file boundary.
pub(crate) fn write_bundles(dir: &Path, bundles: &[Bundle], encoding: CsvEncoding) -> Result<()> {
    let mut text = String::new();
    for b in bundles {
        push_record(
            &mut text,
            &[
                b.number.to_string().as_str(),
                &b.key,
                &b.pieces.to_string(),
                &b.first_seq.to_string(),
                &b.last_seq.to_string(),
                &b.files.join(";"),
            ],
        );
    }
    let mut f = CsvFile::create(&dir.join(BUNDLES_FILE), &BUNDLES_HEADER, encoding)?;
    f.write_records(&text, bundles.len() as u64)?;
    f.finish()?;
    Ok(())
}

/// One row of bundles.csv as read back, by header name (`verify`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub(crate) struct BundleRecord {
    /// The bundle's number (1-based, as written).
    pub(crate) bundle: String,
    /// Its 郵便区番号, or the mixed bundle's key.
    pub(crate) key: String,
    /// Its pieces.
    pub(crate) pieces: u64,
    /// The manifest seq of its first piece.
    pub(crate) first_seq: u64,
    /// And of its last.
    pub(crate) last_seq: u64,
    /// Its print file(s), joined with `;`.
    pub(crate) file: String,
}

/// Reads `dir`'s bundles.csv by header name; the error names the file and
/// the line.
pub(crate) fn read_bundles(dir: &Path) -> Result<Vec<BundleRecord>> {
    let path = dir.join(BUNDLES_FILE);
    super::csvfile::read_records(&path).map_err(|message| Error::Input { path, message })
}
