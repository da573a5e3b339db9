//! The run's fonts: loaded and parsed once, then shared by every rendering
//! thread.
//!
//! Layout asks two questions for every character of every notice (is there a
//! glyph, how wide is it), so both are answered from tables built at load
//! time: a dense array for the Basic Multilingual Plane and a hash map for the
//! rest. Nothing is locked or parsed per call. The same files are also parsed
//! once by printpdf, whose face (without its character map: the writer hands
//! it glyph ids) the PDF writer clones into each document.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::files::{read_bounded, MAX_DATA_FILE_BYTES};

pub(crate) use super::display::FontId;
use super::display::MM_PER_PT;

/// IPAex明朝 (fonts/ipaexm.ttf, IPA Font License), built into the binary so
/// that an installed kigen needs no font directory.
const BUILTIN_MINCHO: &[u8] = include_bytes!("../../fonts/ipaexm.ttf");

/// IPAexゴシック (fonts/ipaexg.ttf), built in likewise.
const BUILTIN_GOTHIC: &[u8] = include_bytes!("../../fonts/ipaexg.ttf");

/// Number of entries of the dense per-face table (U+0000–U+FFFF).
const BMP_LEN: usize = 0x1_0000;

/// Whether `c` is a variation selector (U+FE00–FE0F, U+E0100–E01EF): no
/// advance of its own, it only picks a variant of the character before it.
pub(crate) fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// One face: the metrics tables for layout and printpdf's parse for embedding.
struct Face {
    /// The file it came from, for messages.
    path: PathBuf,
    /// Font design units per em.
    units_per_em: f32,
    /// hhea ascender, design units (positive, above the baseline).
    ascender: f32,
    /// hhea descender, design units (negative, below the baseline).
    descender: f32,
    /// Advance of glyph 0, drawn (as a box) for characters the face lacks.
    notdef_advance: u16,
    /// `gid << 16 | advance` per BMP code point; 0 = no glyph.
    bmp: Box<[u32]>,
    /// The same for code points above U+FFFF.
    astral: HashMap<u32, u32>,
    /// The font file (borrowed when built in).
    bytes: Cow<'static, [u8]>,
    /// printpdf's parse of the same bytes, made on first use: `kigen check`
    /// only measures text and never pays for it.
    pdf: std::sync::OnceLock<Result<printpdf::ParsedFont, String>>,
}

impl Face {
    /// Reads a font file (at most 64 MiB) and parses it.
    fn load(path: &Path) -> Result<Face, Error> {
        let bytes = read_bounded(path, MAX_DATA_FILE_BYTES).map_err(|e| Error::Font {
            path: path.to_path_buf(),
            message: format!("cannot read: {e}"),
        })?;
        Face::parse(path.to_path_buf(), Cow::Owned(bytes))
    }

    /// Parses a font's bytes; `path` names it in messages (`builtin:…` for
    /// a built-in font).
    fn parse(path: PathBuf, bytes: Cow<'static, [u8]>) -> Result<Face, Error> {
        let font_error = |message: String| Error::Font {
            path: path.clone(),
            message,
        };
        let face = ttf_parser::Face::parse(&bytes, 0)
            .map_err(|e| font_error(format!("not a TrueType/OpenType font: {e}")))?;
        let units_per_em = f32::from(face.units_per_em());
        let notdef_advance = face
            .glyph_hor_advance(ttf_parser::GlyphId(0))
            .unwrap_or(face.units_per_em());

        // Every code point any Unicode subtable lists, then resolved through
        // `glyph_index` so the table answers exactly as ttf-parser would.
        let mut code_points = Vec::new();
        if let Some(cmap) = face.tables().cmap {
            for subtable in cmap.subtables {
                if subtable.is_unicode() {
                    subtable.codepoints(|cp| code_points.push(cp));
                }
            }
        }
        code_points.sort_unstable();
        code_points.dedup();

        let mut bmp = vec![0u32; BMP_LEN].into_boxed_slice();
        let mut astral = HashMap::new();
        for cp in code_points {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let Some(gid) = face.glyph_index(c).filter(|g| g.0 != 0) else {
                continue;
            };
            let advance = face.glyph_hor_advance(gid).unwrap_or(0);
            let entry = u32::from(gid.0) << 16 | u32::from(advance);
            match bmp.get_mut(cp as usize) {
                Some(slot) => *slot = entry,
                None => {
                    astral.insert(cp, entry);
                }
            }
        }
        if bmp.iter().all(|&e| e == 0) && astral.is_empty() {
            return Err(font_error("has no Unicode character map".into()));
        }

        let ascender = f32::from(face.ascender());
        let descender = f32::from(face.descender());

        Ok(Face {
            path,
            units_per_em,
            ascender,
            descender,
            notdef_advance,
            bmp,
            astral,
            bytes,
            pdf: std::sync::OnceLock::new(),
        })
    }

