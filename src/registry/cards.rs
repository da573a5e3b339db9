//! The card-status file (SPEC 9, `--cards`): J-LIS's card and certificate
//! dates, reached through the CS / 統合端末, as a second CSV joined to the
//! registry on a key (the 住民票コード in the standard layout).
//!
//! The whole card file is read into a [`CardIndex`] first (in parallel, and
//! alongside the registry's duplicate scan), validated like the registry:
//! strict decoding per row, line numbers, dates, and a key that occurs twice
//! rejecting every copy. The registry then streams past it; every registry
//! row looks its key up ([`CardIndex::lookup`]), and what the rows found is
//! tallied in [`CardJoins`], so that after the registry every card row ends
//! in exactly one place: joined, rejected (rejects.csv, `source` = `cards`),
//! or unmatched (cards-unmatched.csv).
//!
//! The join key is never written out: a card row's reject shows it only when
//! it is also the 住民コード, and cards-unmatched.csv shows its last four
//! characters (the key may be the 住民票コード, which the outputs must not
//! carry).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::decode::{self, decode_field};
use super::spill::{RejectSpill, SpilledRejects};
use super::split::{Record, RecordBatch};
use super::stream::{read_header_row, InputDigest, RecordStream};
use crate::error::{Error, Result};
use crate::model::{
    valid_resident_code, CodeKey, Field, InputEncoding, Reject, RejectCode, RejectReason,
    UnmatchedCard, UnmatchedReason,
};
use crate::mynumber::{looks_like_my_number, MASKED, PERSONAL_NUMBER};
use crate::profile::{unmapped_card_kind, CardColumns, CardKinds, Profile};
use crate::rules::CardKind;
use crate::text::{fold_key, trim};
use crate::wareki::Eras;

/// The card dates of one card record, in [`Field::CARD_DATES`] order, and
/// its card kind when the card file maps `card_kind` (SPEC 15).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CardDates(
    pub(crate) [Option<NaiveDate>; 7],
    pub(crate) Option<CardKind>,
);

impl CardDates {
    /// The date of a card field (`None` for an empty one, or a field that
    /// is not a card date).
    pub(crate) fn get(&self, field: Field) -> Option<NaiveDate> {
        let i = Field::CARD_DATES.iter().position(|f| *f == field)?;
        self.0[i]
    }
}

/// What one card record is.
#[derive(Debug, Clone)]
enum CardState {
    /// Valid, its key occurring once: it joins.
    Joinable(CardDates),
    /// Rejected (its reject is in rejects.csv); a registry row with its key
    /// is rejected with this reason, an index into [`CardIndex::reasons`]
    /// (one copy of each distinct reason: a card file of a million rows of
    /// the wrong shape holds one string, not a million).
    Rejected(u32),
}

/// One data record of the card file whose key could be read (a record
/// whose key could not is only counted: it is `unattributed`).
#[derive(Debug, Clone)]
struct CardEntry {
    line: u32,
    key: CodeKey,
    state: CardState,
}

/// What a registry row found in the card file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CardLookup<'a> {
    /// No card record has the key: the row has no card (`no-item`).
    NoRecord,
    /// The card record `entry` (an index for [`CardJoins`]) with its dates.
    Joined {
        /// The record's index.
        entry: u32,
        /// Its dates.
        dates: &'a CardDates,
    },
    /// The card record with the key is rejected (a bad field, or the key
    /// occurs twice): the registry row is rejected with `reason`.
    Rejected {
        /// The record's index.
        entry: u32,
        /// The record's line in the card file.
        line: u32,
        /// What is wrong (the field, or the lines of a repeated key).
        reason: &'a str,
    },
}

/// The card file, read, validated and indexed by key.
#[derive(Debug)]
pub(crate) struct CardIndex {
    entries: Vec<CardEntry>,
    by_key: FxHashMap<CodeKey, u32>,
    /// The distinct reasons of rejected records.
    reasons: Vec<Box<str>>,
    /// The card file's own rejects (rejects.csv with `source` = `cards`),
    /// on disk: see [`CardIndex::for_each_reject`].
    rejects: CardRejects,
    /// Data records read.
    rows: u64,
    /// Rejected records whose key could not be read: no 住民 row can be
    /// told about them (SPEC 13).
    unattributed: u64,
    /// The bytes read.
    pub(crate) digest: InputDigest,
    /// Each card profile key and the header it was read from (`None`:
    /// listed absent), key first (summary.json's `card_columns`).
    pub(crate) columns: Vec<(String, Option<String>)>,
}

