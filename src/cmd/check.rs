//! `kigen check`: read, apply the rules and select; no PDFs, no ledger.

use std::io::Write;
use std::time::Instant;

use crate::batch::check::{check_command, default_check_dir, CheckCommand, CheckOutcome};
use crate::cli::CheckArgs;
use crate::error::{Error, Result};
use crate::progress::peak_memory_mib;
use crate::registry::Export;

/// Checks the export and prints the counts.
pub(crate) fn run(args: CheckArgs) -> Result<i32> {
    let super::Resolved {
        as_of,
        profile,
        encoding,
        csv_encoding,
        cards,
    } = super::resolve(&args.batch)?;
    let (input, quiet) = (args.batch.input, args.batch.quiet);
    let out_dir = args.out.unwrap_or_else(|| default_check_dir(as_of));
    // Before any work: never through a link, never into a batch.
    crate::files::check_output_dir(&out_dir, "--out")?;
    let started = Instant::now();
    let CheckOutcome {
        report,
        first_pass_seconds,
    } = check_command(&CheckCommand {
        export: Export {
            input: &input,
            encoding,
            profile: &profile,
            cards: cards.as_ref(),
        },
        as_of,
        csv_encoding,
        out_dir: out_dir.clone(),
    })?;
    if !quiet {
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "kigen check: {} as of {as_of}", input.display());
        let _ = write!(o, "{}", report.counts.report());
        let _ = writeln!(o, "written to {}/", out_dir.display());
        let mem = peak_memory_mib()
            .map(|m| format!(", peak memory {m:.0} MiB"))
            .unwrap_or_default();
        let total = started.elapsed().as_secs_f64();
        let _ = writeln!(
            o,
            "{total:.2} s (first pass {first_pass_seconds:.2} s, rows {:.2} s), {:.0} rows/s{mem}",
            report.seconds,
            report.counts.rows_read as f64 / total.max(1e-9)
        );
    }
    if !report.counts.reconciles() {
        return Err(Error::Internal(
            "outcome counts do not add up to the rows read".into(),
        ));
    }
    Ok(0)
}
