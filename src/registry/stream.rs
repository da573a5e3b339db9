//! Reading the export file: a stream of record batches (the next one read
//! while the current one is processed), the header row, and the first pass
//! that finds shared 住民コード.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use memchr::memchr;
use sha2::{Digest, Sha256};

use super::columns::ColumnMap;
use super::decode::decode_field;
use super::split::{RecordBatch, Splitter};
use crate::error::{Error, Result};
use crate::model::InputEncoding;
use crate::profile::{Columns, Profile};
use crate::text::trim;

/// Records per batch of the second pass: eight chunks of 512 for the
/// workers, small enough that the two batches in flight stay in a few
/// megabytes, which are reused from batch to batch.
pub(crate) const BATCH_RECORDS: usize = 4 * 1024;

/// Bytes read from the file at a time.
const READ_CHUNK: usize = 1 << 20;

/// Bytes the first pass splits at once, in two halves on two cores. Small
/// batches keep the reader's memory small and reused: at 8 MB the buffers
/// and the batches' growth were a third of a run's page faults (README,
/// "Speed and memory").
const PARALLEL_TARGET: usize = 2 << 20;

/// What identifies the file being read: if any of it differs at the end,
/// the export was rewritten or replaced while kigen read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }
}

/// The bytes a pass processed: their SHA-256 and count, checked against the
/// file as it was when the pass opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InputDigest {
    /// SHA-256, lower-case hex, of every byte read.
    pub(crate) sha256: String,
    /// Bytes read.
    pub(crate) bytes: u64,
}

/// The export file, hashed as it is read.
struct HashedFile {
    file: File,
    hasher: Sha256,
    bytes: u64,
    stamp: FileStamp,
}

impl Read for HashedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// The longest record read unless the profile says otherwise (SPEC 10,
/// `[input] max_record_bytes`).
pub(crate) const MAX_RECORD_BYTES: usize = 1 << 20;

/// Reads a file as a stream of record batches.
pub(crate) struct RecordStream {
    path: PathBuf,
    file: HashedFile,
    max_record: usize,
    buf: Vec<u8>,
    start: usize,
    eof: bool,
    splitter: Splitter,
}

impl RecordStream {
    /// Opens `path`.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        // Room for a parallel gather, so the buffer never moves.
        Self::open_at(path, 0, PARALLEL_TARGET + READ_CHUNK)
    }

    /// Sets the longest record read (`[input] max_record_bytes`); at least
    /// 1 KiB.
    pub(crate) fn limit_records(&mut self, max_record_bytes: usize) {
        self.max_record = max_record_bytes.max(1024);
    }

    /// Opens `path` at byte `offset` (hashing from there).
    pub(crate) fn open_at(path: &Path, offset: u64, capacity: usize) -> Result<Self> {
        use std::io::{Seek, SeekFrom};
        let mut file = crate::files::open_input(path).map_err(|e| Error::io(path, e))?;
        if offset > 0 {
            file.seek(SeekFrom::Start(offset))
                .map_err(|e| Error::io(path, e))?;
        }
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        Ok(RecordStream {
            path: path.to_path_buf(),
            max_record: MAX_RECORD_BYTES,
            file: HashedFile {
                file,
                hasher: Sha256::new(),
                bytes: 0,
                stamp: FileStamp::of(&meta),
            },
            buf: Vec::with_capacity(capacity),
            start: 0,
            eof: false,
            splitter: Splitter::with_offset(offset),
        })
    }

    /// Fills `batch` with up to `max` records; false when the file is done.
    pub(crate) fn next_batch(&mut self, batch: &mut RecordBatch, max: usize) -> Result<bool> {
        batch.clear();
        loop {
            let p =
                self.splitter
                    .split(&self.buf[self.start..], self.eof, max - batch.len(), batch);
            self.start += p.consumed;
            if batch.len() >= max || (self.eof && self.start >= self.buf.len()) {
                return Ok(!batch.is_empty());
            }
            if self.eof {
                // Nothing more can be split (cannot happen with eof = true,
                // which consumes everything); stop rather than spin.
                return Ok(!batch.is_empty());
            }
            if self.buf.len() - self.start > self.max_record {
                // A record longer than any row should be (a line that never
                // ends, a quote left open in a big file): reject it and read
                // on from the next line, in bounded memory.
                self.skip_too_long(batch)?;
                continue;
            }
            // Need more bytes: keep the unconsumed tail and read on.
            self.read_more()?;
        }
    }

    /// Records the pending record as too long and discards its bytes up to
    /// and including the next line break (reading more as needed, never
    /// keeping more than a read's worth).
    fn skip_too_long(&mut self, batch: &mut RecordBatch) -> Result<()> {
        batch.push_too_long(self.splitter.line(), self.splitter.offset());
        let mut skipped: u64 = 0;
        loop {
            let pending = &self.buf[self.start..];
            if let Some(i) = memchr::memchr2(b'\n', b'\r', pending) {
                // CRLF is one break; a lone CR or LF is one too.
                let mut end = i + 1;
                if pending[i] == b'\r' {
                    if end == pending.len() && !self.eof {
                        self.read_more()?;
                        continue;
                    }
                    if self.buf.get(self.start + end) == Some(&b'\n') {
                        end += 1;
                    }
                }
                self.start += end;
                self.splitter.skip(skipped + end as u64, 1);
                return Ok(());
            }
            skipped += pending.len() as u64;
            self.start = self.buf.len();
            if self.eof {
                self.splitter.skip(skipped, 0);
                return Ok(());
            }
            self.read_more()?;
        }
    }

    /// Moves the unconsumed tail to the front of the buffer and reads up to
    /// [`READ_CHUNK`] more bytes after it; sets `eof` at the end of the file.
    fn read_more(&mut self) -> Result<()> {
        self.buf.drain(..self.start);
        self.start = 0;
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        let n = loop {
            match self.file.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(&self.path, e)),
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }
}

