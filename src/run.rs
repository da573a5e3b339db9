//! `kigen run`: the nightly job. Reads and selects like `kigen check`, then
//! lays out one packet per due resident and writes the print files and the
//! manifest into `out/<as-of>/`.
//!
//! The batch is built in a temporary directory beside the target and renamed
//! into place when complete, so `out/<as-of>/` is either absent or whole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;

use crate::check::{check, CheckRequest, Counts};
use crate::error::{Error, Result};
use crate::ledger::{BatchRecord, IssuedNotice, Ledger, NoticeSet};
use crate::outputs::csvfile::{create_private, create_private_dir, push_record, CsvFile};
use crate::outputs::{iso, sha256_hex, MAILING_HEADER, MANIFEST_HEADER};
use crate::pipeline::{DueNotice, Hold};
use crate::profile::{CsvEncoding, Profile};
use crate::registry::decode::InputEncoding;
use crate::registry::{Field, Resident};
use crate::render::display::FontId;
use crate::render::fonts::{is_variation_selector, FontSet};
use crate::render::letter::address_fits;
use crate::render::packet::{packet_pages, LayoutError, Packet, Wording};
use crate::render::pdf::write_pdf;
use crate::rules::{is_aged_at_least, ItemKind};

/// What a run needs.
pub struct RunRequest<'a> {
    /// The registry export.
    pub input: PathBuf,
    /// The batch date.
    pub as_of: NaiveDate,
    /// The profile.
    pub profile: &'a Profile,
    /// Input encoding.
    pub encoding: InputEncoding,
    /// CSV output encoding.
    pub csv_encoding: CsvEncoding,
    /// The output root (`out/`): the batch goes to `<root>/<as-of>/`.
    pub out_root: PathBuf,
    /// The ledger file (`state/kigen.sqlite`).
    pub state: PathBuf,
    /// Rebuild a completed batch's files from the ledger's record.
    pub regenerate: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunReport {
    /// The batch directory.
    pub dir: PathBuf,
    /// Row counts.
    pub counts: Counts,
    /// Print files: (name, packets, pages).
    pub files: Vec<(String, usize, usize)>,
    /// Seconds spent reading and selecting.
    pub select_seconds: f64,
    /// Seconds spent laying out and writing PDFs.
    pub render_seconds: f64,
    /// True when the batch already existed and nothing was done.
    pub already_done: bool,
    /// True when `--regenerate` rebuilt the files of a recorded batch.
    pub regenerated: bool,
}

/// One packet's place in the print files.
struct Placed<'a> {
    seq: u32,
    document_number: String,
    notice: &'a DueNotice,
}

/// Loads the run's fonts from the profile's `[fonts]`.
pub fn load_fonts(profile: &Profile) -> Result<FontSet> {
    let f = &profile.settings.fonts;
    let dir = profile.dir.join(&f.dir);
    let fallback = (!f.fallback.is_empty()).then(|| profile.dir.join(&f.fallback));
    if let Some(fb) = &fallback {
        if !fb.exists() {
            return Err(Error::Profile {
                path: profile.dir.join("profile.toml"),
                message: format!("fonts.fallback: {} does not exist", fb.display()),
            });
        }
    }
    FontSet::load(
        &dir.join("ipaexm.ttf"),
        &dir.join("ipaexg.ttf"),
        fallback.as_deref(),
    )
}

/// Loads the postal data: the profile's KEN_ALL.CSV, or the built-in table.
pub fn load_postal(profile: &Profile) -> Result<crate::barcode::PostalTable> {
    let ken_all = &profile.settings.postal.ken_all;
    if ken_all.is_empty() {
        return crate::barcode::PostalTable::builtin().map_err(Error::Internal);
    }
    let path = profile.dir.join(ken_all);
    let bytes = std::fs::read(&path).map_err(|e| Error::Profile {
        path: profile.dir.join("profile.toml"),
        message: format!("postal.ken_all: cannot read {}: {e}", path.display()),
    })?;
    crate::barcode::PostalTable::from_ken_all(&bytes).map_err(|e| Error::Profile {
        path: profile.dir.join("profile.toml"),
        message: format!("postal.ken_all: {}: {e}", path.display()),
    })
}

