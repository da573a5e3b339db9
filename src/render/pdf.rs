//! Display lists to PDF bytes, through printpdf.
//!
//! printpdf builds the document (pages as its ops, fonts subset and embedded
//! with ToUnicode maps); the result is finished through printpdf's lopdf
//! before it is written, because printpdf's own `save` falls short:
//!
//! - **Same bytes every time.** printpdf names fonts and the trailer `/ID`
//!   from a process-wide counter, so output would depend on what other
//!   threads rendered before. Font resource names here are derived from the
//!   glyphs used, the `/ID` from the caller's `document_id`, and the Info
//!   dictionary (fixed 1970 dates, empty fields) is dropped.
//! - **Failure is loud.** printpdf reports a failed subset as a warning and
//!   embeds the whole font (megabytes per file); that is an error here.
//! - **Size.** Every page gets its own copy of the same Resources dictionary
//!   and redundant boxes; sharing one and dropping those saves 12 %.
//!
//! Streams are deflated here too, at [`DEFLATE_LEVEL`] instead of printpdf's
//! 9. Where the time goes is in `FontSet` (the dense glyph lookup that makes
//! printpdf's text encoding cheap) and in the notes of `examples/pdf_speed.rs`.

use std::collections::HashMap;
use std::io::Write as _;

use printpdf::{
    Codepoint, Color, Greyscale, LineDashPattern, LinePoint, Mm, Op, PaintMode, PdfDocument,
    PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, TextItem, TextMatrix,
};

use std::borrow::Borrow;

use super::display::{FontId, Item, Line, Page, Paint, Rect, TextRun, PT_PER_MM};
use super::fonts::{is_variation_selector, FontSet};
use crate::error::Error;

mod template;
use template::Templates;

/// Grey level of [`Paint::Shade`] (0 = black, 1 = white): light enough for
/// black text on top to stay legible on a laser printer.
const SHADE_GREY: f32 = 0.85;

/// Dash and gap of dashed lines, in points.
const DASH_PT: [f32; 2] = [3.0, 2.0];

/// zlib level for every stream. Deflating a 2,000-page file of notices
/// (best of seven, miniz_oxide): level 9 (printpdf's) and 6 take 134 ms for
/// 2,879 bytes a packet, 3 takes 96 ms for 2,973, 1 takes 65 ms for 3,313.
/// 3 keeps most of the speed for 3 % more bytes.
const DEFLATE_LEVEL: u32 = 3;

/// Writes `pages` as one PDF: A4 (or whatever each page says) pages, real text
/// in subset-embedded fonts with ToUnicode maps, byte-identical for the same
/// `pages`, `fonts` and `document_id` (the trailer `/ID`).
///
/// Text runs in [`FontId::Fallback`] need a loaded fallback font; a missing
/// one is an internal error (layout only uses the fallback when
/// [`FontSet::has_fallback`]).
pub fn write_pdf<P: Borrow<Page>>(
    pages: impl IntoIterator<Item = P>,
    fonts: &FontSet,
    info: &DocumentInfo<'_>,
) -> Result<Vec<u8>, Error> {
    let mut builder = Builder::new(fonts);
    let mut templates = Templates::default();
    // Pages given by value are dropped as soon as they are converted: a
    // print file's memory is then one representation of it at a time.
    let mut pdf_pages = pages
        .into_iter()
        .map(|page| builder.page(page.borrow(), &mut templates))
        .collect::<Result<Vec<_>, _>>()?;
    let page_count = pdf_pages.len();
    // The templates go to printpdf as pages after the document's own, so
    // that their text is encoded like the pages' (see `template`).
    pdf_pages.append(&mut templates.pages);

    let mut doc = PdfDocument::new("");
    let mut names = Vec::new();
    for font in builder.used.keys() {
        let Some(parsed) = fonts.pdf_font(*font) else {
            continue;
        };
        let id = builder.resource_id(*font);
        doc.resources
            .fonts
            .map
            .insert(id.clone(), printpdf::PdfFont::new(parsed.clone()));
        names.push((placeholder(*font), PdfFontHandle::External(id)));
    }
    for page in &mut pdf_pages {
        for op in &mut page.ops {
            if let Op::SetFont { font, .. } = op {
                if let Some((_, name)) = names.iter().find(|(p, _)| p == font) {
                    *font = name.clone();
                }
            }
        }
    }
    doc.pages = pdf_pages;

    let opts = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
    drop(doc);
    if let Some(w) = warnings
        .iter()
        .find(|w| w.severity == PdfParseErrorSeverity::Error)
    {
        return Err(Error::Internal(format!("PDF writer: {}", w.msg)));
    }
    template::pages_to_xobjects(&mut lo, page_count, &templates.uses)?;
    finish(&mut lo, info)?;

    let mut out = Vec::with_capacity(4096 + page_count * 2048);
    lo.save_to(&mut out)
        .map_err(|e| Error::Internal(format!("PDF writer: {e}")))?;
    Ok(out)
}

/// What a PDF's document information says, and its `/ID`.
pub struct DocumentInfo<'a> {
    /// The trailer `/ID`: derived from what the file is, so that a rerun
    /// writes the same bytes.
    pub id: [u8; 16],
    /// `/Title`.
    pub title: &'a str,
    /// `/CreationDate`: the batch's as-of date (never the clock).
    pub created: chrono::NaiveDate,
}

