//! Content streams: display items straight to PDF operators.
//!
//! Every page's (and template's) content stream is written here as bytes,
//! with the few operators a display list needs (`BT`/`ET`, `Tf`, `Tm`,
//! `Tj`, `g`, `w`, `d`, `m`/`l`/`S`, `re`/`f`/`S`, an inline image mask).
//! printpdf would build an operation object per operator, translate it to
//! lopdf's and format every number through `core::fmt`: for a city's
//! notices that was most of the render time. printpdf still subsets and
//! embeds the fonts (see `super::fonts_embed`), which renumbers the glyphs;
//! text is therefore written with the fonts' own glyph ids and
//! [`Content::remap`] puts in the subset's codes once they are known.

use std::collections::HashMap;

use super::super::display::{Bitmap, FontId, Item, Line, Paint, Rect, TextRun, PT_PER_MM};
use super::super::fonts::{is_variation_selector, FontSet};
use crate::error::Error;
use lopdf::Object;

/// Grey level of [`Paint::Shade`] (0 = black, 1 = white): light enough for
/// black text on top to stay legible on a laser printer.
pub(super) const SHADE_GREY: f32 = 0.85;

/// Dash and gap of dashed lines, in points.
const DASH: &[u8] = b"[3 2] 0 d\n";

/// The resource name of a font in every content stream (the page's and the
/// templates' Resources map it to the embedded subset).
pub(super) fn font_name(font: FontId) -> &'static str {
    match font {
        FontId::Mincho => "M",
        FontId::Gothic => "G",
        FontId::Fallback => "F",
    }
}

/// A content stream being written: its bytes, with its text strings left
/// out until the subset's codes are known.
#[derive(Debug, Default)]
pub(super) struct Content {
    /// The operators, each text string's place empty (before its ` Tj`).
    pub(super) bytes: Vec<u8>,
    /// The text strings: (where in `bytes` each goes, its font, its range
    /// of `glyphs`).
    strings: Vec<(usize, FontId, std::ops::Range<usize>)>,
    /// The strings' glyphs, in the fonts' own ids.
    glyphs: Vec<u16>,
}

impl Content {
    /// Puts in every text string, with the code `code_of` gives for each
    /// glyph of its font (the subset's renumbering), as a literal string:
    /// two bytes a glyph. `(`, `)` and `\` are escaped, and so is a
    /// carriage return, which a reader would otherwise take for a line
    /// feed.
    pub(super) fn remap(&mut self, code_of: impl Fn(FontId, u16) -> u16) {
        if self.strings.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.bytes);
        let mut out = Vec::with_capacity(old.len() + 2 * self.glyphs.len() + 64);
        let mut from = 0;
        for (at, font, range) in &self.strings {
            out.extend_from_slice(&old[from..*at]);
            out.push(b'(');
            for &gid in &self.glyphs[range.clone()] {
                for byte in code_of(*font, gid).to_be_bytes() {
                    match byte {
                        b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        _ => out.push(byte),
                    }
                }
            }
            out.push(b')');
            from = *at;
        }
        out.extend_from_slice(&old[from..]);
        self.bytes = out;
        self.strings = Vec::new();
        self.glyphs = Vec::new();
    }
}

/// The glyphs drawn in a document, per font: for the subset, its name and
/// the ToUnicode map.
#[derive(Default)]
pub(super) struct UsedGlyphs {
    /// Per font, a bitset of the glyph ids drawn.
    pub(super) bits: std::collections::BTreeMap<FontId, Vec<u64>>,
    /// Per font, each glyph drawn with the text it stands for (the first
    /// text seen for it).
    pub(super) text: std::collections::BTreeMap<FontId, Vec<(u16, String)>>,
}

impl UsedGlyphs {
    fn font(&mut self, font: FontId) {
        self.bits.entry(font).or_insert_with(|| vec![0u64; 1024]);
        self.text.entry(font).or_default();
    }

    fn mark(&mut self, font: FontId, gid: u16, text: impl FnOnce() -> String) {
        let bits = self.bits.entry(font).or_insert_with(|| vec![0u64; 1024]);
        let (word, bit) = (usize::from(gid) / 64, 1u64 << (gid % 64));
        if bits[word] & bit == 0 {
            bits[word] |= bit;
            self.text.entry(font).or_default().push((gid, text()));
        }
    }
}

/// Graphics state the content stream already has, so that unchanged
/// settings are not repeated for every item.
#[derive(Clone, Copy, PartialEq)]
struct State {
    fill_grey: f32,
    line_width: f32,
    dashed: bool,
    font: Option<(FontId, f32)>,
}

impl State {
    /// PDF's initial graphics state: black fill, 1 pt lines, solid, no font.
    const INITIAL: State = State {
        fill_grey: 0.0,
        line_width: 1.0,
        dashed: false,
        font: None,
    };
}

