//! The fonts, through printpdf: each font's glyphs drawn in a document are
//! handed to printpdf on one page, which printpdf subsets, embeds (font
//! program, widths, ToUnicode) and encodes; the codes it wrote on that page
//! are the subset's numbering, which the content streams then use. The page
//! itself is removed: the document's real pages are added afterwards.

use lopdf::content::Content;
use lopdf::{Object, ObjectId};
use printpdf::{
    Codepoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions,
    Pt, TextItem,
};

use super::super::display::FontId;
use super::super::fonts::FontSet;
use super::content::UsedGlyphs;
use crate::error::Error;

/// A document with the fonts embedded and no pages yet.
pub(super) struct Embedded {
    /// The document, from printpdf.
    pub(super) doc: lopdf::Document,
    /// Each font's Type0 font object.
    pub(super) fonts: Vec<(FontId, ObjectId)>,
    /// Per font, the code of each original glyph id (0 where not drawn).
    codes: Vec<(FontId, Vec<u16>)>,
}

impl Embedded {
    /// The code a content stream writes for glyph `gid` of `font`.
    pub(super) fn code(&self, font: FontId, gid: u16) -> u16 {
        self.codes
            .iter()
            .find(|(f, _)| *f == font)
            .and_then(|(_, c)| c.get(usize::from(gid)))
            .copied()
            .unwrap_or(0)
    }
}

fn internal(what: impl std::fmt::Display) -> Error {
    Error::Internal(format!("PDF writer: fonts: {what}"))
}

/// The font's resource name in printpdf, which printpdf also uses (its
/// first six letters) as the subset tag of `/BaseFont`. Derived from the
/// glyph set: different subsets get different names, so printers and
/// viewers that cache fonts by name across jobs cannot mix two files'
/// subsets up, while the same pages always give the same name. A letter
/// for the role follows the tag, so two fonts never share a resource name
/// even if their tags collide.
fn resource_id(font: FontId, bits: &[u64]) -> printpdf::FontId {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update([font as u8]);
    for w in bits {
        h.update(w.to_le_bytes());
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

/// Embeds the glyphs `used` of `fonts` in a new document.
pub(super) fn embed(fonts: &FontSet, used: &UsedGlyphs) -> Result<Embedded, Error> {
    let mut doc = PdfDocument::new("");
    let mut ops = vec![Op::StartTextSection];
    // Per font: its printpdf name and its glyphs in ascending order.
    let mut listed: Vec<(FontId, String, Vec<u16>)> = Vec::new();
    for (font, glyphs) in &used.text {
        let Some(parsed) = fonts.pdf_font(*font) else {
            continue;
        };
        let bits = used.bits.get(font).map(Vec::as_slice).unwrap_or(&[]);
        let id = resource_id(*font, bits);
        doc.resources
            .fonts
            .map
            .insert(id.clone(), printpdf::PdfFont::new(parsed.clone()));
        let mut glyphs = glyphs.clone();
        if glyphs.is_empty() {
            // A font only drawn as .notdef: still embedded, so that its
            // resource name resolves.
            glyphs.push((0, "\u{FFFD}".to_string()));
        }
        glyphs.sort_by_key(|(gid, _)| *gid);
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(id.clone()),
            size: Pt(10.0),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(
                glyphs
                    .iter()
                    .map(|(gid, text)| Codepoint::with_cid(*gid, 0.0, text.clone()))
                    .collect(),
            )],
        });
        listed.push((*font, id.0, glyphs.into_iter().map(|(g, _)| g).collect()));
    }
    ops.push(Op::EndTextSection);
    if !listed.is_empty() {
        doc.pages = vec![PdfPage::new(Mm(210.0), Mm(297.0), ops)];
    }
    let opts = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let lo = doc.to_lopdf_document(&opts, &mut warnings);
    drop(doc);
    if let Some(w) = warnings
        .iter()
        .find(|w| w.severity == PdfParseErrorSeverity::Error)
    {
        return Err(internal(&w.msg));
    }
    let mut embedded = Embedded {
        doc: lo,
        fonts: Vec::new(),
        codes: Vec::new(),
    };
    if let Some(page) = embedded.doc.get_pages().into_values().next() {
        read_codes(&mut embedded, page, &listed)?;
        remove_page(&mut embedded.doc, page);
    }
    check_subsets(&embedded.doc)?;
    Ok(embedded)
}

