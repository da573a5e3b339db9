//! The per-row pipeline: stream the export in batches, and for every record
//! produce exactly one [`RowOutput`] (its outcome line, and any reject,
//! exception and held lines), in input order.
//!
//! Memory stays flat: records are read in batches of [`BATCH_RECORDS`]; the
//! next batch is read while rayon works on the current one. The only state
//! that grows with the file is the duplicate-code scan (20 bytes a 住民 row),
//! which needs a first pass because a code's second copy may be the last row.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use memchr::memchr;
use rayon::prelude::*;

use crate::barcode::{barcode_for, BarChar, NoBarcode, PostalData};
use crate::counts::Counts;
use crate::error::{Error, Result};
use crate::outputs::csvfile::push_record;
use crate::outputs::{iso, push_iso_date};
use crate::profile::{is_private_use, Profile};
use crate::registry::decode::{decode_field, InputEncoding};
use crate::registry::normalize::trim;
use crate::registry::split::{RecordBatch, Splitter};
use crate::registry::{
    CodeKey, ColumnMap, Duplicates, Field, Reject, Resident, RowRead, RowReader,
};
use crate::rules::{evaluate, Evaluation, ItemKind, RuleConfig, RuleError};
use crate::select::{select, NoticeLedger, Outcome, Selection, Window};

/// Records per batch: big enough to keep two cores busy, small enough that
/// memory does not grow with the file.
pub const BATCH_RECORDS: usize = 16 * 1024;

const READ_CHUNK: usize = 4 << 20;

/// Reads a file as a stream of record batches.
pub struct RecordStream {
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    start: usize,
    eof: bool,
    splitter: Splitter,
}

