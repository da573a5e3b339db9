//! Creating the files and directories that hold personal data: files 0600,
//! directories 0700 (SPEC 5), and syncing them so a batch survives a crash.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Creates a file readable by its owner only (0600), always a new one:
/// whatever is at `path` (a file left by a crashed run, or a symbolic link
/// planted there) is removed first (removing a link never touches its
/// target), and the file is then created exclusively, so nothing is ever
/// written through an existing file or link (SPEC 10).
pub(crate) fn create_private(path: &Path) -> Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a directory is in the way",
                ),
            ))
        }
        Ok(_) => std::fs::remove_file(path).map_err(|e| Error::io(path, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    create_new_private(path)
}

/// Opens (creating if needed, never truncating) a file readable by its owner
/// only: for lock files.
pub(crate) fn create_private_keep(path: &Path) -> Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| Error::io(path, e))
}

/// Creates a directory (and parents) readable by its owner only (0700).
pub(crate) fn create_private_dir(path: &Path) -> Result<()> {
    // A directory that exists is the operator's (a 1777 /tmp, a 2750 share
    // for the mail room): it is used as it is, never re-moded. Only the
    // directories created here are made 0700, whatever the umask.
    if path.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut p = Some(path);
    while let Some(dir) = p.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(dir.to_path_buf());
        p = dir.parent();
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path).map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    for dir in &missing {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// Takes the exclusive lock file `name` in `dir` (created 0600 if needed):
/// one kigen process per ledger and per output directory. Held until the
/// returned file is dropped.
pub(crate) fn lock_in(dir: &Path, name: &str) -> Result<File> {
    let path = dir.join(name);
    let lock = create_private_keep(&path)?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked { path }),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

/// fsync a directory so that renames and new entries in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// Creates a new file readable by its owner only (0600); fails when the path
/// exists, whether as a file or as a symbolic link (SPEC 10: files are
/// created new, never through an existing one).
pub(crate) fn create_new_private(path: &Path) -> Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| Error::io(path, e))
}

/// The largest font or table file kigen reads (SPEC 10: bounded memory).
pub(crate) const MAX_DATA_FILE_BYTES: u64 = 64 << 20;

/// Reads a whole file of at most `limit` bytes; a larger one is an
/// `InvalidData` error saying so (checked on the bytes read, not only on the
/// size the file claims, so a file growing meanwhile is caught too).
pub(crate) fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let too_big = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} MiB: refused", limit >> 20),
        )
    };
    let f = File::open(path)?;
    let len = f.metadata()?.len();
    if len > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_bounded_refuses_a_larger_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, [0u8; 10]).unwrap();
        assert_eq!(read_bounded(&p, 10).unwrap().len(), 10);
        let e = read_bounded(&p, 9).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    }

    #[test]
    fn create_new_private_never_reuses_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        drop(create_new_private(&p).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(create_new_private(&p).is_err());
    }
}
