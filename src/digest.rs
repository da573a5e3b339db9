//! SHA-256 as lower-case hex: the checksums of summary.json, the ledger and
//! `verify`.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// SHA-256 of a file, streamed.
pub(crate) fn sha256_file(path: &Path) -> Result<String> {
    sha256_file_len(path).map(|(_, sha)| sha)
}

/// The length and SHA-256 of a file, streamed through a buffer of this
/// thread's that is reused from file to file: a batch's files are hashed
/// without ever holding one whole (outcomes.csv at a million rows is
/// larger than everything else a run keeps).
pub(crate) fn sha256_file_len(path: &Path) -> Result<(u64, String)> {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut len = 0u64;
    BUF.with_borrow_mut(|buf| {
        buf.resize(256 << 10, 0);
        loop {
            let n = match f.read(buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(path, e)),
            };
            if n == 0 {
                return Ok(());
            }
            h.update(&buf[..n]);
            len += n as u64;
        }
    })?;
    Ok((len, hex(&h.finalize())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_digest() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