    /// printpdf's parse of the face, made once.
    fn pdf(&self) -> Result<&printpdf::ParsedFont, String> {
        self.pdf
            .get_or_init(|| {
                let mut warnings = Vec::new();
                // The shared-bytes constructor keeps one copy of the file
                // and parses glyph outlines only if asked (the PDF writer
                // never asks: it embeds subsets and reads widths from them).
                let shared = std::sync::Arc::new(rust_fontconfig::FontBytes::Owned(
                    std::sync::Arc::from(&self.bytes[..]),
                ));
                let mut face =
                    printpdf::font::AzulParsedFont::from_bytes_shared(shared, 0, &mut warnings)
                        .ok_or_else(|| {
                            format!(
                                "printpdf cannot parse it: {}",
                                warnings
                                    .iter()
                                    .map(|w| w.message.as_str())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )
                        })?;
                // The writer hands printpdf glyph ids, never characters, so
                // printpdf's character map is never consulted; without it
                // the face each document clones (three times per font) is
                // a few hundred bytes instead of the whole map.
                face.cmap_subtable = None;
                Ok(printpdf::ParsedFont::from_azul(face))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The packed `gid << 16 | advance` entry, 0 when the face lacks `c`.
    #[inline]
    fn entry(&self, c: char) -> u32 {
        let cp = c as u32;
        match self.bmp.get(cp as usize) {
            Some(&e) => e,
            None => self.astral.get(&cp).copied().unwrap_or(0),
        }
    }

    /// The glyph for `base` followed by variation selector `vs`, when the
    /// face lists that sequence (cmap format 14); for a sequence registered
    /// as the default form, that is the plain glyph of `base`.
    fn variant_glyph(&self, base: char, vs: char) -> Option<u16> {
        // Variation sequences are rare (外字 names), so the face is re-read
        // from printpdf's retained bytes on demand rather than kept parsed.
        let face = ttf_parser::Face::parse(&self.bytes, 0).ok()?;
        face.glyph_variation_index(base, vs)
            .map(|g| g.0)
            .filter(|&g| g != 0)
    }
}

/// The run's fonts: IPAex Mincho, IPAex Gothic and an optional fallback
/// (such as IPAmj明朝) for rare name characters. Load once, share by
/// reference across threads.
pub struct FontSet {
    mincho: Face,
    gothic: Face,
    fallback: Option<Face>,
}

// Rendering threads share one FontSet; keep that a compile-time fact.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<FontSet>();
};

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSet")
            .field("mincho", &self.mincho.path)
            .field("gothic", &self.gothic.path)
            .field("fallback", &self.fallback.as_ref().map(|f| &f.path))
            .finish()
    }
}

impl FontSet {
    /// Loads IPAex Mincho and IPAex Gothic (and an optional fallback such as
    /// IPAmj明朝) from files.
    pub(crate) fn load(
        mincho: &Path,
        gothic: &Path,
        fallback: Option<&Path>,
    ) -> Result<FontSet, Error> {
        Ok(FontSet {
            mincho: Face::load(mincho)?,
            gothic: Face::load(gothic)?,
            fallback: fallback.map(Face::load).transpose()?,
        })
    }