/// Where each card column sits in the card file.
#[derive(Debug)]
struct CardColumnMap {
    width: usize,
    key: usize,
    key_name: String,
    dates: [Option<usize>; 7],
    names: [String; 7],
    /// `[cards.columns] card_kind`: its column and header, when mapped.
    kind: Option<(usize, String)>,
    /// The join key is the 住民コード: it may be written in a reject.
    key_is_resident_code: bool,
}

impl CardIndex {
    /// Reads and validates the whole card file. Fatal: the file cannot be
    /// read, is in another encoding, or its header lacks the key or a mapped
    /// date column (exit 2, naming it).
    pub(crate) fn read(
        path: &Path,
        encoding: InputEncoding,
        profile: &Profile,
    ) -> Result<CardIndex> {
        let settings = &profile.settings;
        let mut stream = RecordStream::open(path)?;
        stream.limit_records(settings.input.max_record_bytes);
        let header = read_header_row(&mut stream, encoding).map_err(for_cards)?;
        let registry_key = settings.cards.registry_key(&settings.columns);
        let mut map = CardColumnMap::new(&header.fields, &settings.cards.columns, registry_key)
            .map_err(|message| {
                header
                    .wrong_encoding_by(path, encoding, |h| {
                        CardColumnMap::new(h, &settings.cards.columns, registry_key).is_ok()
                    })
                    .map(for_cards)
                    .unwrap_or_else(|| Error::Input {
                        path: path.to_path_buf(),
                        message: format!("line 1: {message}"),
                    })
            })?;
        map.key_is_resident_code =
            registry_key == settings.columns.header(Field::ResidentCode).trim();
        let reader = CardReader {
            map: &map,
            encoding,
            eras: &profile.eras,
            kinds: &settings.card_kinds,
        };
        // One pass: each batch is parsed in parallel and indexed at once, so
        // that no second copy of the rows is made; sized from the file so
        // that the vectors do not grow by copying.
        let estimate = (stream_len(path) / 64) as usize;
        let mut builder = IndexBuilder::with_capacity(estimate)?;
        let (mut a, mut b) = (RecordBatch::default(), RecordBatch::default());
        while stream.next_batches_parallel(&mut a, &mut b)? {
            for batch in [&a, &b] {
                let rows: Vec<Parsed> = (0..batch.len())
                    .into_par_iter()
                    .map(|i| reader.read(&batch.record(i)))
                    .collect();
                for p in rows {
                    builder.push(p)?;
                }
            }
        }
        let digest = stream.finish()?;
        let mut columns = vec![("key".to_string(), Some(map.key_name.clone()))];
        for (i, f) in Field::CARD_DATES.into_iter().enumerate() {
            columns.push((
                f.key().to_string(),
                map.dates[i].map(|_| map.names[i].clone()),
            ));
        }
        if let Some((_, name)) = &map.kind {
            columns.push((Field::CardKind.key().to_string(), Some(name.clone())));
        }
        let (rows, unattributed) = (builder.rows, builder.unattributed);
        let (entries, by_key, reasons, rejects) = builder.finish(&map)?;
        Ok(CardIndex {
            entries,
            by_key,
            reasons,
            rejects,
            rows,
            unattributed,
            digest,
            columns,
        })
    }

