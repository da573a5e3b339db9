//! Page 1 of a packet: the 有効期限通知書, laid out for a 長3 window envelope.

use chrono::NaiveDate;

use super::display::{FontId, Page, Paint};
use super::fonts::FontSet;
use super::layout::{leading, BlockKey, Canvas};
use super::notice::{LayoutError, Packet, Wording};
use crate::model::{Field, PostalCode, Resident};
use crate::profile::LetterWording;
use crate::rules::{ExpirySource, ItemKind};
use crate::select::NoticeKind;
use crate::wareki::Eras;

/// Left and right edges of the body text, mm.
pub(super) const LEFT: f32 = 18.0;
pub(super) const RIGHT: f32 = 192.0;
/// The lowest baseline the body may reach before the contact line.
pub(super) const BODY_BOTTOM: f32 = 280.0;
/// Clear space around the address block's contents and the barcode, mm.
pub(crate) const CLEAR_MM: f32 = 2.0;
/// Height of the customer barcode at its nominal 10 pt size, mm.
pub(crate) const BARCODE_HEIGHT_MM: f32 = 3.6;

/// Where the customer barcode goes: directly under the name, inside the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BarcodeSlot {
    /// Left edge of the first bar, mm.
    pub(crate) x_mm: f32,
    /// Top of the bars, mm.
    pub(crate) y_mm: f32,
}

/// The 和暦 form of a date (SPEC 4: 令和8年11月26日), in the run's era
/// table (an era the profile adds prints).
pub(super) fn wareki_date(eras: &Eras, d: NaiveDate) -> String {
    eras.format(d).unwrap_or_else(|| d.to_string())
}

/// Lays out page 1. Returns the page and the barcode slot.
pub(crate) fn letter_page(
    p: &Packet<'_>,
    w: &Wording<'_>,
    canvas: Canvas<'_>,
) -> Result<(Page, BarcodeSlot), LayoutError> {
    fit_page(
        canvas,
        p,
        w,
        &w.letter.title,
        FitPage {
            start_size: 9.0,
            page: "letter",
            section: "[letter]",
            height_by_kind: true,
        },
        |c, size| body(c, p, w, size),
    )
}

/// Which page [`fit_page`] lays out, and from which body size.
pub(super) struct FitPage {
    /// The body's first (largest) size, pt.
    pub(crate) start_size: f32,
    /// The page's name in an overflow error.
    pub(crate) page: &'static str,
    /// The profile section whose wording is too long.
    pub(crate) section: &'static str,
    /// Whether the body's height depends on the packet's kind and the size
    /// only (the letter: its table has a row for each of the three items,
    /// whatever is due), so that the size the first page of a kind fitted
    /// at in a print file is tried first for the others.
    pub(crate) height_by_kind: bool,
}

