//! Page 2 of a packet: the 照会書兼回答書 (certificate notices) or the
//! handwritten card application form (card notices). PIN boxes are always
//! empty: a PIN is never printed.

use super::display::{FontId, Page, Paint};
use super::layout::{leading, BlockKey, Canvas};
use super::notice::{LayoutError, Packet, Wording};
use super::printable::first_unprintable;
use crate::model::BirthWritten;
use crate::profile::InquiryWording;
use crate::rules::ItemKind;
use crate::wareki::{EraDate, Eras};
use chrono::NaiveDate;

const LEFT: f32 = 18.0;
const RIGHT: f32 = 192.0;

/// A labelled row of a bordered table: label cell shaded, value cell
/// pre-printed (or empty for the resident to fill in). A value too long for
/// one line wraps, and the row grows to hold it: nothing is cut off.
/// Returns the next row's top.
fn labelled_row(c: &mut Canvas<'_>, y: f32, h: f32, label_w: f32, label: &str, value: &str) -> f32 {
    let width = RIGHT - LEFT - label_w - 4.0;
    let single = c.fit_size(FontId::Mincho, 11.0, 8.0, value, width);
    let lines = if value.is_empty() || c.width(FontId::Mincho, single, value) <= width + 0.01 {
        None
    } else {
        Some(c.wrap(FontId::Mincho, 8.0, width, value))
    };
    let lead = leading(8.0, 1.3);
    let h = match &lines {
        Some(l) => h.max(l.len() as f32 * lead + 2.5),
        None => h,
    };
    // The frame and label are fixed content; a row that grew for a long
    // value has its own, so pages with it get a template of their own.
    let key = BlockKey::new("form.labelled_row", &[y, h, label_w]).with_text(label);
    c.fixed(key, |c| {
        c.rect(LEFT, y, label_w, h, Paint::Shade, 0.0);
        c.rect(LEFT, y, RIGHT - LEFT, h, Paint::Stroke, 0.6);
        c.line(LEFT + label_w, y, LEFT + label_w, y + h, 0.6, false);
        let ls = c.fit_size(FontId::Gothic, 9.0, 6.5, label, label_w - 3.0);
        c.text(FontId::Gothic, ls, LEFT + 1.5, y + h / 2.0 + 1.2, label);
    });
    match lines {
        None if !value.is_empty() => {
            c.text(
                FontId::Mincho,
                single,
                LEFT + label_w + 2.0,
                y + h / 2.0 + 1.5,
                value,
            );
        }
        Some(lines) => {
            let mut ly = y + 1.2 + c.fonts().ascent_mm(FontId::Mincho, 8.0);
            for line in &lines {
                c.text(FontId::Mincho, 8.0, LEFT + label_w + 2.0, ly, line);
                ly += lead;
            }
        }
        None => {}
    }
    y + h
}

/// 生年月日 as the form prints it, in the run's era table: the date in
/// 和暦; 29 February of a common year as the registry writes it (平成3年2月29日,
/// not the day the feb29 rule computes with); a 不詳日 as written
/// (`平成5年頃`), since the form identifies the resident by the registry.
fn birth_wareki(p: &Packet<'_>, eras: &Eras) -> String {
    let r = &p.notice.resident;
    match &r.birth_written {
        BirthWritten::Exact => r.dates.birth.and_then(|d| eras.format(d)),
        BirthWritten::Feb29Common { year, written } => NaiveDate::from_ymd_opt(*year, 2, 28)
            .and_then(|d| eras.wareki(d))
            .map(|w| EraDate { day: 29, ..w }.to_string())
            .or_else(|| Some(written.clone())),
        BirthWritten::Unknown { written } => Some(written.clone()),
    }
    .unwrap_or_default()
}