/// Writes display items as content streams, noting the glyphs drawn.
pub(super) struct Writer<'a> {
    fonts: &'a FontSet,
    /// The glyphs drawn so far in this document.
    pub(super) used: UsedGlyphs,
    /// Variation sequences looked up in this document.
    variants: HashMap<(FontId, char, char), Option<u16>>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(fonts: &'a FontSet) -> Self {
        Writer {
            fonts,
            used: UsedGlyphs::default(),
            variants: HashMap::new(),
        }
    }

    /// The content stream drawing `items` on a page `h` mm high, from the
    /// initial graphics state, after `prefix` (a template's placing).
    pub(super) fn content(
        &mut self,
        prefix: &[u8],
        items: &[&Item],
        h: f32,
    ) -> Result<Content, Error> {
        let mut out = Content {
            bytes: Vec::with_capacity(prefix.len() + items.len() * 32 + 64),
            ..Content::default()
        };
        out.bytes.extend_from_slice(prefix);
        let mut st = State::INITIAL;
        let mut in_text = false;
        for item in items {
            let text = matches!(item, Item::Text(_));
            if text != in_text {
                out.bytes
                    .extend_from_slice(if text { b"BT\n" } else { b"ET\n" });
                in_text = text;
            }
            match item {
                Item::Text(run) => self.text(run, h, &mut st, &mut out)?,
                Item::Line(line) => line_ops(line, h, &mut st, &mut out.bytes),
                Item::Rect(rect) => rect_ops(rect, h, &mut st, &mut out.bytes),
                Item::Bitmap(b) => bitmap_ops(b, h, &mut out.bytes),
            }
        }
        if in_text {
            out.bytes.extend_from_slice(b"ET\n");
        }
        Ok(out)
    }

    fn text(
        &mut self,
        run: &TextRun,
        page_h: f32,
        st: &mut State,
        out: &mut Content,
    ) -> Result<(), Error> {
        if self.fonts.pdf_font(run.font).is_none() {
            return Err(Error::Internal(format!(
                "text run {:?} is set in {:?}, which is not loaded",
                run.text, run.font
            )));
        }
        // Registered even if no glyph is found, so the run's Tf is named.
        self.used.font(run.font);
        let b = &mut out.bytes;
        if st.fill_grey != 0.0 {
            b.extend_from_slice(b"0 g\n");
            st.fill_grey = 0.0;
        }
        if st.font != Some((run.font, run.size_pt)) {
            b.push(b'/');
            b.extend_from_slice(font_name(run.font).as_bytes());
            b.push(b' ');
            num(b, run.size_pt);
            b.extend_from_slice(b" Tf\n");
            st.font = Some((run.font, run.size_pt));
        }
        b.extend_from_slice(b"1 0 0 1 ");
        num_mm(b, run.x_mm);
        b.push(b' ');
        num_mm(b, page_h - run.y_mm);
        b.extend_from_slice(b" Tm\n");

        let first = out.glyphs.len();
        let mut chars = run.text.chars().peekable();
        while let Some(c) = chars.next() {
            if is_variation_selector(c) {
                // A selector with no base before it, or whose base was
                // handled below: nothing to draw.
                continue;
            }
            let variant = match chars.peek().filter(|&&n| is_variation_selector(n)) {
                Some(&vs) => self.variant(run.font, c, vs).map(|g| (g, vs)),
                None => None,
            };
            let gid = match variant {
                Some((gid, vs)) => {
                    chars.next();
                    self.used.mark(run.font, gid, || [c, vs].iter().collect());
                    gid
                }
                None => match self.fonts.glyph(run.font, c) {
                    Some(gid) => {
                        self.used.mark(run.font, gid, || c.to_string());
                        gid
                    }
                    // Drawn as .notdef, as printpdf did.
                    None => 0,
                },
            };
            out.glyphs.push(gid);
        }
        if out.glyphs.len() > first {
            let range = first..out.glyphs.len();
            out.strings.push((out.bytes.len(), run.font, range));
            out.bytes.extend_from_slice(b" Tj\n");
        }
        Ok(())
    }

    fn variant(&mut self, font: FontId, base: char, vs: char) -> Option<u16> {
        let fonts = self.fonts;
        *self
            .variants
            .entry((font, base, vs))
            .or_insert_with(|| fonts.variant_glyph(font, base, vs))
    }
}

/// Writes `v` (points) rounded to 1/100, without trailing zeros.
pub(super) fn num(out: &mut Vec<u8>, v: f32) {
    let c = (v * 100.0).round() as i64;
    if c < 0 {
        out.push(b'-');
    }
    let c = c.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut n = c / 100;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    let f = c % 100;
    if f != 0 {
        out.push(b'.');
        out.push(b'0' + (f / 10) as u8);
        if !f.is_multiple_of(10) {
            out.push(b'0' + (f % 10) as u8);
        }
    }
}

/// A box `[0 0 w h]` in points.
pub(super) fn media_box(width_pt: f32, height_pt: f32) -> Object {
    let round = |v: f32| Object::Real((v * 100.0).round() / 100.0);
    Object::Array(vec![
        Object::Integer(0),
        Object::Integer(0),
        round(width_pt),
        round(height_pt),
    ])
}