    /// The card record of a registry row's join key (as
    /// [`CardIndex::join_key`] gives it).
    pub(crate) fn lookup(&self, key: CodeKey) -> CardLookup<'_> {
        let k = key;
        let Some(&i) = self.by_key.get(&k) else {
            return CardLookup::NoRecord;
        };
        let e = &self.entries[i as usize];
        match &e.state {
            CardState::Joinable(dates) => CardLookup::Joined { entry: i, dates },
            CardState::Rejected(r) => CardLookup::Rejected {
                entry: i,
                line: e.line,
                reason: self.reasons.get(*r as usize).map_or("", |r| r),
            },
        }
    }

    /// Card rows read (the card file's data records).
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Card rows rejected (rejects.csv, `source` = `cards`).
    pub(crate) fn rejected(&self) -> u64 {
        self.rejects.count
    }

    /// Of the rejected card rows, those whose key could not be read: no
    /// 住民 row was told (SPEC 13, `[cards] max_unattributed`).
    pub(crate) fn unattributed(&self) -> u64 {
        self.unattributed
    }

    /// The card file's rejects, in line order, each passed to `each`; read
    /// back from disk, so that memory does not grow with them.
    pub(crate) fn for_each_reject(&self, mut each: impl FnMut(Reject) -> Result<()>) -> Result<()> {
        let r = &self.rejects;
        let mut repeated = r.repeated.iter().peekable();
        r.spilled.for_each(|rej| {
            while let Some(x) = repeated.next_if(|x| x.line < rej.line) {
                each(x.clone())?;
            }
            if r.replaced.contains(&rej.line) {
                return Ok(());
            }
            each(rej)
        })?;
        for x in repeated {
            each(x.clone())?;
        }
        Ok(())
    }

    /// A join key as the card file and the registry compare it (SPEC 13):
    /// full-width letters and digits folded, spaces, hyphens, dashes and
    /// long-vowel marks removed; `None` when what is left is not a key
    /// (1–15 ASCII letters or digits).
    pub(crate) fn join_key(text: &str) -> Option<CodeKey> {
        CodeKey::new(&fold_key(trim(text)))
    }

    /// The card rows no 住民 row joined, with why (cards-unmatched.csv), in
    /// line order. Rejected rows are not among them: they are in rejects.
    pub(crate) fn unmatched(&self, joins: &CardJoins) -> Vec<UnmatchedCard> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e.state, CardState::Joinable(_)))
            .filter_map(|(i, e)| {
                let (reason, status) = match joins.seen.get(i).copied().unwrap_or(Seen::None) {
                    Seen::Resident => return None,
                    Seen::None => (UnmatchedReason::NoRegistryRow, String::new()),
                    Seen::Other => {
                        let status = joins.status.get(&(i as u32)).map(String::as_str);
                        (
                            UnmatchedReason::NotResident,
                            status.unwrap_or("").to_string(),
                        )
                    }
                };
                Some(UnmatchedCard {
                    line: e.line,
                    key_hint: key_hint(e.key.as_str()),
                    reason,
                    status,
                })
            })
            .collect()
    }

    /// The tally the registry pass fills.
    pub(crate) fn joins(&self) -> CardJoins {
        CardJoins {
            seen: vec![Seen::None; self.entries.len()],
            status: HashMap::new(),
        }
    }
}

/// An encoding message about the card file names the card file's option
/// and profile key, not the registry's.
fn for_cards(e: Error) -> Error {
    match e {
        Error::Input { path, message } => Error::Input {
            path,
            message: message
                .replace("pass --encoding ", "pass --cards-encoding ")
                .replace(
                    "set input.encoding in the profile",
                    "set [cards] encoding in the profile",
                ),
        },
        e => e,
    }
}

/// The card file's key header: `[cards.columns] key`, else the registry's
/// join header.
fn key_header(columns: &CardColumns, registry_key: &str) -> String {
    match columns.key.trim() {
        "" => registry_key.to_string(),
        key => key.to_string(),
    }
}

/// Where one card key stands in the card file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CardPlace {
    /// At this column (0-based).
    Column(usize),
    /// Not there, and listed in `[cards.columns] absent`.
    ListedAbsent,
    /// Not there.
    Missing,
}

/// For `kigen columns --cards`: each card key (`key`, then the dates) with
/// its header name and place; and the error a run would stop with, if any.
pub(crate) fn card_placements(
    headers: &[String],
    columns: &CardColumns,
    registry_key: &str,
) -> (Vec<(String, String, CardPlace)>, Option<String>) {
    let at = |want: &str, absent: bool| match headers.iter().position(|h| h == want) {
        Some(i) => CardPlace::Column(i),
        None if absent => CardPlace::ListedAbsent,
        None => CardPlace::Missing,
    };
    let key_name = key_header(columns, registry_key);
    let mut out = vec![("key".to_string(), key_name.clone(), at(&key_name, false))];
    for f in Field::CARD_DATES {
        let name = columns.header(f).unwrap_or_default().trim().to_string();
        let place = at(&name, columns.is_absent(f));
        out.push((f.key().to_string(), name, place));
    }
    let error = CardColumnMap::new(headers, columns, registry_key).err();
    (out, error)
}

