//! `kigen batches --state F [--json]`: the batches the ledger knows, in
//! date order, withdrawn ones with their reason (SPEC 12).

use std::io::Write;

use crate::cli::BatchesArgs;
use crate::error::{Error, Result};
use crate::ledger::{BatchListing, Ledger};
use crate::text::escape_controls;

/// Lists the batches; 0, or 2 when the ledger cannot be read.
pub(crate) fn run(args: BatchesArgs) -> Result<i32> {
    let ledger = Ledger::open_for_reading(&args.state)?;
    let batches = ledger.batch_listing()?;
    let mut o = std::io::stdout().lock();
    if args.json {
        let list: Vec<serde_json::Value> = batches.iter().map(to_json).collect();
        let doc = serde_json::json!({
            "state": args.state.display().to_string(),
            "batches": list,
        });
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::Internal(format!("batches: {e}")))?;
        let _ = writeln!(o, "{text}");
        return Ok(0);
    }
    let _ = writeln!(o, "kigen batches: {}", args.state.display());
    let _ = writeln!(
        o,
        "{:<14} {:<10} {:>8} {:>8} {:>6}  {:<8} status",
        "batch", "as-of", "packets", "notices", "files", "kigen"
    );
    for b in &batches {
        let status = match &b.void {
            None if b.place.imported_from.is_some() => format!(
                "recorded, kind import (from {}; no print files)",
                escape_controls(b.place.imported_from.as_deref().unwrap_or(""))
            ),
            None => format!(
                "recorded{}{}",
                b.place
                    .archived_to
                    .as_ref()
                    .map(|to| format!(", archived to {}", escape_controls(to)))
                    .unwrap_or_default(),
                b.place
                    .purged_on
                    .as_ref()
                    .map(|on| format!(", purged {on}"))
                    .unwrap_or_default()
            ),
            Some(v) => format!(
                "VOID: {} ({})",
                escape_controls(&v.reason),
                escape_controls(&v.moved_to)
            ),
        };
        let _ = writeln!(
            o,
            "{:<14} {:<10} {:>8} {:>8} {:>6}  {:<8} {status}",
            b.batch_id,
            b.as_of.to_string(),
            b.packets,
            b.notices,
            b.print_files,
            escape_controls(&b.tool_version),
        );
    }
    let void = batches.iter().filter(|b| b.void.is_some()).count();
    let _ = writeln!(
        o,
        "{} batch(es): {} recorded, {void} withdrawn",
        batches.len(),
        batches.len() - void
    );
    Ok(0)
}

fn to_json(b: &BatchListing) -> serde_json::Value {
    serde_json::json!({
        "batch_id": b.batch_id,
        "as_of": b.as_of.to_string(),
        "packets": b.packets,
        "notices": b.notices,
        "print_files": b.print_files,
        "tool_version": b.tool_version,
        "input_sha256": b.input_sha256,
        "kind": if b.place.imported_from.is_some() { "import" } else { "run" },
        "imported_from": b.place.imported_from,
        "archived_to": b.place.archived_to,
        "purged_on": b.place.purged_on,
        "void": b.void.as_ref().map(|v| serde_json::json!({
            "reason": v.reason,
            "moved_to": v.moved_to,
        })),
    })
}
