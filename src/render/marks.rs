//! The Data Matrix marks of SPEC 16, as display items: the code on every
//! sheet (`<document number>|<i>/<n>`, for camera-based inserters) and the
//! document number in the envelope window (text and code, so a returned
//! piece is scanned without opening it). Per-sheet content, drawn over the
//! page; the positions are the profile's (`[mail]`).

use super::display::{Bitmap, FontId, Item, TextRun};
use crate::barcode::datamatrix::{encode, Shape, Symbol, SHEET_MODULE_MM, WINDOW_MODULE_MM};
use crate::profile::{MailSettings, SheetCode};

/// Size of the document number printed beside the window code, pt.
pub(crate) const WINDOW_TEXT_PT: f32 = 6.0;

/// The sheet code for sheet `sheet` of `sheets` (both from 1), or nothing
/// when `[mail] sheet_code = "none"`.
pub(crate) fn sheet_code(
    document_number: &str,
    sheet: usize,
    sheets: usize,
    mail: &MailSettings,
) -> Vec<Item> {
    if mail.sheet_code == SheetCode::None {
        return Vec::new();
    }
    let text = format!("{document_number}|{sheet}/{sheets}");
    encode(&text, Shape::Square)
        .map(|s| {
            bitmap(
                s,
                mail.sheet_code_x_mm,
                mail.sheet_code_y_mm,
                SHEET_MODULE_MM,
            )
        })
        .into_iter()
        .collect()
}

/// The window code of a packet's first sheet: the Data Matrix of the
/// document number and, right of it, the number as text; nothing when
/// `[mail] window_code = false`.
pub(crate) fn window_code(document_number: &str, mail: &MailSettings) -> Vec<Item> {
    if !mail.window_code {
        return Vec::new();
    }
    let Some(s) = encode(document_number, Shape::Rectangle) else {
        return Vec::new();
    };
    let (x, y) = (mail.window_code_x_mm, mail.window_code_y_mm);
    let (w, h) = (s.width as f32, s.height as f32);
    let code = bitmap(s, x, y, WINDOW_MODULE_MM);
    let number = Item::Text(TextRun {
        font: FontId::Gothic,
        size_pt: WINDOW_TEXT_PT,
        x_mm: x + w * WINDOW_MODULE_MM + 1.5,
        // Centred on the symbol's height (ascent of a 6 pt run ≈ 1.9 mm).
        y_mm: y + h * WINDOW_MODULE_MM / 2.0 + 0.9,
        text: document_number.into(),
    });
    vec![code, number]
}

/// The symbol as one bitmap item, its top-left corner at (`x`, `y`) mm.
fn bitmap(s: Symbol, x: f32, y: f32, module: f32) -> Item {
    Item::Bitmap(Bitmap {
        x_mm: x,
        y_mm: y,
        module_mm: module,
        width: s.width,
        height: s.height,
        dark: s.dark,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::datamatrix::decode;

    /// The symbol back from the drawn bitmap, which must sit at (`x`, `y`).
    fn read_back(items: &[Item], x: f32, y: f32, module: f32) -> Option<String> {
        let b = items.iter().find_map(|i| match i {
            Item::Bitmap(b) => Some(b),
            _ => None,
        })?;
        assert_eq!((b.x_mm, b.y_mm, b.module_mm), (x, y, module));
        decode(&b.dark, b.width)
    }

    #[test]
    fn the_drawn_codes_read_back_and_none_draws_nothing() {
        let mut mail = MailSettings::default();
        let items = sheet_code("佐市民第20261126-00001号", 2, 3, &mail);
        assert_eq!(
            read_back(
                &items,
                mail.sheet_code_x_mm,
                mail.sheet_code_y_mm,
                SHEET_MODULE_MM
            )
            .as_deref(),
            Some("佐市民第20261126-00001号|2/3")
        );
        let items = window_code("佐市民第20261126-00001号", &mail);
        assert_eq!(
            read_back(
                &items,
                mail.window_code_x_mm,
                mail.window_code_y_mm,
                WINDOW_MODULE_MM
            )
            .as_deref(),
            Some("佐市民第20261126-00001号")
        );
        assert!(items
            .iter()
            .any(|i| matches!(i, Item::Text(t) if &*t.text == "佐市民第20261126-00001号")));
        mail.sheet_code = SheetCode::None;
        mail.window_code = false;
        assert!(sheet_code("D-1", 1, 1, &mail).is_empty());
        assert!(window_code("D-1", &mail).is_empty());
    }
}