/// Which registry rows found a card record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    None,
    /// Only rows that are not 住民.
    Other,
    /// A 住民 row.
    Resident,
}

/// What the registry rows found in the card file, filled in input order.
#[derive(Debug, Clone)]
pub(crate) struct CardJoins {
    seen: Vec<Seen>,
    /// The first status of a non-住民 row that found the record.
    status: HashMap<u32, String>,
}

impl CardJoins {
    /// A 住民 row found card record `entry`.
    pub(crate) fn resident(&mut self, entry: u32) {
        if let Some(s) = self.seen.get_mut(entry as usize) {
            *s = Seen::Resident;
        }
    }

    /// A row with another 住民状態 found card record `entry`.
    pub(crate) fn other(&mut self, entry: u32, status: &str) {
        if let Some(s) = self.seen.get_mut(entry as usize) {
            if *s == Seen::None {
                *s = Seen::Other;
                self.status.insert(entry, status.to_string());
            }
        }
    }

    /// Card rows a 住民 row joined (a rejected card row a 住民 row found is
    /// not among them: it is counted as rejected).
    pub(crate) fn joined(&self, index: &CardIndex) -> u64 {
        self.seen
            .iter()
            .zip(&index.entries)
            .filter(|(s, e)| **s == Seen::Resident && matches!(e.state, CardState::Joinable(_)))
            .count() as u64
    }
}

/// The key masked but its last four characters (all of it masked when it
/// is four characters or shorter).
pub(crate) fn key_hint(key: &str) -> String {
    let n = key.chars().count();
    if n <= 4 {
        return "*".repeat(n);
    }
    let tail: String = key.chars().skip(n - 4).collect();
    format!("{}{tail}", "*".repeat(n - 4))
}

/// The size of the file at `path` (0 when unknown): for sizing.
fn stream_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Builds the index as records arrive, in file order: a key seen again is
/// noted, and at the end every copy of such a key is rejected. Rejects go
/// to disk as they come ([`RejectSpill`]).
struct IndexBuilder {
    entries: Vec<CardEntry>,
    by_key: FxHashMap<CodeKey, u32>,
    /// Keys on more than one row, with their lines.
    repeated: FxHashMap<CodeKey, Vec<u32>>,
    spill: RejectSpill,
    reasons: Vec<Box<str>>,
    reason_index: FxHashMap<Box<str>, u32>,
    rows: u64,
    unattributed: u64,
}

/// The card file's rejects: the rows' own, on disk, and the repeated keys',
/// which replace a row's own reject (one reject per card row).
#[derive(Debug)]
struct CardRejects {
    spilled: SpilledRejects,
    /// In line order.
    repeated: Vec<Reject>,
    /// Lines whose spilled reject a repeated-key reject replaces.
    replaced: rustc_hash::FxHashSet<u32>,
    /// Rejects in all.
    count: u64,
}

impl IndexBuilder {
    fn with_capacity(n: usize) -> Result<Self> {
        Ok(IndexBuilder {
            entries: Vec::with_capacity(n),
            by_key: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            repeated: FxHashMap::default(),
            spill: RejectSpill::new()?,
            reasons: Vec::new(),
            reason_index: FxHashMap::default(),
            rows: 0,
            unattributed: 0,
        })
    }

    fn push(&mut self, p: Parsed) -> Result<()> {
        self.rows += 1;
        let Some(key) = p.key else {
            // Nobody can be told: counted, its reject on disk.
            self.unattributed += 1;
            if let Err(reject) = &p.result {
                self.spill.push(reject)?;
            }
            return Ok(());
        };
        let i = self.entries.len() as u32;
        // The first copy stays the one looked up.
        let first = *self.by_key.entry(key).or_insert(i);
        if first != i {
            let first_line = self.entries[first as usize].line;
            self.repeated
                .entry(key)
                .or_insert_with(|| vec![first_line])
                .push(p.line);
        }
        let state = match p.result {
            Ok(dates) => CardState::Joinable(dates),
            Err(reject) => {
                let why = format!("{}: {}", reject.field, reject.reason);
                self.spill.push(&reject)?;
                CardState::Rejected(self.reason(why))
            }
        };
        self.entries.push(CardEntry {
            line: p.line,
            key,
            state,
        });
        Ok(())
    }