    /// The fonts built into the binary (IPAex Mincho and Gothic, the same
    /// bytes as the repository's `fonts/`), with an optional fallback file.
    pub(crate) fn builtin(fallback: Option<&Path>) -> Result<FontSet, Error> {
        Ok(FontSet {
            mincho: Face::parse("builtin:ipaexm.ttf".into(), Cow::Borrowed(BUILTIN_MINCHO))?,
            gothic: Face::parse("builtin:ipaexg.ttf".into(), Cow::Borrowed(BUILTIN_GOTHIC))?,
            fallback: fallback.map(Face::load).transpose()?,
        })
    }

    /// The shipped fonts: `fonts/ipaexm.ttf` and `fonts/ipaexg.ttf` under
    /// `dir`.
    pub fn load_default(dir: &Path, fallback: Option<&Path>) -> Result<FontSet, Error> {
        let fonts = dir.join("fonts");
        FontSet::load(
            &fonts.join("ipaexm.ttf"),
            &fonts.join("ipaexg.ttf"),
            fallback,
        )
    }

    /// Whether a fallback font was loaded.
    pub(crate) fn has_fallback(&self) -> bool {
        self.fallback.is_some()
    }

    /// The face for `font`, if loaded (only the fallback is optional).
    fn loaded(&self, font: FontId) -> Option<&Face> {
        match font {
            FontId::Mincho => Some(&self.mincho),
            FontId::Gothic => Some(&self.gothic),
            FontId::Fallback => self.fallback.as_ref(),
        }
    }

    /// The face whose metrics answer for `font`: an absent fallback measures
    /// like Mincho, the face it stands in for.
    fn metrics(&self, font: FontId) -> &Face {
        self.loaded(font).unwrap_or(&self.mincho)
    }

    /// Whether `font` has a glyph for `c`.
    ///
    /// Variation selectors count as present in every loaded font: they draw
    /// nothing themselves (the writer applies them where the font has the
    /// variant and drops them otherwise), so they must never push a run to
    /// another font. Ask [`FontSet::has_variant`] whether a font draws the
    /// variant itself. Always false for an absent fallback.
    pub(crate) fn has_glyph(&self, font: FontId, c: char) -> bool {
        match self.loaded(font) {
            Some(face) => is_variation_selector(c) || face.entry(c) != 0,
            None => false,
        }
    }

    /// Whether `font` lists the variation sequence `base` + `vs` (e.g. 葛 +
    /// U+E0102 in IPAmj明朝), so that it draws the registered form, whether
    /// that is a glyph of its own or the plain one. Slower than `has_glyph`:
    /// meant for the rare names that carry a selector.
    pub(crate) fn has_variant(&self, font: FontId, base: char, vs: char) -> bool {
        self.loaded(font)
            .and_then(|face| face.variant_glyph(base, vs))
            .is_some()
    }

    /// The font that draws `c` (followed by the variation selector `vs`, if
    /// any): `preferred` when it can, else the fallback when it can; `None`
    /// when no configured font draws it. Layout picks its runs with this and
    /// the printability policy (`render::printable`) holds a notice on it, so
    /// the two never disagree.
    pub(crate) fn font_for(&self, preferred: FontId, c: char, vs: Option<char>) -> Option<FontId> {
        let draws = |font: FontId| match vs {
            Some(v) => self.has_glyph(font, c) && self.has_variant(font, c, v),
            None => self.has_glyph(font, c),
        };
        if draws(preferred) {
            Some(preferred)
        } else if self.has_fallback() && draws(FontId::Fallback) {
            Some(FontId::Fallback)
        } else {
            None
        }
    }

    /// Advance width of `text` in `font` at `size_pt`, in millimetres (sum of
    /// horizontal advances; variation selectors are zero-width; a character
    /// the font lacks counts as the width of its .notdef box, which is what
    /// would be drawn).
    pub(crate) fn text_width_mm(&self, font: FontId, size_pt: f32, text: &str) -> f32 {
        let face = self.metrics(font);
        let mut units: u32 = 0;
        for c in text.chars() {
            let e = face.entry(c);
            units += if e != 0 {
                e & 0xFFFF
            } else if is_variation_selector(c) {
                0
            } else {
                u32::from(face.notdef_advance)
            };
        }
        units as f32 / face.units_per_em * size_pt * MM_PER_PT
    }