impl RecordStream {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(RecordStream {
            path: path.to_path_buf(),
            file,
            buf: Vec::with_capacity(READ_CHUNK * 2),
            start: 0,
            eof: false,
            splitter: Splitter::new(),
        })
    }

    /// Fills `batch` with up to `max` records; false when the file is done.
    pub fn next_batch(&mut self, batch: &mut RecordBatch, max: usize) -> Result<bool> {
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
            // Need more bytes: keep the unconsumed tail and read on.
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
    /// Like [`RecordStream::next_batch`], but splits a large run of bytes in
    /// two halves at once, cut speculatively at a line break: if the first
    /// half does not end exactly at the cut (a quoted field runs over it),
    /// the second half is thrown away and split again from where the first
    /// really ended. Used by the first pass, which is otherwise bound by one
    /// core splitting records. Records go to `a` then `b`, in file order.
    pub fn next_batches_parallel(
        &mut self,
        a: &mut RecordBatch,
        b: &mut RecordBatch,
    ) -> Result<bool> {
        const TARGET: usize = 8 << 20;
        a.clear();
        b.clear();
        // Gather enough bytes (or the rest of the file).
        while !self.eof && self.buf.len() - self.start < TARGET {
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
pub fn read_header(
    stream: &mut RecordStream,
    encoding: InputEncoding,
    profile: &Profile,
) -> Result<ColumnMap> {
    let headers = read_header_fields(stream, encoding)?;
    ColumnMap::from_header(headers, &profile.settings.columns)
}

/// Reads and decodes the header row's fields (trimmed).
pub fn read_header_fields(
    stream: &mut RecordStream,
    encoding: InputEncoding,
) -> Result<Vec<String>> {
    let path = stream.path.clone();
    let input_err = |message: String| Error::Input {
        path: path.clone(),
        message,
    };
    let mut batch = RecordBatch::default();
    // Peek at the first bytes for a byte-order mark.
    let mut head = [0u8; 3];
    let n = stream
        .file
        .read(&mut head)
        .map_err(|e| Error::io(&path, e))?;
    let bom = n == 3 && head == [0xEF, 0xBB, 0xBF];
    match (bom, encoding) {
        (true, InputEncoding::Utf8) => {
            // Skip it, but keep byte offsets true to the file.
            stream.splitter = Splitter::with_offset(3);
        }
        (true, InputEncoding::Cp932) => {
            return Err(input_err(
                "starts with a UTF-8 byte-order mark: this looks like UTF-8; pass --encoding utf-8 (or set input.encoding in the profile)".into(),
            ))
        }
        _ => stream.buf.extend_from_slice(&head[..n]),
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
    let mut headers = Vec::with_capacity(rec.len());
    for i in 0..rec.len() {
        let bytes = rec.field(i).unwrap_or_default();
        let text = decode_field(bytes, encoding).map_err(|e| {
            input_err(format!(
                "line 1: header column {} has bytes {} that are not {}",
                i + 1,
                e.hex(),
                match encoding {
                    InputEncoding::Cp932 => "CP932",
                    InputEncoding::Utf8 => "UTF-8",
                }
            ))
        })?;
        headers.push(trim(&text).to_string());
    }
    stream.splitter.expect_fields(headers.len());
    Ok(headers)
}

/// Everything the per-row work needs, built once per run.
pub struct Context<'a> {
    /// Reads rows against the header.
    pub reader: RowReader<'a>,
    /// Shared codes from the first pass.
    pub duplicates: Duplicates,
    /// Rule settings.
    pub rules: RuleConfig,
    /// The batch date and lead.
    pub window: Window,
    /// Notices already issued.
    pub ledger: &'a (dyn NoticeLedger + Sync),
    /// What the notice renderer cannot print faithfully (a character no
    /// configured font draws, a name too long for the window), checked for
    /// due residents after the private-use check. `None` in `kigen check`,
    /// which loads no fonts.
    pub printable: Option<&'a PrintCheck<'a>>,
    /// Japan Post's postal data, for the customer barcode and the postal
    /// check of printed notices (`None`: no barcodes).
    pub postal: Option<&'a (dyn PostalData + Sync)>,
}

/// The renderer's printability check: why a resident's notice cannot be
/// printed faithfully, if it cannot.
pub type PrintCheck<'a> = dyn Fn(&Resident) -> Option<Hold> + Sync + 'a;

/// Why a due resident's notice is held instead of printed (held.csv).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// The field at fault.
    pub field: Field,
    /// The character at fault, when it is one character.
    pub code_point: Option<char>,
    /// Why.
    pub reason: String,
}

/// A resident with a notice to print.
#[derive(Debug, Clone)]
pub struct DueNotice {
    /// The resident.
    pub resident: Resident,
    /// The rules' items.
    pub evaluation: Evaluation,
    /// What is due.
    pub selection: Selection,
    /// The customer barcode's characters (STC … SPC), or why there is none.
    pub barcode: Result<Vec<BarChar>, String>,
}

/// Everything one input row produced.
#[derive(Debug, Clone)]
pub struct RowOutput {
    /// The row's outcome.
    pub outcome: Outcome,
    /// Its outcomes.csv record.
    pub outcome_line: String,
    /// Its rejects.csv record, if rejected.
    pub reject: Option<Reject>,
    /// Its exceptions.csv records (possibly several).
    pub exceptions: Vec<(&'static str, String)>,
    /// Its held.csv record, if held.
    pub held_line: Option<String>,
    /// The status value of an excluded row.
    pub excluded_status: Option<String>,
    /// The notice to print, if `Printed`.
    pub notice: Option<Box<DueNotice>>,
    /// Physical line.
    pub line: u32,
    /// 住民コード (for exceptions and held lines).
    pub resident_code: String,
}

impl RowOutput {
    fn new(line: u32, resident_code: &str, outcome: Outcome) -> Self {
        RowOutput {
            outcome,
            outcome_line: String::new(),
            reject: None,
            exceptions: Vec::new(),
            held_line: None,
            excluded_status: None,
            notice: None,
            line,
            resident_code: resident_code.to_string(),
        }
    }

    fn finish_outcome_line(&mut self, expiries: [Option<chrono::NaiveDate>; 3], detail: &str) {
        let mut s = String::with_capacity(96);
        s.push_str(&self.line.to_string());
        s.push(',');
        crate::outputs::csvfile::push_field(&mut s, &self.resident_code);
        s.push(',');
        s.push_str(self.outcome.as_str());
        for e in expiries {
            s.push(',');
            if let Some(d) = e {
                push_iso_date(&mut s, d);
            }
        }
        s.push(',');
        crate::outputs::csvfile::push_field(&mut s, detail);
        s.push_str("\r\n");
        self.outcome_line = s;
    }

    /// The rejects.csv record.
    pub fn reject_line(&self) -> Option<String> {
        self.reject.as_ref().map(|r| {
            let mut s = String::new();
            push_record(
                &mut s,
                &[
                    r.line.to_string().as_str(),
                    &r.resident_code,
                    &r.field,
                    &r.value,
                    &r.reason,
                ],
            );
            s
        })
    }

    /// The exceptions.csv records.
    pub fn exception_lines(&self) -> String {
        let mut s = String::new();
        let line = self.line.to_string();
        for (code, detail) in &self.exceptions {
            push_record(&mut s, &[line.as_str(), &self.resident_code, code, detail]);
        }
        s
    }
}

/// Processes one record: reading, rules, selection, printability.
pub fn process_record(ctx: &Context<'_>, rec: &crate::registry::split::Record<'_>) -> RowOutput {
    match ctx.reader.read(rec, &ctx.duplicates) {
        RowRead::Rejected(r) => rejected(r),
        RowRead::Excluded {
            line,
            resident_code,
            status,
        } => {
            let mut out = RowOutput::new(line, &resident_code, Outcome::Excluded);
            out.finish_outcome_line([None; 3], &format!("住民状態 {status}"));
            out.excluded_status = Some(status);
            out
        }
        RowRead::Resident(resident) => evaluate_resident(ctx, *resident),
    }
}

fn rejected(r: Reject) -> RowOutput {
    let mut out = RowOutput::new(r.line, &r.resident_code, Outcome::Rejected);
    let detail = format!("{}: {}", r.field, r.reason);
    out.finish_outcome_line([None; 3], &detail);
    out.reject = Some(r);
    out
}

fn evaluate_resident(ctx: &Context<'_>, resident: Resident) -> RowOutput {
    let ev = match evaluate(&resident.dates, ctx.rules) {
        Ok(ev) => ev,
        Err(e) => {
            let RuleError::OutOfRange(kind) = e;
            let field = match kind {
                ItemKind::Card => Field::CardIssued,
                ItemKind::UserCert => Field::UserCertIssued,
                ItemKind::SignCert => Field::SignCertIssued,
            };
            let value = iso(match kind {
                ItemKind::Card => resident.dates.card_issued,
                ItemKind::UserCert => resident.dates.user_issued,
                ItemKind::SignCert => resident.dates.sign_issued,
            });
            return rejected(Reject {
                line: resident.line,
                resident_code: resident.code.clone(),
                field: ctx.reader.columns.name(field).to_string(),
                value,
                reason: "the expiry computed from this date is beyond the supported range".into(),
            });
        }
    };
    let sel = select(&resident.code, &ev, ctx.window, ctx.ledger);
    let mut out = RowOutput::new(resident.line, &resident.code, sel.outcome);
    for f in &ev.findings {
        out.exceptions.push((f.code(), f.detail()));
    }
    for item in &sel.expired_unnoticed {
        out.exceptions.push((
            "expired-unnoticed",
            format!(
                "{} expired {} with no notice issued",
                item.kind.key(),
                iso(Some(item.expiry))
            ),
        ));
    }
    let expiries = ItemKind::ALL.map(|k| ev.item(k).map(|i| i.expiry));
    let keys = |kinds: &[ItemKind]| kinds.iter().map(|k| k.key()).collect::<Vec<_>>().join(" ");
    let detail = match sel.outcome {
        Outcome::NoItem => "no カード発行日".to_string(),
        Outcome::NotDue => String::new(),
        Outcome::AlreadyNoticed => format!("already noticed: {}", keys(&sel.noticed)),
        Outcome::ResidencePeriod => format!(
            "decided by the period of stay, no notice: {}",
            keys(&sel.residence_in_window)
        ),
        _ => {
            let kind = sel.kind.map(|k| k.as_str()).unwrap_or("");
            format!("{kind} notice: {} due", keys(&sel.due))
        }
    };
    if sel.outcome == Outcome::Printed {
        if let Some(Hold {
            field,
            code_point,
            reason,
        }) = unprintable(ctx, &resident)
        {
            out.outcome = Outcome::Held;
            let mut s = String::new();
            push_record(
                &mut s,
                &[
                    resident.line.to_string().as_str(),
                    &resident.code,
                    ctx.reader.columns.name(field),
                    &code_point
                        .map(|c| format!("U+{:04X}", c as u32))
                        .unwrap_or_default(),
                    &reason,
                ],
            );
            out.held_line = Some(s);
            out.finish_outcome_line(expiries, &format!("{detail}; held: {reason}"));
            return out;
        }
        let barcode = match ctx.postal {
            None => Err("no postal data loaded".to_string()),
            // The 住所表示番号 runs on into the building and room, which the
            // registry keeps in 方書 (郵便プラザ503室 → …-503).
            Some(data) => barcode_for(
                resident.postal_code.digits(),
                &if resident.address_extra.is_empty() {
                    resident.address.clone()
                } else {
                    format!("{}　{}", resident.address, resident.address_extra)
                },
                data,
            )
            .map_err(|e| {
                // A code Japan Post does not know, or whose towns are not
                // in the address, may send the notice astray: a person
                // decides (the notice still prints, without a barcode).
                let code = match e {
                    NoBarcode::UnknownPostalCode(_) | NoBarcode::TownMismatch { .. } => {
                        "postal-mismatch"
                    }
                    _ => "no-barcode",
                };
                let why = format!("〒{}: {}", resident.postal_code, e.reason());
                out.exceptions.push((code, why.clone()));
                why
            }),
        };
        out.finish_outcome_line(expiries, &detail);
        out.notice = Some(Box::new(DueNotice {
            resident,
            evaluation: ev,
            selection: sel,
            barcode,
        }));
        return out;
    }
    out.finish_outcome_line(expiries, &detail);
    out
}

/// Why a due resident cannot be printed faithfully: an unmapped private-use
/// character (always), or what the renderer's check finds.
fn unprintable(ctx: &Context<'_>, r: &Resident) -> Option<Hold> {
    for (field, text) in r.printed_fields() {
        if let Some(c) = text.chars().find(|c| is_private_use(*c)) {
            return Some(Hold {
                field,
                code_point: Some(c),
                reason: format!(
                    "unmapped 外字 U+{:04X} in {}",
                    c as u32,
                    ctx.reader.columns.name(field)
                ),
            });
        }
    }
    ctx.printable.and_then(|check| check(r))
}

/// First pass: the codes shared by two or more 住民 rows.
pub fn scan_duplicates(
    path: &Path,
    encoding: InputEncoding,
    profile: &Profile,
) -> Result<Duplicates> {
    let mut stream = RecordStream::open(path)?;
    let columns = read_header(&mut stream, encoding, profile)?;
    let reader = RowReader {
        columns: &columns,
        encoding,
        gaiji: &profile.gaiji,
    };
    let mut keys: Vec<(CodeKey, u32, u64)> = Vec::new();
    let (mut a, mut b) = (RecordBatch::default(), RecordBatch::default());
    while stream.next_batches_parallel(&mut a, &mut b)? {
        for batch in [&a, &b] {
            let found: Vec<_> = (0..batch.len())
                .into_par_iter()
                .filter_map(|i| {
                    let rec = batch.record(i);
                    reader
                        .resident_code_key(&rec)
                        .map(|k| (k, rec.meta.line, rec.meta.offset))
                })
                .collect();
            keys.extend(found);
        }
    }
    // Re-read just the candidate copies to confirm every field decodes.
    let mut failure: Option<Error> = None;
    let duplicates = Duplicates::find_checked(keys, |offset| {
        match record_decodes_at(path, offset, &reader) {
            Ok(ok) => ok,
            Err(e) => {
                failure.get_or_insert(e);
                false
            }
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(duplicates),
    }
}

/// Whether the record starting at byte `offset` of `path` decodes entirely.
fn record_decodes_at(path: &Path, offset: u64, reader: &RowReader<'_>) -> Result<bool> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| Error::io(path, e))?;
    let mut stream = RecordStream {
        path: path.to_path_buf(),
        file,
        buf: Vec::new(),
        start: 0,
        eof: false,
        splitter: Splitter::with_offset(offset),
    };
    let mut batch = RecordBatch::default();
    if !stream.next_batch(&mut batch, 1)? {
        return Ok(false);
    }
    Ok(reader.decodes(&batch.record(0)))
}

/// The outputs of a run of consecutive rows, already formatted: the
/// per-row values are built and dropped on the worker thread that made them,
/// and the writer only appends a few large strings.
#[derive(Debug, Default)]
pub struct ChunkOutput {
    /// outcomes.csv records.
    pub outcomes: String,
    /// rejects.csv records.
    pub rejects: String,
    /// Number of rejects.csv records.
    pub rejects_written: u64,
    /// exceptions.csv records.
    pub exceptions: String,
    /// Number of exceptions.csv records.
    pub exceptions_written: u64,
    /// held.csv records.
    pub held: String,
    /// Number of held.csv records.
    pub held_written: u64,
    /// The rows' counts.
    pub counts: Counts,
    /// Residents to print (when asked for).
    pub notices: Vec<DueNotice>,
}

/// Rows a worker formats in one go.
const CHUNK_RECORDS: usize = 512;

fn process_chunk(
    ctx: &Context<'_>,
    batch: &RecordBatch,
    range: std::ops::Range<usize>,
    keep_notices: bool,
) -> ChunkOutput {
    let mut out = ChunkOutput {
        outcomes: String::with_capacity(range.len() * 72),
        counts: Counts::new(),
        ..ChunkOutput::default()
    };
    for i in range {
        let row = process_record(ctx, &batch.record(i));
        out.counts.add(&row);
        out.outcomes.push_str(&row.outcome_line);
        if let Some(line) = row.reject_line() {
            out.rejects.push_str(&line);
            out.rejects_written += 1;
        }
        if !row.exceptions.is_empty() {
            out.exceptions.push_str(&row.exception_lines());
            out.exceptions_written += row.exceptions.len() as u64;
        }
        if let Some(line) = &row.held_line {
            out.held.push_str(line);
            out.held_written += 1;
        }
        if keep_notices {
            if let Some(n) = row.notice {
                out.notices.push(*n);
            }
        }
    }
    out
}

/// Second pass: every data row through `ctx`, handing each batch's outputs
/// (in input order) to `sink`.
///
/// Three stages overlap: while rayon processes batch N, the calling thread
/// reads batch N+1 and hands batch N−1's outputs to `sink`.
pub fn run_rows(
    path: &Path,
    ctx: &Context<'_>,
    keep_notices: bool,
    mut sink: impl FnMut(Vec<ChunkOutput>) -> Result<()> + Send,
) -> Result<()> {
    let mut stream = RecordStream::open(path)?;
    let headers = read_header_fields(&mut stream, ctx.reader.encoding)?;
    if headers != ctx.reader.columns.headers {
        return Err(Error::Input {
            path: path.to_path_buf(),
            message: "the header row changed while the file was being read".into(),
        });
    }
    let mut current = RecordBatch::default();
    let mut next = RecordBatch::default();
    let mut more = stream.next_batch(&mut current, BATCH_RECORDS)?;
    let mut pending: Option<Vec<ChunkOutput>> = None;
    while more {
        let ((read_more, sunk), outputs) = rayon::join(
            || {
                let read = stream.next_batch(&mut next, BATCH_RECORDS);
                let sunk = pending.take().map(&mut sink).unwrap_or(Ok(()));
                (read, sunk)
            },
            || {
                let n = current.len();
                (0..n.div_ceil(CHUNK_RECORDS))
                    .into_par_iter()
                    .map(|c| {
                        let start = c * CHUNK_RECORDS;
                        process_chunk(
                            ctx,
                            &current,
                            start..(start + CHUNK_RECORDS).min(n),
                            keep_notices,
                        )
                    })
                    .collect::<Vec<_>>()
            },
        );
        sunk?;
        pending = Some(outputs);
        more = read_more?;
        std::mem::swap(&mut current, &mut next);
    }
    if let Some(last) = pending {
        sink(last)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
