//! `kigen forecast`: the months ahead, for the counter's staffing plan.

use std::io::Write;
use std::path::PathBuf;

use super::{cards_file, load_profile, parse_cli_date, today_tokyo};
use crate::cli::ForecastArgs;
use crate::error::Result;
use crate::forecast::{forecast, write_forecast, ForecastRequest};

/// Counts the months ahead and writes forecast.csv and forecast.html.
pub(crate) fn run(args: ForecastArgs) -> Result<i32> {
    super::readable(&args.input, "--input")?;
    super::readable_cards(&args.cards)?;
    let profile = load_profile(&args.profile)?;
    let from = match &args.from {
        Some(s) => parse_cli_date("from", s)?,
        None => today_tokyo(),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("forecast-{from}")));
    // Before any work: never through a link, never into a batch.
    crate::files::check_output_dir(&out, "--out")?;
    let req = ForecastRequest {
        input: args.input.clone(),
        encoding: args.encoding.unwrap_or(profile.settings.input.encoding),
        cards: cards_file(&args.cards, &profile),
        profile: &profile,
        from,
        months: args.months,
    };
    let f = forecast(&req)?;
    write_forecast(&out, &f, &profile, profile.settings.output.csv_encoding)?;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(
        o,
        "kigen forecast: {} from {from}, {} months: {} residents ({} rows read, {} rejected)",
        args.input.display(),
        f.months.len(),
        f.residents,
        f.rows_read,
        f.rejected
    );
    if let Some(cap) = f.max_pieces {
        let _ = writeln!(
            o,
            "[nightly] max_pieces {cap}, min_notice_days {}: {} waiting after the last night",
            f.min_notice_days, f.waiting_at_end
        );
    }
    let _ = writeln!(
        o,
        "month     card  user  sign  notices  printed  deferred  busiest  late"
    );
    for (m, c) in f.months.iter().zip(&f.counts) {
        let _ = writeln!(
            o,
            "{}  {:>5} {:>5} {:>5}  {:>7}  {:>7}  {:>8}  {:>7}  {:>4}",
            m.format("%Y-%m"),
            c.items[0],
            c.items[1],
            c.items[2],
            c.notices.iter().sum::<u64>(),
            c.printed,
            c.deferred,
            c.busiest_night,
            c.late
        );
    }
    let _ = writeln!(o, "written to {}/", out.display());
    Ok(0)
}
