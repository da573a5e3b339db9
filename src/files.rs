//! Creating the files and directories that hold personal data: files 0600,
//! directories 0700 (SPEC 5), and syncing them so a batch survives a crash;
//! opening the files kigen reads. kigen never follows a symbolic link at a
//! path it creates, never writes inside a committed batch directory, and
//! reads only regular files (SPEC 13, paths).

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
/// only: for lock files. A symbolic link at `path` is refused (O_NOFOLLOW),
/// never followed: a lock taken through a link could create or hold a file
/// anywhere.
pub(crate) fn create_private_keep(path: &Path) -> Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    opts.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return link_refused(path);
        }
        Error::io(path, e)
    })
}

/// The refusal of a symbolic link where kigen creates a file or directory.
fn link_refused(path: &Path) -> Error {
    Error::Usage(format!(
        "{}: a symbolic link is there, and kigen never writes through one (it could lead anywhere, /etc included); nothing was written: remove the link, or give a path that is not one",
        path.display()
    ))
}

/// The file that marks a committed batch directory (`summary.json`, written
/// last).
const BATCH_MARK: &str = crate::names::SUMMARY_FILE;

/// Refuses (exit 2, changing nothing) an output directory kigen would
/// create or write into when it is a symbolic link, not a directory, or a
/// committed batch directory or anywhere inside one (a file written there
/// would make the batch fail `verify`). `option` names where the path came
/// from (`--out`) for the message.
pub(crate) fn check_output_dir(path: &Path, option: &str) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(link_refused(path)),
        Ok(meta) if !meta.is_dir() => {
            return Err(Error::Usage(format!(
                "{option} {}: not a directory; nothing was written: give a directory",
                path.display()
            )))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    refuse_inside_batch(path, option)
}

/// Refuses (exit 2) a directory to write into that is a committed batch
/// directory or lies inside one: `run --out` too, whose root may itself be
/// the operator's link to a share.
pub(crate) fn refuse_inside_batch(path: &Path, option: &str) -> Result<()> {
    if let Some(batch) = enclosing_batch(path) {
        return Err(Error::Usage(format!(
            "{option} {}: that is inside the committed batch directory {} (it holds {BATCH_MARK}); a file written there would make the batch fail verify; nothing was written: choose a directory outside it",
            path.display(),
            batch.display()
        )));
    }
    Ok(())
}

/// The committed batch directory `path` is (or lies inside), if any: the
/// nearest of its existing ancestors, resolved (`..` and links), that holds
/// [`BATCH_MARK`].
fn enclosing_batch(path: &Path) -> Option<std::path::PathBuf> {
    let existing = path
        .ancestors()
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .find(|a| a.exists())?;
    let real = std::fs::canonicalize(existing).ok()?;
    real.ancestors()
        .find(|d| d.join(BATCH_MARK).is_file())
        .map(Path::to_path_buf)
}

/// Creates, or reuses when it is a directory already, a directory kigen
/// writes its own outputs into (`out/check-*`, `out/forecast-*`,
/// `pulls-*`, reprint and followups): after [`check_output_dir`], the
/// missing parents as [`create_private_dir`] makes them, and the directory
/// itself with `mkdir`, which fails on a link put there meanwhile instead
/// of following it.
pub(crate) fn create_output_dir(path: &Path, option: &str) -> Result<()> {
    create_output_dir_for(path, option, None)
}

/// [`create_output_dir`], and with `[output] group` (`Some(gid)`) the
/// directories it creates are 0750 in that group (SPEC 14: a reprint or a
/// pull list is for the mail room); one that exists is used as it is.
pub(crate) fn create_output_dir_for(path: &Path, option: &str, group: Option<u32>) -> Result<()> {
    check_output_dir(path, option)?;
    if std::fs::symlink_metadata(path).is_ok() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_for(parent, group)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    match b.create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Made meanwhile: used only if it is a real directory.
            check_output_dir(path, option)?;
        }
        Err(e) => return Err(Error::io(path, e)),
    }
    match group {
        Some(gid) => share_with_group(path, gid),
        None => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io(path, e))
        }
    }
}

/// Opens a file kigen reads (the export, the card file, a returns file,
/// profile.toml, the 外字 table, KEN_ALL, fonts): a regular file only. A
/// FIFO, a device (/dev/zero) or a directory is refused at once: opened
/// without blocking (O_NONBLOCK, so a FIFO with no writer does not hang
/// the night) and checked on the open file, not on the name.
pub(crate) fn open_input(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, a device or a directory): refused; give the path of the file itself",
        ));
    }
    Ok(file)
}

/// Creates a directory (and parents) readable by its owner only (0700).
pub(crate) fn create_private_dir(path: &Path) -> Result<()> {
    create_dir_for(path, None)
}

