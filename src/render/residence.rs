//! The residence-period letter (SPEC 15, DOMAIN 10): one page for a foreign
//! resident whose card lapses with the period of stay, which J-LIS does not
//! notify. Every word is the profile's `[letter.residence]`; the header,
//! address block, counters and contact line are the card letter's.

use super::display::{FontId, Page, Paint};
use super::layout::{leading, BlockKey, Canvas};
use super::letter::{
    bullets, counters, fit_page, notes, section_heading, wareki_date, BarcodeSlot, BodySizes,
    FitPage, LEFT, RIGHT,
};
use super::notice::{LayoutError, Packet, Wording};
use crate::profile::ResidenceLetterWording;
use crate::rules::{CardKind, ItemKind};
use crate::select::NoticeKind;

/// `{expiry}` in the wording: the card's expiry in 和暦.
const EXPIRY: &str = "{expiry}";

/// Lays out the residence letter's one page (or the tokutei letter's, which
/// has the same shape and its own wording, `[letter.tokutei]`). Returns the
/// page and the barcode slot.
pub(crate) fn residence_page(
    p: &Packet<'_>,
    w: &Wording<'_>,
    r: &ResidenceLetterWording,
    canvas: Canvas<'_>,
) -> Result<(Page, BarcodeSlot), LayoutError> {
    fit_page(
        canvas,
        p,
        w,
        &r.title,
        match p.kind() {
            NoticeKind::Tokutei => FitPage {
                start_size: 9.5,
                page: "tokutei letter",
                section: "[letter.tokutei]",
                height_by_kind: false,
            },
            _ => FitPage {
                start_size: 9.5,
                page: "residence letter",
                section: "[letter.residence]",
                height_by_kind: false,
            },
        },
        |c, size| body(c, p, w, r, size),
    )
}

/// The card's expiry in 和暦, for `{expiry}`.
fn card_expiry(p: &Packet<'_>, w: &Wording<'_>) -> String {
    p.notice
        .evaluation
        .card
        .map(|c| wareki_date(w.eras, c.expiry))
        .unwrap_or_default()
}

fn body(
    c: &mut Canvas<'_>,
    p: &Packet<'_>,
    w: &Wording<'_>,
    r: &ResidenceLetterWording,
    size: f32,
) -> f32 {
    let z = BodySizes::new(size);
    let expiry = card_expiry(p, w);
    let fill = |s: &String| s.replace(EXPIRY, &expiry);
    let mut y = 116.0;
    y = c.paragraph(
        FontId::Mincho,
        size,
        LEFT,
        y,
        RIGHT - LEFT,
        z.lead,
        &fill(&r.greeting),
    );
    y += 1.5;
    y = item_table(c, p, w, r, size, y);
    y += z.lead + 1.0;
    y = c.fixed_to(
        BlockKey::new("residence.steps_heading", &[z.head, y]).with_text(&r.steps_heading),
        |c| section_heading(c, z.head, y, &r.steps_heading),
    );
    let steps: Vec<String> = r.steps.iter().map(fill).collect();
    y = bullets(c, z.size, z.lead, y, &steps);
    y += 0.8;
    // Where these land depends on the expiry's wrapping above: pages whose
    // wording wrapped alike share a template.
    let tokutei = f32::from(u8::from(p.kind() == NoticeKind::Tokutei));
    y = c.fixed_to(BlockKey::new("residence.rest", &[tokutei, size, y]), |c| {
        let y = section_heading(c, z.head, y, &r.bring_heading);
        let y = bullets(c, z.size, z.lead, y, &r.bring) + 0.8;
        counters(c, w.letter, z, y)
    });
    let notes_text: Vec<String> = r.notes.iter().map(fill).collect();
    y = notes(c, &notes_text, z, y);
    y - z.lead
}

/// The items the letter covers (the card, and the certificates it caps),
/// each with its expiry; returns the table's bottom.
fn item_table(
    c: &mut Canvas<'_>,
    p: &Packet<'_>,
    w: &Wording<'_>,
    r: &ResidenceLetterWording,
    size: f32,
    mut y: f32,
) -> f32 {
    let cols = [LEFT, LEFT + 87.0, RIGHT];
    let row_h = leading(size, 2.0);
    c.rect(LEFT, y, RIGHT - LEFT, row_h, Paint::Shade, 0.0);
    for (i, h) in r.table_heads.iter().enumerate() {
        c.text_center(
            FontId::Gothic,
            size,
            (cols[i] + cols[i + 1]) / 2.0,
            y + row_h * 0.68,
            h,
        );
    }
    let top = y;
    y += row_h;
    let items: Vec<_> = ItemKind::ALL
        .into_iter()
        .filter(|k| p.notice.selection.due.contains(k))
        .filter_map(|k| p.notice.evaluation.item(k))
        .collect();
    for item in &items {
        let base = y + row_h * 0.68;
        let label = match (item.kind, p.notice.evaluation.card_kind) {
            (ItemKind::Card, CardKind::Tokutei) => "特定在留カード",
            (ItemKind::Card, CardKind::TokuteiSpecial) => "特定特別永住者証明書",
            (kind, _) => kind.label(),
        };
        c.text(FontId::Mincho, size, cols[0] + 2.0, base, label);
        let date = w
            .eras
            .format_with_weekday(item.expiry)
            .unwrap_or_else(|| item.expiry.to_string());
        c.text_center(FontId::Gothic, size, (cols[1] + cols[2]) / 2.0, base, &date);
        y += row_h;
    }
    c.rect(LEFT, top, RIGHT - LEFT, y - top, Paint::Stroke, 0.6);
    c.line(cols[1], top, cols[1], y, 0.4, false);
    for i in 1..=items.len() {
        let ry = top + row_h * i as f32;
        c.line(LEFT, ry, RIGHT, ry, 0.4, false);
    }
    y
}