    /// The index of `why` among the distinct reasons.
    fn reason(&mut self, why: String) -> u32 {
        if let Some(i) = self.reason_index.get(why.as_str()) {
            return *i;
        }
        let i = self.reasons.len() as u32;
        let why: Box<str> = why.into();
        self.reasons.push(why.clone());
        self.reason_index.insert(why, i);
        i
    }

    /// Rejects every copy of a repeated key (its own reject replacing any
    /// other the row had: one reject per card row).
    #[allow(clippy::type_complexity)]
    fn finish(
        mut self,
        map: &CardColumnMap,
    ) -> Result<(
        Vec<CardEntry>,
        FxHashMap<CodeKey, u32>,
        Vec<Box<str>>,
        CardRejects,
    )> {
        let mut repeated_rejects = Vec::new();
        let mut replaced = rustc_hash::FxHashSet::default();
        if !self.repeated.is_empty() {
            let mut entries = std::mem::take(&mut self.entries);
            for e in &mut entries {
                let Some(lines) = self.repeated.get(&e.key).cloned() else {
                    continue;
                };
                let list = lines
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                if matches!(e.state, CardState::Rejected(_)) {
                    replaced.insert(e.line);
                }
                let why = format!(
                    "the card file has its key on {} lines ({list})",
                    lines.len()
                );
                e.state = CardState::Rejected(self.reason(why));
                repeated_rejects.push(Reject {
                    line: e.line,
                    resident_code: map.code_of(Some(e.key)),
                    field: map.key_name.clone(),
                    value: key_hint(e.key.as_str()),
                    reason: RejectCode::JoinKeyShared.with(format!(
                        "the key occurs {} times in the card file (lines {list}): every copy is rejected",
                        lines.len()
                    )),
                });
            }
            self.entries = entries;
        }
        let count = self.spill.len - replaced.len() as u64 + repeated_rejects.len() as u64;
        let rejects = CardRejects {
            spilled: self.spill.finish()?,
            repeated: repeated_rejects,
            replaced,
            count,
        };
        Ok((self.entries, self.by_key, self.reasons, rejects))
    }
}

/// One card record as read.
struct Parsed {
    line: u32,
    key: Option<CodeKey>,
    result: std::result::Result<CardDates, Box<Reject>>,
}

/// Reads card records against the card header.
struct CardReader<'a> {
    map: &'a CardColumnMap,
    encoding: InputEncoding,
    eras: &'a Eras,
    kinds: &'a CardKinds,
}