    /// Ascent (above the baseline) in mm at `size_pt`, from the hhea table.
    pub(crate) fn ascent_mm(&self, font: FontId, size_pt: f32) -> f32 {
        let face = self.metrics(font);
        face.ascender / face.units_per_em * size_pt * MM_PER_PT
    }

    /// Descent (below the baseline, as a positive distance) in mm at
    /// `size_pt`, from the hhea table.
    pub(crate) fn descent_mm(&self, font: FontId, size_pt: f32) -> f32 {
        let face = self.metrics(font);
        -face.descender / face.units_per_em * size_pt * MM_PER_PT
    }

    /// The glyph id of `c` in `font` (None when absent or not loaded).
    pub(crate) fn glyph(&self, font: FontId, c: char) -> Option<u16> {
        let e = self.loaded(font)?.entry(c);
        (e != 0).then_some((e >> 16) as u16)
    }

    /// The glyph for `base` + variation selector `vs`, when `font` has one
    /// that differs from the plain glyph of `base`.
    pub(crate) fn variant_glyph(&self, font: FontId, base: char, vs: char) -> Option<u16> {
        let face = self.loaded(font)?;
        let plain = face.entry(base) >> 16;
        face.variant_glyph(base, vs)
            .filter(|&g| u32::from(g) != plain)
    }

    /// printpdf's parse of `font`, for embedding (`None` when not loaded
    /// or not parseable; [`FontSet::prepare_pdf`] reports why).
    pub(crate) fn pdf_font(&self, font: FontId) -> Option<&printpdf::ParsedFont> {
        self.loaded(font).and_then(|f| f.pdf().ok())
    }

