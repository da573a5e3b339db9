//! The card file's rejects, kept on disk while the card file is read
//! (SPEC 13, Memory): a card file of a million bad rows must not hold a
//! million [`Reject`]s in memory until rejects.csv is written.
//!
//! The file is created new (mode 0600) in the system's temporary directory
//! and unlinked at once: it has no name, nobody else can open it, and it
//! goes away with the process whatever happens. Its records are the
//! rejects' fields, length-prefixed, in the order they were pushed (the card
//! file's line order).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::model::Reject;
use crate::model::RejectCode;

/// Rejects written to an unnamed file, read back in the same order.
#[derive(Debug)]
pub(crate) struct RejectSpill {
    out: BufWriter<File>,
    path: PathBuf,
    /// Rejects written.
    pub(crate) len: u64,
}

impl RejectSpill {
    /// Creates the unnamed file.
    pub(crate) fn new() -> Result<RejectSpill> {
        let dir = std::env::temp_dir();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut last = None;
        for attempt in 0..16u32 {
            let path = dir.join(format!(
                "kigen-card-rejects-{}-{stamp}-{attempt}",
                std::process::id()
            ));
            let mut opts = std::fs::OpenOptions::new();
            // create_new: never an existing file, never through a link.
            opts.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            match opts.open(&path) {
                Ok(file) => {
                    // Unlinked at once where the system allows it (Unix).
                    #[cfg(unix)]
                    let _ = std::fs::remove_file(&path);
                    return Ok(RejectSpill {
                        out: BufWriter::with_capacity(1 << 16, file),
                        path,
                        len: 0,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::io(
            &dir,
            last.unwrap_or_else(|| std::io::Error::other("no temporary file")),
        ))
    }

    /// Appends one reject.
    pub(crate) fn push(&mut self, r: &Reject) -> Result<()> {
        let mut rec = Vec::with_capacity(
            28 + r.resident_code.len() + r.field.len() + r.value.len() + r.reason.text().len(),
        );
        rec.extend_from_slice(&r.line.to_le_bytes());
        let code = r.reason.code().code();
        for s in [
            r.resident_code.as_str(),
            &r.field,
            &r.value,
            code,
            r.reason.text(),
        ] {
            rec.extend_from_slice(&(s.len() as u32).to_le_bytes());
            rec.extend_from_slice(s.as_bytes());
        }
        self.out
            .write_all(&rec)
            .map_err(|e| Error::io(&self.path, e))?;
        self.len += 1;
        Ok(())
    }

    /// Flushes and rewinds: the rejects can be read back.
    pub(crate) fn finish(self) -> Result<SpilledRejects> {
        let path = self.path.clone();
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&path, e))?;
        Ok(SpilledRejects {
            file,
            path,
            len: self.len,
        })
    }
}

/// The spilled rejects, ready to be read back.
#[derive(Debug)]
pub(crate) struct SpilledRejects {
    file: File,
    path: PathBuf,
    /// Rejects in the file.
    pub(crate) len: u64,
}

impl SpilledRejects {
    /// Reads the rejects back from the start, in the order they were
    /// written, calling `each` on every one.
    pub(crate) fn for_each(&self, mut each: impl FnMut(Reject) -> Result<()>) -> Result<()> {
        let mut f = &self.file;
        f.seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&self.path, e))?;
        let mut r = BufReader::with_capacity(1 << 16, f);
        let err = |e: std::io::Error| Error::io(&self.path, e);
        for _ in 0..self.len {
            let mut n = [0u8; 4];
            r.read_exact(&mut n).map_err(err)?;
            let line = u32::from_le_bytes(n);
            let mut s = || -> Result<String> {
                r.read_exact(&mut n).map_err(err)?;
                let mut b = vec![0u8; u32::from_le_bytes(n) as usize];
                r.read_exact(&mut b).map_err(err)?;
                String::from_utf8(b).map_err(|_| {
                    Error::Internal("the card rejects' temporary file does not read back".into())
                })
            };
            let (resident_code, field, value) = (s()?, s()?, s()?);
            let code = RejectCode::from_code(&s()?).ok_or_else(|| {
                Error::Internal("the card rejects' temporary file holds an unknown code".into())
            })?;
            each(Reject {
                line,
                resident_code,
                field,
                value,
                reason: code.with(s()?),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_come_back_in_order() {
        let mut spill = RejectSpill::new().unwrap();
        for i in 0..1000u32 {
            spill
                .push(&Reject {
                    line: i + 2,
                    resident_code: String::new(),
                    field: "(row)".into(),
                    value: format!("v{i}"),
                    reason: RejectCode::InvalidDate.with("住民 reason"),
                })
                .unwrap();
        }
        let back = spill.finish().unwrap();
        for _ in 0..2 {
            let mut seen = Vec::new();
            back.for_each(|r| {
                seen.push((r.line, r.value));
                Ok(())
            })
            .unwrap();
            assert_eq!(seen.len(), 1000);
            assert!(seen
                .iter()
                .enumerate()
                .all(|(i, (l, v))| *l == i as u32 + 2 && *v == format!("v{i}")));
        }
    }
}