impl CardReader<'_> {
    /// Column `col` decoded and trimmed (`None`: not in the record, or not
    /// in the encoding). Borrowed where the bytes are the text (ASCII dates
    /// and keys): no allocation a field.
    fn text<'r>(&self, rec: &Record<'r>, col: usize) -> Option<Cow<'r, str>> {
        match decode_field(rec.field(col)?, self.encoding).ok()? {
            Cow::Borrowed(t) => Some(Cow::Borrowed(trim(t))),
            Cow::Owned(t) => Some(Cow::Owned(trim(&t).to_string())),
        }
    }

    /// The first mapped column (the key, then the dates) that holds a
    /// 個人番号, with its header.
    fn personal_number(&self, rec: &Record<'_>) -> Option<&str> {
        let map = self.map;
        std::iter::once((Some(map.key), map.key_name.as_str()))
            .chain(
                map.dates
                    .iter()
                    .zip(&map.names)
                    .map(|(c, n)| (*c, n.as_str())),
            )
            .chain(map.kind.iter().map(|(c, n)| (Some(*c), n.as_str())))
            .find(|(col, _)| {
                col.and_then(|c| self.text(rec, c))
                    .is_some_and(|v| looks_like_my_number(&v))
            })
            .map(|(_, name)| name)
    }

    /// The record's key, when its field reads as one (folded, SPEC 13) and
    /// is not a 個人番号.
    fn key_of(&self, rec: &Record<'_>) -> Option<CodeKey> {
        let text = self.text(rec, self.map.key)?;
        if looks_like_my_number(&text) {
            return None;
        }
        CardIndex::join_key(&text)
    }

    /// A record that is not a row of the header's shape, or holds bytes
    /// outside the encoding: the field, value and reason, with the key when
    /// it can be read where it stands.
    fn unreadable(
        &self,
        rec: &Record<'_>,
    ) -> Option<(Option<CodeKey>, &'static str, String, RejectReason)> {
        if rec.meta.too_long || rec.meta.unterminated_quote || rec.len() != self.map.width {
            let reason = if rec.meta.too_long {
                RejectCode::RecordTooLong
                    .with("the record is longer than [input] max_record_bytes: it is not read")
            } else if rec.meta.unterminated_quote {
                RejectCode::QuoteLeftOpen
                    .with("a quoted field is left open: the row does not have the header's fields")
            } else {
                RejectCode::FieldCount.with(format!(
                    "the row has {} fields, the header {}",
                    rec.len(),
                    self.map.width
                ))
            };
            // The key is read where it stands, when the row reaches it: the
            // 住民 row it belongs to is rejected rather than left without a
            // card. A record too long is not read at all.
            let key = if rec.meta.too_long {
                None
            } else {
                self.key_of(rec)
            };
            return Some((key, "(row)", String::new(), reason));
        }
        // Strict per row: a byte outside the encoding anywhere rejects it.
        // The key is kept when its own field reads, so that the resident
        // it belongs to is rejected too rather than left without a card.
        for col in 0..rec.len() {
            if let Err(e) =
                decode::validate_field(rec.field(col).unwrap_or_default(), self.encoding)
            {
                return Some((
                    self.key_of(rec),
                    "(row)",
                    e.hex(),
                    RejectCode::InvalidBytes.with(format!(
                        "bytes {} in column {} are not {}",
                        e.hex(),
                        col + 1,
                        match self.encoding {
                            InputEncoding::Cp932 => "CP932",
                            InputEncoding::Utf8 => "UTF-8",
                        }
                    )),
                ));
            }
        }
        None
    }

    fn read(&self, rec: &Record<'_>) -> Parsed {
        let line = rec.meta.line;
        let map = self.map;
        let reject =
            |key: Option<CodeKey>, field: &str, value: String, reason: RejectReason| Parsed {
                line,
                key,
                result: Err(Box::new(Reject {
                    line,
                    resident_code: map.code_of(key),
                    field: field.to_string(),
                    value,
                    reason,
                })),
            };
        // Before anything of the row is used or echoed: a 個人番号 in any
        // column kigen reads rejects it, masked, whatever else is wrong
        // with it (SPEC 13). Its key is still kept when the key is not the
        // number, so that its 住民 row is rejected too.
        if !rec.meta.too_long {
            if let Some(name) = self.personal_number(rec) {
                return reject(
                    self.key_of(rec),
                    name,
                    MASKED.into(),
                    RejectCode::PersonalNumber.with(format!(
                        "{PERSONAL_NUMBER}: the value looks like a 個人番号 (never read, never written): check [cards] registry_key and [cards.columns]"
                    )),
                );
            }
        }
        if let Some((key, field, value, reason)) = self.unreadable(rec) {
            return reject(key, field, value, reason);
        }
        let text = |col: usize| self.text(rec, col).unwrap_or(Cow::Borrowed(""));
        let key_text = text(map.key);
        if key_text.is_empty() {
            return reject(
                None,
                &map.key_name,
                String::new(),
                RejectCode::JoinKeyEmpty.with("the key is empty"),
            );
        }
        let Some(key) = CardIndex::join_key(&key_text) else {
            return reject(
                None,
                &map.key_name,
                key_hint(&key_text),
                RejectCode::JoinKeyInvalid.with("the key must be 1-15 ASCII letters or digits (full-width letters and digits, spaces and hyphens are allowed and ignored)"),
            );
        };
        let mut dates = CardDates::default();
        let mut problems: Vec<(usize, String, String)> = Vec::new();
        for (i, col) in map.dates.iter().enumerate() {
            let Some(col) = *col else { continue };
            let v = text(col);
            if v.is_empty() {
                continue;
            }
            match self.eras.parse_date(&v) {
                Ok(d) => dates.0[i] = Some(d),
                Err(e) => problems.push((i, v.into_owned(), e.to_string())),
            }
        }
        if let Some((i, v, why)) = problems.first() {
            let more = if problems.len() > 1 {
                let rest: Vec<&str> = problems[1..]
                    .iter()
                    .map(|(j, _, _)| map.names[*j].as_str())
                    .collect();
                format!(" (also: {})", rest.join(", "))
            } else {
                String::new()
            };
            return reject(
                Some(key),
                &map.names[*i],
                v.clone(),
                RejectCode::InvalidDate.with(format!("{why}{more}")),
            );
        }
        if let Some((col, name)) = &map.kind {
            let v = text(*col);
            match self.kinds.kind_of(&v) {
                Some(kind) => dates.1 = Some(kind),
                None => {
                    let why = RejectCode::CardKindUnmapped.with(unmapped_card_kind(&v));
                    return reject(Some(key), name, v.into_owned(), why);
                }
            }
        }
        Parsed {
            line,
            key: Some(key),
            result: Ok(dates),
        }
    }
}

