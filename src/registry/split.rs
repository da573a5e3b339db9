//! Splitting raw export bytes into CSV records, before any decoding.
//!
//! The structure of the file is found on bytes: in CP932 (and in UTF-8) every
//! byte of a multi-byte character is ≥ 0x40, so a comma, a double quote, CR or
//! LF is always that character and never half of a kanji. Splitting first and
//! decoding each field afterwards is what lets one row with a bad byte be
//! rejected while the rest of the file survives.
//!
//! Quoting follows RFC 4180 with the lenient reading spreadsheets use: a field
//! that starts with `"` runs to the closing quote (`""` is a literal quote, and
//! commas and line breaks inside are data); anything after the closing quote up
//! to the next comma is appended as it is; a quote in the middle of an unquoted
//! field is data. A quote left open runs to the end of the file, and the record
//! is flagged so that its row is rejected rather than silently merged.

use memchr::{memchr, memchr3};

/// One CSV record: its fields (unescaped, still undecoded bytes) and where it
/// came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordMeta {
    /// Physical line on which the record starts (the header is line 1).
    pub line: u32,
    /// Byte offset of the record's first byte in the file.
    pub(crate) offset: u64,
    /// Index of the record's first field in [`RecordBatch::field_ends`].
    first_field: u32,
    /// Number of fields.
    pub(crate) field_count: u32,
    /// A quoted field was still open at the end of the file.
    pub unterminated_quote: bool,
    /// The record ran past the stream's size limit: it has no fields, and
    /// reading resumed on the next line (`RecordStream`).
    pub(crate) too_long: bool,
}

/// A run of records sharing one byte arena, so that a million rows do not cost
/// a million allocations.
#[derive(Debug, Default)]
pub struct RecordBatch {
    data: Vec<u8>,
    /// End offset in `data` of every field, in record order.
    field_ends: Vec<u32>,
    /// Offset of every field's first raw byte from its record's start (for
    /// reporting where a bad byte sits in the line).
    field_raw_starts: Vec<u32>,
    /// The records.
    pub(crate) records: Vec<RecordMeta>,
}

impl RecordBatch {
    /// Removes all records, keeping the allocations.
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.field_ends.clear();
        self.field_raw_starts.clear();
        self.records.clear();
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Adds `delta` to every record's line (records split by a forked
    /// splitter, once the lines before them are counted).
    pub(crate) fn shift_lines(&mut self, delta: u32) {
        for r in &mut self.records {
            r.line = r.line.saturating_add(delta);
        }
    }

    /// Adds a record that was too long to be read: no fields, its line and
    /// byte offset only.
    pub(crate) fn push_too_long(&mut self, line: u32, offset: u64) {
        self.records.push(RecordMeta {
            line,
            offset,
            first_field: self.field_ends.len() as u32,
            field_count: 0,
            unterminated_quote: false,
            too_long: true,
        });
    }

    /// The fields of record `i` as a borrowed view.
    pub fn record(&self, i: usize) -> Record<'_> {
        let meta = self.records[i];
        Record { batch: self, meta }
    }
}

/// A borrowed view of one record.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    batch: &'a RecordBatch,
    /// Where the record came from.
    pub meta: RecordMeta,
}

impl<'a> Record<'a> {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.meta.field_count as usize
    }

    /// True for a record with no fields (never produced by the splitter).
    pub fn is_empty(&self) -> bool {
        self.meta.field_count == 0
    }

    /// The unescaped bytes of field `i`, or `None` past the last field.
    pub fn field(&self, i: usize) -> Option<&'a [u8]> {
        if i >= self.len() {
            return None;
        }
        let idx = self.meta.first_field as usize + i;
        let end = self.batch.field_ends[idx] as usize;
        let start = if idx == 0 {
            0
        } else {
            self.batch.field_ends[idx - 1] as usize
        };
        Some(&self.batch.data[start..end])
    }

    /// Offset of field `i`'s first raw byte (its opening quote, if quoted)
    /// from the start of the record.
    pub(crate) fn field_raw_start(&self, i: usize) -> u32 {
        self.batch
            .field_raw_starts
            .get(self.meta.first_field as usize + i)
            .copied()
            .unwrap_or(0)
    }
}

