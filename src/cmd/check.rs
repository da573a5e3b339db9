//! `kigen check`: read, apply the rules and select; no PDFs, no ledger.

use std::io::Write;
use std::time::Instant;

use crate::barcode::PostalData;
use crate::batch::check::{check, default_check_dir, first_pass, CheckRequest, FirstPass};
use crate::batch::resources::{load_postal, Renderer};
use crate::cli::CheckArgs;
use crate::error::{Error, Result};
use crate::progress::peak_memory_mib;
use crate::render::printable::Printability;
use crate::select::NoLedger;

/// Checks the export and prints the counts.
pub fn run(args: CheckArgs) -> Result<i32> {
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
    // With the notice wording in the profile, hold exactly what `kigen run`
    // would hold (fonts, window); without it, only unmapped 外字. The first
    // pass reads on one core; fonts and postal data load on the other.
    let (first, loaded) = rayon::join(
        || first_pass(&input, encoding, &profile, cards.as_ref()),
        || -> Result<_> {
            if profile.settings.letter.is_none() {
                return Ok(None);
            }
            Ok(Some((Renderer::new(&profile)?, load_postal(&profile)?)))
        },
    );
    let FirstPass {
        duplicates,
        cards: card_index,
    } = first?;
    let first_pass = started.elapsed();
    let loaded = loaded?;
    let printable = Printability {
        renderer: loaded.as_ref().map(|(r, _)| (&r.fonts, &r.wording)),
        columns: &profile.settings.columns,
        as_of,
        support_measure: profile.settings.rules.support_measure,
    };
    let req = CheckRequest {
        input: input.clone(),
        as_of,
        encoding,
        csv_encoding,
        profile: &profile,
        out_dir: out_dir.clone(),
        first_pass: Some(duplicates),
        ledger: &NoLedger,
        printable: &printable,
        postal: loaded.as_ref().map(|(_, p)| p as &(dyn PostalData + Sync)),
        cards: card_index.as_ref(),
    };
    let report = check(&req, false)?;
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
            "{total:.2} s (first pass {:.2} s, rows {:.2} s), {:.0} rows/s{mem}",
            first_pass.as_secs_f64(),
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