impl CardColumnMap {
    /// Maps the card header; the error says which key's header is missing
    /// or repeated.
    fn new(
        headers: &[String],
        columns: &CardColumns,
        registry_key: &str,
    ) -> std::result::Result<Self, String> {
        let find = |want: &str| -> std::result::Result<Option<usize>, String> {
            let found: Vec<usize> = headers
                .iter()
                .enumerate()
                .filter(|(_, h)| h.as_str() == want)
                .map(|(i, _)| i)
                .collect();
            match found.as_slice() {
                [] => Ok(None),
                [i] => Ok(Some(*i)),
                _ => Err(format!(
                    "the card file's header has {want:?} more than once (columns {})",
                    found
                        .iter()
                        .map(|c| (c + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        };
        let key_name = key_header(columns, registry_key);
        let mut missing = Vec::new();
        let key = find(&key_name)?;
        if key.is_none() {
            missing.push(format!(
                "the key header {key_name:?} ([cards.columns] key) is missing"
            ));
        }
        let names =
            Field::CARD_DATES.map(|f| columns.header(f).unwrap_or_default().trim().to_string());
        let mut dates = [None; 7];
        for (i, f) in Field::CARD_DATES.into_iter().enumerate() {
            let at = find(&names[i])?;
            match (at, columns.is_absent(f)) {
                (Some(c), false) => dates[i] = Some(c),
                (None, true) => {}
                (None, false) => missing.push(format!(
                    "cards.columns.{}: header {:?} is missing (or list {:?} in [cards.columns] absent)",
                    f.key(),
                    names[i],
                    f.key()
                )),
                (Some(c), true) => missing.push(format!(
                    "cards.columns.{}: listed in [cards.columns] absent but the header has {:?} at column {}",
                    f.key(),
                    names[i],
                    c + 1
                )),
            }
        }
        let kind_name = columns.card_kind.trim();
        let kind = if kind_name.is_empty() {
            None
        } else {
            match find(kind_name)? {
                Some(c) => Some((c, kind_name.to_string())),
                None => {
                    missing.push(format!(
                        "cards.columns.card_kind: header {kind_name:?} is missing"
                    ));
                    None
                }
            }
        };
        let Some(key) = key.filter(|_| missing.is_empty()) else {
            // A card file without its header row: its first line is a
            // record, which is never echoed (SPEC 13).
            if super::columns::looks_like_data(headers) {
                return Err(format!(
                    "{}; the first line does not look like a header row (it is not shown: is the header missing, or is this the wrong file?)",
                    missing.join("; ")
                ));
            }
            return Err(format!(
                "{}; the card file's header has: {}",
                missing.join("; "),
                headers
                    .iter()
                    .take(40)
                    .map(|h| super::columns::short_name(h))
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        };
        Ok(CardColumnMap {
            width: headers.len(),
            key,
            key_name,
            dates,
            names,
            kind,
            key_is_resident_code: false,
        })
    }

    /// The 住民コード a card reject may show: the key, only when the join is
    /// on the 住民コード.
    fn code_of(&self, key: Option<CodeKey>) -> String {
        match key {
            Some(k) if self.key_is_resident_code && valid_resident_code(k.as_str()) => {
                k.as_str().to_string()
            }
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_hint_shows_only_the_last_four() {
        assert_eq!(key_hint("12345678901"), "*******8901");
        assert_eq!(key_hint("R001"), "****");
        assert_eq!(key_hint(""), "");
    }
}