    /// Parses every loaded font for the PDF writer now, so that a font
    /// printpdf cannot embed stops the run before anything is rendered.
    pub(crate) fn prepare_pdf(&self) -> Result<(), Error> {
        for face in [
            Some(&self.mincho),
            Some(&self.gothic),
            self.fallback.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            face.pdf().map_err(|message| Error::Font {
                path: face.path.clone(),
                message,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The repository's shipped fonts.
    pub(crate) fn shipped() -> FontSet {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        FontSet::load_default(dir, None).expect("fonts/ipaexm.ttf and fonts/ipaexg.ttf load")
    }

    /// The fallback font fixture: a subset of IPAmj明朝 renamed as the IPA
    /// Font License asks (tests/fixtures/fonts/README.md lists what it holds).
    pub(crate) fn ipamj() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fonts/fallback-mincho.ttf")
    }

    #[test]
    fn coverage_includes_nec_ibm_extension_kanji_and_postal_mark() {
        let fonts = shipped();
        for font in [FontId::Mincho, FontId::Gothic] {
            for c in ['髙', '﨑', '〒', '山', 'A', '１', 'ｱ', '　'] {
                assert!(fonts.has_glyph(font, c), "{font:?} lacks {c}");
            }
            assert!(!fonts.has_glyph(font, '\u{20D58}'), "𠵘 is not in IPAex");
            assert!(!fonts.has_glyph(font, '\u{E000}'), "no private use glyphs");
        }
        assert!(!fonts.has_fallback());
        assert!(!fonts.has_glyph(FontId::Fallback, '山'));
    }

    #[test]
    fn widths_are_em_based_and_selectors_are_zero_width() {
        let fonts = shipped();
        // Full-width kanji are one em: 10 pt = 3.5278 mm.
        let w = fonts.text_width_mm(FontId::Mincho, 10.0, "髙﨑");
        assert!((w - 2.0 * 10.0 * MM_PER_PT).abs() < 1e-3, "{w}");
        let with_vs = fonts.text_width_mm(FontId::Mincho, 10.0, "髙\u{E0100}﨑\u{FE00}");
        assert_eq!(w, with_vs);
        assert!(fonts.has_glyph(FontId::Gothic, '\u{E0100}'));
        // IPAex Latin is proportional: 'i' is narrower than 'W'.
        assert!(
            fonts.text_width_mm(FontId::Gothic, 10.0, "i")
                < fonts.text_width_mm(FontId::Gothic, 10.0, "W")
        );
        assert_eq!(fonts.text_width_mm(FontId::Gothic, 10.0, ""), 0.0);
        // An absent fallback measures as Mincho.
        assert_eq!(
            fonts.text_width_mm(FontId::Fallback, 10.0, "髙﨑"),
            fonts.text_width_mm(FontId::Mincho, 10.0, "髙﨑")
        );
    }

    #[test]
    fn ascent_and_descent_scale_with_size() {
        let fonts = shipped();
        let a = fonts.ascent_mm(FontId::Mincho, 10.0);
        let d = fonts.descent_mm(FontId::Mincho, 10.0);
        assert!(a > 2.5 && a < 4.0, "{a}");
        assert!(d > 0.2 && d < 1.5, "{d}");
        assert!((fonts.ascent_mm(FontId::Mincho, 20.0) - 2.0 * a).abs() < 1e-4);
    }

    #[test]
    fn builtin_fonts_are_the_shipped_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        assert!(std::fs::read(dir.join("ipaexm.ttf")).unwrap() == BUILTIN_MINCHO);
        assert!(std::fs::read(dir.join("ipaexg.ttf")).unwrap() == BUILTIN_GOTHIC);
        let fonts = FontSet::builtin(None).unwrap();
        assert!(fonts.has_glyph(FontId::Mincho, '髙'));
        assert!(fonts.has_glyph(FontId::Gothic, '〒'));
        assert!(!fonts.has_fallback());
    }

    #[test]
    fn missing_or_bad_files_are_font_errors() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let good = dir.join("fonts/ipaexg.ttf");
        let err = FontSet::load(&dir.join("fonts/nope.ttf"), &good, None).unwrap_err();
        assert!(matches!(err, Error::Font { .. }), "{err}");
        assert_eq!(err.exit_code(), 2);
        let not_a_font = dir.join("Cargo.toml");
        let err = FontSet::load(&good, &not_a_font, None).unwrap_err();
        assert!(err.to_string().contains("Cargo.toml"), "{err}");
    }

    #[test]
    fn fallback_covers_what_ipaex_lacks() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let fonts = FontSet::load_default(dir, Some(&ipamj())).expect("loads with IPAmj明朝");
        assert!(fonts.has_fallback());
        assert!(fonts.has_glyph(FontId::Fallback, '\u{20D58}'));
        assert!(!fonts.has_glyph(FontId::Mincho, '\u{20D58}'));
        // 葛 has registered variants in IPAmj明朝 (Hanyo-Denshi collection).
        assert!(fonts.has_variant(FontId::Fallback, '葛', '\u{E0102}'));
        // E0103 is registered as the plain glyph; E0100 not at all.
        assert!(fonts.has_variant(FontId::Fallback, '葛', '\u{E0103}'));
        assert!(!fonts.has_variant(FontId::Fallback, '葛', '\u{E0100}'));
        assert!(fonts
            .variant_glyph(FontId::Fallback, '葛', '\u{E0103}')
            .is_none());
        assert!(!fonts.has_variant(FontId::Mincho, '葛', '\u{E0102}'));
        // E0102 draws a glyph of its own, not the plain one.
        let plain = fonts.glyph(FontId::Fallback, '葛').unwrap();
        let variant = fonts.variant_glyph(FontId::Fallback, '葛', '\u{E0102}');
        assert!(
            variant.is_some_and(|g| g != plain),
            "{variant:?} vs {plain}"
        );
        // The fixture's other rare name characters: only the fallback has them.
        for c in ['\u{20BB7}', '\u{29D4B}', '\u{2B746}', '丄', '丌', '丟'] {
            assert!(fonts.has_glyph(FontId::Fallback, c), "fixture lacks {c}");
            assert!(!fonts.has_glyph(FontId::Mincho, c), "IPAex has {c}");
        }
    }
}
