//! The 4-state bars of the customer barcode and their geometry (DOMAIN.md §7).

use super::encode::{BarChar, CHAR_COUNT};

/// Number of bars in a complete barcode: 2 + 21 × 3 + 2.
pub(crate) const BAR_COUNT: usize = 67;
/// The nominal size in points; the dimensions below are for this size.
pub(crate) const NOMINAL_PT: f32 = 10.0;
/// The smallest size Japan Post allows.
pub(crate) const MIN_PT: f32 = 8.0;
/// The largest size Japan Post allows.
pub(crate) const MAX_PT: f32 = 11.5;
/// Long bar height at the nominal size, mm; semi-long is 2/3, timing 1/3.
pub(crate) const LONG_MM: f32 = 3.6;
/// Bar width at the nominal size, mm.
pub(crate) const WIDTH_MM: f32 = 0.6;
/// Distance between bar left edges at the nominal size, mm.
pub(crate) const PITCH_MM: f32 = 1.2;

/// One bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bar {
    /// F: long bar, full height.
    Long,
    /// A: semi-long bar from the top (upper 2/3).
    Ascender,
    /// D: semi-long bar to the bottom (lower 2/3).
    Descender,
    /// T: timing bar, the middle third only.
    Tracker,
}

use Bar::{Ascender as A, Descender as D, Long as F, Tracker as T};

/// DOMAIN.md §7's table; index = check-digit value (0–9, `-`, CC1–CC8).
const PATTERNS: [[Bar; 3]; 19] = [
    [F, T, T], // 0
    [F, F, T], // 1
    [F, D, A], // 2
    [D, F, A], // 3
    [F, A, D], // 4
    [F, T, F], // 5
    [D, A, F], // 6
    [A, F, D], // 7
    [A, D, F], // 8
    [T, F, F], // 9
    [T, F, T], // -
    [D, A, T], // CC1
    [D, T, A], // CC2
    [A, D, T], // CC3
    [T, D, A], // CC4
    [A, T, D], // CC5
    [T, A, D], // CC6
    [T, T, F], // CC7
    [F, F, F], // CC8
];
const START: [Bar; 2] = [F, D];
const STOP: [Bar; 2] = [D, F];

/// The bars of one character: two for start and stop, three otherwise;
/// `None` for an out-of-range digit or control code.
pub(crate) fn char_bars(c: BarChar) -> Option<&'static [Bar]> {
    match c {
        BarChar::Start => Some(&START),
        BarChar::Stop => Some(&STOP),
        _ => c.value().map(|v| &PATTERNS[usize::from(v)][..]),
    }
}

/// The bars for `chars`, left to right: 67 for a barcode from
/// [`super::encode`]. Empty when any character is out of range, so a
/// malformed barcode is never half printed.
pub fn bars(chars: &[BarChar]) -> Vec<Bar> {
    let mut out = Vec::with_capacity(BAR_COUNT);
    for &c in chars {
        match char_bars(c) {
            Some(b) => out.extend_from_slice(b),
            None => return Vec::new(),
        }
    }
    out
}

/// Clamps a requested size into the allowed 8–11.5 pt; a NaN or infinite
/// request falls back to the nominal size. Profiles should be validated
/// with [`size_ok`] so the clamp never matters in practice.
pub(crate) fn effective_pt(size_pt: f32) -> f32 {
    if size_pt.is_finite() {
        size_pt.clamp(MIN_PT, MAX_PT)
    } else {
        NOMINAL_PT
    }
}

/// Whether `size_pt` is within Japan Post's allowed range.
#[cfg(test)]
pub(crate) fn size_ok(size_pt: f32) -> bool {
    (MIN_PT..=MAX_PT).contains(&size_pt)
}

/// Total width of a 67-bar barcode at `size_pt`, mm (79.8 at 10 pt),
/// without the quiet zone.
#[cfg(test)]
pub(crate) fn width_mm(size_pt: f32) -> f32 {
    let s = effective_pt(size_pt) / NOMINAL_PT;
    ((BAR_COUNT - 1) as f32 * PITCH_MM + WIDTH_MM) * s
}

/// Height of the barcode (the long bar) at `size_pt`, mm.
#[cfg(test)]
pub(crate) fn height_mm(size_pt: f32) -> f32 {
    LONG_MM * effective_pt(size_pt) / NOMINAL_PT
}

/// Rectangles `(x, y, w, h)` in mm for `bars`, the first bar's left edge at
/// `x_mm`, the barcode's top at `top_mm`, y growing down the page, at
/// `size_pt` (clamped by [`effective_pt`]).
pub fn bar_rects(bars: &[Bar], x_mm: f32, top_mm: f32, size_pt: f32) -> Vec<(f32, f32, f32, f32)> {
    let s = effective_pt(size_pt) / NOMINAL_PT;
    let third = LONG_MM / 3.0 * s;
    let width = WIDTH_MM * s;
    let pitch = PITCH_MM * s;
    bars.iter()
        .enumerate()
        .map(|(i, bar)| {
            let x = x_mm + i as f32 * pitch;
            let (offset, thirds) = match bar {
                Bar::Long => (0.0, 3.0),
                Bar::Ascender => (0.0, 2.0),
                Bar::Descender => (third, 2.0),
                Bar::Tracker => (third, 1.0),
            };
            (x, top_mm + offset, width, third * thirds)
        })
        .collect()
}