impl RecordStream {
    /// The digest of everything read, once the stream is at its end; an
    /// error when the file changed while it was read (its size, modification
    /// time or inode differ from when it was opened, or it was not read to
    /// its end): SPEC 10, the input is what was processed, or nothing.
    pub(crate) fn finish(mut self) -> Result<InputDigest> {
        let mut rest = [0u8; 1];
        let extra = loop {
            match self.file.read(&mut rest) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(&self.path, e)),
            }
        };
        let start = self.file.stamp;
        let handle = self
            .file
            .file
            .metadata()
            .map(|m| FileStamp::of(&m))
            .map_err(|e| Error::io(&self.path, e))?;
        let named = std::fs::metadata(&self.path)
            .map(|m| FileStamp::of(&m))
            .ok();
        let what = if extra > 0 || self.file.bytes != start.len || handle.len != start.len {
            Some(format!(
                "{} bytes when opened, {} now, {} read",
                start.len, handle.len, self.file.bytes
            ))
        } else if handle.modified != start.modified {
            Some("its modification time changed".to_string())
        } else if named != Some(start) {
            Some("the name now points to another file".to_string())
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Error::InputChanged {
                path: self.path.clone(),
                what,
            });
        }
        Ok(InputDigest {
            sha256: crate::digest::hex(&self.file.hasher.finalize()),
            bytes: self.file.bytes,
        })
    }

    /// Like [`RecordStream::next_batch`], but splits a large run of bytes in
    /// two halves at once, cut speculatively at a line break: if the first
    /// half does not end exactly at the cut (a quoted field runs over it),
    /// the second half is thrown away and split again from where the first
    /// really ended. Used by the first pass, which is otherwise bound by one
    /// core splitting records. Records go to `a` then `b`, in file order.
    pub(crate) fn next_batches_parallel(
        &mut self,
        a: &mut RecordBatch,
        b: &mut RecordBatch,
    ) -> Result<bool> {
        a.clear();
        b.clear();
        // Gather enough bytes (or the rest of the file).
        while !self.eof && self.buf.len() - self.start < PARALLEL_TARGET {
            self.read_more()?;
        }
        let data = &self.buf[self.start..];
        if data.is_empty() {
            return Ok(false);
        }
        let cut = if data.len() >= (1 << 20) {
            memchr(b'\n', &data[data.len() / 2..]).map(|i| data.len() / 2 + i + 1)
        } else {
            None
        };
        let eof = self.eof;
        let consumed = match cut {
            None => {
                let p = self.splitter.split(data, eof, usize::MAX, a);
                p.consumed
            }
            Some(cut) => {
                let mut second = self.splitter.fork(cut);
                let first = &mut self.splitter;
                let (pa, pb) = rayon::join(
                    || first.split(&data[..cut], false, usize::MAX, a),
                    || second.split(&data[cut..], eof, usize::MAX, b),
                );
                if pa.consumed == cut {
                    // The cut was a record boundary: the second half stands.
                    let delta = self.splitter.line() - 1;
                    b.shift_lines(delta);
                    second.shift_lines(delta);
                    self.splitter = second;
                    cut + pb.consumed
                } else {
                    b.clear();
                    let rest = self
                        .splitter
                        .split(&data[pa.consumed..], eof, usize::MAX, a);
                    pa.consumed + rest.consumed
                }
            }
        };
        self.start += consumed;
        if consumed == 0 && !eof {
            // A single record longer than the target: fall back to the
            // growing sequential reader.
            return self.next_batch(a, usize::MAX);
        }
        Ok(!a.is_empty() || !b.is_empty() || consumed > 0)
    }
}

