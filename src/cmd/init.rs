//! `kigen init DIR [--from saku]`: an editable copy of a built-in profile
//! (SPEC 10, "Installation"). The copy names no font directory, so it uses
//! the fonts built into kigen until `[fonts] dir` is set.

use std::io::Write;
use std::path::Path;

use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::files::{create_new_private, create_private_dir, sync_dir};
use crate::profile::{builtin_files, builtin_names, Profile};

/// Writes the copy, checks that it loads, and says what to do next.
pub(crate) fn run(args: InitArgs) -> Result<i32> {
    let InitArgs { dir, from } = args;
    let files = builtin_files(&from).ok_or_else(|| {
        Error::Usage(format!(
            "--from {from}: no built-in profile has that name (built-in: {})",
            builtin_names()
        ))
    })?;
    // Refuse before writing anything: an existing profile is the operator's.
    for (name, _) in files {
        let path = dir.join(name);
        if path.symlink_metadata().is_ok() {
            return Err(Error::Usage(format!(
                "{}: already exists; kigen init never overwrites a profile (choose another directory or remove it)",
                path.display()
            )));
        }
    }
    if dir.symlink_metadata().is_err() {
        // Only a directory kigen creates gets its mode set (SPEC 10).
        create_private_dir(&dir)?;
    } else if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: exists and is not a directory",
            dir.display()
        )));
    }
    for (name, bytes) in files {
        write_new(&dir.join(name), bytes)?;
    }
    sync_dir(&dir)?;
    let profile = Profile::load(&dir)?;
    println!(
        "kigen init: wrote {} (a copy of the built-in {from} profile); edit it, then pass --profile {}",
        profile.file().display(),
        dir.display()
    );
    Ok(0)
}

/// Creates `path` new (0600) with `bytes`, synced.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = create_new_private(path)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}
