//! The nightly routine's guards on what a night brings (SPEC 14): an
//! export byte-identical to the last batch's is a stale file until a person
//! says otherwise, and a supplement that adds nothing writes no batch.

use std::path::Path;

use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::registry::CardsFile;

/// Refuses a new night whose export (and card file, if any) has the
/// SHA-256 of the last committed batch's: the registry system failed to write tonight's file and
/// yesterday's passed for a quiet night. `--accept-input-change` or
/// `[input] allow_unchanged = true` (a town whose registry can go a day
/// without a change) let it through: the caller does not ask then.
pub(super) fn refuse_unchanged_export(
    input: &Path,
    cards: Option<&CardsFile>,
    out_root: &Path,
    ledger: &Ledger,
) -> Result<()> {
    let Some(latest) = ledger.latest()? else {
        return Ok(());
    };
    // The last batch of that date: a supplement read the corrected export.
    let Some(last) = ledger.batches_on(latest)?.pop() else {
        return Ok(());
    };
    // The size summary.json recorded settles almost every night without
    // reading the export a second time; the ledger's SHA-256 decides.
    let summary = crate::outputs::summary::read_summary(&out_root.join(&last.batch_id))
        .ok()
        .map(|(s, _)| s);
    let input_bytes = summary.as_ref().map(|s| s.input.bytes);
    if !same_file(input, input_bytes, Some(&last.input_sha256))? {
        return Ok(());
    }
    // A night whose card file changed brings news though the registry did
    // not; the card file's guards are its own.
    if let Some(cards) = cards {
        let before = summary.as_ref().and_then(|s| s.cards.as_ref());
        if !same_file(
            &cards.path,
            before.map(|c| c.bytes),
            before.map(|c| c.sha256.as_str()),
        )? {
            return Ok(());
        }
    }
    Err(Error::State(unchanged_message(
        input,
        &last.batch_id,
        latest,
    )))
}

/// Whether `path` is byte for byte the file recorded with `bytes` and
/// `sha256` (unknown: not the same). The size is compared first, so the
/// file is hashed only when it could be the same.
fn same_file(path: &Path, bytes: Option<u64>, sha256: Option<&str>) -> Result<bool> {
    let Some(sha256) = sha256 else {
        return Ok(false);
    };
    if let Some(bytes) = bytes {
        let len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        if len != bytes {
            return Ok(false);
        }
    }
    Ok(sha256_file(path)? == sha256)
}

fn unchanged_message(input: &Path, batch_id: &str, since: chrono::NaiveDate) -> String {
    format!(
        "the export has not changed since {since}: {} is byte for byte the input of the batch {batch_id} (same SHA-256). A stale export? Nothing was recorded. Check that the registry system wrote tonight's export and run again; if the registry really did not change, run again with --accept-input-change (or set [input] allow_unchanged = true in the profile)",
        input.display()
    )
}

/// A supplement whose export adds no notice the ledger does not hold
/// writes no batch: an empty `<as-of>.N` would only be one more directory
/// for the mail room to open. Removes the temporary directory built.
pub(super) fn discard_empty_supplement(tmp: &Path) -> Result<()> {
    std::fs::remove_dir_all(tmp).map_err(|e| Error::io(tmp, e))
}
