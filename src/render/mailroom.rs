//! The mail room's own pages (SPEC 11): a slip for each presort bundle and
//! the count sheet for Japan Post's 差出票, and the piece marks every sheet
//! of a notice carries. None of them goes to a resident.

use super::display::{FontId, Item, Page, Paint, Rect, TextRun};
use super::fonts::FontSet;
use super::layout::Canvas;
use crate::model::{Bundle, CountSheet};
use crate::profile::MailSettings;

/// Height of an OMR mark, mm.
pub(crate) const OMR_MARK_HEIGHT_MM: f32 = 0.6;

/// The bundle slips: two to an A4 sheet (cut along the dashed line), each
/// with the bundle's number and key large, its pieces, sequence range and
/// print file(s).
pub(crate) fn bundle_slips(bundles: &[Bundle], batch_id: &str, fonts: &FontSet) -> Vec<Page> {
    let mut pages = Vec::new();
    for pair in bundles.chunks(2) {
        let mut c = Canvas::new(fonts);
        for (i, b) in pair.iter().enumerate() {
            let top = 148.5 * i as f32;
            slip(&mut c, b, bundles.len(), batch_id, top);
        }
        c.line(5.0, 148.5, 205.0, 148.5, 0.5, true);
        pages.push(c.finish());
    }
    pages
}

fn slip(c: &mut Canvas<'_>, b: &Bundle, of: usize, batch_id: &str, top: f32) {
    let (left, right) = (20.0, 190.0);
    c.rect(left, top + 15.0, right - left, 118.0, Paint::Stroke, 1.2);
    c.text(
        FontId::Gothic,
        12.0,
        left + 6.0,
        top + 26.0,
        "区分郵便物 結束票",
    );
    c.text_right(
        FontId::Gothic,
        10.0,
        right - 6.0,
        top + 26.0,
        &format!("バッチ {batch_id}"),
    );
    c.text(
        FontId::Gothic,
        28.0,
        left + 6.0,
        top + 50.0,
        &format!("束 {} / {of}", b.number),
    );
    c.text(FontId::Gothic, 12.0, left + 6.0, top + 68.0, "郵便区番号");
    c.text(FontId::Gothic, 36.0, left + 45.0, top + 72.0, &b.key);
    let rows = [
        ("通数", format!("{} 通", b.pieces)),
        ("通し番号", format!("{} ～ {}", b.first_seq, b.last_seq)),
        ("印刷ファイル", file_list(&b.files)),
        (
            "区分",
            if b.non_forwardable {
                "転送不要".to_string()
            } else {
                "普通".to_string()
            },
        ),
    ];
    // A value wraps inside the box (a bundle of a big district runs over
    // several print files): none may run past its edge and off the page.
    let value_width = right - 6.0 - (left + 45.0);
    let mut y = top + 88.0;
    for (label, value) in rows {
        c.text(FontId::Gothic, 11.0, left + 6.0, y, label);
        for line in c.wrap(FontId::Mincho, 11.0, value_width, &value) {
            c.text(FontId::Mincho, 11.0, left + 45.0, y, &line);
            y += 5.0;
        }
        y += 4.0;
    }
}

