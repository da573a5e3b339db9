//! The reading half of a batch: read, apply the rules, select, and write
//! outcomes.csv, rejects.csv, exceptions.csv and held.csv (`kigen check`
//! stops here; `kigen run` renders the due notices it returns).

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use rustc_hash::FxHashSet;

use crate::barcode::PostalData;
use crate::error::{Error, Result};
use crate::model::{CardCounts, Counts, CsvEncoding, DueNotice, Field, InputEncoding};
use crate::outputs::csvfile::CsvFile;
use crate::outputs::rows::{push_reject, push_unmatched_card, RejectSource};
use crate::outputs::summary::{CardsEntry, ColumnsUsed};
use crate::outputs::{
    CARDS_UNMATCHED_HEADER, EXCEPTIONS_HEADER, HELD_HEADER, OUTCOMES_HEADER, REJECTS_HEADER,
};
use crate::pipeline::{self, Context};
use crate::profile::Profile;
use crate::registry::{
    read_header, scan_duplicates, CardIndex, ColumnMap, Duplicates, InputDigest, RecordStream,
    RowReader,
};
use crate::render::printable::Printability;
use crate::select::{plan_night, NoticeLedger, Window};

/// What a check (or the reading half of a run) needs.
pub struct CheckRequest<'a> {
    /// The registry export.
    pub input: PathBuf,
    /// The batch date.
    pub as_of: NaiveDate,
    /// The profile.
    pub profile: &'a Profile,
    /// Input encoding (the profile's unless overridden).
    pub encoding: InputEncoding,
    /// CSV output encoding.
    pub csv_encoding: CsvEncoding,
    /// The directory the CSVs go to.
    pub out_dir: PathBuf,
    /// Notices already issued.
    pub ledger: &'a (dyn NoticeLedger + Sync),
    /// The first pass (the duplicate scan and the digest of what it read),
    /// when the caller ran it already (alongside loading fonts and postal
    /// data, to use both cores).
    pub first_pass: Option<(Duplicates, InputDigest)>,
    /// Postal data for barcodes and postal checks of printed notices.
    pub postal: Option<&'a (dyn PostalData + Sync)>,
    /// What can be printed (the held rule).
    pub printable: &'a Printability<'a>,
    /// The card file (`--cards`), read and indexed.
    pub cards: Option<&'a CardIndex>,
}

/// The card file to read with `--cards`.
#[derive(Debug, Clone)]
pub struct CardsFile {
    /// Its path.
    pub path: PathBuf,
    /// Its encoding (the profile's `[cards] encoding` unless overridden).
    pub encoding: InputEncoding,
}

/// What a night reads before its rows: the registry's duplicate scan and,
/// with `--cards`, the card file's index, built on one core while the scan
/// runs on the other.
pub struct FirstPass {
    /// The shared 住民コード and the digest of what the scan read.
    pub duplicates: (Duplicates, InputDigest),
    /// The card file, indexed.
    pub cards: Option<CardIndex>,
}

/// Runs the first pass (see [`FirstPass`]).
pub fn first_pass(
    input: &Path,
    encoding: InputEncoding,
    profile: &Profile,
    cards: Option<&CardsFile>,
) -> Result<FirstPass> {
    let join_key = join_key(profile, cards.is_some())?;
    let (duplicates, cards) = rayon::join(
        || scan_duplicates(input, encoding, profile, join_key),
        || {
            cards
                .map(|c| CardIndex::read(&c.path, c.encoding, profile))
                .transpose()
        },
    );
    Ok(FirstPass {
        duplicates: duplicates?,
        cards: cards?,
    })
}

