//! `kigen init DIR [--from saku]`: an editable copy of a built-in profile
//! (SPEC 10, "Installation"). The copy names no font directory, so it uses
//! the fonts built into kigen until `[fonts] dir` is set.

use crate::cli::InitArgs;
use crate::error::Result;
use crate::profile::write_builtin_copy;

/// Writes the copy (see [`write_builtin_copy`]) and says what to do next.
pub(crate) fn run(args: InitArgs) -> Result<i32> {
    let InitArgs { dir, from } = args;
    let profile = write_builtin_copy(&from, &dir)?;
    println!(
        "kigen init: wrote {} (a copy of the built-in {from} profile); edit it, then pass --profile {}",
        profile.file().display(),
        dir.display()
    );
    Ok(0)
}
