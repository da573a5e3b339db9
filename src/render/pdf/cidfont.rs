//! The PDF objects of a TrueType font subset by kigen ([`super::truetype`]):
//! a Type0 font with Identity-H encoding over a CIDFontType2 whose CIDs are
//! the glyph ids (`/CIDToGIDMap /Identity`), its widths, its descriptor and
//! its ToUnicode map, so that text can be searched and copied.

use std::fmt::Write as _;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use crate::error::Error;

/// A glyph's width where `/W` does not list it (`/DW`): the full-width
/// CJK glyphs, most of what a notice draws.
const DEFAULT_WIDTH: i64 = 1000;

fn internal(what: impl std::fmt::Display) -> Error {
    Error::Internal(format!("PDF writer: fonts: {what}"))
}

/// Adds `font`'s program with the glyphs `glyphs` (id and text, ascending
/// ids) to `doc` as a Type0 font named `tag+PostScriptName`; returns the
/// Type0 font object.
pub(super) fn add_font(
    doc: &mut lopdf::Document,
    bytes: &[u8],
    tag: &str,
    glyphs: &[(u16, String)],
) -> Result<ObjectId, Error> {
    let face = ttf_parser::Face::parse(bytes, 0).map_err(internal)?;
    let ids: Vec<u16> = glyphs.iter().map(|(g, _)| *g).collect();
    let program = super::truetype::subset(bytes, &ids).map_err(internal)?;
    let ps_name = postscript_name(&face).unwrap_or_else(|| "Font".to_string());
    let base_font = format!("{tag}+{ps_name}");
    let scale = 1000.0 / f32::from(face.units_per_em().max(1));
    let em = |v: f32| (v * scale).round() as i64;

    let file = doc.add_object(Stream::new(
        Dictionary::from_iter([("Length1", Object::Integer(program.len() as i64))]),
        program,
    ));
    let bbox = face.global_bounding_box();
    let ascent = em(f32::from(face.ascender()));
    let italic = face.italic_angle().round() as i64;
    let weight = f32::from(face.weight().to_number());
    let descriptor = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"FontDescriptor".to_vec())),
        ("FontName", Object::Name(base_font.clone().into_bytes())),
        ("Ascent", Object::Integer(ascent)),
        ("Descent", Object::Integer(em(f32::from(face.descender())))),
        (
            "CapHeight",
            Object::Integer(face.capital_height().map_or(ascent, |c| em(f32::from(c)))),
        ),
        ("ItalicAngle", Object::Integer(italic)),
        // Nonsymbolic (the standard Latin set among the font's), italic
        // when slanted.
        (
            "Flags",
            Object::Integer(32 | if italic != 0 { 64 } else { 0 }),
        ),
        // No table holds the stems' width: the usual estimate from the
        // weight class (88 at 400, 166 at 700).
        (
            "StemV",
            Object::Integer(50 + (weight / 65.0).powi(2).round() as i64),
        ),
        (
            "FontBBox",
            Object::Array(
                [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max]
                    .map(|v| Object::Integer(em(f32::from(v))))
                    .to_vec(),
            ),
        ),
        ("FontFile2", Object::Reference(file)),
    ]));
    let cid_font = Dictionary::from_iter([
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"CIDFontType2".to_vec())),
        ("BaseFont", Object::Name(base_font.clone().into_bytes())),
        (
            "CIDSystemInfo",
            Object::Dictionary(Dictionary::from_iter([
                ("Registry", Object::string_literal("Adobe")),
                ("Ordering", Object::string_literal("Identity")),
                ("Supplement", Object::Integer(0)),
            ])),
        ),
        ("FontDescriptor", Object::Reference(descriptor)),
        ("DW", Object::Integer(DEFAULT_WIDTH)),
        // Truncated, not rounded, as printpdf wrote them before: the pages
        // stay what they were to the pixel.
        (
            "W",
            Object::Array(widths(&ids, |g| {
                face.glyph_hor_advance(ttf_parser::GlyphId(g))
                    .map_or(0, |a| (f32::from(a) * scale) as i64)
            })),
        ),
        ("CIDToGIDMap", Object::Name(b"Identity".to_vec())),
    ]);
    let to_unicode = doc.add_object(Stream::new(
        Dictionary::new(),
        to_unicode_cmap(&base_font, glyphs).into_bytes(),
    ));
    Ok(doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"Type0".to_vec())),
        ("BaseFont", Object::Name(base_font.into_bytes())),
        ("Encoding", Object::Name(b"Identity-H".to_vec())),
        (
            "DescendantFonts",
            Object::Array(vec![Object::Dictionary(cid_font)]),
        ),
        ("ToUnicode", Object::Reference(to_unicode)),
    ])))
}

