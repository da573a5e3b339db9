//! `kigen reprint`: a packet printed again on request (the seed page:
//! 申請書を再送することもできます), to the resident's current address from a
//! newer export: the same items and expiries as the notice, its number
//! suffixed `-R1` (`-R2`, …), marked 再発行 on the letter. The ledger
//! records the reprint in its own table; the notices stay one per item, and
//! the original batch is not touched (it still verifies).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::export::{find, ExportRequest, Found};
use super::{file_component, pdf_id, refuse_batch_dir, status_class, write_private};
use crate::barcode::PostalData;
use crate::batch::resources::{load_postal, Renderer};
use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::files::sync_dir;
use crate::ledger::{DocumentRecord, Ledger, PrintedAddress, ReprintRecord};
use crate::model::{envelope_barcode, DueNotice, Resident};
use crate::render::display::{FontId, Page, Paint};
use crate::render::fonts::FontSet;
use crate::render::layout::{Canvas, LayoutCache};
use crate::render::mailroom::mark_sheets;
use crate::render::notice::{LayoutError, Packet};
use crate::render::packet::packet_pages;
use crate::render::pdf::{write_pdf, DocumentInfo};
use crate::render::printable::Printability;
use crate::rules::{evaluate, ItemKind};
use crate::select::{NoticeKind, Outcome, Selection};
use crate::wareki::Eras;

/// What a reprint needs.
pub(crate) struct ReprintRequest<'a> {
    /// The document to reprint (a packet's number, or a reprint's).
    pub(crate) document: &'a str,
    /// The export giving the current address.
    pub(crate) export: ExportRequest<'a>,
    /// Why (kept in the ledger).
    pub(crate) reason: &'a str,
    /// Where `reprint-<document>.pdf` goes.
    pub(crate) out: &'a Path,
    /// The day of the reprint (printed beside the 再発行 mark).
    pub(crate) today: NaiveDate,
    /// `--again`: reprint although the packet was reprinted within `[mail]
    /// reprint_again_days`.
    pub(crate) again: bool,
}

/// What a reprint wrote.
#[derive(Debug)]
pub(crate) struct ReprintReport {
    /// The PDF.
    pub(crate) file: PathBuf,
    /// The record.
    pub(crate) record: ReprintRecord,
}

/// A packet reprinted within `days` days is not reprinted again without
/// `--again`: the same request taken twice (two clerks, a retried command)
/// would put two copies in the post.
fn refuse_recent_reprint(
    ledger: &Ledger,
    doc: &DocumentRecord,
    req: &ReprintRequest<'_>,
    days: u32,
) -> Result<()> {
    if req.again || days == 0 {
        return Ok(());
    }
    let Some((number, on)) = ledger.last_reprint(&doc.batch_id, &doc.original)? else {
        return Ok(());
    };
    let ago = (req.today - on).num_days();
    if ago < i64::from(days) {
        return Err(Error::State(format!(
            "document {}: already reprinted as {number} on {on} ({ago} day(s) ago, within [mail] reprint_again_days = {days}); nothing was printed or recorded. If a second copy is really wanted (the first did not arrive), run again with --again",
            req.document
        )));
    }
    Ok(())
}