/// The renderer's printability check: every character of the printed fields
/// drawable by Mincho or the fallback (a variation sequence only where a
/// font has that variant), and the address block fitting the window.
pub fn hold_reason(
    r: &Resident,
    as_of: NaiveDate,
    wording: &Wording<'_>,
    fonts: &FontSet,
) -> Option<Hold> {
    for (field, text) in r.printed_fields() {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if is_variation_selector(c) {
                continue;
            }
            let vs = chars.peek().copied().filter(|n| is_variation_selector(*n));
            let ok = |font: FontId| match vs {
                Some(v) => fonts.has_variant(font, c, v),
                None => fonts.has_glyph(font, c),
            };
            if !(ok(FontId::Mincho) || (fonts.has_fallback() && ok(FontId::Fallback))) {
                let what = match vs {
                    Some(v) => format!("{c}{v} (U+{:04X} U+{:04X})", c as u32, v as u32),
                    // A control character is named, never written raw.
                    None if c.is_control() => format!("control character U+{:04X}", c as u32),
                    None => format!("{c} (U+{:04X})", c as u32),
                };
                return Some(Hold {
                    field,
                    code_point: Some(c),
                    reason: format!("no configured font has a glyph for {what}"),
                });
            }
        }
    }
    let minor = r
        .dates
        .birth
        .is_some_and(|b| !is_aged_at_least(b, 18, as_of));
    match address_fits(r, minor, wording, fonts) {
        Ok(()) => None,
        Err(LayoutError::TooLong { field, detail }) => Some(Hold {
            field: if field == "氏名" {
                Field::Name
            } else {
                Field::Address
            },
            code_point: None,
            reason: format!("{field} {detail}"),
        }),
        Err(LayoutError::Overflow { .. }) => None,
    }
}

/// The profile's wording and the run's fonts: what laying out a notice needs.
pub struct Renderer<'p> {
    /// The fonts, parsed once.
    pub fonts: FontSet,
    /// The wording and window.
    pub wording: Wording<'p>,
}

impl<'p> Renderer<'p> {
    /// Loads the fonts and checks the wording is there.
    pub fn new(profile: &'p Profile) -> Result<Self> {
        let settings = &profile.settings;
        let (letter, inquiry, application) = settings.wording(&profile.dir)?;
        Ok(Renderer {
            fonts: load_fonts(profile)?,
            wording: Wording {
                letter,
                inquiry,
                application,
                issuer: &settings.municipality.issuer,
                window: settings.window,
            },
        })
    }

    /// Why `r`'s notice cannot be printed faithfully, if it cannot.
    pub fn hold(&self, r: &Resident, as_of: NaiveDate) -> Option<Hold> {
        hold_reason(r, as_of, &self.wording, &self.fonts)
    }
}

/// Runs the nightly job (SPEC 3): one batch per as-of date, atomic.
///
/// The batch is complete when the ledger records it. Its files are built in
/// `<out>/.<as-of>.partial/`, synced, renamed to `<out>/<as-of>/`, and then
/// the ledger transaction commits. A crash before the commit leaves no
/// recorded batch: the rerun builds the same bytes again and replaces any
/// directory the crashed run had renamed into place.
pub fn run(req: &RunRequest<'_>) -> Result<RunReport> {
    let mut ledger = Ledger::open(&req.state)?;
    let dir = req.out_root.join(req.as_of.to_string());
    let recorded = ledger.batch(req.as_of)?;
    if let Some(rec) = &recorded {
        if !req.regenerate {
            if !dir.join("summary.json").exists() {
                return Err(Error::Usage(format!(
                    "the ledger records the batch for {} but {} is missing or incomplete: rerun with --regenerate to rebuild its files",
                    req.as_of,
                    dir.display()
                )));
            }
            return Ok(RunReport {
                dir,
                counts: Counts::new(),
                files: Vec::new(),
                select_seconds: 0.0,
                render_seconds: 0.0,
                already_done: true,
                regenerated: false,
            });
        }
        let input_sha = sha256_file(&req.input)?;
        if input_sha != rec.input_sha256 {
            return Err(Error::Usage(format!(
                "--regenerate: {} is not the input of the {} batch (SHA-256 {input_sha}, recorded {})",
                req.input.display(),
                req.as_of,
                rec.input_sha256
            )));
        }
    } else if req.regenerate {
        return Err(Error::Usage(format!(
            "--regenerate: the ledger has no batch for {}",
            req.as_of
        )));
    } else if let Some(latest) = ledger.latest()? {
        if latest > req.as_of {
            return Err(Error::Usage(format!(
                "the ledger already has a batch for {latest}, after {}: notices cannot be issued in the past",
                req.as_of
            )));
        }
    }
    // Selection sees the notices of earlier batches only (for a regenerate,
    // exactly what the batch saw when it ran).
    let issued = ledger.notices_before(req.as_of)?;
    let built = build(
        req,
        &issued,
        recorded.as_ref().map(|r| r.timings_json.as_str()),
    )?;

    if let Some(rec) = &recorded {
        if built.record.summary_sha256 != rec.summary_sha256 {
            return Err(Error::Usage(format!(
                "--regenerate: the rebuilt summary.json differs from the recorded one (profile or kigen changed since {}); the files were left in {}",
                req.as_of,
                built.tmp.display()
            )));
        }
    }
    // Into place: a directory left by a crashed run (never recorded) or the
    // one being regenerated makes way for the complete one.
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        crate::fault::point("old-batch-removed");
    }
    std::fs::rename(&built.tmp, &dir).map_err(|e| Error::io(&dir, e))?;
    sync_dir(&req.out_root)?;
    crate::fault::point("renamed");
    if recorded.is_none() {
        ledger.commit_batch(&built.record, &built.notices)?;
        crate::fault::point("committed");
    }
    Ok(RunReport {
        dir,
        counts: built.counts,
        files: built.files,
        select_seconds: built.select_seconds,
        render_seconds: built.render_seconds,
        already_done: false,
        regenerated: recorded.is_some(),
    })
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(crate::outputs::hex(&h.finalize()))
}