/// Reads and decodes the header row and maps it to the profile's columns;
/// the stream is left at the first data record.
///
/// A header that decodes in the configured encoding but maps only when read
/// in the other one (a UTF-8 export that happens to be valid CP932) is
/// reported as the encoding it looks like, with the option to pass.
pub(crate) fn read_header(
    stream: &mut RecordStream,
    encoding: InputEncoding,
    profile: &Profile,
    join_key: Option<&str>,
) -> Result<ColumnMap> {
    let row = read_header_row(stream, encoding)?;
    let columns = &profile.settings.columns;
    ColumnMap::from_header(row.fields.clone(), columns, join_key).map_err(|e| {
        row.wrong_encoding(&stream.path, encoding, columns, join_key)
            .unwrap_or(e)
    })
}

/// Reads and decodes the header row's fields (trimmed).
pub(crate) fn read_header_fields(
    stream: &mut RecordStream,
    encoding: InputEncoding,
) -> Result<Vec<String>> {
    read_header_row(stream, encoding).map(|row| row.fields)
}

/// The header row: its fields decoded and trimmed, and their raw bytes.
pub(crate) struct HeaderRow {
    /// The decoded, trimmed fields.
    pub(crate) fields: Vec<String>,
    /// Each field's bytes as in the file.
    pub(crate) raw: Vec<Vec<u8>>,
}

impl HeaderRow {
    /// When the header does not fit `columns` as read in `encoding` but does
    /// in the other one (a UTF-8 export whose bytes happen to be valid
    /// CP932, or the reverse): the error naming the encoding it looks like.
    pub(crate) fn wrong_encoding(
        &self,
        path: &Path,
        encoding: InputEncoding,
        columns: &Columns,
        join_key: Option<&str>,
    ) -> Option<Error> {
        self.wrong_encoding_by(path, encoding, |h| {
            ColumnMap::from_header(h.to_vec(), columns, join_key).is_ok()
        })
    }