fn identity_rows(
    c: &mut Canvas<'_>,
    p: &Packet<'_>,
    eras: &Eras,
    mut y: f32,
    with_kana: bool,
) -> f32 {
    let r = &p.notice.resident;
    let lw = 34.0;
    if with_kana {
        // A reading with an unmapped 外字 or a character no font has is left
        // blank for the resident to write, never printed with a substitute.
        let drawable = first_unprintable(&r.name_kana, Some(c.fonts())).is_none();
        let kana = if drawable { r.name_kana.as_str() } else { "" };
        y = labelled_row(c, y, 7.0, lw, "フリガナ", kana);
    }
    y = labelled_row(c, y, 10.0, lw, "氏名", &r.name);
    y = labelled_row(c, y, 8.0, lw, "生年月日", &birth_wareki(p, eras));
    let address = if r.address_extra.is_empty() {
        format!("〒{}　{}", r.postal_code, r.address)
    } else {
        format!("〒{}　{}　{}", r.postal_code, r.address, r.address_extra)
    };
    labelled_row(c, y, 10.0, lw, "住所", &address)
}

/// The notice number at the top right (it ties the enclosure to its letter
/// when the two are separated) and the form's title.
fn form_header(c: &mut Canvas<'_>, p: &Packet<'_>, title: &str) {
    c.text_right(
        FontId::Mincho,
        9.0,
        RIGHT,
        16.0,
        &format!("通知番号 {}", p.document_number),
    );
    c.fixed(BlockKey::new("form.title", &[]).with_text(title), |c| {
        c.text_center(FontId::Gothic, 15.0, 105.0, 27.0, title);
    });
}

/// The 照会書兼回答書 (電子証明書の更新).
pub(crate) fn inquiry_page(
    p: &Packet<'_>,
    w: &Wording<'_>,
    mut c: Canvas<'_>,
) -> Result<Page, LayoutError> {
    let q = w.inquiry;
    let width = RIGHT - LEFT;
    form_header(&mut c, p, &q.title);
    let lead = leading(9.5, 1.55);
    let mut y = c.fixed_to(BlockKey::new("inquiry.head", &[]), |c| {
        c.text(FontId::Mincho, 10.5, LEFT, 37.0, &q.addressee);
        c.paragraph(FontId::Mincho, 9.5, LEFT, 45.0, width, lead, &q.inquiry)
    });
    y = identity_rows(&mut c, p, w.eras, y - 2.0, false) + 7.0;
    // The rest has no resident's data (the PIN boxes depend on whether
    // there is a signing certificate only).
    let sign = p.notice.evaluation.item(ItemKind::SignCert).is_some();
    let key = BlockKey::new("inquiry.rest", &[f32::from(u8::from(sign)), y]);
    let end = c.fixed_to(key, |c| {
        let mut y = c.paragraph(FontId::Mincho, 9.5, LEFT, y, width, lead, &q.delegation);
        y -= 2.0;
        for label in &q.proxy_labels {
            y = labelled_row(c, y, 10.0, 34.0, label, "");
        }
        y += 7.0;
        y = pin_boxes(c, sign, q, y);
        y = signature_and_seal(c, q, y);
        office_use_strip(c, q);
        y
    });
    if end > OFFICE_USE_TOP - 3.0 {
        return Err(LayoutError::Overflow {
            page: "inquiry",
            detail: format!("the [inquiry] wording reaches {end:.0} mm, past the office-use strip"),
        });
    }
    Ok(c.finish())
}

/// The PIN boxes from `y`; returns the next top.
fn pin_boxes(c: &mut Canvas<'_>, sign: bool, q: &InquiryWording, mut y: f32) -> f32 {
    // 4 for the user certificate, 16 for the signing certificate, none when
    // there is no signing certificate. Never filled in.
    c.text(FontId::Gothic, 9.5, LEFT, y, &q.user_pin_label);
    y += 2.5;
    c.boxes(LEFT, y, 4, 9.0);
    y += 9.0 + 7.0;
    c.text(FontId::Gothic, 9.5, LEFT, y, &q.sign_pin_label);
    y += 2.5;
    if sign {
        c.boxes(LEFT, y, 16, 9.0);
    } else {
        c.rect(LEFT, y, 16.0 * 9.0, 9.0, Paint::Shade, 0.0);
        c.text(FontId::Mincho, 9.0, LEFT + 3.0, y + 6.0, &q.no_sign_cert);
    }
    y += 9.0 + 9.0;
    y
}

