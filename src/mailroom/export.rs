//! A newer export, read for the residents a mail-room command asks about:
//! the same reader as a night's run (the profile's columns, the strict
//! decoding, the 外字 table, the duplicate scan, `--cards`), keeping only
//! the rows of the codes wanted.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::error::Result;
use crate::model::{InputEncoding, Resident, RowRead};
use crate::profile::Profile;
use crate::registry::{self, CardsFile, ExportRow, InputDigest, RowSink};

/// What the export holds for a code: every row of it, in file order.
#[derive(Debug, Clone)]
pub(crate) enum Found {
    /// A current resident (住民), read as a night's run reads it.
    Resident(Box<Resident>),
    /// A row whose 住民状態 is not 住民.
    Excluded {
        /// Its line.
        line: u32,
        /// The status.
        status: String,
    },
    /// A row a night's run would reject.
    Rejected {
        /// Its line.
        line: u32,
        /// The field at fault.
        field: String,
        /// Why.
        reason: String,
    },
}

/// The export to read.
pub(crate) struct ExportRequest<'a> {
    /// The registry export.
    pub(crate) input: &'a Path,
    /// Its encoding.
    pub(crate) encoding: InputEncoding,
    /// The profile (columns, 外字 table, eras).
    pub(crate) profile: &'a Profile,
    /// `--cards`.
    pub(crate) cards: Option<&'a CardsFile>,
}

/// The rows found, by code, and the identity of the bytes read.
#[derive(Debug)]
pub(crate) struct Export {
    /// Rows of the codes wanted (a code absent here is not in the export).
    pub(crate) rows: HashMap<String, Vec<Found>>,
    /// The bytes read.
    pub(crate) digest: InputDigest,
}

/// Reads the export for the codes in `wanted`.
pub(crate) fn find(req: &ExportRequest<'_>, wanted: &HashSet<String>) -> Result<Export> {
    let export = registry::Export {
        input: req.input,
        encoding: req.encoding,
        profile: req.profile,
        cards: req.cards,
    };
    let first = export.first_pass()?;
    let mut rows: HashMap<String, Vec<Found>> = HashMap::new();
    let digest = export.read_rows(&first, &Wanted(wanted), |chunks| {
        for (code, f) in chunks.into_iter().flatten() {
            rows.entry(code).or_default().push(f);
        }
        Ok(())
    })?;
    Ok(Export { rows, digest })
}

/// The rows of the codes wanted, as a sink of the export's rows.
struct Wanted<'a>(&'a HashSet<String>);

impl RowSink for Wanted<'_> {
    type Chunk = Vec<(String, Found)>;

    fn chunk(&self, rows: &mut dyn Iterator<Item = ExportRow>) -> Self::Chunk {
        rows.filter_map(|row| {
            let (code, found) = match row.read {
                RowRead::Resident(r) => (r.code.clone(), Found::Resident(r)),
                RowRead::Excluded {
                    line,
                    resident_code,
                    status,
                    ..
                } => (resident_code, Found::Excluded { line, status }),
                RowRead::Rejected(r) => (
                    r.resident_code,
                    Found::Rejected {
                        line: r.line,
                        field: r.field,
                        reason: r.reason.text().to_string(),
                    },
                ),
            };
            self.0.contains(&code).then_some((code, found))
        })
        .collect()
    }
}
