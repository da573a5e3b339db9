//! `kigen followups`: the open returns, for the 居住実態調査.

use crate::cli::FollowupsArgs;
use crate::error::Result;
use crate::mailroom::followups::write_followups;
use crate::mailroom::{open_ledger, refuse_batch_dir};

/// Writes followups.csv and says how many returns are open.
pub(crate) fn run(args: FollowupsArgs) -> Result<i32> {
    refuse_batch_dir(&args.out, "--out")?;
    let ledger = open_ledger(&args.state)?;
    let (path, open) = write_followups(&ledger, &args.out, args.csv_encoding)?;
    println!(
        "kigen followups: {} open return(s) written to {}",
        open.len(),
        path.display()
    );
    Ok(0)
}
