//! `kigen returned`: record returned pieces (還付), typed, from a file or
//! scanned off the envelopes (SPEC 16), or close one.

use std::io::Write;

use crate::cli::ReturnedArgs;
use crate::error::{Error, Result};
use crate::ledger::ResolveOutcome;
use crate::mailroom::open_ledger;
use crate::mailroom::returns::{read_returns_file, record_returns, resolve, ReturnLine};
use crate::mailroom::scan::{read_scan, scan_lines};

/// Records the returns given, or resolves one; prints what was done.
pub(crate) fn run(args: ReturnedArgs) -> Result<i32> {
    let today = super::today_tokyo();
    if let (Some(number), Some(note)) = (&args.resolve, &args.note) {
        if note.trim().is_empty() {
            return Err(Error::Usage(
                "--note: say what was found or done (kept in the ledger)".into(),
            ));
        }
        let mut ledger = open_ledger(&args.state)?;
        let (batch, outcome) = resolve(&mut ledger, number.trim(), note.trim(), today)?;
        match outcome {
            ResolveOutcome::Resolved => println!(
                "kigen returned: the return of {number} (batch {batch}) is resolved on {today}"
            ),
            ResolveOutcome::AlreadyResolved { on, note } => println!(
                "kigen returned: the return of {number} (batch {batch}) was resolved on {on} ({note}); nothing changed"
            ),
        }
        return Ok(0);
    }
    let (lines, bad) = lines_of(&args)?;
    let mut ledger = open_ledger(&args.state)?;
    let report = record_returns(&mut ledger, &lines, today, bad)?;
    let mut o = std::io::stdout().lock();
    for r in &report.recorded {
        let _ = writeln!(
            o,
            "  recorded {} (batch {}, resident {}): {} on {}",
            r.document_number,
            r.batch_id,
            r.resident_code,
            r.reason.key(),
            r.returned_on
        );
    }
    for r in &report.already {
        let _ = writeln!(
            o,
            "  already recorded {} (batch {}, resident {}): counted once, the first record kept",
            r.document_number, r.batch_id, r.resident_code
        );
    }
    let _ = writeln!(
        o,
        "kigen returned: {} return(s) recorded, {} already recorded",
        report.recorded.len(),
        report.already.len()
    );
    Ok(0)
}

/// The returns asked for (`--file`, `--scan` or `--document`), and the
/// lines of a scan that are not codes.
fn lines_of(args: &ReturnedArgs) -> Result<(Vec<ReturnLine>, Vec<String>)> {
    let date = || args.date.clone().unwrap_or_default().trim().to_string();
    Ok(match (&args.file, &args.scan, &args.document, &args.reason) {
        (Some(file), _, _, _) => {
            super::readable(file, "--file")?;
            (read_returns_file(file)?, Vec::new())
        }
        (None, Some(scan), _, _) => {
            if scan != std::path::Path::new("-") {
                super::readable(scan, "--scan")?;
            }
            let (text, name) = read_scan(scan)?;
            scan_lines(
                &text,
                &name,
                args.reason.as_deref(),
                args.date.as_deref(),
            )
        }
        (None, None, Some(document), Some(reason)) => (
            vec![ReturnLine {
                source: "command line".into(),
                document: document.trim().to_string(),
                reason: reason.clone(),
                date: date(),
            }],
            Vec::new(),
        ),
        _ => {
            return Err(Error::Usage(
                "give --document DOCNO --reason CODE, --file RETURNS.csv, --scan [FILE|-], or --resolve DOCNO --note TEXT".into(),
            ))
        }
    })
}