/// Reprints one document and records it.
pub(crate) fn reprint(ledger: &mut Ledger, req: &ReprintRequest<'_>) -> Result<ReprintReport> {
    if req.reason.trim().is_empty() {
        return Err(Error::Usage(
            "--reason: say why the packet is reprinted (kept in the ledger)".into(),
        ));
    }
    refuse_batch_dir(req.out, "--out")?;
    let doc = the_document(ledger, req.document)?;
    refuse_support_measure(ledger, &doc, req.document)?;
    let profile = req.export.profile;
    refuse_recent_reprint(ledger, &doc, req, profile.settings.mail.reprint_again_days)?;
    let wanted = HashSet::from([doc.resident_code.clone()]);
    let export = find(&req.export, &wanted)?;
    refuse_older_export(ledger, &export.digest.sha256, req)?;
    let resident = current_resident(&doc, export.rows.get(&doc.resident_code), req)?;
    let renderer = Renderer::new(profile)?;
    let notice = due_notice(&doc, resident, profile)?;
    let printable = Printability {
        renderer: Some((&renderer.fonts, &renderer.wording)),
        columns: &profile.settings.columns,
        as_of: doc.as_of,
        support_measure: profile.settings.rules.support_measure,
    };
    if let Some(hold) = printable.hold(&notice.resident) {
        return Err(Error::State(format!(
            "document {}: resident {} would be held tonight ({}): not reprinted",
            req.document, doc.resident_code, hold.reason
        )));
    }
    let number = ledger.reprints_of(&doc.batch_id, &doc.original)? + 1;
    let document_number = format!("{}-R{number}", doc.original);
    let packet = Packet {
        document_number: &document_number,
        as_of: doc.as_of,
        notice: &notice,
    };
    let duplex = profile.settings.output.duplex;
    let mut pages = reprint_pages(&packet, &renderer, profile, req.document)?;
    // The piece marks every printed sheet carries, with the reprint's
    // number, as a night's packets have them (SPEC 11).
    mark_sheets(&mut pages, &document_number, duplex, &profile.settings.mail);
    if let Some(letter) = pages.first_mut() {
        mark_reissue(letter, &renderer.fonts, &profile.eras, req.today);
    }
    let page_count = pages.len() as u32;
    let title = format!("{} reprint {document_number}", doc.batch_id);
    let info = DocumentInfo {
        id: pdf_id(&format!("reprint/{}/{document_number}", doc.batch_id)),
        title: &title,
        created: req.today,
    };
    let bytes = write_pdf(pages, &renderer.fonts, &info)?;
    let group = crate::batch::shared_group(profile)?;
    crate::files::create_output_dir_for(req.out, "--out", group)?;
    let name = format!("reprint-{}.pdf", file_component(&document_number));
    let file = req.out.join(&name);
    write_private(&file, &bytes)?;
    if let Some(gid) = group {
        crate::files::share_with_group(&file, gid)?;
    }
    sync_dir(req.out)?;
    crate::fault::point("reprint-written");
    let to = notice.resident.envelope();
    let record = ReprintRecord {
        document_number,
        original: doc.original.clone(),
        number,
        batch_id: doc.batch_id.clone(),
        resident_code: doc.resident_code.clone(),
        reason: req.reason.trim().to_string(),
        reprinted_on: req.today,
        file: name,
        sha256: sha256_hex(&bytes),
        pages: page_count,
        input_sha256: export.digest.sha256,
        address: PrintedAddress {
            name: notice.resident.name.clone(),
            postal_code: to.postal_code.digits().to_string(),
            address: to.address.to_string(),
            address_extra: to.address_extra.to_string(),
            care_of: to.care_of.map(str::to_string),
        },
    };
    // The file first, then the record: a crash between them leaves a file
    // the ledger does not know, which the rerun (the same -R number)
    // replaces.
    ledger.record_reprint(&record)?;
    Ok(ReprintReport { file, record })
}

/// The reprinted packet's pages, laid out as a night lays them out.
fn reprint_pages(
    packet: &Packet<'_>,
    renderer: &Renderer<'_>,
    profile: &crate::profile::Profile,
    document: &str,
) -> Result<Vec<Page>> {
    let duplex = profile.settings.output.duplex;
    let cache = LayoutCache::default();
    match packet_pages(packet, &renderer.wording, &renderer.fonts, &cache, duplex) {
        Ok((pages, _)) => Ok(pages),
        Err(e @ LayoutError::Overflow { .. }) => Err(Error::Profile {
            path: profile.file(),
            message: e.to_string(),
        }),
        Err(e @ LayoutError::TooLong { .. }) => Err(Error::State(format!(
            "document {document}: the current address does not fit the envelope window ({e}): not reprinted"
        ))),
    }
}