/// A one-page letter: the header, the body laid out at the largest size
/// (from `start_size` down to 7 pt, by 0.25) at which the profile's wording
/// fits above the footer, then the footer. Long wording shrinks, never
/// overflows; what cannot fit at 7 pt is the profile's error.
///
/// With a layout cache and [`FitPage::height_by_kind`], the size found for
/// the file's first page of the kind is taken when the body laid out at it
/// ends exactly where that page's did (searching again from the top took
/// four to six layouts a letter); otherwise the search runs.
pub(super) fn fit_page(
    canvas: Canvas<'_>,
    p: &Packet<'_>,
    w: &Wording<'_>,
    title: &str,
    fit: FitPage,
    body: impl Fn(&mut Canvas<'_>, f32) -> f32,
) -> Result<(Page, BarcodeSlot), LayoutError> {
    let memo = canvas.cache().filter(|_| fit.height_by_kind);
    let kind = p.kind() as u8;
    if let Some((size, end)) = memo.and_then(|m| m.fit(fit.page, kind)) {
        let mut c = canvas.blank();
        let slot = header(&mut c, p, w, title)?;
        if body(&mut c, size).to_bits() == end.to_bits() {
            footer(&mut c, w);
            let page = c.finish();
            #[cfg(debug_assertions)]
            {
                let (searched, _, found, _) = search(&canvas, p, w, title, &fit, &body)?;
                assert!(
                    found == size && searched == page,
                    "{}: the remembered body size {size} is not what the search finds ({found})",
                    fit.page
                );
            }
            return Ok((page, slot));
        }
    }
    let (page, slot, size, end) = search(&canvas, p, w, title, &fit, &body)?;
    if let Some(m) = memo {
        m.set_fit(fit.page, kind, size, end);
    }
    Ok((page, slot))
}

/// [`fit_page`]'s search: the page, the barcode slot, the size and where
/// the body ended.
fn search(
    canvas: &Canvas<'_>,
    p: &Packet<'_>,
    w: &Wording<'_>,
    title: &str,
    fit: &FitPage,
    body: &impl Fn(&mut Canvas<'_>, f32) -> f32,
) -> Result<(Page, BarcodeSlot, f32, f32), LayoutError> {
    let mut size = fit.start_size;
    loop {
        let mut c = canvas.blank();
        let slot = header(&mut c, p, w, title)?;
        let end = body(&mut c, size);
        if end <= BODY_BOTTOM {
            footer(&mut c, w);
            return Ok((c.finish(), slot, size, end));
        }
        if size <= 7.0 {
            return Err(LayoutError::Overflow {
                page: fit.page,
                detail: format!(
                    "the {} wording does not fit one A4 page even at 7 pt ({end:.0} mm)",
                    fit.section
                ),
            });
        }
        size -= 0.25;
    }
}

/// Fold marks, the top-right block, the address block and the title.
pub(super) fn header(
    c: &mut Canvas<'_>,
    p: &Packet<'_>,
    w: &Wording<'_>,
    title: &str,
) -> Result<BarcodeSlot, LayoutError> {
    // Fold marks for the mail room's folding machine (A4 in three, 99 mm).
    c.fixed(BlockKey::new("letter.fold_marks", &[]), |c| {
        for y in [99.0, 198.0] {
            c.line(4.0, y, 9.0, y, 0.4, false);
        }
    });
    // Top right: document number, issue date, issuer.
    c.text_right(FontId::Mincho, 9.0, RIGHT, 20.0, p.document_number);
    c.fixed(BlockKey::new("letter.issuer", &[]), |c| {
        c.text_right(
            FontId::Mincho,
            9.0,
            RIGHT,
            25.0,
            &wareki_date(w.eras, p.as_of),
        );
        // The issuer, with the mayor's name and 「（公印省略）」 when the
        // profile says so (SPEC 15).
        let issuer = match w.mayor.trim() {
            "" => w.issuer.to_string(),
            mayor => format!("{}　{mayor}", w.issuer),
        };
        c.text_right(FontId::Mincho, 10.5, RIGHT, 31.0, &issuer);
        if w.seal_omitted {
            c.text_right(FontId::Mincho, 9.0, RIGHT, 36.0, "（公印省略）");
        }
    });

    let slot = address_block(c, &p.notice.resident, p.is_minor(), w)?;

    c.fixed(BlockKey::new("letter.title", &[]).with_text(title), |c| {
        c.text_center(FontId::Gothic, 15.0, 105.0, 108.0, title);
    });
    Ok(slot)
}

/// The address block inside the envelope window: 〒 and postal code,
/// address, 方書, name 様, the barcode slot, the legal representative, and
/// 「転送不要」 boxed at the top right.
fn address_block(
    c: &mut Canvas<'_>,
    r: &Resident,
    minor: bool,
    w: &Wording<'_>,
) -> Result<BarcodeSlot, LayoutError> {
    let win = w.window;
    let x0 = win.left_mm + CLEAR_MM;
    let width = win.width_mm - 2.0 * CLEAR_MM;
    let bottom = win.top_mm + win.height_mm - CLEAR_MM;
    let mut y = win.top_mm + CLEAR_MM + c.fonts().ascent_mm(FontId::Mincho, 10.0);
    // The letter goes to the 送付先 when there is one (SPEC 9).
    let to = r.envelope();
    let (address_field, extra_field) = match to.care_of {
        Some(_) => (Field::MailToAddress, Field::MailToAddressExtra),
        None => (Field::Address, Field::AddressExtra),
    };
    postal_line(c, r, to.postal_code, win.top_mm, x0, width, y);
    y = address_lines(c, (address_field, to.address), x0, width, y)?;
    if !to.address_extra.is_empty() {
        y = address_extra(c, (extra_field, to.address_extra), x0, width, y)?;
    }
    if let Some(care_of) = to.care_of.filter(|n| !n.is_empty()) {
        y = care_of_line(c, care_of, x0, width, y)?;
    }
    let slot = addressee(c, r, x0, width, y)?;
    y = slot.y_mm + BARCODE_HEIGHT_MM + CLEAR_MM;
    if !r.legal_representative.is_empty() && minor {
        y = legal_representative(c, r, x0, width, y)?;
    }
    if y > bottom + 0.01 {
        return Err(LayoutError::TooLong {
            field: Field::Address,
            detail: format!(
                "the address block needs {:.1} mm of a {:.1} mm window",
                y - win.top_mm + CLEAR_MM,
                win.height_mm
            ),
        });
    }
    Ok(slot)
}

/// 〒 and the postal code on baseline `y`, and 「転送不要」 boxed at the top
/// right of the window (whose top edge is `top_mm`) when the resident asks.
fn postal_line(
    c: &mut Canvas<'_>,
    r: &Resident,
    postal_code: &PostalCode,
    top_mm: f32,
    x0: f32,
    width: f32,
    y: f32,
) {
    c.text(FontId::Mincho, 10.0, x0, y, &format!("〒{postal_code}"));
    if r.non_forwardable {
        let label = "転送不要";
        let lw = c.width(FontId::Gothic, 9.0, label) + 3.0;
        let bx = x0 + width - lw;
        c.rect(bx, top_mm + CLEAR_MM - 0.5, lw, 5.5, Paint::Stroke, 0.8);
        c.text(FontId::Gothic, 9.0, bx + 1.5, y - 0.3, label);
    }
}

/// The address under the postal line at `y`; returns the next baseline.
fn address_lines(
    c: &mut Canvas<'_>,
    (field, address): (Field, &str),
    x0: f32,
    width: f32,
    mut y: f32,
) -> Result<f32, LayoutError> {
    // Up to two lines, shrinking from 10.5 pt to 8 pt to stay there.
    let mut size = 10.5f32;
    let lines = loop {
        let lines = c.wrap(FontId::Mincho, size, width, address);
        if lines.len() <= 2 || size <= 8.0 {
            break lines;
        }
        size -= 0.5;
    };
    if lines.len() > 2 {
        return Err(LayoutError::TooLong {
            field,
            detail: "does not fit two lines of the window at 8 pt".into(),
        });
    }
    let lead = leading(size, 1.35);
    y += lead + 0.5;
    for line in &lines {
        c.text(FontId::Mincho, size, x0, y, line);
        y += lead;
    }
    Ok(y)
}

/// The 方書 (not empty) on baseline `y`; returns the next baseline.
fn address_extra(
    c: &mut Canvas<'_>,
    (field, extra): (Field, &str),
    x0: f32,
    width: f32,
    y: f32,
) -> Result<f32, LayoutError> {
    let s = c.fit_size(FontId::Mincho, 10.0, 7.0, extra, width);
    if c.width(FontId::Mincho, s, extra) > width + 0.01 {
        return Err(LayoutError::TooLong {
            field,
            detail: "does not fit the window at 7 pt".into(),
        });
    }
    c.text(
        FontId::Mincho,
        s,
        x0 + 4.0f32
            .min(width - c.width(FontId::Mincho, s, extra))
            .max(0.0),
        y,
        extra,
    );
    Ok(y + leading(s, 1.35))
}

/// 「<送付先氏名>　様方」 on baseline `y`, above the resident's name (SPEC
/// 9); returns the next baseline.
fn care_of_line(
    c: &mut Canvas<'_>,
    care_of: &str,
    x0: f32,
    width: f32,
    y: f32,
) -> Result<f32, LayoutError> {
    let text = format!("{care_of}　様方");
    let s = c.fit_size(FontId::Mincho, 10.5, 7.0, &text, width);
    if c.width(FontId::Mincho, s, &text) > width + 0.01 {
        return Err(LayoutError::TooLong {
            field: Field::MailToName,
            detail: "does not fit the window at 7 pt".into(),
        });
    }
    c.text(
        FontId::Mincho,
        s,
        x0 + 2.0f32
            .min(width - c.width(FontId::Mincho, s, &text))
            .max(0.0),
        y + 1.0,
        &text,
    );
    Ok(y + 1.0 + leading(s, 1.35))
}

/// The addressee, name 様, below baseline `y`; returns the barcode slot
/// under it.
fn addressee(
    c: &mut Canvas<'_>,
    r: &Resident,
    x0: f32,
    width: f32,
    mut y: f32,
) -> Result<BarcodeSlot, LayoutError> {
    // Shrunk to fit, never overlapping.
    let name = format!("{}　様", r.name);
    let name_size = c.fit_size(FontId::Mincho, 14.0, 8.0, &name, width);
    if c.width(FontId::Mincho, name_size, &name) > width {
        return Err(LayoutError::TooLong {
            field: Field::Name,
            detail: "does not fit the window at 8 pt".into(),
        });
    }
    y += c.fonts().ascent_mm(FontId::Mincho, name_size) * 0.4;
    c.text(
        FontId::Mincho,
        name_size,
        x0 + 2.0f32
            .min(width - c.width(FontId::Mincho, name_size, &name))
            .max(0.0),
        y,
        &name,
    );
    // The customer barcode goes directly under the name, 2 mm clear.
    Ok(BarcodeSlot {
        x_mm: x0,
        y_mm: y + c.fonts().descent_mm(FontId::Mincho, name_size) + CLEAR_MM,
    })
}

/// 「（法定代理人）name 様」 whose top is at `y`; returns its bottom.
fn legal_representative(
    c: &mut Canvas<'_>,
    r: &Resident,
    x0: f32,
    width: f32,
    mut y: f32,
) -> Result<f32, LayoutError> {
    let rep = format!("（法定代理人）{}　様", r.legal_representative);
    let s = c.fit_size(FontId::Mincho, 10.0, 7.0, &rep, width);
    if c.width(FontId::Mincho, s, &rep) > width + 0.01 {
        return Err(LayoutError::TooLong {
            field: Field::LegalRepresentative,
            detail: "does not fit the window at 7 pt".into(),
        });
    }
    y += c.fonts().ascent_mm(FontId::Mincho, s);
    c.text(FontId::Mincho, s, x0, y, &rep);
    Ok(y + c.fonts().descent_mm(FontId::Mincho, s))
}

/// Whether the resident's address block fits the envelope window (checked
/// before a notice is counted as printable: a name that cannot fit is held,
/// never printed cut off or overlapping).
pub(crate) fn address_fits(
    r: &Resident,
    minor: bool,
    w: &Wording<'_>,
    fonts: &FontSet,
) -> Result<(), LayoutError> {
    address_block(&mut Canvas::new(fonts), r, minor, w).map(|_| ())
}

/// The body's type sizes and line spacings, all derived from its base size.
#[derive(Clone, Copy)]
pub(super) struct BodySizes {
    /// Body text, pt.
    pub(super) size: f32,
    /// Body line spacing, mm.
    pub(super) lead: f32,
    /// Section headings, pt.
    pub(super) head: f32,
    /// Identity-document lists and notes, pt.
    pub(super) small: f32,
    /// Their line spacing, mm.
    pub(super) small_lead: f32,
}

impl BodySizes {
    /// The sizes for body text at `size` pt.
    pub(super) fn new(size: f32) -> Self {
        let small = size - 0.5;
        BodySizes {
            size,
            lead: leading(size, 1.55),
            head: size + 1.5,
            small,
            small_lead: leading(small, 1.45),
        }
    }
}

/// Greeting, the item table, what to do, proxy, counters, notes. Returns the
/// baseline after the last line.
fn body(c: &mut Canvas<'_>, p: &Packet<'_>, w: &Wording<'_>, size: f32) -> f32 {
    let l = w.letter;
    let z = BodySizes::new(size);
    let width = RIGHT - LEFT;
    let mut y = 116.0;
    y = c.fixed_to(BlockKey::new("letter.greeting", &[size, y]), |c| {
        c.paragraph(FontId::Mincho, size, LEFT, y, width, z.lead, &l.greeting)
    });
    y += 1.5;
    y = item_table(c, p, w, size, y);
    y += z.lead + 1.0;
    // The rest depends on the notice's kind only: the same on every page of
    // that kind.
    let card = f32::from(u8::from(p.notice.selection.kind == Some(NoticeKind::Card)));
    y = c.fixed_to(BlockKey::new("letter.rest", &[card, size, y]), |c| {
        let y = what_to_do(c, p, l, z, y) + 0.8;
        let y = proxy_section(c, p, l, z, y) + 0.8;
        counters_and_notes(c, l, z, y)
    });
    y - z.lead
}

/// The three items' table, its top at `y`; returns its bottom.
fn item_table(c: &mut Canvas<'_>, p: &Packet<'_>, w: &Wording<'_>, size: f32, mut y: f32) -> f32 {
    let l = w.letter;
    let width = RIGHT - LEFT;
    let cols = [LEFT, LEFT + 62.0, LEFT + 124.0, RIGHT];
    let row_h = leading(size, 2.0);
    c.fixed(BlockKey::new("letter.table_heads", &[size, y]), |c| {
        c.rect(LEFT, y, width, row_h, Paint::Shade, 0.0);
        for (i, h) in l.table_heads.iter().enumerate() {
            c.text_center(
                FontId::Gothic,
                size,
                (cols[i] + cols[i + 1]) / 2.0,
                y + row_h * 0.68,
                h,
            );
        }
    });
    let top = y;
    y += row_h;
    for kind in ItemKind::ALL {
        let (expiry, mark) = item_cells(p, w, kind);
        let base = y + row_h * 0.68;
        c.fixed(
            BlockKey::new("letter.item_label", &[size, base]).with_text(kind.label()),
            |c| {
                c.text(FontId::Mincho, size, cols[0] + 2.0, base, kind.label());
            },
        );
        c.text_center(
            FontId::Mincho,
            size,
            (cols[1] + cols[2]) / 2.0,
            base,
            &expiry,
        );
        let mark_font = if mark == l.due_mark {
            FontId::Gothic
        } else {
            FontId::Mincho
        };
        c.text_center(mark_font, size, (cols[2] + cols[3]) / 2.0, base, &mark);
        y += row_h;
    }
    // The frame is drawn after the cells, which it does not touch: drawn
    // with the fixed content (before them), the page looks the same.
    c.fixed(BlockKey::new("letter.table_frame", &[size, top, y]), |c| {
        c.rect(LEFT, top, width, y - top, Paint::Stroke, 0.6);
        for x in &cols[1..3] {
            c.line(*x, top, *x, y, 0.4, false);
        }
        for i in 1..4 {
            let ry = top + row_h * i as f32;
            c.line(LEFT, ry, RIGHT, ry, 0.4, false);
        }
    });
    y
}

/// An item's expiry (和暦 with its weekday, in the run's era table) and
/// renewal cells.
fn item_cells(p: &Packet<'_>, w: &Wording<'_>, kind: ItemKind) -> (String, String) {
    let l = w.letter;
    match p.notice.evaluation.item(kind) {
        None => (l.not_issued.clone(), l.not_due_mark.clone()),
        Some(item) => {
            let date = w
                .eras
                .format_with_weekday(item.expiry)
                .unwrap_or_else(|| item.expiry.to_string());
            let due = p.notice.selection.due.contains(&kind)
                && item.source != ExpirySource::ResidencePeriod;
            (
                date,
                if due {
                    l.due_mark.clone()
                } else {
                    l.not_due_mark.clone()
                },
            )
        }
    }
}

/// What to do, by notice kind (and what to bring, for certificates); returns
/// the next baseline.
fn what_to_do(
    c: &mut Canvas<'_>,
    p: &Packet<'_>,
    l: &LetterWording,
    z: BodySizes,
    mut y: f32,
) -> f32 {
    let (heading, steps) = match p.notice.selection.kind {
        Some(NoticeKind::Card) => (&l.card_heading, &l.card_steps),
        _ => (&l.certificate_heading, &l.certificate_steps),
    };
    y = section_heading(c, z.head, y, heading);
    y = bullets(c, z.size, z.lead, y, steps);
    if p.notice.selection.kind != Some(NoticeKind::Card) {
        y += 0.8;
        y = section_heading(c, z.head, y, &l.bring_heading);
        y = bullets(c, z.size, z.lead, y, &l.bring);
    }
    y
}

/// The proxy section and the identity-document lists; returns the next
/// baseline.
fn proxy_section(
    c: &mut Canvas<'_>,
    p: &Packet<'_>,
    l: &LetterWording,
    z: BodySizes,
    mut y: f32,
) -> f32 {
    if p.notice.selection.kind == Some(NoticeKind::Card) {
        // The new card is collected in person; a proxy only for the
        // reasons listed, with the 交付通知書 the city mails later.
        y = section_heading(c, z.head, y, &l.card_proxy_heading);
        let mut paragraphs = l.card_proxy.clone();
        if !l.card_proxy_reasons.is_empty() {
            paragraphs.push(format!(
                "{}{}",
                l.card_proxy_reasons_label,
                l.card_proxy_reasons.join("、")
            ));
        }
        paragraphs.extend(l.card_apply_at_counter.iter().cloned());
        y = bullets(c, z.size, z.lead, y, &paragraphs);
    } else {
        y = section_heading(c, z.head, y, &l.proxy_heading);
        y = bullets(c, z.size, z.lead, y, &l.proxy);
    }
    for docs in [&l.id_docs_a, &l.id_docs_b] {
        y = c.paragraph(
            FontId::Mincho,
            z.small,
            LEFT + 4.0,
            y,
            RIGHT - LEFT - 4.0,
            z.small_lead,
            docs,
        );
    }
    y
}

/// Counters and hours, then the notes marked 「※」; returns the next baseline.
fn counters_and_notes(c: &mut Canvas<'_>, l: &LetterWording, z: BodySizes, y: f32) -> f32 {
    let y = counters(c, l, z, y);
    notes(c, &l.notes, z, y)
}

/// The counters heading, and the counters with their hours; returns the next
/// baseline.
pub(super) fn counters(c: &mut Canvas<'_>, l: &LetterWording, z: BodySizes, mut y: f32) -> f32 {
    y = section_heading(c, z.head, y, &l.counters_heading);
    // The hours line up in one column after the longest counter name.
    let name_w = l
        .counters
        .iter()
        .map(|k| c.width(FontId::Mincho, z.size, &k.name))
        .fold(0.0f32, f32::max);
    for k in &l.counters {
        c.text(FontId::Mincho, z.size, LEFT + 4.0, y, &k.name);
        c.text(FontId::Mincho, z.size, LEFT + 10.0 + name_w, y, &k.hours);
        y += z.lead;
    }
    y
}

/// The notes marked 「※」, after a small gap; returns the next baseline.
pub(super) fn notes(c: &mut Canvas<'_>, notes: &[String], z: BodySizes, mut y: f32) -> f32 {
    y += 0.8;
    for n in notes {
        y = c.marked_paragraph(
            FontId::Mincho,
            z.small,
            LEFT,
            y,
            RIGHT - LEFT,
            z.small_lead,
            "※",
            n,
        );
    }
    y
}

/// Paragraphs marked 「・」 in the body column; returns the next baseline.
pub(super) fn bullets(
    c: &mut Canvas<'_>,
    size: f32,
    lead: f32,
    mut y: f32,
    items: &[String],
) -> f32 {
    for s in items {
        y = c.marked_paragraph(
            FontId::Mincho,
            size,
            LEFT + 2.0,
            y,
            RIGHT - LEFT - 2.0,
            lead,
            "・",
            s,
        );
    }
    y
}

pub(super) fn section_heading(c: &mut Canvas<'_>, size: f32, y: f32, text: &str) -> f32 {
    let y = y + 0.6;
    c.rect(LEFT, y - size * 0.3, 1.4, size * 0.36, Paint::Fill, 0.0);
    c.text(FontId::Gothic, size, LEFT + 3.0, y, text);
    y + leading(size, 1.5)
}

pub(super) fn footer(c: &mut Canvas<'_>, w: &Wording<'_>) {
    c.fixed(BlockKey::new("letter.footer", &[]), |c| {
        c.line(LEFT, 283.0, RIGHT, 283.0, 0.5, false);
        let size = c.fit_size(FontId::Gothic, 9.5, 7.0, &w.letter.contact, RIGHT - LEFT);
        c.text_center(FontId::Gothic, size, 105.0, 289.0, &w.letter.contact);
    });
}