/// Reads back the codes printpdf wrote for each font's glyphs on `page`
/// (in the order listed), and the font objects.
fn read_codes(
    embedded: &mut Embedded,
    page: ObjectId,
    listed: &[(FontId, String, Vec<u16>)],
) -> Result<(), Error> {
    let lo = &embedded.doc;
    let bytes = lo.get_page_content(page);
    let ops = Content::decode(&bytes).map_err(internal)?.operations;
    let resources = lo
        .get_dictionary(page)
        .and_then(|p| p.get(b"Resources"))
        .and_then(|r| lo.dereference(r))
        .and_then(|(_, r)| r.as_dict())
        .and_then(|r| r.get(b"Font"))
        .and_then(|f| lo.dereference(f))
        .and_then(|(_, f)| f.as_dict())
        .map_err(internal)?;
    let mut codes: Vec<Vec<u16>> = vec![Vec::new(); listed.len()];
    let mut current = None;
    for op in &ops {
        match op.operator.as_str() {
            "Tf" => {
                let name = op.operands.first().and_then(|n| n.as_name().ok());
                current = listed
                    .iter()
                    .position(|(_, id, _)| Some(id.as_bytes()) == name);
            }
            "Tj" | "TJ" => {
                let i = current.ok_or_else(|| internal("text before its font"))?;
                let mut strings = Vec::new();
                for o in &op.operands {
                    match o {
                        Object::String(s, _) => strings.push(s.as_slice()),
                        Object::Array(a) => {
                            strings.extend(a.iter().filter_map(|o| o.as_str().ok()))
                        }
                        _ => {}
                    }
                }
                for s in strings {
                    codes[i].extend(
                        s.chunks(2)
                            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])),
                    );
                }
            }
            _ => {}
        }
    }
    for ((font, id, gids), codes) in listed.iter().zip(codes) {
        if codes.len() != gids.len() {
            return Err(internal(format!(
                "{font:?}: {} glyphs given, {} codes written",
                gids.len(),
                codes.len()
            )));
        }
        let object = resources
            .get(id.as_bytes())
            .and_then(Object::as_reference)
            .map_err(|e| internal(format!("{font:?} not embedded: {e}")))?;
        let max = gids.iter().copied().max().unwrap_or(0);
        let mut table = vec![0u16; usize::from(max) + 1];
        for (gid, code) in gids.iter().zip(codes) {
            table[usize::from(*gid)] = code;
        }
        embedded.fonts.push((*font, object));
        embedded.codes.push((*font, table));
    }
    Ok(())
}

/// Removes the page and what only it used (its content and resources).
fn remove_page(lo: &mut lopdf::Document, page: ObjectId) {
    if let Ok(dict) = lo.get_dictionary(page) {
        let own: Vec<ObjectId> = [b"Contents".as_slice(), b"Resources"]
            .iter()
            .filter_map(|k| dict.get(k).and_then(Object::as_reference).ok())
            .collect();
        for id in own {
            lo.objects.remove(&id);
        }
    }
    lo.objects.remove(&page);
}

/// A font printpdf failed to subset is embedded whole under its plain name
/// (and printpdf has already warned): an error here.
fn check_subsets(lo: &lopdf::Document) -> Result<(), Error> {
    for object in lo.objects.values() {
        if let Ok(dict) = object.as_dict() {
            if dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0") {
                let name = dict
                    .get(b"BaseFont")
                    .and_then(Object::as_name)
                    .unwrap_or(b"");
                if name.get(6) != Some(&b'+') {
                    return Err(internal(format!(
                        "font {} was not subset",
                        String::from_utf8_lossy(name)
                    )));
                }
            }
        }
    }
    Ok(())
}