/// Date, signature line and the sealing instruction from `y`; returns the
/// next top.
fn signature_and_seal(c: &mut Canvas<'_>, q: &InquiryWording, mut y: f32) -> f32 {
    let width = RIGHT - LEFT;
    c.text(FontId::Mincho, 10.0, LEFT, y, &q.date_label);
    y += 11.0;
    c.text(FontId::Mincho, 10.0, LEFT + 70.0, y, &q.signature_label);
    c.line(
        LEFT + 70.0 + c.width(FontId::Mincho, 10.0, &q.signature_label) + 3.0,
        y + 1.0,
        RIGHT,
        y + 1.0,
        0.6,
        false,
    );
    y += 8.0;
    // The sealing instruction, boxed so it is not missed.
    let lines = c.wrap(FontId::Gothic, 9.0, width - 6.0, &q.seal_instruction);
    let box_h = lines.len() as f32 * leading(9.0, 1.5) + 3.0;
    c.rect(LEFT, y, width, box_h, Paint::Stroke, 1.0);
    let mut ly = y + 1.5 + c.fonts().ascent_mm(FontId::Gothic, 9.0);
    for line in &lines {
        c.text(FontId::Gothic, 9.0, LEFT + 3.0, ly, line);
        ly += leading(9.0, 1.5);
    }
    y += box_h + 6.0;
    y
}

/// The top of the office-use strip, mm (its cut line is 3 mm above).
const OFFICE_USE_TOP: f32 = 262.0;

/// The office-use strip along the bottom, behind a cut line (the wording
/// above must end above the line: [`inquiry_page`] checks).
fn office_use_strip(c: &mut Canvas<'_>, q: &InquiryWording) {
    let width = RIGHT - LEFT;
    let strip_top = OFFICE_USE_TOP;
    c.line(LEFT, strip_top - 3.0, RIGHT, strip_top - 3.0, 0.5, true);
    c.text(FontId::Gothic, 8.0, LEFT, strip_top + 1.0, &q.office_use);
    let n = q.office_use_cells.len().max(1) as f32;
    let cell_w = width / n;
    for (i, label) in q.office_use_cells.iter().enumerate() {
        let x = LEFT + i as f32 * cell_w;
        c.rect(x, strip_top + 3.0, cell_w, 6.0, Paint::Shade, 0.0);
        c.rect(x, strip_top + 3.0, cell_w, 22.0, Paint::Stroke, 0.5);
        c.text_center(
            FontId::Gothic,
            8.0,
            x + cell_w / 2.0,
            strip_top + 7.3,
            label,
        );
    }
}

/// The handwritten 個人番号カード交付申請書.
pub(crate) fn application_page(
    p: &Packet<'_>,
    w: &Wording<'_>,
    mut c: Canvas<'_>,
) -> Result<Page, LayoutError> {
    let a = w.application;
    let width = RIGHT - LEFT;
    form_header(&mut c, p, &a.title);
    let y = identity_rows(&mut c, p, w.eras, 36.0, true) + 8.0;
    let y = c.fixed_to(BlockKey::new("application.rest", &[y]), |c| {
        let mut y = y;
        // Photo box 45 × 35 mm (height × width), with the guidance inside.
        let (px, pw, ph) = (RIGHT - 35.0, 35.0, 45.0);
        c.rect(px, y, pw, ph, Paint::Stroke, 0.8);
        let mut ny = y + 8.0;
        for line in c.wrap(FontId::Mincho, 7.5, pw - 4.0, &a.photo_note) {
            c.text(FontId::Mincho, 7.5, px + 2.0, ny, &line);
            ny += leading(7.5, 1.4);
        }
        // Signature and date to the left of the photo.
        let sx = LEFT;
        c.text(FontId::Mincho, 10.0, sx, y + 8.0, &a.date_label);
        c.text(FontId::Mincho, 10.0, sx, y + 24.0, &a.signature_label);
        c.rect(sx, y + 27.0, px - sx - 8.0, 16.0, Paint::Stroke, 0.6);
        y += ph + 10.0;

        let lead = leading(9.5, 1.55);
        for s in &a.instructions {
            y = c.marked_paragraph(FontId::Mincho, 9.5, LEFT, y, width, lead, "・", s);
        }
        y
    });
    if y > 285.0 {
        return Err(LayoutError::Overflow {
            page: "application",
            detail: format!("the [application] wording reaches {y:.0} mm"),
        });
    }
    Ok(c.finish())
}