/// Splits a byte stream into records, keeping count of physical lines.
///
/// Physical lines end at LF, CRLF or a lone CR. Empty lines between records
/// are skipped (they are no row of data) but counted.
#[derive(Debug)]
pub struct Splitter {
    line: u32,
    offset: u64,
    /// The header's field count, once known.
    expected_fields: Option<usize>,
}

impl Default for Splitter {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`Splitter::split`] did with its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitProgress {
    /// Bytes of the input fully consumed (complete records and skipped line ends).
    pub consumed: usize,
    /// Records appended to the batch.
    pub(crate) records: usize,
}

impl Splitter {
    /// A splitter positioned at the start of a file (line 1, offset 0).
    pub fn new() -> Self {
        Splitter {
            line: 1,
            offset: 0,
            expected_fields: None,
        }
    }

    /// Sets the header's field count. A record whose quoted field runs over
    /// a line break and which then has another field count is a quote left
    /// open by mistake, not a multi-line field: see [`Splitter::split`].
    pub fn expect_fields(&mut self, n: usize) {
        self.expected_fields = Some(n);
    }

    /// A splitter for input that starts `offset` bytes into the file (after
    /// a byte-order mark), still on line 1.
    pub fn with_offset(offset: u64) -> Self {
        Splitter {
            line: 1,
            offset,
            expected_fields: None,
        }
    }

    /// A splitter for the same file starting `skip` bytes further on, on a
    /// line of unknown number (counted from 1; see [`RecordBatch::shift_lines`]).
    pub(crate) fn fork(&self, skip: usize) -> Splitter {
        Splitter {
            line: 1,
            offset: self.offset + skip as u64,
            expected_fields: self.expected_fields,
        }
    }

    /// Moves the line count on by `delta` (after a fork's lines are known).
    pub fn shift_lines(&mut self, delta: u32) {
        self.line = self.line.saturating_add(delta);
    }

    /// Skips `bytes` bytes holding `lines` line breaks (a record too long to
    /// read, discarded by the stream).
    pub(crate) fn skip(&mut self, bytes: u64, lines: u32) {
        self.offset += bytes;
        self.line = self.line.saturating_add(lines);
    }

    /// The byte offset in the file the next record would start at.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The physical line the next record would start on.
    pub(crate) fn line(&self) -> u32 {
        self.line
    }

    /// Splits as many complete records of `input` as it can into `batch`, at
    /// most `max_records`. With `eof` false, a record that may continue past
    /// the end of `input` is left unconsumed for the next call (with more
    /// bytes); with `eof` true the rest of the input is taken as final.
    pub fn split(
        &mut self,
        input: &[u8],
        eof: bool,
        max_records: usize,
        batch: &mut RecordBatch,
    ) -> SplitProgress {
        let mut pos = 0usize;
        let mut records = 0usize;
        while pos < input.len() && records < max_records {
            // Skip blank lines: they hold no row.
            match line_end_len(input, pos, eof) {
                None => break, // may be the CR of a CRLF split across reads
                Some(0) => {}
                Some(n) => {
                    pos += n;
                    self.line = self.line.saturating_add(1);
                    continue;
                }
            }
            let mark = BatchMark::of(batch);
            match parse_record(&input[pos..], eof, batch) {
                Some(parsed)
                    if self.quote_left_open(&parsed, batch.field_ends.len() - mark.fields) =>
                {
                    pos += self.push_first_line(&input[pos..], pos, mark, batch);
                    records += 1;
                }
                Some(parsed) => {
                    batch.records.push(RecordMeta {
                        line: self.line,
                        offset: self.offset + pos as u64,
                        first_field: mark.fields as u32,
                        field_count: (batch.field_ends.len() - mark.fields) as u32,
                        unterminated_quote: parsed.unterminated_quote,
                        too_long: false,
                    });
                    self.line = self.line.saturating_add(parsed.line_breaks);
                    pos += parsed.len;
                    records += 1;
                }
                None => {
                    mark.restore(batch);
                    break;
                }
            }
        }
        self.offset += pos as u64;
        SplitProgress {
            consumed: pos,
            records,
        }
    }