/// 支援措置 is never undone: a resident any batch at or after the
/// reprinted one held for it gets no letter, whatever the export says now.
fn refuse_support_measure(ledger: &Ledger, doc: &DocumentRecord, number: &str) -> Result<()> {
    let held = ledger.support_held_since(&doc.resident_code, doc.as_of)?;
    if held.is_empty() {
        return Ok(());
    }
    Err(Error::State(format!(
        "document {number}: resident {} was held for 支援措置 (support-measure) by batch(es) {}, at or after the reprinted batch {}: no letter may go to an address under 支援措置; nothing reprinted. Hand the request to the person in charge of 支援措置",
        doc.resident_code,
        held.join(", "),
        doc.batch_id
    )))
}

/// An export older than the ledger's latest batch would print an address
/// (or miss a 支援措置) that a later export changed. The export carries no
/// date of its own; what the ledger knows of it is the SHA-256 of the
/// export every batch read: an export that is the input of a batch before
/// the latest date, and of no batch of that date, is known to be older.
/// (An export no batch read is taken as new: README.)
fn refuse_older_export(ledger: &Ledger, sha256: &str, req: &ReprintRequest<'_>) -> Result<()> {
    let inputs = ledger.batch_inputs()?;
    let Some(latest) = ledger.latest()? else {
        return Ok(());
    };
    let read_by = |pick: &dyn Fn(NaiveDate) -> bool| {
        inputs
            .iter()
            .filter(|(s, d)| s == sha256 && pick(*d))
            .map(|(_, d)| *d)
            .max()
    };
    if read_by(&|d| d >= latest).is_some() {
        return Ok(());
    }
    match read_by(&|d| d < latest) {
        None => Ok(()),
        Some(then) => Err(Error::State(format!(
            "document {}: {} is the export of the batch of {then}, older than the ledger's latest batch ({latest}): an address or a 支援措置 may have changed since; nothing reprinted. Reprint from the latest export (the one the batch of {latest} read, or a newer one)",
            req.document,
            req.export.input.display()
        ))),
    }
}

