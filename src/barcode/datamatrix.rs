//! Data Matrix (ECC 200) symbols for the mail room's codes (SPEC 16): the
//! code on every sheet (`<document number>|<i>/<n>`, for camera-based
//! inserters) and the document number in the envelope window (for returns
//! scanned without opening the envelope).
//!
//! The data codewords are made here, in the two encodations a document
//! number needs: ASCII (two digits a codeword) and Base256 (bytes above
//! 127: the UTF-8 of kanji). The `datamatrix` crate's optimising encoder
//! searched all six encodations and was a seventh of the render time; for
//! these texts it finds no smaller symbol (a test compares). The crate
//! adds the error correction and places the modules, and its decoder reads
//! every symbol back in the tests. Text that is not Latin-1 (a document
//! number with kanji) is encoded as UTF-8 behind the UTF-8 ECI, as
//! ISO/IEC 16022 provides (the crate does the same); a scanner set to
//! UTF-8 returns the document number as printed.

use std::sync::OnceLock;

use datamatrix::placement::MatrixMap;
use datamatrix::{DataMatrix, SymbolList, SymbolSize};

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
    let mut codewords = data_codewords(text);
    let (i, &(size, capacity)) = sizes(shape)
        .iter()
        .enumerate()
        .find(|(_, (_, capacity))| *capacity >= codewords.len())?;
    pad(&mut codewords, capacity);
    let ecc = datamatrix::errorcode::encode_error(&codewords, size);
    codewords.extend_from_slice(&ecc);
    Some(match placement(shape, i, size) {
        Some(p) => p.place(&codewords),
        None => {
            let bitmap = MatrixMap::new_with_codewords(&codewords, size).bitmap();
            Symbol {
                width: bitmap.width(),
                height: bitmap.height(),
                dark: bitmap.bits().to_vec(),
            }
        }
    })
}

/// Where the crate places each bit of each codeword in a symbol of one
/// size, and the modules dark whatever the data (finder and clock patterns,
/// a fixed corner): read once per size from the crate's own placement,
/// which is a fixed arrangement of the bits. Placing through it is a few
/// stores a codeword; the crate's placement walked the whole matrix for
/// every symbol (three a packet).
struct Placement {
    width: usize,
    height: usize,
    fixed: Vec<bool>,
    /// Per codeword, the module of each bit, most significant first.
    bits: Vec<[u32; 8]>,
}

impl Placement {
    /// The crate's placement, bit by bit; `None` when a bit does not land
    /// on exactly one module of its own (never for ECC 200; the crate's
    /// placement is then used as it is).
    fn of(size: SymbolSize, codewords: usize) -> Option<Placement> {
        let bitmap = |cw: &[u8]| MatrixMap::new_with_codewords(cw, size).bitmap();
        let mut cw = vec![0u8; codewords];
        let base = bitmap(&cw);
        let (width, height, fixed) = (base.width(), base.height(), base.bits().to_vec());
        let mut bits = Vec::with_capacity(codewords);
        for i in 0..codewords {
            let mut modules = [0u32; 8];
            for (b, module) in modules.iter_mut().enumerate() {
                cw[i] = 0x80 >> b;
                let one = bitmap(&cw);
                cw[i] = 0;
                let mut differ = one.bits().iter().zip(&fixed).enumerate();
                let (m, _) = differ.find(|(_, (a, f))| a != f)?;
                if fixed[m] || differ.any(|(_, (a, f))| a != f) {
                    return None;
                }
                *module = u32::try_from(m).ok()?;
            }
            bits.push(modules);
        }
        Some(Placement {
            width,
            height,
            fixed,
            bits,
        })
    }

    /// The symbol of `codewords` (data and error correction).
    fn place(&self, codewords: &[u8]) -> Symbol {
        let mut dark = self.fixed.clone();
        for (cw, modules) in codewords.iter().zip(&self.bits) {
            for (b, &m) in modules.iter().enumerate() {
                if cw & (0x80 >> b) != 0 {
                    dark[m as usize] = true;
                }
            }
        }
        Symbol {
            width: self.width,
            height: self.height,
            dark,
        }
    }
}

