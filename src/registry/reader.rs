//! The one reader of the export (in the manner of a searcher and its sinks):
//! it opens the export and the card file, maps the header, runs the first
//! pass (the duplicate scan, the card index, the join keys), reads every row
//! in parallel batches and hands the typed rows to a [`RowSink`], then
//! checks that both passes read the same bytes. The night's pipeline,
//! `check`, `forecast`, the mail room's export and `columns` are its sinks;
//! nothing else opens an input file.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::cards::CardIndex;
use super::columns::ColumnMap;
use super::duplicates::Duplicates;
use super::row::RowReader;
use super::split::RecordBatch;
use super::stream::{
    read_header, read_header_fields, read_header_row, HeaderRow, InputDigest, RecordStream,
    BATCH_RECORDS,
};
use crate::error::{Error, Result};
use crate::model::{CodeKey, InputEncoding, RowRead};
use crate::profile::Profile;

/// The card file to read with `--cards`.
#[derive(Debug, Clone)]
pub struct CardsFile {
    /// Its path.
    pub(crate) path: PathBuf,
    /// Its encoding (the profile's `[cards] encoding` unless overridden).
    pub(crate) encoding: InputEncoding,
}

/// The export to read: the file, its encoding, the profile that maps it and
/// the card file joined to it.
#[derive(Clone, Copy)]
pub(crate) struct Export<'a> {
    /// The registry export.
    pub(crate) input: &'a Path,
    /// Its encoding (the profile's unless overridden).
    pub(crate) encoding: InputEncoding,
    /// The profile (columns, 外字 table, eras, `[input]`, `[cards]`).
    pub(crate) profile: &'a Profile,
    /// `--cards`.
    pub(crate) cards: Option<&'a CardsFile>,
}

/// What the first pass learnt before any row is read: the header's map, the
/// shared 住民コード (and join keys), the digest of the bytes it read and,
/// with `--cards`, the card file's index.
pub struct FirstPass {
    /// The header row mapped to the profile's columns.
    pub(crate) columns: ColumnMap,
    /// The codes shared by two or more 住民 rows.
    pub(crate) duplicates: Duplicates,
    /// The bytes the first pass read.
    pub(crate) digest: InputDigest,
    /// The card file, indexed.
    pub(crate) cards: Option<CardIndex>,
}

/// One row of the export as the reader hands it to a sink.
pub(crate) struct ExportRow {
    /// A resident, an exclusion or a reject.
    pub(crate) read: RowRead,
    /// With a card file: the card record the row's join key found (for a
    /// rejected row too, so that its card is not listed unmatched).
    pub(crate) card_entry: Option<u32>,
}

/// What a command makes of the export's rows: [`RowSink::chunk`] runs on
/// the workers, a run of consecutive rows at a time; the chunks come back
/// to the reading thread in input order (see [`Export::read_rows`]).
pub(crate) trait RowSink: Sync {
    /// What a run of rows makes.
    type Chunk: Send;
    /// Makes the chunk of a run of consecutive rows.
    fn chunk(&self, rows: &mut dyn Iterator<Item = ExportRow>) -> Self::Chunk;
}

/// Rows a worker takes in one go.
const CHUNK_RECORDS: usize = 512;

/// The registry header the card file joins on, with a card file; without
/// one, an error when the profile says its export has no card dates.
pub(crate) fn join_key(profile: &Profile, with_cards: bool) -> Result<Option<&str>> {
    let cards = &profile.settings.cards;
    if with_cards {
        return Ok(Some(cards.registry_key(&profile.settings.columns)));
    }
    if cards.required {
        return Err(Error::Usage(format!(
            "the profile {} reads the card and certificate dates from a card file ([cards] required = true): pass --cards FILE (the card-status extract)",
            profile.name()
        )));
    }
    Ok(None)
}

/// The header row of `path` (an export or a card file), decoded: for
/// `kigen columns`, which shows it without reading any data row.
pub(crate) fn header_row(path: &Path, encoding: InputEncoding) -> Result<HeaderRow> {
    read_header_row(&mut RecordStream::open(path)?, encoding)
}

