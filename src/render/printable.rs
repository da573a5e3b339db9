//! The printability policy, in one place (SPEC 2, "Held"): a due resident's
//! notice is printed only when every printed field is free of unmapped 外字,
//! every character is drawn by a configured font, and the address block fits
//! the envelope window. Anything else is held, never printed with a
//! substitute.

use chrono::NaiveDate;

use super::display::FontId;
use super::fonts::{is_variation_selector, FontSet};
use super::letter::address_fits;
use super::notice::{LayoutError, Wording};
use crate::model::{Field, Hold, HoldCode, Resident};
use crate::profile::{Columns, SupportMeasurePolicy};
use crate::rules::is_aged_at_least;
use crate::text::is_private_use;

/// A character that cannot be printed faithfully.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unprintable {
    /// A private-use code point the 外字 table did not map.
    PrivateUse(char),
    /// No configured font draws it (with its variation selector, if any).
    NoGlyph(char, Option<char>),
}

/// The first character of `text` that cannot be printed: an unmapped 外字
/// always, and with `fonts`, one no configured font draws (a variation
/// sequence only where a font has that variant).
pub(crate) fn first_unprintable(text: &str, fonts: Option<&FontSet>) -> Option<Unprintable> {
    if let Some(c) = text.chars().find(|c| is_private_use(*c)) {
        return Some(Unprintable::PrivateUse(c));
    }
    let fonts = fonts?;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_variation_selector(c) {
            continue;
        }
        let vs = chars.peek().copied().filter(|n| is_variation_selector(*n));
        if fonts.font_for(FontId::Mincho, c, vs).is_none() {
            return Some(Unprintable::NoGlyph(c, vs));
        }
    }
    None
}

/// What the notices of a batch are printed with: the fonts and wording when
/// the run renders (`None` in a `kigen check` whose profile has no letter,
/// which then holds on unmapped 外字 alone).
pub struct Printability<'a> {
    /// The fonts and the wording (for the window-fit test).
    pub renderer: Option<(&'a FontSet, &'a Wording<'a>)>,
    /// The profile's header names, for the reasons.
    pub columns: &'a Columns,
    /// The batch date (a minor's letter also names the legal representative).
    pub as_of: NaiveDate,
    /// `[rules] support_measure`: whether a resident under 支援措置 is held.
    pub support_measure: SupportMeasurePolicy,
}

/// held.csv's reason for a resident under 支援措置 (SPEC 9).
pub(crate) const SUPPORT_MEASURE_REASON: &str = HoldCode::SupportMeasure.code();

impl Printability<'_> {
    /// Why `r`'s notice is not printed, if it is not: 支援措置 first (no
    /// letter may go out, however printable), then what cannot be printed
    /// faithfully.
    pub(crate) fn hold(&self, r: &Resident) -> Option<Hold> {
        if r.support_measure && self.support_measure == SupportMeasurePolicy::Hold {
            return Some(Hold {
                field: Field::SupportMeasure,
                code_point: None,
                code: HoldCode::SupportMeasure,
                reason: SUPPORT_MEASURE_REASON.into(),
            });
        }
        // Unmapped 外字 in any field first, then glyphs: the 外字 table is the
        // usual fix, so it is what held.csv should name.
        let fonts = self.renderer.map(|(f, _)| f);
        for pass_fonts in [None, fonts] {
            for (field, text) in r.printed_fields() {
                let (c, code, reason) = match first_unprintable(text, pass_fonts) {
                    None => continue,
                    Some(Unprintable::PrivateUse(c)) => (
                        c,
                        HoldCode::UnmappedGaiji,
                        format!(
                            "unmapped 外字 U+{:04X} in {}",
                            c as u32,
                            self.columns.header(field).trim()
                        ),
                    ),
                    Some(Unprintable::NoGlyph(c, vs)) => {
                        (c, HoldCode::NoGlyph, no_glyph_reason(c, vs))
                    }
                };
                return Some(Hold {
                    field,
                    code_point: Some(c),
                    code,
                    reason,
                });
            }
        }
        let (fonts, wording) = self.renderer?;
        let minor = r
            .dates
            .birth
            .is_some_and(|b| !is_aged_at_least(b, 18, self.as_of));
        match address_fits(r, minor, wording, fonts) {
            Ok(()) => None,
            Err(e @ LayoutError::TooLong { field, .. }) => Some(Hold {
                field,
                code_point: None,
                code: HoldCode::TooLong,
                reason: e.to_string(),
            }),
            Err(LayoutError::Overflow { .. }) => None,
        }
    }
}

fn no_glyph_reason(c: char, vs: Option<char>) -> String {
    let what = match vs {
        Some(v) => format!("{c}{v} (U+{:04X} U+{:04X})", c as u32, v as u32),
        // A control character is named, never written raw.
        None if c.is_control() => format!("control character U+{:04X}", c as u32),
        None => format!("{c} (U+{:04X})", c as u32),
    };
    format!("no configured font has a glyph for {what}")
}