/// Reads rectangles from [`bar_rects`] (in any order) back into characters,
/// classifying each bar by whether it reaches the top and the bottom of the
/// tallest extent. `None` unless there are 67 bars that form start, 21
/// known characters and stop. Pair it with [`super::check_digit_ok`].
pub fn decode_rects(rects: &[(f32, f32, f32, f32)]) -> Option<Vec<BarChar>> {
    if rects.len() != BAR_COUNT {
        return None;
    }
    let mut sorted = rects.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let top = sorted.iter().map(|r| r.1).fold(f32::INFINITY, f32::min);
    let bottom = sorted
        .iter()
        .map(|r| r.1 + r.3)
        .fold(f32::NEG_INFINITY, f32::max);
    let height = bottom - top;
    if !(height.is_finite() && height > 0.0) {
        return None;
    }
    // Half a third either way absorbs rounding and print gain.
    let tolerance = height / 6.0;
    let bars: Vec<Bar> = sorted
        .iter()
        .map(|&(_, y, _, h)| {
            let reaches_top = y - top < tolerance;
            let reaches_bottom = bottom - (y + h) < tolerance;
            match (reaches_top, reaches_bottom) {
                (true, true) => Bar::Long,
                (true, false) => Bar::Ascender,
                (false, true) => Bar::Descender,
                (false, false) => Bar::Tracker,
            }
        })
        .collect();
    if bars[..2] != START || bars[BAR_COUNT - 2..] != STOP {
        return None;
    }
    let mut chars = Vec::with_capacity(CHAR_COUNT);
    chars.push(BarChar::Start);
    for triple in bars[2..BAR_COUNT - 2].chunks_exact(3) {
        let value = PATTERNS.iter().position(|p| p[..] == *triple)?;
        chars.push(BarChar::from_value(u8::try_from(value).ok()?)?);
    }
    chars.push(BarChar::Stop);
    Some(chars)
}

#[cfg(test)]
mod tests {
    use super::super::encode::{check_digit_ok, manifest_text};
    use super::*;
    use crate::barcode::test_shims::encode;

    fn approx(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn patterns_are_distinct() {
        let mut all: Vec<_> = PATTERNS.to_vec();
        all.sort_by_key(|p| format!("{p:?}"));
        all.dedup();
        assert_eq!(all.len(), 19);
    }

    #[test]
    fn sixty_seven_bars_with_start_and_stop() {
        let b = bars(&encode("1000013", "1-3-2-503").unwrap());
        assert_eq!(b.len(), 67);
        assert_eq!(b[..2], [F, D]);
        assert_eq!(b[65..], [D, F]);
        // "1" after the start code is F F T.
        assert_eq!(b[2..5], [F, F, T]);
        // The check digit 9 is T F F.
        assert_eq!(b[62..65], [T, F, F]);
    }

    #[test]
    fn invalid_characters_give_no_bars() {
        assert!(bars(&[BarChar::Start, BarChar::Digit(10), BarChar::Stop]).is_empty());
        assert!(bars(&[BarChar::Cc(0)]).is_empty());
    }

    #[test]
    fn nominal_geometry() {
        let b = [F, A, D, T];
        let r = bar_rects(&b, 10.0, 20.0, 10.0);
        assert!(approx(r[0].0, 10.0) && approx(r[1].0, 11.2) && approx(r[3].0, 13.6));
        assert!(r.iter().all(|x| approx(x.2, 0.6)));
        // Long: full 3.6 mm from the top.
        assert!(approx(r[0].1, 20.0) && approx(r[0].3, 3.6));
        // Ascender: top 2.4 mm.
        assert!(approx(r[1].1, 20.0) && approx(r[1].3, 2.4));
        // Descender: bottom 2.4 mm.
        assert!(approx(r[2].1, 21.2) && approx(r[2].3, 2.4));
        // Tracker: middle 1.2 mm.
        assert!(approx(r[3].1, 21.2) && approx(r[3].3, 1.2));
        assert!(approx(width_mm(10.0), 79.8));
    }

    #[test]
    fn scaling_at_8_and_11_5_pt() {
        for (pt, scale) in [(8.0, 0.8), (11.5, 1.15)] {
            let r = bar_rects(&[F, T], 0.0, 0.0, pt);
            assert!(approx(r[0].3, 3.6 * scale), "{pt}");
            assert!(approx(r[0].2, 0.6 * scale));
            assert!(approx(r[1].0, 1.2 * scale));
            assert!(approx(r[1].1, 1.2 * scale) && approx(r[1].3, 1.2 * scale));
            assert!(approx(height_mm(pt), 3.6 * scale));
            assert!(approx(width_mm(pt), 79.8 * scale));
            assert!(size_ok(pt));
        }
        // Outside the range is clamped, not honoured.
        assert!(approx(height_mm(20.0), 3.6 * 1.15));
        assert!(approx(height_mm(f32::NAN), 3.6));
        assert!(!size_ok(7.9) && !size_ok(12.0));
    }

    #[test]
    fn round_trip_through_rectangles() {
        for (postal, number, pt) in [
            ("1000013", "1-3-2-503", 10.0),
            ("3850051", "3-20-5B604", 8.0),
            ("3840301", "12-34-56-789B", 11.5),
            ("3850022", "KUZ-9", 9.0),
        ] {
            let chars = encode(postal, number).unwrap();
            let mut rects = bar_rects(&bars(&chars), 35.5, 140.25, pt);
            rects.reverse();
            let back = decode_rects(&rects).unwrap();
            assert_eq!(manifest_text(&back), manifest_text(&chars));
            assert!(check_digit_ok(&back));
        }
    }

    #[test]
    fn decode_rejects_garbage() {
        let chars = encode("1000013", "1-3-2-503").unwrap();
        let rects = bar_rects(&bars(&chars), 0.0, 0.0, 10.0);
        assert!(decode_rects(&rects[..66]).is_none());
        let mut swapped = rects.clone();
        // Turn the start code's descender into a tracker.
        swapped[1].3 = 1.2;
        assert!(decode_rects(&swapped).is_none());
    }
}