/// The placement of the `i`th of [`sizes`]`(shape)`, made on first use.
fn placement(shape: Shape, i: usize, size: SymbolSize) -> Option<&'static Placement> {
    type Cells = [OnceLock<Option<Placement>>; 32];
    static SQUARE: Cells = [const { OnceLock::new() }; 32];
    static RECTANGLE: Cells = [const { OnceLock::new() }; 32];
    let cells = match shape {
        Shape::Square => &SQUARE,
        Shape::Rectangle => &RECTANGLE,
    };
    cells
        .get(i)?
        .get_or_init(|| {
            let data = sizes(shape).get(i)?.1;
            let total = data + datamatrix::errorcode::encode_error(&vec![0; data], size).len();
            Placement::of(size, total)
        })
        .as_ref()
}

/// The symbols of `shape` with their data capacity in codewords, smallest
/// first.
fn sizes(shape: Shape) -> &'static [(SymbolSize, usize)] {
    static SQUARE: OnceLock<Vec<(SymbolSize, usize)>> = OnceLock::new();
    static RECTANGLE: OnceLock<Vec<(SymbolSize, usize)>> = OnceLock::new();
    let cell = match shape {
        Shape::Square => &SQUARE,
        Shape::Rectangle => &RECTANGLE,
    };
    cell.get_or_init(|| {
        let list = match shape {
            Shape::Square => SymbolList::default()
                .enforce_square()
                .enforce_width_in(..=MAX_SQUARE),
            Shape::Rectangle => SymbolList::default()
                .enforce_rectangular()
                .enforce_height_in(..=16)
                .enforce_width_in(..=48),
        };
        let mut v: Vec<(usize, usize, SymbolSize)> = list
            .iter()
            .filter_map(|size| {
                // The capacity: an empty message in this size, padded full.
                let empty = DataMatrix::encode(b"", SymbolList::with_whitelist([size])).ok()?;
                let b = empty.bitmap();
                Some((empty.data_codewords().len(), b.width() * b.height(), size))
            })
            .collect();
        v.sort_by_key(|(capacity, area, _)| (*capacity, *area));
        v.into_iter()
            .map(|(capacity, _, size)| (size, capacity))
            .collect()
    })
}

/// ASCII mode's latch to Base256.
const LATCH_BASE256: u8 = 231;
/// The ECI codeword; the UTF-8 ECI (26) follows as 27.
const ECI_UTF8: [u8; 2] = [241, 27];
/// The first pad codeword.
const PAD: u8 = 129;

