//! Display lists to PDF bytes.
//!
//! The content streams (every page's and every template's) are written
//! directly from the display list (`content`); printpdf subsets and embeds
//! the fonts, with their widths and ToUnicode maps, and builds the
//! document (`fonts_embed`); the pages and templates are then added through
//! printpdf's lopdf and the document finished there, because printpdf's own
//! `save` falls short:
//!
//! - **Same bytes every time.** printpdf names fonts and the trailer `/ID`
//!   from a process-wide counter, so output would depend on what other
//!   threads rendered before. Subset names are derived from the glyphs
//!   used, the `/ID` from the caller's `document_id`, and the Info
//!   dictionary holds the title, kigen and the as-of date.
//! - **Failure is loud.** printpdf reports a failed subset as a warning and
//!   embeds the whole font (megabytes per file); that is an error here.
//! - **Size and speed.** One Resources dictionary for all pages; a page
//!   kind's fixed content once per file as a Form XObject (`template`);
//!   numbers rounded to 1/100 pt; streams deflated at [`DEFLATE_LEVEL`].
//!
//! Where the time goes is in the README ("Speed and memory").

use std::borrow::Borrow;

use lopdf::{Dictionary, Object, ObjectId};

use super::display::{FontId, Page, PT_PER_MM};
use super::fonts::FontSet;
use crate::error::Error;

mod content;
mod fonts_embed;
mod template;
use content::{media_box, Content, Writer};
use template::Templates;

/// libdeflate's level for every stream. On a print file's 1,002 page
/// streams (1.8 KB each): level 1 takes 12 µs a stream for 40.3 % of the
/// bytes, 6 takes 21 µs for 39.6 %; zlib-rs (flate2) at its level 3 took
/// 30 µs for 40.1 %, at 1 (static Huffman codes) 8 µs for 46.8 %.
const DEFLATE_LEVEL: i32 = 1;

/// A page as written: its size in points, its content and its template.
struct PageOut {
    width_pt: f32,
    height_pt: f32,
    content: Content,
}

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
    let mut writer = Writer::new(fonts);
    let mut templates = Templates::default();
    // Pages given by value are dropped as soon as they are written: a
    // print file's memory is then its content streams.
    let mut out = pages
        .into_iter()
        .map(|page| page_out(page.borrow(), &mut writer, &mut templates))
        .collect::<Result<Vec<_>, _>>()?;

    let mut embedded = fonts_embed::embed(fonts, &writer.used)?;
    let code_of = |font: FontId, gid: u16| embedded.code(font, gid);
    for content in templates
        .forms
        .iter_mut()
        .map(|t| &mut t.content)
        .chain(out.iter_mut().map(|p| &mut p.content))
    {
        content.remap(code_of);
    }
    let lo = &mut embedded.doc;
    let font_dict =
        lo.add_object(Dictionary::from_iter(embedded.fonts.iter().map(
            |(font, id)| (content::font_name(*font), Object::Reference(*id)),
        )));
    let xobjects = template::add_forms(lo, std::mem::take(&mut templates.forms), font_dict);
    let mut resources = Dictionary::from_iter([("Font", Object::Reference(font_dict))]);
    if !xobjects.is_empty() {
        resources.set("XObject", Object::Dictionary(xobjects));
    }
    let resources = lo.add_object(resources);
    add_pages(lo, out, resources)?;
    finish(lo, info)?;

    let mut bytes = Vec::with_capacity(4096 + lo.objects.len() * 1024);
    lo.save_to(&mut bytes)
        .map_err(|e| Error::Internal(format!("PDF writer: {e}")))?;
    Ok(bytes)
}

/// Page `page` as written: its fixed content placed as a template (made
/// the first time it is seen), the rest drawn on the page.
fn page_out(
    page: &Page,
    writer: &mut Writer<'_>,
    templates: &mut Templates,
) -> Result<PageOut, Error> {
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
    let prefix = match (fixed.is_empty(), templates.find(&fixed, page)) {
        (true, _) => Vec::new(),
        (false, Some(t)) => template::placing(t),
        (false, None) => {
            let form = writer.content(b"", &fixed, h)?;
            template::placing(templates.add(&fixed, page, form))
        }
    };
    Ok(PageOut {
        width_pt: page.width_mm * PT_PER_MM,
        height_pt: h * PT_PER_MM,
        content: writer.content(&prefix, &own, h)?,
    })
}