/// The document the ledger knows by this number (a reprint's number names
/// its packet: `-R2` follows `-R1`).
fn the_document(ledger: &Ledger, number: &str) -> Result<DocumentRecord> {
    let mut docs = ledger.documents(number.trim())?;
    match docs.len() {
        0 => Err(Error::State(format!(
            "document {number:?} is not in the ledger {} (a typo, a withdrawn batch, or another ledger?): nothing reprinted",
            ledger.path().display()
        ))),
        1 => Ok(docs.remove(0)),
        n => Err(Error::State(format!(
            "document {number:?} is on {n} batches' packets ({}): the profile's document number has no {{date}}, so kigen cannot tell which: nothing reprinted",
            docs.iter()
                .map(|d| d.batch_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The resident's row in the export: a current 住民, or exit 2 saying what
/// the export holds instead.
fn current_resident(
    doc: &DocumentRecord,
    found: Option<&Vec<Found>>,
    req: &ReprintRequest<'_>,
) -> Result<Resident> {
    let input = req.export.input.display();
    let code = &doc.resident_code;
    let rows = found.map(Vec::as_slice).unwrap_or_default();
    if let Some(r) = rows.iter().find_map(|f| match f {
        Found::Resident(r) => Some(r),
        _ => None,
    }) {
        return Ok((**r).clone());
    }
    let refuse = |what: String| {
        Err(Error::State(format!(
            "document {}: resident {code} {what}: not reprinted",
            req.document
        )))
    };
    if let Some((line, field, reason)) = rows.iter().find_map(|f| match f {
        Found::Rejected {
            line,
            field,
            reason,
        } => Some((line, field, reason)),
        _ => None,
    }) {
        return refuse(format!(
            "has a row in {input} that cannot be used (line {line}: {field}: {reason})"
        ));
    }
    if let Some((line, status)) = rows
        .iter()
        .filter_map(|f| match f {
            Found::Excluded { line, status } => Some((status_class(status), *line, status)),
            _ => None,
        })
        .min_by_key(|(class, line, _)| (*class, *line))
        .map(|(_, line, status)| (line, status))
    {
        return refuse(format!(
            "is no longer a 住民 in {input} (line {line}: 住民状態 {status})"
        ));
    }
    refuse(format!("is not in {input}"))
}

/// The notice again, for the resident as the export has them now: the
/// items and expiries the ledger recorded (an export whose dates give
/// other expiries means the notice no longer applies: exit 2).
fn due_notice(
    doc: &DocumentRecord,
    resident: Resident,
    profile: &crate::profile::Profile,
) -> Result<DueNotice> {
    let evaluation = evaluate(&resident.dates, profile.settings.rule_config())
    .map_err(|e| {
        Error::State(format!(
            "document {}: the export's dates of resident {} cannot be evaluated ({e:?}): not reprinted",
            doc.document_number, doc.resident_code
        ))
    })?;
    let mut differ = Vec::new();
    for (kind, expiry) in &doc.items {
        let now = evaluation.item(*kind).map(|i| i.expiry);
        if now != Some(*expiry) {
            differ.push(format!(
                "{} {} in the notice, {} in the export",
                kind.key(),
                expiry,
                now.map_or("none".to_string(), |d| d.to_string())
            ));
        }
    }
    if !differ.is_empty() {
        return Err(Error::State(format!(
            "document {}: the notice no longer fits resident {} ({}): renewed or corrected since? Not reprinted",
            doc.document_number,
            doc.resident_code,
            differ.join("; ")
        )));
    }
    let due: Vec<ItemKind> = ItemKind::ALL
        .into_iter()
        .filter(|k| doc.items.iter().any(|(i, _)| i == k))
        .collect();
    // A card item decided by the period of stay was noticed by the residence
    // letter (SPEC 15): the reprint is that letter again.
    let residence = evaluation
        .card
        .is_some_and(|c| c.source == crate::rules::ExpirySource::ResidencePeriod);
    // A 特定在留カード's card item was noticed by the tokutei letter.
    let kind = if due.contains(&ItemKind::Card) && evaluation.card_kind.by_immigration() {
        NoticeKind::Tokutei
    } else if due.contains(&ItemKind::Card) && residence {
        NoticeKind::Residence
    } else if due.contains(&ItemKind::Card) {
        NoticeKind::Card
    } else {
        NoticeKind::Certificate
    };
    let postal = load_postal(profile)?;
    let barcode = envelope_barcode(&resident, Some(&postal));
    let ku = postal.ku(resident.envelope().postal_code.digits());
    Ok(DueNotice {
        resident,
        evaluation,
        selection: Selection {
            outcome: Outcome::Printed,
            kind: Some(kind),
            due,
            noticed: Vec::new(),
            residence_in_window: Vec::new(),
            expired_unnoticed: Vec::new(),
        },
        barcode,
        ku,
    })
}

/// 「再発行」 boxed at the top right of the letter, above its block of
/// document number, date and issuer (whose first baseline is 20 mm from
/// the top, its right edge 192 mm: render/letter.rs), with the day of the
/// reprint beside it; clear of the piece mark (top left by default,
/// `[mail] piece_mark_*`).
fn mark_reissue(letter: &mut Page, fonts: &FontSet, eras: &Eras, on: NaiveDate) {
    const RIGHT: f32 = 192.0;
    let mut c = Canvas::new(fonts);
    let label = "再発行";
    let w = c.width(FontId::Gothic, 15.0, label) + 6.0;
    c.rect(RIGHT - w, 6.5, w, 8.0, Paint::Stroke, 1.2);
    c.text(FontId::Gothic, 15.0, RIGHT - w + 3.0, 12.8, label);
    let day = eras.format(on).unwrap_or_else(|| on.to_string());
    c.text_right(
        FontId::Mincho,
        8.5,
        RIGHT - w - 2.0,
        12.8,
        &format!("再発行日 {day}"),
    );
    letter.items.extend(c.finish().items);
}
