//! `kigen reprint`: one packet printed again, to the current address.

use crate::cli::ReprintArgs;
use crate::error::Result;
use crate::mailroom::export::ExportRequest;
use crate::mailroom::open_ledger;
use crate::mailroom::reprint::{reprint, ReprintRequest};

/// Writes `OUT/reprint-<document>.pdf`, records it, and says so.
pub(crate) fn run(args: ReprintArgs) -> Result<i32> {
    super::readable(&args.input, "--input")?;
    super::readable_cards(&args.cards)?;
    let profile = super::load_profile(&args.profile)?;
    let cards = super::cards_file(&args.cards, &profile);
    let mut ledger = open_ledger(&args.state)?;
    let report = reprint(
        &mut ledger,
        &ReprintRequest {
            document: &args.document,
            export: ExportRequest {
                input: &args.input,
                encoding: args.encoding.unwrap_or(profile.settings.input.encoding),
                profile: &profile,
                cards: cards.as_ref(),
            },
            reason: &args.reason,
            out: &args.out,
            today: super::today_tokyo(),
            again: args.again,
        },
    )?;
    let r = &report.record;
    println!(
        "kigen reprint: {} ({} pages): document {} (reprint {} of {}, batch {}), resident {}, to 〒{}",
        report.file.display(),
        r.pages,
        r.document_number,
        r.number,
        r.original,
        r.batch_id,
        r.resident_code,
        r.address.postal_code
    );
    Ok(0)
}
