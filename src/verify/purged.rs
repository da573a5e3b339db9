//! A purged batch (SPEC 14, `kigen purge`): its personal-data files are
//! gone and `purged.json` lists them with the SHA-256 summary.json
//! recorded; what is kept (summary.json, the counts' files) still matches.

use std::path::Path;

use super::VerifyReport;
use crate::digest::sha256_hex;
use crate::outputs::summary::Summary;

/// The record a purge leaves in the batch directory.
use crate::names::PURGED_FILE;

/// Checks a purged batch against its summary.json.
pub(super) fn check_purged(rep: &mut VerifyReport, dir: &Path, summary: &Summary) {
    let record: Option<serde_json::Value> = std::fs::read(dir.join(PURGED_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(record) = record else {
        rep.problem(format!(
            "{PURGED_FILE}: expected a purge record, found one that cannot be read"
        ));
        return;
    };
    let listed: Vec<(String, String)> = record["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
                    (s("file"), s("sha256"))
                })
                .collect()
        })
        .unwrap_or_default();
    rep.notes.push(format!(
        "purged on {}: {} file(s) of personal data erased; the rest is checked",
        record["purged_on"].as_str().unwrap_or("?"),
        listed.len()
    ));
    for entry in &summary.files {
        match listed.iter().find(|(f, _)| *f == entry.file) {
            Some((_, sha)) => {
                rep.require(
                    format!(
                        "{}: purged, SHA-256 in {PURGED_FILE} against summary.json",
                        entry.file
                    ),
                    entry.sha256.clone(),
                    sha.clone(),
                );
                if dir.join(&entry.file).exists() {
                    rep.problem(format!(
                        "{}: expected erased by the purge, found it there",
                        entry.file
                    ));
                }
            }
            None => {
                let found = std::fs::read(dir.join(&entry.file))
                    .map(|b| sha256_hex(&b))
                    .unwrap_or_else(|_| "no file".into());
                rep.require(
                    format!("{}: SHA-256", entry.file),
                    entry.sha256.clone(),
                    found,
                );
            }
        }
    }
    for (file, _) in &listed {
        if !summary.files.iter().any(|e| e.file == *file) {
            rep.problem(format!(
                "{PURGED_FILE}: lists {file}, which summary.json does not"
            ));
        }
    }
}