    /// Whether a record just parsed (with `fields` fields) is a quote left
    /// open by mistake rather than a genuine multi-line field.
    #[inline]
    fn quote_left_open(&self, parsed: &Parsed, fields: usize) -> bool {
        // A quote left open would swallow the following lines (to the next
        // quote, or the end of the file) into one row: those rows would
        // vanish. So a quoted field that runs over a line break and then
        // either has more text after its closing quote or leaves the row
        // without the header's field count counts as open, as does a quote
        // that never closes.
        parsed.unterminated_quote
            || (parsed.quoted_breaks > 0
                && (parsed.text_after_quote || self.expected_fields.is_some_and(|n| n != fields)))
    }

    /// Replaces the record parsed from `rest` (which starts `pos` bytes into
    /// this call's input; `mark` is the batch before it) by its first physical
    /// line alone, flagged for the quote, so that reading resumes on the next
    /// line. Returns the bytes consumed.
    #[inline]
    fn push_first_line(
        &mut self,
        rest: &[u8],
        pos: usize,
        mark: BatchMark,
        batch: &mut RecordBatch,
    ) -> usize {
        let first_field = mark.fields as u32;
        mark.restore(batch);
        let (line_len, term_len) = match memchr::memchr2(b'\r', b'\n', rest) {
            Some(i) if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') => (i, 2),
            Some(i) => (i, 1),
            None => (rest.len(), 0),
        };
        batch.field_raw_starts.push(0);
        batch.data.extend_from_slice(&rest[..line_len]);
        batch.field_ends.push(batch.data.len() as u32);
        batch.records.push(RecordMeta {
            line: self.line,
            offset: self.offset + pos as u64,
            first_field,
            field_count: 1,
            unterminated_quote: true,
            too_long: false,
        });
        if term_len > 0 {
            self.line = self.line.saturating_add(1);
        }
        line_len + term_len
    }
}

/// Length of the line terminator at `input[pos]` (LF, CRLF or a lone CR), 0
/// when there is none there; `None` for a CR at the end of `input` that may
/// be the first half of a CRLF split across reads (only when `eof` is false).
#[inline]
fn line_end_len(input: &[u8], pos: usize, eof: bool) -> Option<usize> {
    match input.get(pos) {
        Some(b'\n') => Some(1),
        Some(b'\r') => {
            if pos + 1 < input.len() {
                Some(if input[pos + 1] == b'\n' { 2 } else { 1 })
            } else if eof {
                Some(1)
            } else {
                None
            }
        }
        _ => Some(0),
    }
}

struct BatchMark {
    data: usize,
    fields: usize,
}

impl BatchMark {
    fn of(batch: &RecordBatch) -> Self {
        BatchMark {
            data: batch.data.len(),
            fields: batch.field_ends.len(),
        }
    }
    fn restore(self, batch: &mut RecordBatch) {
        batch.data.truncate(self.data);
        batch.field_ends.truncate(self.fields);
        batch.field_raw_starts.truncate(self.fields);
    }
}

struct Parsed {
    /// Bytes consumed, including the record's line terminator.
    len: usize,
    /// Line breaks consumed (inside quotes and the terminator).
    line_breaks: u32,
    /// Line breaks inside quoted fields.
    quoted_breaks: u32,
    /// A closing quote followed by something other than a comma or a line
    /// end (`"abc"def`): the quote was probably not a closing one.
    text_after_quote: bool,
    unterminated_quote: bool,
}