impl<'a> Export<'a> {
    /// The registry header the card file joins on (see [`join_key`]).
    pub(crate) fn join_key(&self) -> Result<Option<&'a str>> {
        join_key(self.profile, self.cards.is_some())
    }

    /// Runs the first pass: the registry's duplicate scan on one core and,
    /// with `--cards`, the card file's index on the other.
    pub(crate) fn first_pass(&self) -> Result<FirstPass> {
        let join = self.join_key()?;
        let (scan, cards) = rayon::join(
            || self.scan_duplicates(join),
            || {
                self.cards
                    .map(|c| CardIndex::read(&c.path, c.encoding, self.profile))
                    .transpose()
            },
        );
        let (columns, duplicates, digest) = scan?;
        Ok(FirstPass {
            columns,
            duplicates,
            digest,
            cards: cards?,
        })
    }

    fn open(&self) -> Result<RecordStream> {
        let mut stream = RecordStream::open(self.input)?;
        stream.limit_records(self.profile.settings.input.max_record_bytes);
        Ok(stream)
    }

    /// The reader of rows against `columns`, joined to `cards`.
    pub(crate) fn row_reader<'r>(
        &'r self,
        columns: &'r ColumnMap,
        cards: Option<&'r CardIndex>,
    ) -> RowReader<'r> {
        RowReader {
            columns,
            encoding: self.encoding,
            gaiji: &self.profile.gaiji,
            eras: &self.profile.eras,
            feb29: self.profile.settings.rules.feb29,
            cards,
            card_kinds: &self.profile.settings.card_kinds,
        }
    }

    /// The codes shared by two or more 住民 rows (and join keys), with the
    /// header's map and the digest of the bytes the pass read.
    fn scan_duplicates(
        &self,
        join_key: Option<&str>,
    ) -> Result<(ColumnMap, Duplicates, InputDigest)> {
        let mut stream = self.open()?;
        let columns = read_header(&mut stream, self.encoding, self.profile, join_key)?;
        let reader = self.row_reader(&columns, None);
        let mut keys: Vec<(CodeKey, u32, u64)> = Vec::new();
        let mut join_keys: Vec<(CodeKey, u32, u64)> = Vec::new();
        let (mut a, mut b) = (RecordBatch::default(), RecordBatch::default());
        let file_bytes = std::fs::metadata(self.input).map_or(0, |m| m.len());
        while stream.next_batches_parallel(&mut a, &mut b)? {
            if keys.capacity() == 0 {
                // Room for the whole file at the first batches' rate, so
                // that the list is not copied as it grows (pages never
                // written cost no memory).
                keys.reserve(rows_expected(&[&a, &b], file_bytes));
            }
            for batch in [&a, &b] {
                let found: Vec<_> = (0..batch.len())
                    .into_par_iter()
                    .filter_map(|i| {
                        let rec = batch.record(i);
                        let code = reader.resident_code_key(&rec)?;
                        Some((
                            code,
                            reader.join_key_of(&rec),
                            rec.meta.line,
                            rec.meta.offset,
                        ))
                    })
                    .collect();
                for (code, join, line, offset) in found {
                    keys.push((code, line, offset));
                    if let Some(j) = join {
                        join_keys.push((j, line, offset));
                    }
                }
            }
        }
        let digest = stream.finish()?;
        crate::fault::rewrite_point("between-passes", self.input);
        // Re-read just the candidate copies to confirm every field decodes.
        let mut failure: Option<Error> = None;
        let mut usable = |offset| match record_decodes_at(self.input, offset, &reader) {
            Ok(ok) => ok,
            Err(e) => {
                failure.get_or_insert(e);
                false
            }
        };
        let duplicates = Duplicates::find_checked(keys, &mut usable);
        let duplicates = duplicates.with_join_keys(join_keys, &mut usable);
        match failure {
            Some(e) => Err(e),
            None => Ok((columns, duplicates, digest)),
        }
    }

    /// Second pass: every data row, read against `first`'s map and card
    /// index, through `sink` on the workers; each batch's chunks go to
    /// `take` in input order. Returns the digest of the bytes read, which
    /// must be the first pass's: otherwise the export changed between them.
    ///
    /// Three stages overlap: while rayon works on batch N, the calling
    /// thread reads batch N+1 and hands batch N−1's chunks to `take`.
    pub(crate) fn read_rows<S: RowSink>(
        &self,
        first: &FirstPass,
        sink: &S,
        mut take: impl FnMut(Vec<S::Chunk>) -> Result<()> + Send,
    ) -> Result<InputDigest> {
        let mut stream = self.open()?;
        let headers = read_header_fields(&mut stream, self.encoding)?;
        if headers != first.columns.headers {
            return Err(Error::Input {
                path: self.input.to_path_buf(),
                message: "the header row changed while the file was being read".into(),
            });
        }
        let reader = self.row_reader(&first.columns, first.cards.as_ref());
        let (mut current, mut next) = (RecordBatch::default(), RecordBatch::default());
        let file_bytes = std::fs::metadata(self.input).map_or(0, |m| m.len());
        crate::progress::reading(file_bytes);
        let mut more = stream.next_batch(&mut current, BATCH_RECORDS)?;
        crate::fault::rewrite_point("while-reading", self.input);
        let mut pending: Option<Vec<S::Chunk>> = None;
        while more {
            let ((read_more, taken), chunks) = rayon::join(
                || {
                    let read = stream.next_batch(&mut next, BATCH_RECORDS);
                    let taken = pending.take().map(&mut take).unwrap_or(Ok(()));
                    (read, taken)
                },
                || chunks_of(&current, &reader, &first.duplicates, sink),
            );
            taken?;
            crate::progress::rows_read(
                current.len() as u64,
                current.records.last().map_or(0, |r| r.offset),
            );
            pending = Some(chunks);
            more = read_more?;
            std::mem::swap(&mut current, &mut next);
        }
        if let Some(last) = pending {
            take(last)?;
        }
        let digest = stream.finish()?;
        crate::progress::phase_done();
        self.same_bytes(&first.digest, &digest)?;
        Ok(digest)
    }

    /// Both passes must have read the same bytes: the export did not change
    /// between them.
    fn same_bytes(&self, first: &InputDigest, second: &InputDigest) -> Result<()> {
        if first == second {
            return Ok(());
        }
        Err(Error::InputChanged {
            path: self.input.to_path_buf(),
            what: format!(
                "the first pass read {} bytes with SHA-256 {}, the second {} bytes with {}",
                first.bytes, first.sha256, second.bytes, second.sha256
            ),
        })
    }
}

