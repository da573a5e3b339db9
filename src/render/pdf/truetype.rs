//! A TrueType font (`glyf` outlines) cut down to the glyphs a document
//! draws, every glyph keeping its id: the content streams write glyph ids
//! as they are (`/CIDToGIDMap /Identity`), so nothing is renumbered.
//!
//! The program holds what ISO 32000-1 (9.9) asks of an embedded TrueType
//! font (`cvt `, `fpgm`, `glyf`, `head`, `hhea`, `hmtx`, `loca`, `maxp`,
//! `prep`) and the `name` table; `post` is cut to its format 3 header (no
//! glyph names, 113 KB in IPAex). Glyphs not drawn keep an empty outline
//! and a zero metric, which deflate reduces to almost nothing. Composite
//! glyphs bring their components. The hinting tables are copied as they
//! are, so the glyphs rasterise exactly as the whole font's do.
//!
//! This replaced printpdf's subsetting (allsorts), which read the whole
//! `glyf` table and renumbered the glyphs for every print file: a tenth of
//! a run's CPU time (README, "Speed and memory").

use ttf_parser::{RawFace, Tag};

/// The tables written, in the order of their tags (the table directory
/// must be sorted).
const TABLES: [&[u8; 4]; 11] = [
    b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"name", b"post",
    b"prep",
];