/// Fixes what printpdf leaves variable and compresses the streams.
fn finish(lo: &mut lopdf::Document, info: &DocumentInfo<'_>) -> Result<(), Error> {
    // printpdf's Info (fixed 1970 dates, empty fields) is replaced by ours.
    let info_dict = lopdf::Object::Dictionary(document_information(info));
    match lo
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
    {
        Ok(id) => {
            lo.objects.insert(id, info_dict);
        }
        Err(_) => {
            let id = lo.add_object(info_dict);
            lo.trailer.set("Info", id);
        }
    }
    let id = lopdf::Object::String(info.id.to_vec(), lopdf::StringFormat::Hexadecimal);
    lo.trailer
        .set("ID", lopdf::Object::Array(vec![id.clone(), id]));

    share_page_resources(lo);

    for object in lo.objects.values_mut() {
        if let lopdf::Object::Stream(stream) = object {
            if stream.allows_compression && stream.dict.get(b"Filter").is_err() {
                let deflated = deflate(&stream.content)
                    .map_err(|e| Error::Internal(format!("PDF writer: deflate: {e}")))?;
                if deflated.len() + 19 < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(deflated);
                }
            }
        }
    }
    // The subset check: a font printpdf failed to subset is embedded whole
    // under its plain name (and has already warned, but say it here too).
    for object in lo.objects.values() {
        if let Ok(dict) = object.as_dict() {
            if dict.get(b"Subtype").and_then(lopdf::Object::as_name).ok() == Some(b"Type0") {
                let name = dict
                    .get(b"BaseFont")
                    .and_then(lopdf::Object::as_name)
                    .unwrap_or(b"");
                if name.get(6) != Some(&b'+') {
                    return Err(Error::Internal(format!(
                        "PDF writer: font {} was not subset",
                        String::from_utf8_lossy(name)
                    )));
                }
            }
        }
    }
    // The trailer's /Size is one more than the highest object number
    // (`qpdf --check` warns otherwise): the objects removed above may have
    // been the highest.
    lo.max_id = lo.objects.keys().map(|(n, _)| *n).max().unwrap_or(0);
    Ok(())
}

/// Title, Creator (kigen and its version) and CreationDate (the as-of
/// date, so the same batch gives the same bytes).
fn document_information(info: &DocumentInfo<'_>) -> lopdf::Dictionary {
    lopdf::Dictionary::from_iter([
        ("Title", text_string(info.title)),
        (
            "Creator",
            text_string(concat!("kigen ", env!("CARGO_PKG_VERSION"))),
        ),
        (
            "CreationDate",
            lopdf::Object::string_literal(info.created.format("D:%Y%m%d").to_string()),
        ),
    ])
}

