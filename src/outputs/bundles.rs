//! bundles.csv: the presort bundles, in print order (SPEC 11).

use std::path::Path;

use super::csvfile::{push_record, CsvFile};
use super::BUNDLES_HEADER;
use crate::error::Result;
use crate::model::{Bundle, CsvEncoding};

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
    let mut f = CsvFile::create(&dir.join("bundles.csv"), &BUNDLES_HEADER, encoding)?;
    f.write_records(&text, bundles.len() as u64)?;
    f.finish()?;
    Ok(())
}