/// Tables a font must have to be subset here.
const REQUIRED: [&[u8; 4]; 6] = [b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp"];

/// Whether `font` is a TrueType font this module can subset: `glyf`
/// outlines and the tables it needs (a CFF font is not).
pub(super) fn can_subset(font: &[u8]) -> bool {
    RawFace::parse(font, 0).is_ok_and(|raw| {
        REQUIRED
            .iter()
            .all(|t| raw.table(Tag::from_bytes(t)).is_some())
    })
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// The byte range of each glyph in `glyf`, from `loca`.
fn glyph_ranges(
    loca: &[u8],
    long: bool,
    glyphs: usize,
    glyf_len: usize,
) -> Result<Vec<(usize, usize)>, String> {
    let offset = |i: usize| -> Option<usize> {
        if long {
            u32_at(loca, 4 * i).map(|o| o as usize)
        } else {
            u16_at(loca, 2 * i).map(|o| 2 * usize::from(o))
        }
    };
    (0..glyphs)
        .map(|g| match (offset(g), offset(g + 1)) {
            (Some(a), Some(b)) if a <= b && b <= glyf_len => Ok((a, b)),
            _ => Err(format!("glyph {g}: its loca entry is out of bounds")),
        })
        .collect()
}

/// The glyphs a composite glyph is made of (none for a simple one).
fn components(data: &[u8]) -> Vec<u16> {
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAS_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAS_XY_SCALE: u16 = 0x0040;
    const HAS_TWO_BY_TWO: u16 = 0x0080;
    let mut out = Vec::new();
    if u16_at(data, 0).is_none_or(|n| (n as i16) >= 0) {
        return out;
    }
    let mut at = 10;
    while let (Some(flags), Some(gid)) = (u16_at(data, at), u16_at(data, at + 2)) {
        out.push(gid);
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAS_SCALE != 0 {
            2
        } else if flags & HAS_XY_SCALE != 0 {
            4
        } else if flags & HAS_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            break;
        }
    }
    out
}

/// The font program of `font` with only the glyphs `used` (and glyph 0,
/// and the components of composite ones) drawn; an error says what in
/// the font could not be read.
pub(super) fn subset(font: &[u8], used: &[u16]) -> Result<Vec<u8>, String> {
    let raw = RawFace::parse(font, 0).map_err(|e| e.to_string())?;
    let table = |t: &[u8; 4]| raw.table(Tag::from_bytes(t));
    let need =
        |t: &[u8; 4]| table(t).ok_or_else(|| format!("no {} table", String::from_utf8_lossy(t)));
    let (head, hhea, maxp) = (need(b"head")?, need(b"hhea")?, need(b"maxp")?);
    let (loca, glyf, hmtx) = (need(b"loca")?, need(b"glyf")?, need(b"hmtx")?);
    if head.len() < 54 {
        return Err("head table too short".into());
    }
    let glyphs = usize::from(u16_at(maxp, 4).ok_or("maxp table too short")?);
    let long = u16_at(head, 50) == Some(1);
    let ranges = glyph_ranges(loca, long, glyphs, glyf.len())?;

    let mut keep = vec![false; glyphs];
    let mut pending: Vec<u16> = std::iter::once(0).chain(used.iter().copied()).collect();
    while let Some(g) = pending.pop() {
        let g = usize::from(g);
        if g >= glyphs || keep[g] {
            continue;
        }
        keep[g] = true;
        let (a, b) = ranges[g];
        pending.extend(components(&glyf[a..b]));
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity(4 * (glyphs + 1));
    for (g, &(a, b)) in ranges.iter().enumerate() {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if keep[g] {
            new_glyf.extend_from_slice(&glyf[a..b]);
            new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());

    // Metrics of glyphs not drawn are zeroed, except the last full entry,
    // whose advance the glyphs after it share.
    let metrics = usize::from(u16_at(hhea, 34).ok_or("hhea table too short")?);
    let mut new_hmtx = hmtx.to_vec();
    for (g, _) in keep.iter().enumerate().filter(|(_, k)| !**k) {
        let at = if g + 1 < metrics {
            Some((4 * g, 4))
        } else if g >= metrics {
            Some((4 * metrics + 2 * (g - metrics), 2))
        } else {
            None
        };
        if let Some(slot) = at.and_then(|(at, n)| new_hmtx.get_mut(at..at + n)) {
            slot.fill(0);
        }
    }

    let mut new_head = head.to_vec();
    new_head[8..12].fill(0); // checkSumAdjustment, set below
    new_head[50..52].copy_from_slice(&1u16.to_be_bytes()); // long loca
    let new_post = table(b"post").filter(|p| p.len() >= 32).map(|p| {
        let mut p = p[..32].to_vec();
        p[0..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        p
    });

    let mut out_tables: Vec<(&[u8; 4], std::borrow::Cow<'_, [u8]>)> = Vec::new();
    for tag in TABLES {
        let data: Option<std::borrow::Cow<'_, [u8]>> = match tag {
            b"glyf" => Some(new_glyf.as_slice().into()),
            b"loca" => Some(new_loca.as_slice().into()),
            b"hmtx" => Some(new_hmtx.as_slice().into()),
            b"head" => Some(new_head.as_slice().into()),
            b"post" => new_post.as_deref().map(Into::into),
            _ => table(tag).map(Into::into),
        };
        if let Some(d) = data {
            out_tables.push((tag, d));
        }
    }
    Ok(write_sfnt(&out_tables))
}

/// The OpenType checksum of a table (or a whole font).
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

/// A TrueType font file of `tables` (sorted by tag), with its checksums
/// and `head`'s checkSumAdjustment.
fn write_sfnt(tables: &[(&[u8; 4], std::borrow::Cow<'_, [u8]>)]) -> Vec<u8> {
    let n = tables.len() as u16;
    let pow2 = 1u16 << (15 - n.max(1).leading_zeros());
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [
        n,
        pow2 * 16,
        pow2.trailing_zeros() as u16,
        n * 16 - pow2 * 16,
    ] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(*tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if *tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipaex() -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::read(dir.join("fonts/ipaexm.ttf")).unwrap()
    }

    #[test]
    fn the_subset_draws_the_glyphs_used_with_their_ids_and_nothing_else() {
        let font = ipaex();
        let whole = ttf_parser::Face::parse(&font, 0).unwrap();
        let gid = |c| whole.glyph_index(c).unwrap().0;
        let used = [gid('髙'), gid('佐'), gid('A')];
        let bytes = subset(&font, &used).unwrap();
        assert!(bytes.len() < 200_000, "{}", bytes.len());
        let sub = ttf_parser::Face::parse(&bytes, 0).expect("the subset parses");
        assert_eq!(sub.number_of_glyphs(), whole.number_of_glyphs());
        let outline =
            |face: &ttf_parser::Face<'_>, g: u16| face.glyph_bounding_box(ttf_parser::GlyphId(g));
        for g in used {
            assert!(outline(&sub, g).is_some());
            assert_eq!(outline(&sub, g), outline(&whole, g), "glyph {g}");
        }
        assert_eq!(outline(&sub, gid('山')), None, "a glyph not used is empty");
        // The file's checksum adjustment makes the whole sum the magic.
        assert_eq!(checksum(&bytes), 0xB1B0_AFBA);
        let raw = RawFace::parse(&bytes, 0).unwrap();
        let post = raw.table(Tag::from_bytes(b"post")).unwrap();
        assert_eq!((post.len(), u32_at(post, 0)), (32, Some(0x0003_0000)));
        for t in REQUIRED.iter().chain([b"cvt ", b"fpgm", b"prep"].iter()) {
            assert!(raw.table(Tag::from_bytes(t)).is_some(), "{t:?}");
        }
    }

    #[test]
    fn a_font_with_a_short_loca_comes_out_with_a_long_one_and_the_same_glyphs() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let font = std::fs::read(dir.join("tests/fixtures/fonts/fallback-mincho.ttf")).unwrap();
        let head = RawFace::parse(&font, 0)
            .unwrap()
            .table(Tag::from_bytes(b"head"))
            .unwrap();
        assert_eq!(u16_at(head, 50), Some(0), "the fixture's loca is short");
        let whole = ttf_parser::Face::parse(&font, 0).unwrap();
        let used: Vec<u16> = (1..whole.number_of_glyphs()).step_by(3).collect();
        let bytes = subset(&font, &used).unwrap();
        let sub = ttf_parser::Face::parse(&bytes, 0).unwrap();
        for g in 0..whole.number_of_glyphs() {
            let id = ttf_parser::GlyphId(g);
            if used.contains(&g) {
                assert_eq!(
                    sub.glyph_bounding_box(id),
                    whole.glyph_bounding_box(id),
                    "{g}"
                );
                assert_eq!(
                    sub.glyph_hor_advance(id),
                    whole.glyph_hor_advance(id),
                    "{g}"
                );
            }
        }
    }

    #[test]
    fn a_composite_glyph_brings_its_components() {
        // flags: words, more components; then a last one with a scale.
        let mut g = Vec::new();
        g.extend_from_slice(&(-1i16).to_be_bytes());
        g.extend_from_slice(&[0; 8]);
        g.extend_from_slice(&[0x00, 0x21, 0x00, 0x07, 0, 0, 0, 0]);
        g.extend_from_slice(&[0x00, 0x08, 0x01, 0x02, 0, 0, 0x40, 0x00]);
        assert_eq!(components(&g), vec![7, 0x0102]);
        let mut simple = g.clone();
        simple[0..2].copy_from_slice(&1i16.to_be_bytes());
        assert!(components(&simple).is_empty());
        // Cut after the first flags: no glyph id, no component.
        assert!(components(&g[..12]).is_empty());
    }

    #[test]
    fn a_font_without_glyf_is_not_subset_here() {
        assert!(can_subset(&ipaex()));
        assert!(!can_subset(b"OTTO not really a font"));
        assert!(subset(b"\0\x01\0\0", &[1]).is_err());
    }
}