/// Writes millimetres as points.
fn num_mm(out: &mut Vec<u8>, mm: f32) {
    num(out, mm * PT_PER_MM);
}

fn set_width(width_pt: f32, st: &mut State, out: &mut Vec<u8>) {
    if st.line_width != width_pt {
        num(out, width_pt);
        out.extend_from_slice(b" w\n");
        st.line_width = width_pt;
    }
}

fn set_dash(dashed: bool, st: &mut State, out: &mut Vec<u8>) {
    if st.dashed != dashed {
        out.extend_from_slice(if dashed { DASH } else { b"[] 0 d\n" });
        st.dashed = dashed;
    }
}

fn line_ops(line: &Line, page_h: f32, st: &mut State, out: &mut Vec<u8>) {
    set_width(line.width_pt, st, out);
    set_dash(line.dashed, st, out);
    for (x, y, op) in [
        (line.x1_mm, line.y1_mm, b" m\n"),
        (line.x2_mm, line.y2_mm, b" l\n"),
    ] {
        num_mm(out, x);
        out.push(b' ');
        num_mm(out, page_h - y);
        out.extend_from_slice(op);
    }
    out.extend_from_slice(b"S\n");
}

fn rect_ops(rect: &Rect, page_h: f32, st: &mut State, out: &mut Vec<u8>) {
    let paint: &[u8] = match rect.paint {
        Paint::Stroke => {
            set_width(rect.width_pt, st, out);
            set_dash(false, st, out);
            b"S\n"
        }
        Paint::Fill | Paint::Shade => {
            let grey = if rect.paint == Paint::Fill {
                0.0
            } else {
                SHADE_GREY
            };
            if st.fill_grey != grey {
                num(out, grey);
                out.extend_from_slice(b" g\n");
                st.fill_grey = grey;
            }
            b"f\n"
        }
    };
    for (i, v) in [
        rect.x_mm,
        page_h - rect.y_mm - rect.h_mm,
        rect.w_mm,
        rect.h_mm,
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            out.push(b' ');
        }
        num_mm(out, v);
    }
    out.extend_from_slice(b" re\n");
    out.extend_from_slice(paint);
}

/// The modules as an inline image mask in black (the state is saved and
/// restored around it). Its samples are unfiltered (the whole stream is
/// deflated), one bit a module, rows padded to a byte; `/D [1 0]` paints
/// the 1s.
fn bitmap_ops(b: &Bitmap, page_h: f32, out: &mut Vec<u8>) {
    let (w, h) = (b.width as f32 * b.module_mm, b.height as f32 * b.module_mm);
    out.extend_from_slice(b"q\n0 g\n");
    num_mm(out, w);
    out.extend_from_slice(b" 0 0 ");
    num_mm(out, h);
    out.push(b' ');
    num_mm(out, b.x_mm);
    out.push(b' ');
    num_mm(out, page_h - b.y_mm - h);
    out.extend_from_slice(b" cm\nBI /W ");
    out.extend_from_slice(b.width.to_string().as_bytes());
    out.extend_from_slice(b" /H ");
    out.extend_from_slice(b.height.to_string().as_bytes());
    out.extend_from_slice(b" /IM true /BPC 1 /D [1 0] ID ");
    for row in b.dark.chunks(b.width.max(1)) {
        for byte in row.chunks(8) {
            let v = byte
                .iter()
                .enumerate()
                .fold(0u8, |v, (i, &d)| v | (u8::from(d) << (7 - i)));
            out.push(v);
        }
    }
    out.extend_from_slice(b"\nEI\nQ\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_rounded() {
        let s = |v: f32| {
            let mut out = Vec::new();
            num(&mut out, v);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(s(0.0), "0");
        assert_eq!(s(-0.001), "0");
        assert_eq!(s(10.5), "10.5");
        assert_eq!(s(7.75), "7.75");
        assert_eq!(s(424.2749), "424.27");
        assert_eq!(s(595.2756), "595.28");
        assert_eq!(s(0.85), "0.85");
        assert_eq!(s(-12.305), "-12.31");
        assert_eq!(s(100.0), "100");
        assert_eq!(s(0.04), "0.04");
    }

    #[test]
    fn remap_writes_each_glyph_as_its_code_in_a_literal_string() {
        let mut c = Content::default();
        c.bytes.extend_from_slice(b" Tj\n Tj\nET\n");
        c.glyphs = vec![0x012e, 4, 0xffff, 1];
        c.strings = vec![(0, FontId::Mincho, 0..2), (4, FontId::Gothic, 2..4)];
        c.remap(|font, gid| match (font, gid) {
            (FontId::Mincho, 0x012e) => 0x0128,
            (FontId::Mincho, 4) => 0x5c0d,
            (FontId::Gothic, 0xffff) => 0x0029,
            (FontId::Gothic, 1) => 0x4142,
            _ => panic!("{font:?} {gid}"),
        });
        assert_eq!(c.bytes, b"(\x01\\(\\\\\\r) Tj\n(\x00\\)AB) Tj\nET\n");
    }
}
