//! `kigen run`: the nightly job.

use std::io::Write;

use crate::batch::{run as run_batch, RunReport, RunRequest};
use crate::cli::RunArgs;
use crate::error::Result;
use crate::progress::{peak_memory_mib, Progress};

/// Runs the nightly job and prints what it did.
pub(crate) fn run(args: RunArgs) -> Result<i32> {
    let super::Resolved {
        as_of,
        profile,
        encoding,
        csv_encoding,
        cards,
    } = super::resolve(&args.batch)?;
    let (input, quiet) = (args.batch.input, args.batch.quiet);
    crate::files::refuse_inside_batch(&args.out, "--out")?;
    let req = RunRequest {
        input: input.clone(),
        as_of,
        encoding,
        csv_encoding,
        profile: &profile,
        out_root: args.out,
        state: args.state,
        regenerate: args.regenerate,
        today: super::today_tokyo(),
        allow_future: args.allow_future,
        accept_input_change: args.accept_input_change,
        supplement: args.supplement,
        cards,
    };
    let progress = Progress::start(quiet, "selecting and rendering");
    // "done" only for a batch written: a failed run's last line is its
    // error, and a complete batch found was no work (SPEC 13).
    let report = match run_batch(&req) {
        Ok(r) if !r.already_done => {
            progress.finish();
            r
        }
        Ok(r) => {
            progress.stop();
            r
        }
        Err(e) => {
            progress.stop();
            return Err(e);
        }
    };
    // Said even with --quiet: a scheduler's log must show it.
    if let Some(sha) = &report.input_differs {
        eprintln!(
            "kigen run: note: {} (SHA-256 {sha}) is not the input the {as_of} batch was built from (see its summary.json). The batch is kept as it is; to print for the same date the notices the new export adds, run again with --supplement (a batch {as_of}.N); otherwise the next night's run selects them",
            input.display()
        );
    }
    if let (Some(sha), Some(cards)) = (&report.cards_differ, &req.cards) {
        eprintln!(
            "kigen run: note: the card file {} (SHA-256 {sha}) is not the one the {as_of} batch read (see its summary.json's cards). The batch is kept as it is; --supplement prints for the same date the notices the new files add",
            cards.path.display()
        );
    }
    if !quiet {
        print_report(&report, &input, as_of, args.supplement);
    }
    Ok(0)
}

fn print_report(
    report: &RunReport,
    input: &std::path::Path,
    as_of: chrono::NaiveDate,
    supplement: bool,
) {
    let mut o = std::io::stdout().lock();
    if report.already_done && supplement {
        let _ = writeln!(
            o,
            "kigen run --supplement: {} adds no notice to what the batches of {as_of} issued; no batch written",
            input.display()
        );
        return;
    }
    if report.already_done {
        let _ = writeln!(
            o,
            "kigen run: the batch for {as_of} is already complete in {}/; nothing done",
            report.dir.display()
        );
        return;
    }
    let _ = writeln!(
        o,
        "kigen run: {} as of {as_of}{}",
        input.display(),
        if report.regenerated {
            " (regenerated from the ledger's record)"
        } else {
            ""
        }
    );
    let _ = write!(o, "{}", report.counts.report());
    let packets: usize = report.files.iter().map(|f| f.1).sum();
    let pages: usize = report.files.iter().map(|f| f.2).sum();
    for (name, n, p) in &report.files {
        let _ = writeln!(o, "  print/{name}: {n} packets, {p} pages");
    }
    let _ = writeln!(
        o,
        "written to {}/: {packets} packets, {pages} pages",
        report.dir.display()
    );
    let mem = peak_memory_mib()
        .map(|m| format!(", peak memory {m:.0} MiB"))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "select {:.2} s, render {:.2} s ({:.0} packets/s){mem}",
        report.select_seconds,
        report.render_seconds,
        packets as f64 / report.render_seconds.max(1e-9)
    );
}