    /// Like [`HeaderRow::wrong_encoding`], for a header that `fits` judges.
    pub(crate) fn wrong_encoding_by(
        &self,
        path: &Path,
        encoding: InputEncoding,
        fits: impl Fn(&[String]) -> bool,
    ) -> Option<Error> {
        let other = other_encoding(encoding);
        let fits = self
            .raw
            .iter()
            .map(|b| decode_field(b, other).map(|t| trim(&t).to_string()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .is_ok_and(|h| fits(&h));
        fits.then(|| Error::Input {
            path: path.to_path_buf(),
            message: format!(
                "line 1: the header row does not fit the profile read as {}, and does read as {}: {}",
                encoding_name(encoding),
                encoding_name(other),
                looks_like(other)
            ),
        })
    }
}

/// How many bytes are looked at for a byte-order mark and UTF-16.
const HEAD_BYTES: usize = 4096;

/// Reads the header row. Before splitting, the first bytes are checked for
/// UTF-16 (a byte-order mark, or NUL bytes in every other position) and for
/// a UTF-8 byte-order mark; a header that does not decode says which
/// encoding it looks like and the option to pass (SPEC 9). Never quotes a
/// value: only byte values and column numbers.
pub(crate) fn read_header_row(
    stream: &mut RecordStream,
    encoding: InputEncoding,
) -> Result<HeaderRow> {
    let path = stream.path.clone();
    let input_err = |message: String| Error::Input {
        path: path.clone(),
        message,
    };
    let mut batch = RecordBatch::default();
    let mut head = vec![0u8; HEAD_BYTES];
    let mut n = 0;
    while n < head.len() {
        match stream.file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    head.truncate(n);
    if let Some(why) = looks_like_utf16(&head) {
        return Err(input_err(format!(
            "the file looks like UTF-16 ({why}); {UTF16}"
        )));
    }
    let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
    match (bom, encoding) {
        (true, InputEncoding::Utf8) => {
            // Skip it, but keep byte offsets true to the file.
            stream.splitter = Splitter::with_offset(3);
            stream.buf.extend_from_slice(&head[3..]);
        }
        (true, InputEncoding::Cp932) => {
            return Err(input_err(format!(
                "starts with a UTF-8 byte-order mark: {}",
                looks_like(InputEncoding::Utf8)
            )))
        }
        _ => stream.buf.extend_from_slice(&head),
    }
    if !stream.next_batch(&mut batch, 1)? {
        return Err(input_err("the file is empty: no header row".into()));
    }
    let rec = batch.record(0);
    if rec.meta.unterminated_quote {
        return Err(input_err(
            "line 1: the header row has a quoted field that is never closed".into(),
        ));
    }
    let raw: Vec<Vec<u8>> = (0..rec.len())
        .map(|i| rec.field(i).unwrap_or_default().to_vec())
        .collect();
    let mut fields = Vec::with_capacity(raw.len());
    for (i, bytes) in raw.iter().enumerate() {
        let text = decode_field(bytes, encoding).map_err(|e| {
            let other = other_encoding(encoding);
            let guess = if raw.iter().all(|b| decode_field(b, other).is_ok()) {
                format!(": {}", looks_like(other))
            } else {
                String::new()
            };
            input_err(format!(
                "line 1: header column {} has bytes {} that are not {}{guess}",
                i + 1,
                e.hex(),
                encoding_name(encoding),
            ))
        })?;
        fields.push(trim(&text).to_string());
    }
    stream.splitter.expect_fields(fields.len());
    Ok(HeaderRow { fields, raw })
}

/// What to say about a UTF-16 file.
const UTF16: &str = "UTF-16 is not supported: save the export as CP932 or UTF-8";

/// The encoding kigen reads besides `encoding`.
fn other_encoding(encoding: InputEncoding) -> InputEncoding {
    match encoding {
        InputEncoding::Cp932 => InputEncoding::Utf8,
        InputEncoding::Utf8 => InputEncoding::Cp932,
    }
}

/// An encoding's name in messages.
fn encoding_name(encoding: InputEncoding) -> &'static str {
    match encoding {
        InputEncoding::Cp932 => "CP932",
        InputEncoding::Utf8 => "UTF-8",
    }
}

/// The hint for a file that looks like `encoding`: the option to pass.
fn looks_like(encoding: InputEncoding) -> String {
    let option = match encoding {
        InputEncoding::Cp932 => "cp932",
        InputEncoding::Utf8 => "utf-8",
    };
    format!(
        "this looks like {}: pass --encoding {option} (or set input.encoding in the profile)",
        encoding_name(encoding)
    )
}

/// UTF-16: a byte-order mark (FF FE or FE FF), or NUL bytes — which neither
/// CP932 nor UTF-8 text holds — gathered on one side of the byte pairs (the
/// high bytes of ASCII commas, digits and line breaks). Says which.
fn looks_like_utf16(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some("byte-order mark FF FE");
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some("byte-order mark FE FF");
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, b) in head.iter().enumerate() {
        if *b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    let (most, least) = (even.max(odd), even.min(odd));
    (most >= 2 && most * 10 >= head.len() / 2 && least * 4 <= most)
        .then_some("NUL bytes between the characters")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Field;

    /// A UTF-8 header whose bytes are also valid CP932 (é is C3 A9, which
    /// CP932 reads as ﾃｩ) decodes either way; it maps only as UTF-8, and
    /// the error says so.
    #[test]
    fn a_header_that_fits_only_in_the_other_encoding_names_it() {
        let toml: String = Field::ALL
            .iter()
            .map(|f| format!("{} = \"clé {}\"\n", f.key(), f.key()))
            .collect();
        let mut profile = Profile::defaults();
        profile.settings = toml::from_str(&format!("[columns]\n{toml}")).unwrap();
        let header: Vec<String> = Field::ALL
            .iter()
            .map(|f| format!("clé {}", f.key()))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        std::fs::write(&path, format!("{}\r\n", header.join(","))).unwrap();
        let e = read_header(
            &mut RecordStream::open(&path).unwrap(),
            InputEncoding::Cp932,
            &profile,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--encoding utf-8"), "{e}");
        read_header(
            &mut RecordStream::open(&path).unwrap(),
            InputEncoding::Utf8,
            &profile,
            None,
        )
        .unwrap();
    }

    #[test]
    fn utf16_is_recognised() {
        assert!(looks_like_utf16(&[0xFF, 0xFE, 0x4F, 0x4F]).is_some());
        assert!(looks_like_utf16(&[0xFE, 0xFF, 0x4F, 0x4F]).is_some());
        let ascii: Vec<u8> = "a,b\r\n1,2\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(looks_like_utf16(&ascii).is_some());
        assert!(looks_like_utf16("住民コード,氏名\r\n".as_bytes()).is_none());
        assert!(looks_like_utf16(b"a,b\r\n").is_none());
    }

    /// (line, offset, fields) of every record, read one way or the other.
    fn records(path: &Path, parallel: bool) -> Vec<(u32, u64, Vec<Vec<u8>>)> {
        let mut stream = RecordStream::open(path).unwrap();
        stream.splitter.expect_fields(3);
        let mut out = Vec::new();
        let (mut a, mut b) = (RecordBatch::default(), RecordBatch::default());
        loop {
            let more = if parallel {
                stream.next_batches_parallel(&mut a, &mut b).unwrap()
            } else {
                b.clear();
                stream.next_batch(&mut a, 1000).unwrap()
            };
            if !more {
                break;
            }
            for batch in [&a, &b] {
                for i in 0..batch.len() {
                    let r = batch.record(i);
                    let fields = (0..r.len()).map(|f| r.field(f).unwrap().to_vec()).collect();
                    out.push((r.meta.line, r.meta.offset, fields));
                }
            }
        }
        out
    }

    #[test]
    fn parallel_first_pass_splits_exactly_like_the_sequential_one() {
        let dir = tempfile::tempdir().unwrap();
        for quoted_every in [7usize, 50_000] {
            // ~3 MB with multi-line quoted fields (some straddle any cut),
            // blank lines, CRLF, lone CR and an open quote.
            let mut text = Vec::new();
            for i in 0..60_000usize {
                if i % quoted_every == 3 {
                    text.extend_from_slice(format!("R{i},\"two\nlines {i}\",x\r\n").as_bytes());
                } else if i % 997 == 5 {
                    text.extend_from_slice(b"\r\n");
                } else if i % 1999 == 7 {
                    text.extend_from_slice(format!("R{i},\"open,x\n").as_bytes());
                } else {
                    text.extend_from_slice(format!("R{i},name {i},y\r").as_bytes());
                }
            }
            let path = dir.path().join(format!("f{quoted_every}.csv"));
            std::fs::write(&path, &text).unwrap();
            let seq = records(&path, false);
            let par = records(&path, true);
            assert!(
                seq.len() > 50_000,
                "{} records: {:?}",
                seq.len(),
                seq.iter()
                    .take(12)
                    .map(|r| (
                        r.0,
                        r.2.iter()
                            .map(|f| String::from_utf8_lossy(f).into_owned())
                            .collect::<Vec<_>>()
                    ))
                    .collect::<Vec<_>>()
            );
            assert_eq!(seq.len(), par.len(), "every {quoted_every}");
            assert!(seq == par, "every {quoted_every}: records differ");
        }
    }
}