/// The registry header the card file joins on, with a card file; without
/// one, an error when the profile says its export has no card dates.
pub fn join_key(profile: &Profile, with_cards: bool) -> Result<Option<&str>> {
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

/// What a check produced.
#[derive(Debug)]
pub struct CheckReport {
    /// The counts.
    pub counts: Counts,
    /// Residents with a notice to print (kept only when asked for).
    pub notices: Vec<DueNotice>,
    /// The header each profile key was read from (`None`: listed absent),
    /// in [`Field::ALL`] order.
    pub columns: Vec<(Field, Option<String>)>,
    /// Seconds spent.
    pub seconds: f64,
    /// The bytes processed.
    pub input: InputDigest,
    /// The card file's identity and columns, when there was one.
    pub(crate) cards: Option<CardsEntry>,
}

/// Runs the reading, rules and selection over the whole input, writing the
/// four CSVs into `req.out_dir`. With `keep_notices`, the due residents are
/// returned for rendering.
pub fn check(req: &CheckRequest<'_>, keep_notices: bool) -> Result<CheckReport> {
    let started = Instant::now();
    // Fail on the header before creating anything.
    let join = join_key(req.profile, req.cards.is_some())?;
    let columns = {
        let mut stream = RecordStream::open(&req.input)?;
        read_header(&mut stream, req.encoding, req.profile, join)?
    };
    let (duplicates, first_digest) = match &req.first_pass {
        Some(d) => d.clone(),
        None => scan_duplicates(&req.input, req.encoding, req.profile, join)?,
    };
    let ctx = context(req, &columns, duplicates);
    let deferred = capped_plan(req, &ctx, &first_digest)?;
    let ctx = Context {
        deferred: deferred.as_ref(),
        ..ctx
    };
    crate::files::create_output_dir(&req.out_dir, "--out")?;
    let enc = req.csv_encoding;
    let dir = &req.out_dir;
    let mut outcomes = CsvFile::create(&dir.join("outcomes.csv"), &OUTCOMES_HEADER, enc)?;
    let mut rejects = CsvFile::create(&dir.join("rejects.csv"), &REJECTS_HEADER, enc)?;
    let mut exceptions = CsvFile::create(&dir.join("exceptions.csv"), &EXCEPTIONS_HEADER, enc)?;
    let mut held = CsvFile::create(&dir.join("held.csv"), &HELD_HEADER, enc)?;
    let mut counts = Counts::new();
    let mut notices = Vec::new();
    let mut joins = req.cards.map(CardIndex::joins);
    let digest = pipeline::run_rows(&req.input, &ctx, keep_notices, |chunks| {
        for chunk in chunks {
            if let Some(j) = joins.as_mut() {
                for (entry, status) in &chunk.card_entries {
                    match status {
                        None => j.resident(*entry),
                        Some(s) => j.other(*entry, s),
                    }
                }
            }
            outcomes.write_records(&chunk.outcomes, chunk.counts.rows_read)?;
            rejects.write_records(&chunk.rejects, chunk.rejects_written)?;
            exceptions.write_records(&chunk.exceptions, chunk.exceptions_written)?;
            held.write_records(&chunk.held, chunk.held_written)?;
            counts.merge(&chunk.counts);
            notices.extend(chunk.notices);
        }
        Ok(())
    })?;
    // Both passes must have read the same bytes: the export did not change
    // between them.
    if digest != first_digest {
        return Err(Error::InputChanged {
            path: req.input.clone(),
            what: format!(
                "the first pass read {} bytes with SHA-256 {}, the second {} bytes with {}",
                first_digest.bytes, first_digest.sha256, digest.bytes, digest.sha256
            ),
        });
    }
    let cards = match (req.cards, joins) {
        (Some(index), Some(joins)) => {
            let card_counts = write_card_outcomes(index, &joins, &mut rejects, dir, enc)?;
            // Said even with --quiet: nobody goes silent (SPEC 13).
            if card_counts.unattributed > 0 {
                eprintln!(
                    "kigen: warning: {} card row(s) rejected without a readable key (unattributed): the residents they belong to cannot be told; see rejects.csv (source cards)",
                    card_counts.unattributed
                );
            }
            counts.cards = Some(card_counts);
            Some(CardsEntry {
                bytes: index.digest.bytes,
                sha256: index.digest.sha256.clone(),
                registry_key: join.unwrap_or_default().to_string(),
                columns: ColumnsUsed(index.columns.clone()),
            })
        }
        _ => None,
    };
    for f in [outcomes, rejects, exceptions, held] {
        f.finish()?;
    }
    Ok(CheckReport {
        counts,
        notices,
        columns: columns.used(),
        seconds: started.elapsed().as_secs_f64(),
        input: digest,
        cards,
    })
}

/// What the per-row work needs, from the request.
fn context<'a>(
    req: &'a CheckRequest<'_>,
    columns: &'a ColumnMap,
    duplicates: Duplicates,
) -> Context<'a> {
    let settings = &req.profile.settings;
    Context {
        reader: RowReader {
            columns,
            encoding: req.encoding,
            gaiji: &req.profile.gaiji,
            eras: &req.profile.eras,
            feb29: settings.rules.feb29,
            cards: req.cards,
            card_kinds: &settings.card_kinds,
        },
        duplicates,
        rules: settings.rule_config(),
        window: Window {
            as_of: req.as_of,
            residence_lead: settings.residence_letter().map(|r| r.lead),
            tokutei_lead: settings.tokutei_letter().map(|r| r.lead),
        },
        ledger: req.ledger,
        printable: req.printable,
        postal: req.postal,
        columns: &settings.columns,
        max_record_bytes: settings.input.max_record_bytes,
        deferred: None,
    }
}