/// The print files of a bundle, consecutive numbered files as a range
/// (`print/notices-0001.pdf ～ print/notices-0006.pdf`), runs separated by
/// 「、」.
fn file_list(files: &[String]) -> String {
    // `print/notices-0007.pdf` → ("print/notices-", 7).
    let numbered = |f: &str| {
        let stem = f.strip_suffix(".pdf")?;
        let digits = stem.len() - stem.chars().rev().take_while(char::is_ascii_digit).count();
        let n: u32 = stem[digits..].parse().ok()?;
        Some((stem[..digits].to_string(), n))
    };
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let follows = runs.last().is_some_and(|&(_, last)| {
            matches!(
                (numbered(&files[last]), numbered(f)),
                (Some((p, a)), Some((q, b))) if p == q && b == a + 1
            )
        });
        match runs.last_mut() {
            Some(run) if follows => run.1 = i,
            _ => runs.push((i, i)),
        }
    }
    runs.iter()
        .map(|&(a, b)| match b - a {
            0 => files[a].clone(),
            1 => format!("{}、{}", files[a], files[b]),
            _ => format!("{} ～ {}", files[a], files[b]),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The count sheet: the numbers to copy onto the 差出票.
pub(crate) fn count_sheet(sheet: &CountSheet, fonts: &FontSet) -> Page {
    let mut c = Canvas::new(fonts);
    let left = 20.0;
    c.text(FontId::Gothic, 16.0, left, 25.0, "差出票 記入用 集計表");
    c.text(
        FontId::Mincho,
        10.5,
        left,
        35.0,
        &format!("バッチ {}　差出人 {}", sheet.batch_id, sheet.issuer),
    );
    let mut y = 50.0;
    let mut table = |c: &mut Canvas<'_>, title: &str, head: &[&str], rows: &[Vec<String>]| {
        c.text(FontId::Gothic, 11.0, left, y, title);
        y += 7.0;
        let cols = [left, left + 75.0, left + 110.0, left + 145.0];
        for (i, h) in head.iter().enumerate() {
            c.text(FontId::Gothic, 9.5, cols[i], y, h);
        }
        c.line(left, y + 1.5, 190.0, y + 1.5, 0.5, false);
        y += 6.0;
        for row in rows {
            for (i, v) in row.iter().enumerate() {
                c.text(FontId::Mincho, 9.5, cols[i], y, v);
            }
            y += 5.5;
        }
        y += 6.0;
    };
    let n = |v: u32| v.to_string();
    let mut files: Vec<Vec<String>> = sheet
        .files
        .iter()
        .map(|(f, pieces, sheets)| vec![f.clone(), n(*pieces), n(*sheets)])
        .collect();
    files.push(vec![
        "合計".into(),
        n(sheet.pieces()),
        n(sheet.files.iter().map(|f| f.2).sum()),
    ]);
    table(
        &mut c,
        "印刷ファイル別",
        &["ファイル", "通数", "枚数"],
        &files,
    );
    let barcode = vec![
        vec!["バーコードあり".into(), n(sheet.with_barcode)],
        vec!["バーコードなし".into(), n(sheet.without_barcode)],
    ];
    table(&mut c, "カスタマバーコード", &["", "通数"], &barcode);
    let bands: Vec<Vec<String>> = sheet
        .bands
        .iter()
        .map(|(b, pieces)| vec![b.clone(), n(*pieces)])
        .collect();
    table(&mut c, "重量区分", &["区分", "通数"], &bands);
    let weights: Vec<Vec<String>> = sheet
        .weights
        .iter()
        .map(|(sheets, g)| vec![format!("{sheets} 枚"), format!("{g:.1} g")])
        .collect();
    table(
        &mut c,
        "1通の重さ（用紙枚数別）",
        &["枚数", "重さ"],
        &weights,
    );
    let districts: Vec<Vec<String>> = sheet
        .districts
        .iter()
        .map(|(d, ordinary, nf)| vec![format!("〒{d}"), n(*ordinary), n(*nf), n(ordinary + nf)])
        .collect();
    table(
        &mut c,
        "郵便番号上3桁別",
        &["地域", "普通", "転送不要", "計"],
        &districts,
    );
    c.finish()
}

/// Adds the piece mark (`<document number> i/n`), the sheet code and,
/// when enabled, the OMR track to every sheet of one packet's pages, and
/// the window code to its first. With duplex pages, a
/// sheet is two pages and only its front is marked.
pub(crate) fn mark_sheets(
    pages: &mut [Page],
    document_number: &str,
    duplex: bool,
    mail: &MailSettings,
) {
    let step = if duplex { 2 } else { 1 };
    let sheets = pages.len().div_ceil(step);
    for (i, page) in pages.iter_mut().step_by(step).enumerate() {
        page.items.push(Item::Text(TextRun {
            font: FontId::Gothic,
            size_pt: 6.5,
            x_mm: mail.piece_mark_x_mm,
            y_mm: mail.piece_mark_y_mm,
            text: format!("{document_number} {}/{sheets}", i + 1).into(),
        }));
        page.items.extend(super::marks::sheet_code(
            document_number,
            i + 1,
            sheets,
            mail,
        ));
        if i == 0 {
            page.items
                .extend(super::marks::window_code(document_number, mail));
        }
        let omr = &mail.omr;
        if omr.enabled {
            for position in omr_marks(i + 1 == sheets) {
                page.items.push(Item::Rect(Rect {
                    x_mm: omr.x_mm,
                    y_mm: omr.y_mm + position as f32 * omr.pitch_mm,
                    w_mm: omr.length_mm,
                    h_mm: OMR_MARK_HEIGHT_MM,
                    paint: Paint::Fill,
                    width_pt: 0.0,
                }));
            }
        }
    }
}

/// The OMR positions marked on a sheet: 0 start (always), 1 end of packet
/// (its last sheet), 2 parity (when it makes the count of marks odd).
pub(crate) fn omr_marks(last_sheet: bool) -> Vec<u32> {
    let mut marks = vec![0];
    if last_sheet {
        marks.push(1);
    }
    if marks.len() % 2 == 0 {
        marks.push(2);
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fonts::tests::shipped;

    #[test]
    fn a_bundle_over_many_files_names_them_all_inside_its_slip() {
        let files: Vec<String> = (1..=7)
            .map(|n| format!("print/notices-{n:04}.pdf"))
            .chain(["print/non-forwardable-0001.pdf".to_string()])
            .collect();
        assert_eq!(
            file_list(&files),
            "print/notices-0001.pdf ～ print/notices-0007.pdf、print/non-forwardable-0001.pdf"
        );
        assert_eq!(
            file_list(&files[..2]),
            "print/notices-0001.pdf、print/notices-0002.pdf"
        );
        assert_eq!(
            file_list(&[files[0].clone(), files[2].clone()]),
            "print/notices-0001.pdf、print/notices-0003.pdf"
        );
        let bundle = Bundle {
            number: 1,
            key: "38401".into(),
            pieces: 3046,
            first_seq: 1,
            last_seq: 3046,
            files,
            non_forwardable: false,
        };
        let fonts = shipped();
        let page = bundle_slips(&[bundle], "2026-11-26", &fonts).remove(0);
        let mut text = String::new();
        for item in &page.items {
            if let Item::Text(t) = item {
                let w = fonts.text_width_mm(t.font, t.size_pt, &t.text);
                assert!(
                    t.x_mm + w <= 184.0 + 0.01,
                    "{:?} runs out of the box",
                    t.text
                );
                // Above the box's bottom (15 + 118 mm).
                assert!(t.y_mm < 133.0, "{:?} below the box", t.text);
                text.push_str(&t.text);
            }
        }
        for name in [
            "notices-0001.pdf",
            "notices-0007.pdf",
            "non-forwardable-0001.pdf",
        ] {
            assert!(text.contains(name), "{name} missing: {text}");
        }
    }

    #[test]
    fn omr_marks_are_odd_and_end_on_the_last_sheet() {
        assert_eq!(omr_marks(false), [0]);
        assert_eq!(omr_marks(true), [0, 1, 2]);
        for last in [false, true] {
            assert_eq!(omr_marks(last).len() % 2, 1);
        }
    }
}