/// Parses one record from the start of `input`. `None` when the record may
/// continue beyond `input` and `eof` is false.
fn parse_record(input: &[u8], eof: bool, batch: &mut RecordBatch) -> Option<Parsed> {
    let mut parsed = Parsed {
        len: 0,
        line_breaks: 0,
        quoted_breaks: 0,
        text_after_quote: false,
        unterminated_quote: false,
    };
    let mut pos = 0usize;
    loop {
        batch.field_raw_starts.push(pos as u32);
        if input.get(pos) == Some(&b'"') {
            pos = quoted_part(input, pos + 1, eof, batch, &mut parsed)?;
        }
        // Unquoted field, or the text after a closing quote.
        pos = unquoted_part(input, pos, eof, batch)?;
        batch.field_ends.push(batch.data.len() as u32);
        if input.get(pos) == Some(&b',') {
            pos += 1;
            continue;
        }
        let term = line_end_len(input, pos, eof)?;
        if term > 0 {
            parsed.line_breaks += 1;
        }
        parsed.len = pos + term;
        return Some(parsed);
    }
}

/// Appends the quoted part of a field, from `pos` just after its opening
/// quote, to the batch. Returns the position after the closing quote (or the
/// end of `input` for a quote never closed), `None` when the field may
/// continue beyond `input` and `eof` is false.
#[inline]
fn quoted_part(
    input: &[u8],
    mut pos: usize,
    eof: bool,
    batch: &mut RecordBatch,
    parsed: &mut Parsed,
) -> Option<usize> {
    loop {
        let Some(q) = memchr(b'"', &input[pos..]) else {
            if !eof {
                return None;
            }
            let n = count_line_breaks(&input[pos..]);
            parsed.line_breaks += n;
            parsed.quoted_breaks += n;
            batch.data.extend_from_slice(&input[pos..]);
            parsed.unterminated_quote = true;
            return Some(input.len());
        };
        let chunk = &input[pos..pos + q];
        let n = count_line_breaks(chunk);
        parsed.line_breaks += n;
        parsed.quoted_breaks += n;
        batch.data.extend_from_slice(chunk);
        pos += q + 1;
        if input.get(pos) == Some(&b'"') {
            batch.data.push(b'"');
            pos += 1;
            continue;
        }
        if pos >= input.len() && !eof {
            return None; // the next byte might be the second quote of `""`
        }
        if !matches!(input.get(pos), None | Some(b',' | b'\r' | b'\n')) {
            parsed.text_after_quote = true;
        }
        return Some(pos);
    }
}

/// Appends the unquoted bytes from `pos` to the next comma or line end to the
/// batch and returns where they stop; `None` when they may continue beyond
/// `input` and `eof` is false.
#[inline]
fn unquoted_part(input: &[u8], pos: usize, eof: bool, batch: &mut RecordBatch) -> Option<usize> {
    let rest = &input[pos..];
    match memchr3(b',', b'\r', b'\n', rest) {
        Some(i) => {
            batch.data.extend_from_slice(&rest[..i]);
            Some(pos + i)
        }
        None => {
            if !eof {
                return None;
            }
            batch.data.extend_from_slice(rest);
            Some(input.len())
        }
    }
}

