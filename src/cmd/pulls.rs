//! `kigen pulls BATCH_DIR --input FILE`: the packets of a printed batch to
//! take out before mailing.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::PullsArgs;
use crate::error::Result;
use crate::mailroom::export::ExportRequest;
use crate::mailroom::pulls::{pulls, PullsRequest};

/// Writes the pull list and prints what it holds.
pub(crate) fn run(args: PullsArgs) -> Result<i32> {
    super::readable(&args.input, "--input")?;
    super::readable_cards(&args.cards)?;
    let profile = super::load_profile(&args.profile)?;
    let cards = super::cards_file(&args.cards, &profile);
    let default = PathBuf::from("state/kigen.sqlite");
    let state = match args.state {
        Some(s) => Some(s),
        None if default.is_file() => Some(default),
        None => None,
    };
    let report = pulls(&PullsRequest {
        batch_dir: &args.batch_dir,
        state: state.as_deref(),
        export: ExportRequest {
            input: &args.input,
            encoding: args.encoding.unwrap_or(profile.settings.input.encoding),
            profile: &profile,
            cards: cards.as_ref(),
        },
        out: args.out,
        csv_encoding: args
            .csv_encoding
            .unwrap_or(profile.settings.output.csv_encoding),
    })?;
    let mut o = std::io::stdout().lock();
    if !report.addresses_known {
        let _ = writeln!(
            o,
            "note: {} the addresses the packets were printed to: addresses were compared by postal code only",
            match &state {
                Some(s) => format!("the ledger {} does not keep", s.display()),
                None => "no ledger given (--state), so kigen does not know".to_string(),
            }
        );
    }
    for pull in &report.pulls {
        let p = &pull.packet;
        let _ = writeln!(
            o,
            "  pull seq {} ({} p.{}+{}) {} {}: {}",
            p.seq,
            p.file,
            p.first_page,
            p.pages,
            p.resident_code,
            p.document_number,
            pull.reason.code()
        );
    }
    let _ = writeln!(
        o,
        "kigen pulls: batch {}: {} of {} packet(s) to pull; written to {}/pull-list.csv and pull-list.pdf",
        report.batch_id,
        report.pulls.len(),
        report.packets,
        report.out.display()
    );
    Ok(0)
}