/// Adds the pages, in order, as the page tree's only kids.
fn add_pages(
    lo: &mut lopdf::Document,
    pages: Vec<PageOut>,
    resources: ObjectId,
) -> Result<(), Error> {
    let tree = lo
        .catalog()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
        .map_err(|e| Error::Internal(format!("PDF writer: page tree: {e}")))?;
    let mut kids = Vec::with_capacity(pages.len());
    for page in pages {
        let contents = lo.add_object(lopdf::Stream::new(Dictionary::new(), page.content.bytes));
        kids.push(Object::Reference(lo.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(tree)),
            ("MediaBox", media_box(page.width_pt, page.height_pt)),
            ("Resources", Object::Reference(resources)),
            ("Contents", Object::Reference(contents)),
        ]))));
    }
    let count = kids.len() as i64;
    let tree = lo
        .get_dictionary_mut(tree)
        .map_err(|e| Error::Internal(format!("PDF writer: page tree: {e}")))?;
    tree.set("Kids", Object::Array(kids));
    tree.set("Count", Object::Integer(count));
    Ok(())
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

/// Sets the document information and `/ID`, and compresses the streams.
fn finish(lo: &mut lopdf::Document, info: &DocumentInfo<'_>) -> Result<(), Error> {
    // printpdf's Info (fixed 1970 dates, empty fields) is replaced by ours.
    let info_dict = Object::Dictionary(document_information(info));
    match lo.trailer.get(b"Info").and_then(Object::as_reference) {
        Ok(id) => {
            lo.objects.insert(id, info_dict);
        }
        Err(_) => {
            let id = lo.add_object(info_dict);
            lo.trailer.set("Info", id);
        }
    }
    let id = Object::String(info.id.to_vec(), lopdf::StringFormat::Hexadecimal);
    lo.trailer.set("ID", Object::Array(vec![id.clone(), id]));

    // One compressor for all of the document's streams.
    let level = libdeflater::CompressionLvl::new(DEFLATE_LEVEL)
        .map_err(|e| Error::Internal(format!("PDF writer: deflate level: {e:?}")))?;
    let mut z = libdeflater::Compressor::new(level);
    let mut scratch = Vec::new();
    for object in lo.objects.values_mut() {
        if let Object::Stream(stream) = object {
            if stream.allows_compression && stream.dict.get(b"Filter").is_err() {
                let deflated = deflate(&mut z, &stream.content, &mut scratch)?;
                if deflated.len() + 19 < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(deflated);
                }
            }
        }
    }
    // The trailer's /Size is one more than the highest object number
    // (`qpdf --check` warns otherwise): the objects removed may have been
    // the highest.
    lo.max_id = lo.objects.keys().map(|(n, _)| *n).max().unwrap_or(0);
    Ok(())
}

/// Title, Creator (kigen and its version) and CreationDate (the as-of
/// date, so the same batch gives the same bytes).
fn document_information(info: &DocumentInfo<'_>) -> Dictionary {
    Dictionary::from_iter([
        ("Title", text_string(info.title)),
        (
            "Creator",
            text_string(concat!("kigen ", env!("CARGO_PKG_VERSION"))),
        ),
        (
            "CreationDate",
            Object::string_literal(info.created.format("D:%Y%m%d").to_string()),
        ),
    ])
}

/// A PDF text string: ASCII as it is, anything else as UTF-16BE with its
/// byte order mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        return Object::string_literal(s);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

/// `data` deflated (zlib format, as FlateDecode reads it) with `z`, through
/// `scratch` (kept between streams: zeroed once, not for every stream).
fn deflate(
    z: &mut libdeflater::Compressor,
    data: &[u8],
    scratch: &mut Vec<u8>,
) -> Result<Vec<u8>, Error> {
    let bound = z.zlib_compress_bound(data.len());
    if scratch.len() < bound {
        scratch.resize(bound, 0);
    }
    let n = z
        .zlib_compress(data, scratch)
        .map_err(|e| Error::Internal(format!("PDF writer: deflate: {e}")))?;
    Ok(scratch[..n].to_vec())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::content::SHADE_GREY;
    use super::*;
    use crate::render::display::{Item, Line, Paint, Rect, TextRun};
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