/// The font's PostScript name (name ID 6), as printpdf named it: from a
/// Unicode record, or a Macintosh one, whose bytes are ASCII for this name.
fn postscript_name(face: &ttf_parser::Face<'_>) -> Option<String> {
    let usable = |n: &String| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_graphic() && !b"/()<>[]{}%".contains(&b))
    };
    let names = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME);
    names
        .clone()
        .find_map(|n| n.to_string().filter(usable))
        .or_else(|| {
            names
                .filter(|n| n.platform_id == ttf_parser::PlatformId::Macintosh)
                .map(|n| String::from_utf8_lossy(n.name).into_owned())
                .find(usable)
        })
}

/// The `/W` array of the glyphs `ids` (ascending) whose width is not
/// [`DEFAULT_WIDTH`]: runs of consecutive ids as `first [w w …]`.
fn widths(ids: &[u16], width: impl Fn(u16) -> i64) -> Vec<Object> {
    let mut out = Vec::new();
    let mut run: Option<(u16, Vec<Object>)> = None;
    let mut last = None;
    for &g in ids {
        let w = width(g);
        if w == DEFAULT_WIDTH {
            continue;
        }
        match &mut run {
            Some((_, ws)) if last.is_some_and(|l: u16| l.checked_add(1) == Some(g)) => {
                ws.push(Object::Integer(w));
            }
            _ => {
                if let Some((first, ws)) = run.take() {
                    out.extend([Object::Integer(i64::from(first)), Object::Array(ws)]);
                }
                run = Some((g, vec![Object::Integer(w)]));
            }
        }
        last = Some(g);
    }
    if let Some((first, ws)) = run {
        out.extend([Object::Integer(i64::from(first)), Object::Array(ws)]);
    }
    out
}

/// The ToUnicode CMap: each glyph's code (its id) to the text it stands
/// for, in UTF-16BE, a hundred entries a block as the CMap format allows.
fn to_unicode_cmap(name: &str, glyphs: &[(u16, String)]) -> String {
    let mut s = format!(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /{name}-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
    );
    let mapped: Vec<&(u16, String)> = glyphs.iter().filter(|(_, t)| !t.is_empty()).collect();
    for block in mapped.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", block.len());
        for (gid, text) in block {
            let _ = write!(s, "<{gid:04X}> <");
            for unit in text.encode_utf16() {
                let _ = write!(s, "{unit:04X}");
            }
            s.push_str(">\n");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

/// A new document with an empty page tree, as printpdf would start it.
pub(super) fn new_document() -> lopdf::Document {
    let mut doc = lopdf::Document::with_version("1.3");
    // A classic xref table: cross-reference streams need PDF 1.5.
    doc.reference_table.cross_reference_type = lopdf::xref::XrefType::CrossReferenceTable;
    let pages = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Pages".to_vec())),
        ("Kids", Object::Array(Vec::new())),
        ("Count", Object::Integer(0)),
    ]));
    let catalog = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("PageLayout", Object::Name(b"OneColumn".to_vec())),
        ("PageMode", Object::Name(b"UseNone".to_vec())),
        ("Pages", Object::Reference(pages)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_list_runs_of_consecutive_ids_and_skip_the_default() {
        let w = widths(&[1, 2, 3, 5, 6, 9], |g| match g {
            3 | 9 => DEFAULT_WIDTH,
            g => i64::from(g) * 10,
        });
        let ints = |o: &Object| -> Vec<i64> {
            match o {
                Object::Integer(i) => vec![*i],
                Object::Array(a) => a.iter().flat_map(|o| o.as_i64()).collect(),
                _ => panic!(),
            }
        };
        let flat: Vec<Vec<i64>> = w.iter().map(ints).collect();
        assert_eq!(flat, vec![vec![1], vec![10, 20], vec![5], vec![50, 60]]);
    }

    #[test]
    fn the_cmap_maps_each_glyph_to_its_text_in_utf16() {
        let cmap = to_unicode_cmap("ABCDEF+X", &[(0x12, "髙".into()), (0x1234, "𠮷".into())]);
        assert!(cmap.contains("2 beginbfchar\n<0012> <9AD9>\n<1234> <D842DFB7>\nendbfchar"));
        assert!(cmap.contains("/CMapName /ABCDEF+X-UCS def"));
    }
}
