//! summary.json: what an auditor checks a batch against. Every output
//! file's SHA-256 and size, the input's and the profile's SHA-256, the
//! counts, and the timings. Keys in a fixed order; the only part that
//! varies between two runs of the same batch is `timings` (and
//! `--regenerate` writes the recorded timings back, byte for byte).

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::digest::{sha256_file_len, sha256_hex};
use crate::error::{Error, Result};
use crate::files::create_private;
use crate::model::{Counts, Field};
use rayon::prelude::*;

use crate::names::PRINT_DIR;

use super::overview::PrintFileFacts;
pub(crate) use crate::names::SUMMARY_FILE;

/// One output file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct FileEntry {
    /// Path relative to the batch directory.
    pub(crate) file: String,
    /// Size in bytes.
    pub(crate) bytes: u64,
    /// SHA-256, lower-case hex.
    pub(crate) sha256: String,
    /// Packets (print files only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub(crate) packets: Option<u64>,
    /// Pages (print files only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub(crate) pages: Option<u64>,
}

/// The input file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct InputEntry {
    /// Size in bytes.
    pub(crate) bytes: u64,
    /// SHA-256.
    pub(crate) sha256: String,
}

/// The card file (`--cards`, SPEC 9).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct CardsEntry {
    /// Size in bytes.
    pub(crate) bytes: u64,
    /// SHA-256.
    pub(crate) sha256: String,
    /// The registry header it was joined on.
    pub(crate) registry_key: String,
    /// Per card key (`key`, then the dates), the card file's header used
    /// (`null`: listed absent).
    pub(crate) columns: ColumnsUsed,
}

/// How the export's columns were read: per profile key (in [`Field::ALL`]
/// order), the header used, or `None` for a key the profile lists absent.
/// Written as a JSON object in that order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ColumnsUsed(pub(crate) Vec<(String, Option<String>)>);

impl ColumnsUsed {
    /// From the column map's answer.
    pub(crate) fn new(used: &[(Field, Option<String>)]) -> Self {
        ColumnsUsed(
            used.iter()
                .map(|(f, h)| (f.key().to_string(), h.clone()))
                .collect(),
        )
    }
}

impl Serialize for ColumnsUsed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ColumnsUsed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        /// Collects the object's entries in their order.
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = ColumnsUsed;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of column keys to header names or null")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<ColumnsUsed, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Option<String>>()? {
                    out.push(entry);
                }
                Ok(ColumnsUsed(out))
            }
        }
        d.deserialize_map(Entries)
    }
}

/// summary.json.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Summary {
    /// "kigen".
    pub(crate) tool: String,
    /// kigen's version.
    pub(crate) version: String,
    /// The batch date.
    pub(crate) as_of: String,
    /// The input file.
    pub(crate) input: InputEntry,
    /// The card file, when the batch read one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cards: Option<CardsEntry>,
    /// The header each profile key was read from (`null`: listed absent).
    /// Missing from summaries written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) columns: Option<ColumnsUsed>,
    /// The profile used: `builtin:<name>` or its directory. Absent from
    /// batches written before it was recorded.
    #[serde(default)]
    pub(crate) profile: String,
    /// SHA-256 of profile.toml.
    pub(crate) profile_sha256: String,
    /// The postal data used for barcodes: built-in table or KEN_ALL, and its date.
    pub(crate) postal_data: String,
    /// Rows by outcome and reason.
    pub(crate) counts: Counts,
    /// Every other file of the batch, sorted by path.
    pub(crate) files: Vec<FileEntry>,
    /// Seconds spent (the one part that differs between runs).
    pub(crate) timings: serde_json::Value,
}

/// What [`write_summary`] needs beyond the files on disk.
#[derive(Debug)]
pub(crate) struct SummaryInput<'a> {
    /// The batch date.
    pub(crate) as_of: NaiveDate,
    /// Input SHA-256.
    pub(crate) input_sha256: &'a str,
    /// Input size.
    pub(crate) input_bytes: u64,
    /// The header each profile key was read from.
    pub(crate) columns: &'a [(Field, Option<String>)],
    /// The card file, when there is one.
    pub(crate) cards: Option<CardsEntry>,
    /// The profile's name (`builtin:saku` or its directory).
    pub(crate) profile: &'a str,
    /// profile.toml SHA-256.
    pub(crate) profile_sha256: &'a str,
    /// The postal data's description.
    pub(crate) postal_data: &'a str,
    /// The counts.
    pub(crate) counts: &'a Counts,
    /// The print files: packets and pages, and their sizes and SHA-256 as
    /// the renderer hashed the bytes it wrote (and synced): not read back.
    pub(crate) print_files: &'a [PrintFileFacts],
    /// The timings object, as JSON text.
    pub(crate) timings_json: &'a str,
}

/// Lists the batch directory's files (relative paths, sorted), except
/// summary.json itself and temporary `.part` files.
pub(crate) fn batch_files(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for sub in ["", PRINT_DIR] {
        let d = dir.join(sub);
        if !d.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.path().is_file() || name == SUMMARY_FILE || name.ends_with(".part") {
                continue;
            }
            out.push(if sub.is_empty() {
                name
            } else {
                format!("{sub}/{name}")
            });
        }
    }
    out.sort();
    Ok(out)
}

/// Hashes every file of the batch and writes summary.json; returns its SHA-256.
pub(crate) fn write_summary(dir: &Path, input: &SummaryInput<'_>) -> Result<String> {
    // The print files were hashed as they were written; the others are
    // read back from the disk and hashed, a file per worker.
    let files = batch_files(dir)?
        .into_par_iter()
        .map(|rel| {
            let print = input.print_files.iter().find(|f| f.file == rel);
            let (bytes, sha256) = match print {
                Some(f) => (f.bytes, f.sha256.clone()),
                None => sha256_file_len(&dir.join(&rel))?,
            };
            Ok(FileEntry {
                bytes,
                sha256,
                packets: print.map(|p| p.packets),
                pages: print.map(|p| p.pages),
                file: rel,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let timings: serde_json::Value = serde_json::from_str(input.timings_json)
        .map_err(|e| Error::Internal(format!("timings: {e}")))?;
    let summary = Summary {
        tool: "kigen".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        as_of: input.as_of.to_string(),
        input: InputEntry {
            bytes: input.input_bytes,
            sha256: input.input_sha256.to_string(),
        },
        cards: input.cards.clone(),
        columns: Some(ColumnsUsed::new(input.columns)),
        profile: input.profile.to_string(),
        profile_sha256: input.profile_sha256.to_string(),
        postal_data: input.postal_data.to_string(),
        counts: input.counts.clone(),
        files,
        timings,
    };
    let mut text = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::Internal(format!("summary.json: {e}")))?;
    text.push('\n');
    let path = dir.join(SUMMARY_FILE);
    let mut f = create_private(&path)?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| Error::io(&path, e))?;
    f.sync_all().map_err(|e| Error::io(&path, e))?;
    crate::fault::point("summary");
    Ok(sha256_hex(text.as_bytes()))
}

/// Reads summary.json.
pub(crate) fn read_summary(dir: &Path) -> Result<(Summary, Vec<u8>)> {
    let path = dir.join(SUMMARY_FILE);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let s = serde_json::from_slice(&bytes).map_err(|source| Error::Summary {
        path: path.clone(),
        source,
    })?;
    Ok((s, bytes))
}