/// The rows a file of `file_bytes` holds at the rate of `batches` (which
/// start at its beginning), with a tenth to spare.
fn rows_expected(batches: &[&RecordBatch], file_bytes: u64) -> usize {
    let rows: usize = batches.iter().map(|b| b.len()).sum();
    let read = batches
        .iter()
        .filter_map(|b| b.records.last())
        .map(|r| r.offset)
        .max()
        .unwrap_or(0);
    if rows == 0 || read == 0 {
        return rows;
    }
    let estimate = (file_bytes as f64 / read as f64 * rows as f64 * 1.1) as usize;
    estimate.min(usize::try_from(file_bytes).unwrap_or(usize::MAX))
}

/// One batch's rows through `sink`, [`CHUNK_RECORDS`] at a time, in
/// parallel; the chunks in input order.
fn chunks_of<S: RowSink>(
    batch: &RecordBatch,
    reader: &RowReader<'_>,
    duplicates: &Duplicates,
    sink: &S,
) -> Vec<S::Chunk> {
    let n = batch.len();
    (0..n.div_ceil(CHUNK_RECORDS))
        .into_par_iter()
        .map(|c| {
            let start = c * CHUNK_RECORDS;
            let mut rows = (start..(start + CHUNK_RECORDS).min(n)).map(|i| {
                let rec = batch.record(i);
                let read = reader.read(&rec, duplicates);
                let card_entry = match &read {
                    RowRead::Rejected(_) => reader.resident_card_entry(&rec),
                    RowRead::Excluded { card_entry, .. } => *card_entry,
                    RowRead::Resident(r) => r.card_entry,
                };
                ExportRow { read, card_entry }
            });
            sink.chunk(&mut rows)
        })
        .collect()
}

/// Whether the record starting at byte `offset` of `path` decodes entirely.
fn record_decodes_at(path: &Path, offset: u64, reader: &RowReader<'_>) -> Result<bool> {
    let mut stream = RecordStream::open_at(path, offset, 0)?;
    let mut batch = RecordBatch::default();
    if !stream.next_batch(&mut batch, 1)? {
        return Ok(false);
    }
    Ok(reader.decodes(&batch.record(0)))
}
