//! `kigen archive` and `kigen purge` (SPEC 14, retention).

use crate::cli::{ArchiveArgs, PurgeArgs};
use crate::error::{Error, Result};
use crate::retention::PurgeRequest;

/// Moves old batches to the archive and prints where each went.
pub(crate) fn archive(args: ArchiveArgs) -> Result<i32> {
    let before = super::parse_cli_date("before", &args.before)?;
    let done = crate::retention::archive(
        &args.state,
        &args.out,
        before,
        &args.to,
        super::today_tokyo(),
    )?;
    for d in &done {
        println!("archived {} to {}", d.batch_id, d.dir.display());
    }
    println!(
        "kigen archive: {} batch(es) dated before {before} moved out of {}",
        done.len(),
        args.out.display()
    );
    Ok(0)
}

/// Erases the personal data of batches past retention.
pub(crate) fn purge(args: PurgeArgs) -> Result<i32> {
    let before = super::parse_cli_date("before", &args.before)?;
    let profile = super::load_profile(&args.profile)?;
    let years = profile.settings.retention.years;
    if years == 0 {
        return Err(Error::Usage(format!(
            "{}: [retention] years = 0: give the number of years batches are kept",
            args.profile.display()
        )));
    }
    let done = crate::retention::purge(&PurgeRequest {
        state: &args.state,
        out: &args.out,
        before,
        years,
        force: args.force,
        today: super::today_tokyo(),
    })?;
    for d in &done {
        println!(
            "purged {} ({} file(s) erased; purged.json in {})",
            d.batch_id,
            d.files,
            d.dir.display()
        );
    }
    println!(
        "kigen purge: {} batch(es) dated before {before} purged; the ledger keeps their notices, so none is sent twice",
        done.len()
    );
    Ok(0)
}
