//! Data Matrix (ECC 200) symbols for the mail room's codes (SPEC 16): the
//! code on every sheet (`<document number>|<i>/<n>`, for camera-based
//! inserters) and the document number in the envelope window (for returns
//! scanned without opening the envelope).
//!
//! The encoding is the `datamatrix` crate's (ECC 200, its optimising
//! encoder). Text that is not Latin-1 (a document number with kanji) is
//! encoded as UTF-8 behind the UTF-8 ECI, as ISO/IEC 16022 provides; a
//! scanner set to UTF-8 returns the document number as printed.

use datamatrix::placement::MatrixMap;
use datamatrix::{DataMatrix, SymbolList};

/// The symbol shapes the two codes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Square symbols up to 26 × 26 modules (the code on every sheet).
    Square,
    /// The ISO rectangles (8 × 18 up to 16 × 48 modules: the window code,
    /// which must sit in a band 16 modules high).
    Rectangle,
}

/// The largest square the sheet code may use, modules a side.
pub(crate) const MAX_SQUARE: usize = 26;

/// The sheet code's module, mm (0.4: well above the 0.25-0.3 mm camera
/// readers of inserters resolve; 26 modules are 10.4 mm).
pub const SHEET_MODULE_MM: f32 = 0.4;

/// The window code's module, mm (0.25: a 16 × 48 rectangle is 4 × 12 mm,
/// the height of the 〒 line's band in the window).
pub const WINDOW_MODULE_MM: f32 = 0.25;

/// The quiet zone kept clear around either code, mm (SPEC 16: at least 2).
pub(crate) const QUIET_ZONE_MM: f32 = 2.0;

/// An encoded symbol: its modules row by row from the top, dark true,
/// finder and clock patterns included, quiet zone not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Modules across.
    pub(crate) width: usize,
    /// Modules down.
    pub(crate) height: usize,
    /// `width × height` modules, row-major.
    pub(crate) dark: Vec<bool>,
}

/// Encodes `text` in the smallest symbol of `shape` that holds it; `None`
/// when none does (the text is too long for the mark's space).
pub fn encode(text: &str, shape: Shape) -> Option<Symbol> {
    let symbols = match shape {
        Shape::Square => SymbolList::default()
            .enforce_square()
            .enforce_width_in(..=MAX_SQUARE),
        Shape::Rectangle => SymbolList::default()
            .enforce_rectangular()
            .enforce_height_in(..=16)
            .enforce_width_in(..=48),
    };
    let code = DataMatrix::encode_str(text, symbols).ok()?;
    let bitmap = code.bitmap();
    Some(Symbol {
        width: bitmap.width(),
        height: bitmap.height(),
        dark: bitmap.bits().to_vec(),
    })
}

/// Decodes a symbol's modules (row-major, `width` across, finder pattern
/// included) back to its text, as a reader would; `None` when they are
/// not a valid ECC 200 symbol. For tests that read what was printed.
pub fn decode(dark: &[bool], width: usize) -> Option<String> {
    let (map, size) = MatrixMap::try_from_bits(dark, width).ok()?;
    let mut codewords = map.codewords();
    datamatrix::errorcode::decode_error(&mut codewords, size).ok()?;
    // The symbol's data capacity: an empty message in it, padded full.
    let capacity = DataMatrix::encode(b"", SymbolList::with_whitelist([size]))
        .ok()?
        .data_codewords()
        .len();
    datamatrix::data::decode_str(codewords.get(..capacity)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_number_with_kanji_round_trips_in_both_shapes() {
        for (text, shape) in [
            ("佐市民第20261126-00001号|1/2", Shape::Square),
            ("佐市民第20261126-1234567号-R99|99/99", Shape::Square),
            ("佐市民第20261126-00001号", Shape::Rectangle),
            ("佐市民第20261126-1234567号-R99", Shape::Rectangle),
        ] {
            let s = encode(text, shape).unwrap_or_else(|| panic!("{text} does not fit"));
            assert_eq!(s.dark.len(), s.width * s.height);
            match shape {
                Shape::Square => assert!(s.width == s.height && s.width <= MAX_SQUARE),
                Shape::Rectangle => assert!(s.height <= 16 && s.width <= 48),
            }
            assert_eq!(decode(&s.dark, s.width).as_deref(), Some(text));
        }
    }

    #[test]
    fn too_long_is_none() {
        assert!(encode(&"長".repeat(40), Shape::Square).is_none());
        assert!(encode(&"長".repeat(20), Shape::Rectangle).is_none());
    }

    #[test]
    fn a_damaged_symbol_does_not_decode_to_other_text() {
        let s = encode("D-1|1/1", Shape::Square).unwrap();
        let mut dark = s.dark.clone();
        // The finder's solid left edge broken: not a symbol any more.
        for row in 0..s.height {
            dark[row * s.width] = false;
        }
        assert_eq!(decode(&dark, s.width), None);
    }
}