/// A batch built in its temporary directory, not yet in place.
struct Built {
    tmp: PathBuf,
    record: BatchRecord,
    notices: Vec<IssuedNotice>,
    counts: Counts,
    files: Vec<(String, usize, usize)>,
    select_seconds: f64,
    render_seconds: f64,
}

/// Builds the whole batch in `<out>/.<as-of>.partial/`, every file synced.
fn build(req: &RunRequest<'_>, issued: &NoticeSet, timings: Option<&str>) -> Result<Built> {
    let settings = &req.profile.settings;
    let started = Instant::now();
    // The first pass over the registry reads on one core while the fonts and
    // the postal data load on the other.
    let (duplicates, loaded) = rayon::join(
        || crate::pipeline::scan_duplicates(&req.input, req.encoding, req.profile),
        || -> Result<_> {
            let renderer = Renderer::new(req.profile)?;
            renderer.fonts.prepare_pdf()?;
            Ok((renderer, load_postal(req.profile)?))
        },
    );
    let (renderer, postal) = loaded?;
    let duplicates = duplicates?;
    crate::fault::point("start");
    let (wording, fonts) = (&renderer.wording, &renderer.fonts);
    let letter = wording.letter;

    create_private_dir(&req.out_root)?;
    let tmp = req.out_root.join(format!(".{}.partial", req.as_of));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    create_private_dir(&tmp.join("print"))?;

    let postal_description = if req.profile.settings.postal.ken_all.is_empty() {
        format!("built-in table of {}", postal.data_date())
    } else {
        format!("KEN_ALL.CSV {}", req.profile.settings.postal.ken_all)
    };
    let printable = |r: &Resident| renderer.hold(r, req.as_of);
    let (hashed, report) = rayon::join(
        || -> Result<(String, u64)> {
            let sha = sha256_file(&req.input)?;
            let len = std::fs::metadata(&req.input)
                .map_err(|e| Error::io(&req.input, e))?
                .len();
            Ok((sha, len))
        },
        || {
            check(
                &CheckRequest {
                    input: req.input.clone(),
                    as_of: req.as_of,
                    profile: req.profile,
                    encoding: req.encoding,
                    csv_encoding: req.csv_encoding,
                    out_dir: tmp.clone(),
                    duplicates: Some(duplicates),
                    ledger: issued,
                    printable: Some(&printable),
                    postal: Some(&postal),
                },
                true,
            )
        },
    );
    let report = report?;
    let (input_sha256, input_bytes) = hashed?;
    let select_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut notices: Vec<&DueNotice> = report.notices.iter().collect();
    // Mail-room order: regular mail first, then the non-forwardable pile;
    // within each, by postal code then address (bulk-mail sorting), with the
    // code and line as tie-breakers so the order is total.
    notices.sort_by(|a, b| {
        let ka = (
            &a.resident.non_forwardable,
            &a.resident.postal_code,
            &a.resident.address,
            &a.resident.code,
            a.resident.line,
        );
        let kb = (
            &b.resident.non_forwardable,
            &b.resident.postal_code,
            &b.resident.address,
            &b.resident.code,
            b.resident.line,
        );
        ka.cmp(&kb)
    });
    let number_template = &letter.document_number;
    let date = format!(
        "{:04}{:02}{:02}",
        req.as_of.year(),
        req.as_of.month(),
        req.as_of.day()
    );
    let placed: Vec<Placed<'_>> = notices
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let seq = i as u32 + 1;
            Placed {
                seq,
                document_number: number_template
                    .replace("{date}", &date)
                    .replace("{seq}", &format!("{seq:05}")),
                notice: n,
            }
        })
        .collect();

    // Print files: at most `chunk` packets each, non-forwardable apart.
    let chunk = settings.output.chunk.max(1) as usize;
    let mut files: Vec<(String, &[Placed<'_>])> = Vec::new();
    let split = placed.partition_point(|p| !p.notice.resident.non_forwardable);
    for (prefix, part) in [
        ("notices", &placed[..split]),
        ("non-forwardable", &placed[split..]),
    ] {
        for (i, c) in part.chunks(chunk).enumerate() {
            files.push((format!("{prefix}-{:04}.pdf", i + 1), c));
        }
    }
    let duplex = settings.output.duplex;
    // Per file: its name, its bytes, and per packet (seq, first page, pages).
    type Rendered = (String, Vec<u8>, Vec<(u32, usize, usize)>);
    let rendered: Vec<Result<Rendered>> = files
        .par_iter()
        .map(|(name, packets)| {
            let mut pages = Vec::new();
            let mut spans = Vec::new();
            for p in packets.iter() {
                let packet = Packet {
                    seq: p.seq,
                    document_number: &p.document_number,
                    as_of: req.as_of,
                    notice: p.notice,
                };
                let (pp, _slot) =
                    packet_pages(&packet, wording, fonts, duplex).map_err(|e| match e {
                        LayoutError::Overflow { .. } => Error::Profile {
                            path: req.profile.dir.join("profile.toml"),
                            message: e.to_string(),
                        },
                        LayoutError::TooLong { .. } => Error::Internal(format!(
                            "line {}: {e} (should have been held)",
                            p.notice.resident.line
                        )),
                    })?;
                spans.push((p.seq, pages.len() + 1, pp.len()));
                pages.extend(pp);
            }
            let digest = sha256_hex(format!("{}/{}/{}", req.as_of, name, packets.len()).as_bytes());
            let mut id = [0u8; 16];
            for (i, b) in id.iter_mut().enumerate() {
                *b = u8::from_str_radix(digest.get(i * 2..i * 2 + 2).unwrap_or("00"), 16)
                    .unwrap_or(0);
            }
            let bytes = write_pdf(&pages, fonts, id)?;
            Ok((name.clone(), bytes, spans))
        })
        .collect();

    let mut file_list = Vec::new();
    let mut where_is: Vec<(String, usize, usize)> = vec![(String::new(), 0, 0); placed.len()];
    for r in rendered {
        let (name, bytes, spans) = r?;
        let path = tmp.join("print").join(&name);
        let mut f = create_private(&path)?;
        f.write_all(&bytes).map_err(|e| Error::io(&path, e))?;
        f.sync_all().map_err(|e| Error::io(&path, e))?;
        crate::fault::point("print-file");
        let pages: usize = spans.iter().map(|s| s.2).sum();
        file_list.push((name.clone(), spans.len(), pages));
        for (seq, first, n) in spans {
            if let Some(slot) = where_is.get_mut(seq as usize - 1) {
                *slot = (format!("print/{name}"), first, n);
            }
        }
    }

    // manifest.csv: one row per packet, in print order.
    let mut manifest = CsvFile::create(
        &tmp.join("manifest.csv"),
        &MANIFEST_HEADER,
        req.csv_encoding,
    )?;
    let mut text = String::new();
    for (p, (file, first, n)) in placed.iter().zip(&where_is) {
        let r = &p.notice.resident;
        let ev = &p.notice.evaluation;
        let due = |k: ItemKind| {
            if p.notice.selection.due.contains(&k) {
                "1"
            } else {
                "0"
            }
        };
        let exp = |k: ItemKind| iso(ev.item(k).map(|i| i.expiry));
        let kind = p.notice.selection.kind.map(|k| k.as_str()).unwrap_or("");
        let (barcode_text, barcode_note) = match &p.notice.barcode {
            Ok(chars) => (crate::barcode::manifest_text(chars), ""),
            Err(why) => (String::new(), why.as_str()),
        };
        push_record(
            &mut text,
            &[
                p.seq.to_string().as_str(),
                file,
                &first.to_string(),
                &n.to_string(),
                &r.code,
                &r.name,
                r.postal_code.digits(),
                kind,
                &exp(ItemKind::Card),
                due(ItemKind::Card),
                &exp(ItemKind::UserCert),
                due(ItemKind::UserCert),
                &exp(ItemKind::SignCert),
                due(ItemKind::SignCert),
                if r.non_forwardable { "1" } else { "0" },
                &barcode_text,
                &p.document_number,
                barcode_note,
            ],
        );
    }
    manifest.write_records(&text, placed.len() as u64)?;
    manifest.finish()?;
    let render_seconds = started.elapsed().as_secs_f64();

    // mailing.csv: the 差出票 counts, per print file and 3-digit district.
    write_mailing(&tmp, &placed, &where_is, req.csv_encoding)?;

    // The ledger's record of each due item printed.
    let mut notices_issued = Vec::new();
    for (p, (file, first, n)) in placed.iter().zip(&where_is) {
        for kind in &p.notice.selection.due {
            if let Some(item) = p.notice.evaluation.item(*kind) {
                notices_issued.push(IssuedNotice {
                    resident_code: p.notice.resident.code.clone(),
                    item: *kind,
                    expiry: item.expiry,
                    document_number: p.document_number.clone(),
                    print_file: file.clone(),
                    first_page: *first as u32,
                    pages: *n as u32,
                });
            }
        }
    }

    let timings_json = match timings {
        Some(t) => t.to_string(),
        None => serde_json::json!({
            "select_seconds": (select_seconds * 1000.0).round() / 1000.0,
            "render_seconds": (render_seconds * 1000.0).round() / 1000.0,
        })
        .to_string(),
    };
    let summary_sha256 = crate::outputs::summary::write_summary(
        &tmp,
        &crate::outputs::summary::SummaryInput {
            as_of: req.as_of,
            input_sha256: &input_sha256,
            input_bytes,
            profile_sha256: &req.profile.sha256,
            postal_data: &postal_description,
            counts: &report.counts,
            print_files: &file_list,
            timings_json: &timings_json,
        },
    )?;
    sync_dir(&tmp.join("print"))?;
    sync_dir(&tmp)?;
    crate::fault::point("built");
    Ok(Built {
        tmp,
        record: BatchRecord {
            batch_id: req.as_of.to_string(),
            as_of: req.as_of,
            input_sha256,
            profile_sha256: req.profile.sha256.clone(),
            summary_sha256,
            timings_json,
            packets: placed.len() as u64,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        notices: notices_issued,
        counts: report.counts,
        files: file_list,
        select_seconds,
        render_seconds,
    })
}

/// Writes mailing.csv: per print file, the packets and pages of each
/// 3-digit postal district (the 差出票 counts), then each file's total and
/// the batch total.
fn write_mailing(
    tmp: &Path,
    placed: &[Placed<'_>],
    where_is: &[(String, usize, usize)],
    encoding: CsvEncoding,
) -> Result<()> {
    let mut rows: Vec<(String, String, u64, u64)> = Vec::new();
    let mut totals: Vec<(String, u64, u64)> = Vec::new();
    for (p, (file, _, n)) in placed.iter().zip(where_is) {
        let district = p.notice.resident.postal_code.digits()[..3].to_string();
        match rows.last_mut() {
            Some(r) if r.0 == *file && r.1 == district => {
                r.2 += 1;
                r.3 += *n as u64;
            }
            _ => rows.push((file.clone(), district, 1, *n as u64)),
        }
        match totals.last_mut() {
            Some(t) if t.0 == *file => {
                t.1 += 1;
                t.2 += *n as u64;
            }
            _ => totals.push((file.clone(), 1, *n as u64)),
        }
    }
    let mut f = CsvFile::create(&tmp.join("mailing.csv"), &MAILING_HEADER, encoding)?;
    let mut text = String::new();
    let mut written = 0u64;
    for (file, district, packets, pages) in &rows {
        push_record(
            &mut text,
            &[
                file.as_str(),
                district,
                &packets.to_string(),
                &pages.to_string(),
            ],
        );
        written += 1;
    }
    let (mut all_packets, mut all_pages) = (0u64, 0u64);
    for (file, packets, pages) in &totals {
        push_record(
            &mut text,
            &[
                file.as_str(),
                "all",
                &packets.to_string(),
                &pages.to_string(),
            ],
        );
        all_packets += packets;
        all_pages += pages;
        written += 1;
    }
    push_record(
        &mut text,
        &[
            "all",
            "all",
            &all_packets.to_string(),
            &all_pages.to_string(),
        ],
    );
    f.write_records(&text, written + 1)?;
    f.finish()?;
    Ok(())
}

/// fsync a directory so that renames and new entries in it are durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(dir, e))
}