/// Creates a directory (and parents) as [`create_private_dir`] does, or,
/// with `[output] group` (`Some(gid)`), the ones it creates 0750 and group
/// `gid`, so the mail room can reach the batches in it (SPEC 14).
pub(crate) fn create_dir_for(path: &Path, group: Option<u32>) -> Result<()> {
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
        let mode = match group {
            Some(gid) => {
                std::os::unix::fs::lchown(dir, None, Some(gid)).map_err(|e| Error::io(dir, e))?;
                0o750
            }
            None => 0o700,
        };
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// The group id of `[output] group` (SPEC 14): a group name, or a numeric
/// gid. `Err` says why it cannot be used: no such group, or the running
/// account is not a member (it could not hand its files to that group).
pub(crate) fn output_group(value: &str) -> std::result::Result<u32, String> {
    let value = value.trim();
    let gid = match value.parse::<u32>() {
        Ok(gid) => gid,
        Err(_) => group_by_name(value)
            .ok_or_else(|| format!("{value:?}: no such group on this system"))?,
    };
    if !is_member_of(gid) {
        return Err(format!(
            "{value:?} (gid {gid}): the account running kigen is not a member of that group; add it (usermod -aG), or remove the key"
        ));
    }
    Ok(gid)
}

/// The gid of the group named `name` (through NSS, as `getent group` does).
fn group_by_name(name: &str) -> Option<u32> {
    let c_name = std::ffi::CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: every pointer is to a live local of the size passed.
    let rc = unsafe {
        libc::getgrnam_r(
            c_name.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    (rc == 0 && !found.is_null()).then_some(grp.gr_gid)
}

/// Whether the running process holds `gid` (effective or supplementary).
fn is_member_of(gid: u32) -> bool {
    // SAFETY: getegid takes nothing; getgroups writes at most `n` entries.
    if unsafe { libc::getegid() } == gid {
        return true;
    }
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n <= 0 {
        return false;
    }
    let mut groups = vec![0 as libc::gid_t; n as usize];
    let n = unsafe { libc::getgroups(n, groups.as_mut_ptr()) };
    n > 0 && groups[..n as usize].contains(&gid)
}

/// Hands a directory kigen has just written (a batch before it is moved
/// into place, a reprint's or pull list's directory) to the mail room's
/// group: every directory in it 0750, every file 0640, group `gid`
/// (SPEC 14). Symbolic links are never followed (there should be none).
pub(crate) fn share_with_group(dir: &Path, gid: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(dir).map_err(|e| Error::io(dir, e))?;
    let mode = if meta.is_dir() { 0o750 } else { 0o640 };
    if !meta.file_type().is_symlink() {
        std::os::unix::fs::lchown(dir, None, Some(gid)).map_err(|e| Error::io(dir, e))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(dir, e))?;
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            share_with_group(&entry.path(), gid)?;
        }
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

/// The largest profile.toml kigen reads (the shipped ones are a few KiB).
pub(crate) const MAX_PROFILE_BYTES: u64 = 1 << 20;

/// Reads a whole file (a regular file, [`open_input`]) of at most `limit`
/// bytes; a larger one is an
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
    let f = open_input(path)?;
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

    #[cfg(unix)]
    #[test]
    fn inputs_that_are_not_regular_files_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
        // Without a writer, a plain open would block here for ever.
        for p in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
            let e = open_input(p).unwrap_err();
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::InvalidInput,
                "{}",
                p.display()
            );
            assert!(read_bounded(p, 10).is_err(), "{}", p.display());
        }
    }

    #[cfg(unix)]
    #[test]
    fn output_directories_and_locks_are_never_made_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::create_dir(&target).unwrap();
        let link = dir.path().join("out-check");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            create_output_dir(&link, "--out"),
            Err(Error::Usage(_))
        ));
        let lock_target = dir.path().join("victim");
        std::fs::write(&lock_target, "x").unwrap();
        let lock_link = dir.path().join("kigen.lock");
        std::os::unix::fs::symlink(&lock_target, &lock_link).unwrap();
        assert!(matches!(
            lock_in(dir.path(), "kigen.lock"),
            Err(Error::Usage(_))
        ));
        assert_eq!(std::fs::read(&lock_target).unwrap(), b"x");
        assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);

        let fresh = dir.path().join("a/b");
        create_output_dir(&fresh, "--out").unwrap();
        assert!(fresh.is_dir());
        create_output_dir(&fresh, "--out").unwrap();
    }

    #[test]
    fn no_output_directory_inside_a_committed_batch() {
        let dir = tempfile::tempdir().unwrap();
        let batch = dir.path().join("out/2026-11-26");
        std::fs::create_dir_all(batch.join("print")).unwrap();
        std::fs::write(batch.join(BATCH_MARK), "{}").unwrap();
        for p in [
            batch.clone(),
            batch.join("print"),
            batch.join("print/new/deeper"),
            batch.join("../2026-11-26/x"),
        ] {
            let e = create_output_dir(&p, "--out").unwrap_err();
            assert!(
                e.to_string().contains("committed batch"),
                "{}: {e}",
                p.display()
            );
            assert!(!p.exists() || p == batch || p == batch.join("print"));
        }
        check_output_dir(&dir.path().join("out/check-2026-11-26"), "--out").unwrap();
        check_output_dir(&batch.join(".."), "--out").unwrap();
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