/// Line breaks in `bytes`: LF, CRLF and lone CR each count once.
pub(crate) fn count_line_breaks(bytes: &[u8]) -> u32 {
    let mut n = 0u32;
    let mut i = 0usize;
    while let Some(j) = memchr::memchr2(b'\r', b'\n', &bytes[i..]) {
        let k = i + j;
        n = n.saturating_add(1);
        i = if bytes[k] == b'\r' && bytes.get(k + 1) == Some(&b'\n') {
            k + 2
        } else {
            k + 1
        };
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(input: &[u8]) -> Vec<(u32, Vec<String>, bool)> {
        let mut s = Splitter::new();
        let mut b = RecordBatch::default();
        let p = s.split(input, true, usize::MAX, &mut b);
        assert_eq!(p.consumed, input.len());
        (0..b.len())
            .map(|i| {
                let r = b.record(i);
                let fields = (0..r.len())
                    .map(|f| String::from_utf8_lossy(r.field(f).unwrap()).into_owned())
                    .collect();
                (r.meta.line, fields, r.meta.unterminated_quote)
            })
            .collect()
    }

    #[test]
    fn plain_and_quoted_fields() {
        let got = split_all(b"a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\n");
        assert_eq!(got[0], (1, vec!["a".into(), "b".into(), "c".into()], false));
        assert_eq!(
            got[1],
            (
                2,
                vec!["1".into(), "x,y".into(), "he said \"hi\"".into()],
                false
            )
        );
    }

    #[test]
    fn physical_lines_count_breaks_inside_quotes_and_lone_cr() {
        let got = split_all(b"h1,h2\n\"two\nlines\",x\rnext,y\r\n\r\nlast,z");
        let lines: Vec<u32> = got.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 4, 6]);
        assert_eq!(got[1].1[0], "two\nlines");
        assert_eq!(got[3].1, vec!["last".to_string(), "z".to_string()]);
    }

    #[test]
    fn trailing_empty_field_and_empty_record_fields() {
        let got = split_all(b"a,b,\n,,\n");
        assert_eq!(got[0].1.len(), 3);
        assert_eq!(got[1].1, vec!["", "", ""]);
    }

    #[test]
    fn unterminated_quote_is_its_own_line_and_reading_resumes() {
        let got = split_all(b"a,b\n\"open,x\ny,z\r\nw,v");
        assert_eq!(got.len(), 4);
        assert!(got[1].2, "flagged");
        assert_eq!(got[1].0, 2);
        assert_eq!(got[1].1, vec!["\"open,x".to_string()]);
        assert_eq!(
            (got[2].0, got[2].1.clone()),
            (3, vec!["y".to_string(), "z".to_string()])
        );
        assert_eq!((got[3].0, got[3].2), (4, false));
        // A quote that does close later is an ordinary multi-line field.
        let got = split_all(b"\"a\nb\",c\nd,e\n");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, 3);
    }

    #[test]
    fn text_after_closing_quote_is_kept() {
        let got = split_all(b"\"ab\"cd,e\n");
        assert_eq!(got[0].1, vec!["abcd", "e"]);
    }

    #[test]
    fn incremental_split_matches_whole() {
        let input: &[u8] = b"h,i\r\n\"q\r\nq\",2\r\n3,\"\"\"\"\r\nx,y";
        let whole = split_all(input);
        for cut in 0..input.len() {
            let mut s = Splitter::new();
            let mut b = RecordBatch::default();
            let p1 = s.split(&input[..cut], false, usize::MAX, &mut b);
            let mut rest = input[p1.consumed..].to_vec();
            rest.truncate(input.len() - p1.consumed);
            let p2 = s.split(&rest, true, usize::MAX, &mut b);
            assert_eq!(p1.consumed + p2.consumed, input.len(), "cut {cut}");
            let got: Vec<(u32, Vec<String>)> = (0..b.len())
                .map(|i| {
                    let r = b.record(i);
                    (
                        r.meta.line,
                        (0..r.len())
                            .map(|f| String::from_utf8_lossy(r.field(f).unwrap()).into_owned())
                            .collect(),
                    )
                })
                .collect();
            let want: Vec<(u32, Vec<String>)> = whole.iter().map(|w| (w.0, w.1.clone())).collect();
            assert_eq!(got, want, "cut {cut}");
        }
    }

    #[test]
    fn an_open_quote_does_not_swallow_the_next_rows() {
        let mut s = Splitter::new();
        s.expect_fields(2);
        let mut b = RecordBatch::default();
        let input = b"\"open,x\ny,z\n\"two\nlines\",ok\nlast,\"q\n";
        s.split(input, true, usize::MAX, &mut b);
        let lines: Vec<(u32, bool, usize)> = (0..b.len())
            .map(|i| {
                let r = b.record(i);
                (r.meta.line, r.meta.unterminated_quote, r.len())
            })
            .collect();
        // Line 1 opens a quote that "closes" on line 3: the row is line 1
        // alone; line 2 is read; lines 3-4 are a genuine two-line field.
        assert_eq!(
            lines,
            vec![(1, true, 1), (2, false, 2), (3, false, 2), (5, true, 1)]
        );
    }

    #[test]
    fn counts_line_breaks() {
        assert_eq!(count_line_breaks(b"a\r\nb\rc\nd"), 3);
        assert_eq!(count_line_breaks(b"\r\r\n\n"), 3);
    }
}