/// With `[nightly] max_pieces` (SPEC 15): a pass over the rows that finds
/// tonight's printable packets and plans them ([`plan_night`]); returns the
/// lines of those deferred to a later night. Both passes read the same rows
/// the same way, so `kigen check` and `kigen run` defer the same residents.
fn capped_plan(
    req: &CheckRequest<'_>,
    ctx: &Context<'_>,
    first_digest: &InputDigest,
) -> Result<Option<FxHashSet<u32>>> {
    let nightly = &req.profile.settings.nightly;
    let Some(cap) = nightly.max_pieces else {
        return Ok(None);
    };
    let mut due: Vec<(NaiveDate, String, u32)> = Vec::new();
    let digest = pipeline::run_rows(&req.input, ctx, true, |chunks| {
        for n in chunks.iter().flat_map(|c| &c.notices) {
            let earliest = n
                .selection
                .due
                .iter()
                .filter_map(|k| n.evaluation.item(*k))
                .map(|i| i.expiry)
                .min();
            if let Some(e) = earliest {
                due.push((e, n.resident.code.clone(), n.resident.line));
            }
        }
        Ok(())
    })?;
    if &digest != first_digest {
        return Err(Error::InputChanged {
            path: req.input.clone(),
            what: "the export changed while tonight's pieces were planned ([nightly] max_pieces)"
                .into(),
        });
    }
    let candidates: Vec<(NaiveDate, &str)> =
        due.iter().map(|(e, code, _)| (*e, code.as_str())).collect();
    let plan = plan_night(&candidates, req.as_of, Some(cap), nightly.min_notice_days);
    Ok(Some(
        due.iter()
            .zip(plan)
            .filter(|(_, printed)| !printed)
            .map(|((_, _, line), _)| *line)
            .collect(),
    ))
}

/// After the registry: the card file's rejects go to rejects.csv (`source`
/// = `cards`, after the registry's), the card rows no 住民 row joined to
/// cards-unmatched.csv; returns what became of the card rows.
fn write_card_outcomes(
    index: &CardIndex,
    joins: &crate::registry::CardJoins,
    rejects: &mut CsvFile,
    dir: &Path,
    enc: CsvEncoding,
) -> Result<CardCounts> {
    // Read back from disk a chunk at a time: a card file of a million bad
    // rows is never held whole (SPEC 13).
    let mut buf = String::new();
    let mut n = 0u64;
    index.for_each_reject(|r| {
        push_reject(&mut buf, &r, RejectSource::Cards);
        n += 1;
        if buf.len() >= 1 << 20 {
            rejects.write_records(&buf, n)?;
            buf.clear();
            n = 0;
        }
        Ok(())
    })?;
    rejects.write_records(&buf, n)?;
    let unmatched = index.unmatched(joins);
    let mut file = CsvFile::create(
        &dir.join("cards-unmatched.csv"),
        &CARDS_UNMATCHED_HEADER,
        enc,
    )?;
    let mut buf = String::new();
    let mut by_reason = std::collections::BTreeMap::new();
    for u in &unmatched {
        push_unmatched_card(&mut buf, u);
        let reason = u.reason.split(':').next().unwrap_or("").to_string();
        *by_reason.entry(reason).or_insert(0u64) += 1;
    }
    file.write_records(&buf, unmatched.len() as u64)?;
    file.finish()?;
    Ok(CardCounts {
        rows_read: index.rows(),
        joined: joins.joined(index),
        rejected: index.rejected(),
        unattributed: index.unattributed(),
        unmatched: unmatched.len() as u64,
        unmatched_by_reason: by_reason,
    })
}

/// Default output directory of `kigen check` for a date.
pub fn default_check_dir(as_of: NaiveDate) -> PathBuf {
    Path::new("out").join(format!("check-{as_of}"))
}