/// A PDF text string: ASCII as it is, anything else as UTF-16BE with its
/// byte order mark.
fn text_string(s: &str) -> lopdf::Object {
    if s.is_ascii() {
        return lopdf::Object::string_literal(s);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    lopdf::Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

/// Trims what printpdf repeats on every page: its own copy of one and the
/// same Resources dictionary, TrimBox and CropBox equal to the MediaBox (the
/// default), and an empty Annots array. That is about a seventh of a file's
/// bytes; the page's look does not change.
fn share_page_resources(lo: &mut lopdf::Document) {
    let mut shared: Option<(lopdf::ObjectId, lopdf::Object)> = None;
    let mut unused = Vec::new();
    let page_ids: Vec<lopdf::ObjectId> = lo.get_pages().into_values().collect();
    for page_id in page_ids {
        let resources = lo
            .get_dictionary(page_id)
            .and_then(|page| page.get(b"Resources"))
            .and_then(lopdf::Object::as_reference)
            .ok()
            .and_then(|id| lo.objects.get(&id).map(|o| (id, o.clone())));
        let Some(Ok(page)) = lo.objects.get_mut(&page_id).map(lopdf::Object::as_dict_mut) else {
            continue;
        };
        if let Ok(media) = page.get(b"MediaBox").cloned() {
            for key in [b"TrimBox".as_slice(), b"CropBox"] {
                if page.get(key).ok() == Some(&media) {
                    page.remove(key);
                }
            }
        }
        if page
            .get(b"Annots")
            .and_then(lopdf::Object::as_array)
            .is_ok_and(Vec::is_empty)
        {
            page.remove(b"Annots");
        }
        match (&shared, resources) {
            (None, Some(first)) => shared = Some(first),
            (Some((shared_id, shared_dict)), Some((id, dict)))
                if id != *shared_id && dict == *shared_dict =>
            {
                page.set("Resources", lopdf::Object::Reference(*shared_id));
                unused.push(id);
            }
            _ => {}
        }
    }
    // The freed numbers stay as free xref entries (20 bytes each):
    // renumbering the document to close the gaps cost more time than the
    // bytes are worth.
    for id in unused {
        lo.objects.remove(&id);
    }
}

fn deflate(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        flate2::Compression::new(DEFLATE_LEVEL),
    );
    enc.write_all(data)?;
    enc.finish()
}

/// Millimetres to points, rounded to 1/100 pt (0.0035 mm) so that numbers in
/// the content stream stay short.
fn pt(mm: f32) -> f32 {
    (mm * PT_PER_MM * 100.0).round() / 100.0
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

/// Turns display-list pages into printpdf pages, noting the glyphs used.
struct Builder<'a> {
    fonts: &'a FontSet,
    /// Per font, a bitset of the glyph ids drawn (for the subset name).
    used: std::collections::BTreeMap<FontId, Vec<u64>>,
    /// Variation sequences looked up in this document.
    variants: HashMap<(FontId, char, char), Option<u16>>,
}

impl<'a> Builder<'a> {
    fn new(fonts: &'a FontSet) -> Self {
        Builder {
            fonts,
            used: Default::default(),
            variants: HashMap::new(),
        }
    }

    /// The font's resource name, which printpdf also uses (its first six
    /// letters) as the subset tag of `/BaseFont`. Derived from the glyph set:
    /// different subsets get different names, so printers and viewers that
    /// cache fonts by name across jobs cannot mix two files' subsets up,
    /// while the same pages always give the same name. A letter for the role
    /// follows the tag, so two fonts never share a resource name even if
    /// their tags collide.
    fn resource_id(&self, font: FontId) -> printpdf::FontId {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update([font as u8]);
        if let Some(bits) = self.used.get(&font) {
            for w in bits {
                h.update(w.to_le_bytes());
            }
        }
        let digest = h.finalize();
        let mut name: String = digest
            .iter()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        name.push(match font {
            FontId::Mincho => 'M',
            FontId::Gothic => 'G',
            FontId::Fallback => 'F',
        });
        printpdf::FontId(name)
    }

    fn mark(&mut self, font: FontId, gid: u16) {
        let bits = self.used.entry(font).or_insert_with(|| vec![0u64; 1024]);
        if let Some(w) = bits.get_mut(usize::from(gid) / 64) {
            *w |= 1 << (gid % 64);
        }
    }

    /// Page `page` as printpdf's: its fixed content placed as a template
    /// (made the first time it is seen), the rest drawn on the page.
    fn page(&mut self, page: &Page, templates: &mut Templates) -> Result<PdfPage, Error> {
        let h = page.height_mm;
        let mut fixed = Vec::new();
        let mut own = Vec::with_capacity(page.items.len());
        for (i, item) in page.items.iter().enumerate() {
            if page.is_fixed(i) {
                fixed.push(item);
            } else {
                own.push(item);
            }
        }
        let template = match (fixed.is_empty(), templates.find(&fixed, page)) {
            (true, _) => None,
            (false, Some(t)) => Some(t),
            (false, None) => {
                let ops = self.ops(&fixed, h)?;
                let form = PdfPage::new(Mm(page.width_mm), Mm(h), ops);
                Some(templates.add(&fixed, page, form))
            }
        };
        templates.uses.push(template);
        let ops = self.ops(&own, h)?;
        Ok(PdfPage::new(Mm(page.width_mm), Mm(h), ops))
    }

    /// The operations drawing `items` on a page `h` mm high, from the
    /// initial graphics state.
    fn ops(&mut self, items: &[&Item], h: f32) -> Result<Vec<Op>, Error> {
        let mut ops = Vec::with_capacity(items.len() * 3 + 8);
        let mut st = State::INITIAL;
        let mut in_text = false;

        // Resource names depend on every page's glyphs, so text ops carry a
        // placeholder font handle that is patched once all pages are built.
        for item in items {
            match item {
                Item::Text(run) => {
                    if !in_text {
                        ops.push(Op::StartTextSection);
                        in_text = true;
                    }
                    self.text(run, h, &mut st, &mut ops)?;
                }
                Item::Line(line) => {
                    if in_text {
                        ops.push(Op::EndTextSection);
                        in_text = false;
                    }
                    line_ops(line, h, &mut st, &mut ops);
                }
                Item::Rect(rect) => {
                    if in_text {
                        ops.push(Op::EndTextSection);
                        in_text = false;
                    }
                    rect_ops(rect, h, &mut st, &mut ops);
                }
            }
        }
        if in_text {
            ops.push(Op::EndTextSection);
        }
        Ok(ops)
    }

    fn text(
        &mut self,
        run: &TextRun,
        page_h: f32,
        st: &mut State,
        ops: &mut Vec<Op>,
    ) -> Result<(), Error> {
        if self.fonts.pdf_font(run.font).is_none() {
            return Err(Error::Internal(format!(
                "text run {:?} is set in {:?}, which is not loaded",
                run.text, run.font
            )));
        }
        // Registered even if no glyph is found, so the run's SetFont is named.
        self.used
            .entry(run.font)
            .or_insert_with(|| vec![0u64; 1024]);
        if st.fill_grey != 0.0 {
            ops.push(fill(0.0));
            st.fill_grey = 0.0;
        }
        if st.font != Some((run.font, run.size_pt)) {
            ops.push(Op::SetFont {
                font: placeholder(run.font),
                size: Pt(run.size_pt),
            });
            st.font = Some((run.font, run.size_pt));
        }
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(pt(run.x_mm)), Pt(pt(page_h - run.y_mm))),
        });

        let mut items = Vec::new();
        let mut plain = String::with_capacity(run.text.len());
        let mut chars = run.text.chars().peekable();
        while let Some(c) = chars.next() {
            if is_variation_selector(c) {
                // A selector with no base before it, or whose base was
                // handled below: nothing to draw.
                continue;
            }
            if let Some(&vs) = chars.peek().filter(|&&n| is_variation_selector(n)) {
                if let Some(gid) = self.variant(run.font, c, vs) {
                    chars.next();
                    if !plain.is_empty() {
                        items.push(TextItem::Text(std::mem::take(&mut plain)));
                    }
                    self.mark(run.font, gid);
                    let mut seq = String::with_capacity(8);
                    seq.push(c);
                    seq.push(vs);
                    items.push(TextItem::GlyphIds(vec![Codepoint::with_cid(gid, 0.0, seq)]));
                    continue;
                }
            }
            if let Some(gid) = self.fonts.glyph(run.font, c) {
                self.mark(run.font, gid);
            }
            plain.push(c);
        }
        if !plain.is_empty() {
            items.push(TextItem::Text(plain));
        }
        if !items.is_empty() {
            ops.push(Op::ShowText { items });
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

/// A font handle standing for `font` until the resource names are known.
fn placeholder(font: FontId) -> PdfFontHandle {
    PdfFontHandle::External(printpdf::FontId(format!("{font:?}")))
}

fn fill(grey: f32) -> Op {
    Op::SetFillColor {
        col: Color::Greyscale(Greyscale::new(grey, None)),
    }
}

fn set_width(width_pt: f32, st: &mut State, ops: &mut Vec<Op>) {
    if st.line_width != width_pt {
        ops.push(Op::SetOutlineThickness { pt: Pt(width_pt) });
        st.line_width = width_pt;
    }
}

fn line_ops(line: &Line, page_h: f32, st: &mut State, ops: &mut Vec<Op>) {
    set_width(line.width_pt, st, ops);
    if st.dashed != line.dashed {
        ops.push(Op::SetLineDashPattern {
            dash: if line.dashed {
                LineDashPattern::new(0.0, &DASH_PT)
            } else {
                LineDashPattern::solid()
            },
        });
        st.dashed = line.dashed;
    }
    let point = |x: f32, y: f32| LinePoint {
        p: Point {
            x: Pt(pt(x)),
            y: Pt(pt(page_h - y)),
        },
        bezier: false,
    };
    ops.push(Op::DrawLine {
        line: printpdf::Line {
            points: vec![point(line.x1_mm, line.y1_mm), point(line.x2_mm, line.y2_mm)],
            is_closed: false,
        },
    });
}

fn rect_ops(rect: &Rect, page_h: f32, st: &mut State, ops: &mut Vec<Op>) {
    let mode = match rect.paint {
        Paint::Stroke => {
            set_width(rect.width_pt, st, ops);
            if st.dashed {
                ops.push(Op::SetLineDashPattern {
                    dash: LineDashPattern::solid(),
                });
                st.dashed = false;
            }
            PaintMode::Stroke
        }
        Paint::Fill | Paint::Shade => {
            let grey = if rect.paint == Paint::Fill {
                0.0
            } else {
                SHADE_GREY
            };
            if st.fill_grey != grey {
                ops.push(fill(grey));
                st.fill_grey = grey;
            }
            PaintMode::Fill
        }
    };
    ops.push(Op::DrawRectangle {
        rectangle: printpdf::Rect {
            x: Pt(pt(rect.x_mm)),
            y: Pt(pt(page_h - rect.y_mm - rect.h_mm)),
            width: Pt(pt(rect.w_mm)),
            height: Pt(pt(rect.h_mm)),
            mode: Some(mode),
            winding_order: None,
        },
    });
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::render::fonts::tests::{ipamj, shipped};
    use lopdf::{content::Content, Document, Object};
    use std::path::Path;

    fn run(font: FontId, size_pt: f32, x_mm: f32, y_mm: f32, text: &str) -> Item {
        Item::Text(TextRun {
            font,
            size_pt,
            x_mm,
            y_mm,
            text: text.into(),
        })
    }

    fn rect(x_mm: f32, y_mm: f32, w_mm: f32, h_mm: f32, paint: Paint) -> Item {
        Item::Rect(Rect {
            x_mm,
            y_mm,
            w_mm,
            h_mm,
            paint,
            width_pt: 0.8,
        })
    }

    /// A letter and a form, with NEC/IBM extension kanji and the postal mark.
    fn two_pages() -> Vec<Page> {
        let mut letter = Page::a4();
        letter.items = vec![
            run(FontId::Mincho, 10.5, 25.0, 30.0, "〒060-8611"),
            run(FontId::Mincho, 10.5, 25.0, 36.0, "札幌市中央区北1条西2丁目"),
            run(FontId::Mincho, 14.0, 30.0, 48.0, "髙﨑　太郎　様"),
            rect(25.0, 53.0, 0.6, 3.6, Paint::Fill),
            rect(26.2, 54.2, 0.6, 2.4, Paint::Fill),
            run(FontId::Gothic, 18.0, 45.0, 80.0, "有効期限通知書"),
            rect(25.0, 180.0, 50.0, 9.0, Paint::Shade),
            rect(25.0, 180.0, 160.0, 9.0, Paint::Stroke),
            run(FontId::Gothic, 10.0, 27.0, 186.3, "氏名"),
            run(FontId::Mincho, 10.5, 78.0, 186.3, "髙﨑 太郎 (ABC-123)"),
            Item::Line(Line {
                x1_mm: 0.0,
                y1_mm: 99.0,
                x2_mm: 8.0,
                y2_mm: 99.0,
                width_pt: 0.3,
                dashed: true,
            }),
            Item::Line(Line {
                x1_mm: 25.0,
                y1_mm: 240.0,
                x2_mm: 185.0,
                y2_mm: 240.0,
                width_pt: 0.5,
                dashed: false,
            }),
        ];
        let mut form = Page::a4();
        form.items = vec![
            run(FontId::Gothic, 16.0, 60.0, 25.0, "交付申請書"),
            rect(20.0, 40.0, 170.0, 14.0, Paint::Stroke),
            run(FontId::Mincho, 12.0, 65.0, 48.5, "山﨑　花子"),
        ];
        vec![letter, form]
    }

    fn info(id: u8) -> DocumentInfo<'static> {
        DocumentInfo {
            id: [id; 16],
            title: "test",
            created: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        }
    }

    fn load(pdf: &[u8]) -> Document {
        Document::load_mem(pdf).expect("lopdf reads the PDF back")
    }

    /// Page `n` (1-based) content as operations.
    fn ops(doc: &Document, n: u32) -> Vec<lopdf::content::Operation> {
        let id = doc.get_pages()[&n];
        Content::decode(&doc.get_page_content(id))
            .expect("content stream decodes")
            .operations
    }

    fn op_names(ops: &[lopdf::content::Operation]) -> Vec<&str> {
        ops.iter().map(|o| o.operator.as_str()).collect()
    }

    fn nums(op: &lopdf::content::Operation) -> Vec<f32> {
        op.operands
            .iter()
            .map(|o| o.as_float().expect("numeric operand"))
            .collect()
    }

    fn type0_fonts(doc: &Document) -> Vec<&lopdf::Dictionary> {
        doc.objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0"))
            .collect()
    }

    #[test]
    fn two_pages_with_extractable_japanese_text() {
        let fonts = shipped();
        let pdf = write_pdf(two_pages(), &fonts, &info(1)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let doc = load(&pdf);
        assert_eq!(doc.get_pages().len(), 2);
        let strip = |s: String| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let p1 = strip(doc.extract_text(&[1]).unwrap());
        for want in [
            "〒060-8611",
            "髙﨑太郎様",
            "有効期限通知書",
            "氏名",
            "(ABC-123)",
        ] {
            assert!(p1.contains(want), "page 1 lacks {want}: {p1}");
        }
        let p2 = strip(doc.extract_text(&[2]).unwrap());
        assert!(p2.contains("交付申請書") && p2.contains("山﨑花子"), "{p2}");
        // A4 in points.
        let page = doc.get_dictionary(doc.get_pages()[&1]).unwrap();
        let media: Vec<f32> = page
            .get(b"MediaBox")
            .and_then(Object::as_array)
            .unwrap()
            .iter()
            .map(|o| o.as_float().unwrap())
            .collect();
        assert!((media[2] - 595.28).abs() < 0.01 && (media[3] - 841.89).abs() < 0.01);
    }

    #[test]
    fn fonts_are_subsets_with_tounicode() {
        let fonts = shipped();
        let pdf = write_pdf(two_pages(), &fonts, &info(1)).unwrap();
        assert!(
            pdf.len() < 200_000,
            "{} bytes: fonts embedded whole?",
            pdf.len()
        );
        let doc = load(&pdf);
        let type0 = type0_fonts(&doc);
        assert_eq!(type0.len(), 2, "Mincho and Gothic");
        let mut names = Vec::new();
        for font in type0 {
            let name = font.get(b"BaseFont").and_then(Object::as_name).unwrap();
            let (tag, base) = name.split_at(7);
            assert!(
                tag[..6].iter().all(u8::is_ascii_uppercase) && tag[6] == b'+',
                "{}",
                String::from_utf8_lossy(name)
            );
            names.push(String::from_utf8_lossy(base).into_owned());
            let to_unicode = font
                .get(b"ToUnicode")
                .and_then(Object::as_reference)
                .unwrap();
            let cmap = doc.get_object(to_unicode).unwrap().as_stream().unwrap();
            let text = String::from_utf8(cmap.decompressed_content().unwrap()).unwrap();
            assert!(text.contains("beginbfchar") || text.contains("beginbfrange"));
            // The descendant's descriptor names the same subset and embeds
            // a small TrueType program.
            let desc = font
                .get(b"DescendantFonts")
                .and_then(Object::as_array)
                .unwrap();
            let cid = doc.dereference(&desc[0]).unwrap().1.as_dict().unwrap();
            let fd = doc
                .dereference(cid.get(b"FontDescriptor").unwrap())
                .unwrap()
                .1
                .as_dict()
                .unwrap();
            assert_eq!(fd.get(b"FontName").and_then(Object::as_name).unwrap(), name);
            let file = doc
                .dereference(fd.get(b"FontFile2").unwrap())
                .unwrap()
                .1
                .as_stream()
                .unwrap();
            assert!(file.content.len() < 60_000, "{} bytes", file.content.len());
        }
        names.sort();
        assert_eq!(names, ["IPAexGothic", "IPAexMincho"]);
    }

    #[test]
    fn same_pages_same_bytes_across_calls_and_threads() {
        let fonts = shipped();
        let pages = two_pages();
        let a = write_pdf(&pages, &fonts, &info(9)).unwrap();
        let b = write_pdf(&pages, &fonts, &info(9)).unwrap();
        assert!(a == b, "two calls differ");
        let other = two_pages();
        let (c, d) = std::thread::scope(|s| {
            let t1 = s.spawn(|| write_pdf(&pages, &fonts, &info(9)).unwrap());
            // Different work interleaved on another thread must not matter.
            let t2 = s.spawn(|| {
                write_pdf(&other[1..], &fonts, &info(3)).unwrap();
                write_pdf(&pages, &fonts, &info(9)).unwrap()
            });
            (t1.join().unwrap(), t2.join().unwrap())
        });
        assert!(a == c && a == d, "threads differ");
        let e = write_pdf(&pages, &fonts, &info(8)).unwrap();
        assert!(a != e, "the document id is in the bytes");
        let doc = load(&a);
        let id = doc.trailer.get(b"ID").and_then(Object::as_array).unwrap();
        assert_eq!(id[0].as_str().unwrap(), &[9u8; 16]);
        // The document information: the as-of date, never the clock.
        let info = doc.trailer.get(b"Info").unwrap();
        let info = doc.dereference(info).unwrap().1.as_dict().unwrap();
        let field = |k: &[u8]| info.get(k).unwrap().as_str().unwrap().to_vec();
        assert_eq!(field(b"Title"), b"test");
        assert_eq!(field(b"CreationDate"), b"D:20261126");
        let creator = String::from_utf8(field(b"Creator")).unwrap();
        assert_eq!(creator, format!("kigen {}", env!("CARGO_PKG_VERSION")));
        assert!(info.get(b"ModDate").is_err() && info.len() == 3);
    }

    #[test]
    fn a_japanese_title_is_utf16() {
        let title = text_string("抜き取りリスト");
        let bytes = title.as_str().unwrap();
        assert_eq!(&bytes[..4], &[0xFE, 0xFF, 0x62, 0x9C]);
        assert_eq!(text_string("a (b)").as_str().unwrap(), b"a (b)");
    }

    /// What page `n` (1-based) paints: one line per painting operator with
    /// the graphics state it paints in (fill grey, line width, dash, font,
    /// text matrix) and its path or text, templates (`Do`) expanded in
    /// place; sorted. Two pages with the same lines put the same marks on
    /// paper: the order differs only where fixed content painted after a
    /// resident's data now comes before it, and black over black is the
    /// same either way (shading is fixed content, painted first in both).
    pub(crate) fn painted(doc: &Document, n: u32) -> Vec<String> {
        let id = doc.get_pages()[&n];
        let ops = Content::decode(&doc.get_page_content(id)).unwrap();
        let resources = doc.get_dictionary(id).unwrap().get(b"Resources").unwrap();
        let resources = doc.dereference(resources).unwrap().1.as_dict().unwrap();
        let xobjects = resources
            .get(b"XObject")
            .ok()
            .map(|x| doc.dereference(x).unwrap().1.as_dict().unwrap());
        let mut out = Vec::new();
        paint(doc, &ops.operations, xobjects, &mut out);
        out.sort();
        out
    }

    /// The graphics state as the operators that set it.
    #[derive(Clone, Default)]
    struct Paints {
        grey: String,
        width: String,
        dash: String,
        font: String,
        matrix: String,
    }

    fn paint(
        doc: &Document,
        ops: &[lopdf::content::Operation],
        xobjects: Option<&lopdf::Dictionary>,
        out: &mut Vec<String>,
    ) {
        // PDF's initial state, as the operators would set it.
        let mut st = Paints {
            grey: "[0]".into(),
            width: "[1]".into(),
            dash: "[[], 0]".into(),
            ..Paints::default()
        };
        let mut saved = Vec::new();
        let mut path = String::new();
        for op in ops {
            let args = format!("{:?}", op.operands);
            match op.operator.as_str() {
                "g" => st.grey = args,
                "w" => st.width = args,
                "d" => st.dash = args,
                "Tf" => st.font = args,
                "Tm" => st.matrix = args,
                "q" => saved.push(st.clone()),
                "Q" => st = saved.pop().expect("balanced q/Q"),
                "BT" | "ET" => {}
                "re" | "m" | "l" | "h" => path.push_str(&format!("{} {args} ", op.operator)),
                // A fill does not use the line width and dash.
                "f" | "F" | "f*" | "n" => {
                    out.push(format!("{} {path}| g {}", op.operator, st.grey));
                    path.clear();
                }
                "S" | "B" | "b" | "s" => {
                    out.push(format!(
                        "{} {path}| g {} w {} d {}",
                        op.operator, st.grey, st.width, st.dash
                    ));
                    path.clear();
                }
                "Tj" | "TJ" => out.push(format!(
                    "{} {args} | g {} Tf {} Tm {}",
                    op.operator, st.grey, st.font, st.matrix
                )),
                "Do" => {
                    let name = op.operands[0].as_name().unwrap();
                    let form = xobjects.expect("an XObject dictionary").get(name).unwrap();
                    let form = doc.dereference(form).unwrap().1.as_stream().unwrap();
                    let content = form
                        .decompressed_content()
                        .unwrap_or_else(|_| form.content.clone());
                    let inner = Content::decode(&content).unwrap().operations;
                    // A form is painted in its own copy of the state.
                    paint(doc, &inner, None, out);
                }
                other => out.push(format!("operator {other} {args}")),
            }
        }
    }

    /// `pages` with their fixed content drawn on each page, as before
    /// templates.
    pub(crate) fn without_templates(pages: &[Page]) -> Vec<Page> {
        pages
            .iter()
            .map(|p| Page {
                fixed: Vec::new(),
                ..p.clone()
            })
            .collect()
    }

    /// Letters that differ in the name only, and a form, their wording and
    /// frames marked as fixed content.
    fn templated_pages() -> Vec<Page> {
        let mut pages = Vec::new();
        for name in ["髙﨑　太郎　様", "山田　花子　様", "佐久　一郎　様"] {
            let mut letter = two_pages().remove(0);
            if let Item::Text(t) = &mut letter.items[2] {
                t.text = name.into();
            }
            // All but the address block (items 0..5) and the name in the
            // table (item 9).
            letter.fixed = vec![5..9, 10..12];
            pages.push(letter);
        }
        let mut form = two_pages().remove(1);
        form.fixed = vec![std::ops::Range { start: 0, end: 2 }];
        pages.push(form);
        pages
    }

    #[test]
    fn fixed_content_is_drawn_once_and_placed_on_each_page() {
        let fonts = shipped();
        let pages = templated_pages();
        let pdf = write_pdf(&pages, &fonts, &info(1)).unwrap();
        let before = write_pdf(without_templates(&pages), &fonts, &info(1)).unwrap();
        let (doc, old) = (load(&pdf), load(&before));
        assert_eq!(doc.get_pages().len(), 4);
        // Two templates: the letters' and the form's.
        let forms: Vec<&lopdf::Stream> = doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Form"))
            .collect();
        assert_eq!(forms.len(), 2);
        for form in &forms {
            let bbox = form.dict.get(b"BBox").unwrap().as_array().unwrap();
            assert!((bbox[3].as_float().unwrap() - 841.89).abs() < 0.01);
            assert!(form.dict.get(b"Resources").unwrap().as_dict().is_ok());
        }
        for n in 1..=4 {
            let first = &ops(&doc, n)[0];
            assert_eq!(first.operator, "Do", "page {n} starts with its template");
            let want = if n < 4 { "T0" } else { "T1" };
            assert_eq!(first.operands[0].as_name().unwrap(), want.as_bytes());
            assert_eq!(painted(&doc, n), painted(&old, n), "page {n}");
        }
        let text = doc.extract_text(&[1]).unwrap_or_default();
        assert!(text.contains("髙﨑"), "{text}");
    }

    #[test]
    fn the_comparison_sees_a_missing_mark() {
        // The check above would catch a template that drops or moves a mark.
        let fonts = shipped();
        let pages = templated_pages();
        let mut moved = without_templates(&pages);
        if let Item::Rect(r) = &mut moved[0].items[6] {
            r.x_mm += 0.1;
        }
        let a = load(&write_pdf(&pages, &fonts, &info(1)).unwrap());
        let b = load(&write_pdf(&moved, &fonts, &info(1)).unwrap());
        assert_ne!(painted(&a, 1), painted(&b, 1));
        assert_eq!(painted(&a, 2), painted(&b, 2));
    }

    #[test]
    fn pages_share_one_resources_dictionary() {
        let fonts = shipped();
        let doc = load(&write_pdf(two_pages(), &fonts, &info(1)).unwrap());
        let resources: Vec<_> = doc
            .get_pages()
            .values()
            .map(|id| {
                let page = doc.get_dictionary(*id).unwrap();
                assert!(page.get(b"CropBox").is_err() && page.get(b"Annots").is_err());
                page.get(b"Resources").unwrap().as_reference().unwrap()
            })
            .collect();
        assert_eq!(resources[0], resources[1]);
        let fonts = doc
            .get_dictionary(resources[0])
            .unwrap()
            .get(b"Font")
            .unwrap();
        let fonts = doc.dereference(fonts).unwrap().1.as_dict().unwrap();
        assert_eq!(fonts.len(), 2);
    }

    #[test]
    fn subset_names_follow_the_glyphs() {
        let fonts = shipped();
        let name = |text: &str| {
            let mut p = Page::a4();
            p.items = vec![run(FontId::Mincho, 10.0, 10.0, 10.0, text)];
            let doc = load(&write_pdf(&[p], &fonts, &info(0)).unwrap());
            let fonts = type0_fonts(&doc);
            fonts[0]
                .get(b"BaseFont")
                .unwrap()
                .as_name()
                .unwrap()
                .to_vec()
        };
        assert_eq!(name("髙﨑"), name("﨑髙髙"));
        assert_ne!(name("髙﨑"), name("山﨑"));
    }

    #[test]
    fn shapes_paint_as_the_display_list_says() {
        let fonts = shipped();
        let doc = load(&write_pdf(two_pages(), &fonts, &info(1)).unwrap());
        let page = ops(&doc, 1);
        let names = op_names(&page);
        // Every rectangle is followed by its painting operator.
        let painted: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| **n == "re")
            .map(|(i, _)| names[i + 1])
            .collect();
        assert_eq!(painted, ["f", "f", "f", "S"]);
        // The barcode bar: x 25 mm, top 53 mm, 0.6 × 3.6 mm, bottom-left origin.
        let re = page.iter().find(|o| o.operator == "re").unwrap();
        let [x, y, w, h] = nums(re)[..] else { panic!() };
        assert!(
            (x - 70.87).abs() < 0.01 && (w - 1.7).abs() < 0.01,
            "{x} {w}"
        );
        assert!((y - (297.0 - 56.6) * PT_PER_MM).abs() < 0.01 && (h - 10.2).abs() < 0.01);
        // Shade is light grey, and text after it is black again.
        let grey = names.iter().position(|n| *n == "g").unwrap();
        let greys: Vec<f32> = page
            .iter()
            .filter(|o| o.operator == "g")
            .map(|o| nums(o)[0])
            .collect();
        assert_eq!(greys, [SHADE_GREY, 0.0]);
        assert!(names[grey..].contains(&"BT"));
        // Lines: the dashed fold mark, then a solid rule.
        let dashes: Vec<usize> = page
            .iter()
            .filter(|o| o.operator == "d")
            .map(|o| o.operands[0].as_array().unwrap().len())
            .collect();
        assert_eq!(dashes, [2, 0]);
        assert_eq!(names.iter().filter(|n| **n == "m").count(), 2);
        // Text at its baseline: x 25 mm, 30 mm from the top.
        let tm = page.iter().find(|o| o.operator == "Tm").unwrap();
        let m = nums(tm);
        assert_eq!(m[..4], [1.0, 0.0, 0.0, 1.0]);
        assert!(
            (m[4] - 70.87).abs() < 0.01 && (m[5] - 756.85).abs() < 0.01,
            "{m:?}"
        );
        // BT/ET balanced, no text operator outside.
        let mut inside = false;
        for n in &names {
            match *n {
                "BT" => {
                    assert!(!inside);
                    inside = true
                }
                "ET" => inside = false,
                "Tj" | "TJ" | "Tm" => assert!(inside, "{n} outside BT/ET"),
                _ => {}
            }
        }
    }

    #[test]
    fn fallback_runs_need_a_fallback_font() {
        let fonts = shipped();
        let mut p = Page::a4();
        p.items = vec![run(FontId::Fallback, 10.0, 10.0, 10.0, "髙")];
        let err = write_pdf(&[p], &fonts, &info(0)).unwrap_err();
        assert_eq!(err.exit_code(), 3, "{err}");
    }

    #[test]
    fn no_pages_is_still_a_pdf() {
        let pdf = write_pdf(&[], &shipped(), &info(0)).unwrap();
        assert_eq!(load(&pdf).get_pages().len(), 0);
    }

    #[test]
    fn variation_selectors_are_dropped_without_a_variant() {
        let fonts = shipped();
        let mut p = Page::a4();
        p.items = vec![run(FontId::Mincho, 10.0, 10.0, 10.0, "葛\u{E0101}西区")];
        let doc = load(&write_pdf(&[p], &fonts, &info(0)).unwrap());
        let text: String = doc.extract_text(&[1]).unwrap();
        assert!(text.contains("葛西区"), "{text:?}");
    }

    #[test]
    fn fallback_font_draws_rare_characters_and_variants() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let fonts = FontSet::load_default(dir, Some(&ipamj())).unwrap();
        let mut p = Page::a4();
        p.items = vec![
            run(FontId::Mincho, 12.0, 20.0, 20.0, "氏名"),
            run(FontId::Fallback, 12.0, 40.0, 20.0, "\u{20D58}葛\u{E0102}"),
        ];
        let pdf = write_pdf(&[p], &fonts, &info(0)).unwrap();
        assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
        let doc = load(&pdf);
        assert_eq!(type0_fonts(&doc).len(), 2);
        let text = doc.extract_text(&[1]).unwrap();
        // The selector survives extraction only where the variant glyph was
        // drawn (its ToUnicode entry is the whole sequence).
        assert!(text.contains("\u{20D58}葛\u{E0102}"), "{text:?}");
        // The variant is its own glyph, not the plain 葛.
        let plain = fonts.glyph(FontId::Fallback, '葛').unwrap();
        let variant = fonts
            .variant_glyph(FontId::Fallback, '葛', '\u{E0102}')
            .unwrap();
        assert_ne!(plain, variant);
    }
}