/// The data codewords of `text`, unpadded: Latin-1 text as it is, other
/// text as UTF-8 behind the UTF-8 ECI; digit pairs and other ASCII in
/// ASCII mode, each run of bytes above 127 as a Base256 field.
fn data_codewords(text: &str) -> Vec<u8> {
    let latin1: Option<Vec<u8>> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    let mut cw = Vec::with_capacity(text.len() + 8);
    let bytes = match latin1 {
        Some(bytes) => bytes,
        None => {
            cw.extend_from_slice(&ECI_UTF8);
            text.as_bytes().to_vec()
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match bytes.get(i + 1) {
            Some(n) if b.is_ascii_digit() && n.is_ascii_digit() => {
                cw.push(130 + (b - b'0') * 10 + (n - b'0'));
                i += 2;
            }
            _ if b < 128 => {
                cw.push(b + 1);
                i += 1;
            }
            _ => {
                let end = bytes[i..]
                    .iter()
                    .position(|b| *b < 128)
                    .map_or(bytes.len(), |n| i + n);
                base256(&mut cw, &bytes[i..end]);
                i = end;
            }
        }
    }
    cw
}

/// A Base256 field: the latch, the length, the bytes, each after the
/// latch randomised by its position (the 255-state algorithm).
fn base256(cw: &mut Vec<u8>, bytes: &[u8]) {
    cw.push(LATCH_BASE256);
    let n = bytes.len();
    let length = if n <= 249 {
        vec![n as u8]
    } else {
        vec![(n / 250 + 249) as u8, (n % 250) as u8]
    };
    for v in length.into_iter().chain(bytes.iter().copied()) {
        let position = cw.len() + 1;
        let pseudo = (149 * position) % 255 + 1;
        let t = usize::from(v) + pseudo;
        cw.push((if t <= 255 { t } else { t - 256 }) as u8);
    }
}

/// Pads `cw` to `capacity`: the pad codeword, then pads randomised by
/// their position (the 253-state algorithm).
fn pad(cw: &mut Vec<u8>, capacity: usize) {
    if cw.len() < capacity {
        cw.push(PAD);
    }
    while cw.len() < capacity {
        let position = cw.len() + 1;
        let pseudo = (149 * position) % 253 + 1;
        let t = usize::from(PAD) + pseudo;
        cw.push((if t <= 254 { t } else { t - 254 }) as u8);
    }
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

    /// The placement table puts the modules where the crate's own
    /// placement does, in every size of both shapes.
    #[test]
    fn placing_through_the_table_is_the_crates_placement() {
        for shape in [Shape::Square, Shape::Rectangle] {
            for (i, &(size, capacity)) in sizes(shape).iter().enumerate() {
                let table = placement(shape, i, size).expect("a table for every size");
                let mut codewords: Vec<u8> = (0..capacity)
                    .map(|k| (k as u8).wrapping_mul(37).wrapping_add(11))
                    .collect();
                let ecc = datamatrix::errorcode::encode_error(&codewords, size);
                codewords.extend_from_slice(&ecc);
                let crate_map = MatrixMap::new_with_codewords(&codewords, size).bitmap();
                let ours = table.place(&codewords);
                assert_eq!(
                    (ours.width, ours.height),
                    (crate_map.width(), crate_map.height())
                );
                assert_eq!(ours.dark, crate_map.bits(), "{shape:?} {size:?}");
            }
        }
    }

    #[test]
    fn the_same_symbol_sizes_as_the_crates_optimising_encoder() {
        for text in [
            "佐市民第20261126-00001号|1/2",
            "佐市民第20261126-1234567号-R99|99/99",
            "佐市民第20261126-00001号",
            "SAKU-20261126-00001|2/2",
            "D-1|1/1",
        ] {
            for (shape, list) in [
                (
                    Shape::Square,
                    SymbolList::default()
                        .enforce_square()
                        .enforce_width_in(..=MAX_SQUARE),
                ),
                (
                    Shape::Rectangle,
                    SymbolList::default()
                        .enforce_rectangular()
                        .enforce_height_in(..=16)
                        .enforce_width_in(..=48),
                ),
            ] {
                // The crate's optimising encoder, all six encodations.
                let theirs = DataMatrix::encode_str(text, list).ok().map(|c| c.bitmap());
                let ours = encode(text, shape);
                let area = |w: usize, h: usize| w * h;
                assert_eq!(
                    ours.as_ref().map(|s| area(s.width, s.height)),
                    theirs.as_ref().map(|b| area(b.width(), b.height())),
                    "{text} {shape:?}"
                );
                let ours = ours.unwrap();
                assert_eq!(decode(&ours.dark, ours.width).as_deref(), Some(text));
            }
        }
    }

    #[test]
    fn many_texts_decode_to_themselves() {
        // Latin-1 above 127 (Base256 without the ECI), kanji (with it),
        // digits at odd and even places, the suffix, up to the largest
        // symbol; a tiny generator keeps the cases the same every run.
        let pieces = [
            "1",
            "23",
            "-",
            "号",
            "第",
            "ÿ",
            "é",
            "|",
            "/",
            "A",
            "x",
            "佐市民",
            "0",
            " ",
        ];
        let mut state = 7u32;
        for _ in 0..2000 {
            let mut text = String::new();
            let n = (state % 14) as usize + 1;
            for _ in 0..n {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                text.push_str(pieces[(state >> 16) as usize % pieces.len()]);
            }
            for shape in [Shape::Square, Shape::Rectangle] {
                if let Some(s) = encode(&text, shape) {
                    assert_eq!(
                        decode(&s.dark, s.width).as_deref(),
                        Some(text.as_str()),
                        "{shape:?}"
                    );
                }
            }
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
