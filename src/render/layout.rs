//! Layout primitives: measured text, wrapping with Japanese line-breaking
//! rules, shrinking to fit, boxes and lines. Everything lands in a
//! [`Page`]'s display list.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use super::display::{FontId, Item, Line, Page, Paint, Rect, TextRun, MM_PER_PT};
use super::fonts::{is_variation_selector, FontSet};

/// Fixed content laid out before, per thread: every letter of a kind
/// wraps and measures the same wording at the same places, and doing it
/// again for each page was a third of the render time. Keys are the
/// inputs (font, size and positions by their bits, the text); values what
/// was drawn, so a hit draws exactly what a fresh layout would.
#[derive(Default)]
struct FixedLayouts {
    /// The [`FontSet::id`] these were measured with.
    fonts: u64,
    /// `text` calls: text → (font, size, x, y) → the items drawn. (Keyed
    /// by the text first so that a lookup needs no owned key.)
    texts: FxHashMap<String, Vec<(TextAt, Vec<Item>)>>,
    /// `wrap` calls: text → (font, size, width) → the lines.
    wraps: FxHashMap<String, Vec<(WrapIn, Vec<String>)>>,
    /// Entries in both.
    len: usize,
}

/// Where a `text` call draws: font, size and position, by their bits.
type TextAt = (FontId, u32, u32, u32);

/// What a `wrap` call wraps to: font, size and width, by their bits.
type WrapIn = (FontId, u32, u32);

impl FixedLayouts {
    fn text(&self, text: &str, at: TextAt) -> Option<&Vec<Item>> {
        let v = self.texts.get(text)?;
        v.iter().find(|(k, _)| *k == at).map(|(_, items)| items)
    }

    fn wrap(&self, text: &str, how: WrapIn) -> Option<&Vec<String>> {
        let v = self.wraps.get(text)?;
        v.iter().find(|(k, _)| *k == how).map(|(_, lines)| lines)
    }
}

/// When [`FixedLayouts`] holds more entries than this it starts again
/// (fixed content is a few hundred; this only bounds a mistake).
const MAX_FIXED_LAYOUTS: usize = 20_000;

thread_local! {
    static FIXED_LAYOUTS: RefCell<FixedLayouts> = RefCell::default();
}

/// Runs `f` on this thread's [`FixedLayouts`] for `fonts`.
fn fixed_layouts<R>(fonts: &FontSet, f: impl FnOnce(&mut FixedLayouts) -> R) -> R {
    FIXED_LAYOUTS.with(|cell| {
        let mut cache = cell.borrow_mut();
        if cache.fonts != fonts.id() || cache.len > MAX_FIXED_LAYOUTS {
            *cache = FixedLayouts {
                fonts: fonts.id(),
                ..FixedLayouts::default()
            };
        }
        f(&mut cache)
    })
}

/// Characters that may not start a line (行頭禁則): they hang at the end of
/// the previous one instead.
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | ','
            | '.'
            | '）'
            | ')'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '］'
            | '？'
            | '！'
            | '?'
            | '!'
            | 'ー'
            | '・'
            | '：'
            | '；'
            | ':'
            | ';'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | '々'
            | '～'
            | '―'
    )
}

/// Characters that may not end a line (行末禁則).
fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '(' | '「' | '『' | '【' | '〔' | '〈' | '《' | '［' | '〒'
    )
}

/// A page being laid out.
pub(crate) struct Canvas<'f> {
    page: Page,
    fonts: &'f FontSet,
    /// Inside [`Canvas::fixed`]: text and wrapping go through
    /// [`FixedLayouts`].
    in_fixed: bool,
}

impl<'f> Canvas<'f> {
    /// An empty A4 page.
    pub(crate) fn new(fonts: &'f FontSet) -> Self {
        Canvas {
            page: Page::a4(),
            fonts,
            in_fixed: false,
        }
    }

    /// The fonts.
    pub(crate) fn fonts(&self) -> &'f FontSet {
        self.fonts
    }

    /// The finished page.
    pub(crate) fn finish(self) -> Page {
        self.page
    }

    /// Draws what `draw` draws as the page kind's fixed content (see
    /// [`Page::fixed`]): only what is the same on every page of the kind
    /// (wording, frames, labels), never a resident's data.
    pub(crate) fn fixed<R>(&mut self, draw: impl FnOnce(&mut Self) -> R) -> R {
        let start = self.page.items.len();
        let was = std::mem::replace(&mut self.in_fixed, true);
        let out = draw(self);
        self.in_fixed = was;
        let end = self.page.items.len();
        match self.page.fixed.last_mut() {
            Some(last) if last.end == start => last.end = end,
            _ if start < end => self.page.fixed.push(start..end),
            _ => {}
        }
        out
    }

    /// Width of `text` in mm.
    pub(crate) fn width(&self, font: FontId, size_pt: f32, text: &str) -> f32 {
        self.fonts.text_width_mm(font, size_pt, text)
    }

    /// The largest size from `max_pt` down to `min_pt` (0.25 pt steps) at
    /// which `text` fits `width_mm`; `min_pt` when none does.
    pub(crate) fn fit_size(
        &self,
        font: FontId,
        max_pt: f32,
        min_pt: f32,
        text: &str,
        width_mm: f32,
    ) -> f32 {
        let at_max = self.width(font, max_pt, text);
        if at_max <= width_mm {
            return max_pt;
        }
        // Width scales linearly with size.
        let exact = max_pt * width_mm / at_max.max(f32::EPSILON);
        let stepped = (exact * 4.0).floor() / 4.0;
        stepped.clamp(min_pt, max_pt)
    }

    /// Draws `text` with its left edge at `x_mm`, baseline at `y_mm`.
    /// Characters `font` lacks go to the fallback font when it has them.
    pub(crate) fn text(&mut self, font: FontId, size_pt: f32, x_mm: f32, y_mm: f32, text: &str) {
        if !self.in_fixed {
            self.draw_text(font, size_pt, x_mm, y_mm, text);
            return;
        }
        let at = (font, size_pt.to_bits(), x_mm.to_bits(), y_mm.to_bits());
        let items = &mut self.page.items;
        if fixed_layouts(self.fonts, |c| {
            c.text(text, at)
                .map(|drawn| items.extend(drawn.iter().cloned()))
                .is_some()
        }) {
            return;
        }
        let start = self.page.items.len();
        self.draw_text(font, size_pt, x_mm, y_mm, text);
        let items = self.page.items[start..].to_vec();
        fixed_layouts(self.fonts, |c| {
            c.len += 1;
            c.texts
                .entry(text.to_string())
                .or_default()
                .push((at, items));
        });
    }

    fn draw_text(&mut self, font: FontId, size_pt: f32, x_mm: f32, y_mm: f32, text: &str) {
        let mut x = x_mm;
        for (run_font, run) in self.font_runs(font, text) {
            let w = self.width(run_font, size_pt, &run);
            self.page.items.push(Item::Text(TextRun {
                font: run_font,
                size_pt,
                x_mm: x,
                y_mm,
                text: run,
            }));
            x += w;
        }
    }

    /// Draws `text` ending at `right_mm`.
    pub(crate) fn text_right(
        &mut self,
        font: FontId,
        size_pt: f32,
        right_mm: f32,
        y_mm: f32,
        text: &str,
    ) {
        let w = self.width(font, size_pt, text);
        self.text(font, size_pt, right_mm - w, y_mm, text);
    }

    /// Draws `text` centred on `centre_mm`.
    pub(crate) fn text_center(
        &mut self,
        font: FontId,
        size_pt: f32,
        centre_mm: f32,
        y_mm: f32,
        text: &str,
    ) {
        let w = self.width(font, size_pt, text);
        self.text(font, size_pt, centre_mm - w / 2.0, y_mm, text);
    }

    /// Splits `text` into runs of one font: `font` where it has the glyph,
    /// the fallback where only the fallback has it. A variation selector
    /// stays with the character it modifies.
    fn font_runs(&self, font: FontId, text: &str) -> Vec<(FontId, String)> {
        let mut runs: Vec<(FontId, String)> = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let vs = chars.peek().copied().filter(|n| is_variation_selector(*n));
            let f = self.fonts.font_for(font, c, vs).unwrap_or(font);
            match runs.last_mut() {
                Some((rf, s)) if *rf == f => s.push(c),
                _ => runs.push((f, c.to_string())),
            }
            if let Some(v) = vs {
                chars.next();
                if let Some((_, s)) = runs.last_mut() {
                    s.push(v);
                }
            }
        }
        runs
    }

    /// Breaks `text` into lines no wider than `width_mm`, by measured glyph
    /// widths, keeping ASCII words whole and following the basic 禁則 rules.
    /// A line break in `text` forces one.
    pub(crate) fn wrap(
        &self,
        font: FontId,
        size_pt: f32,
        width_mm: f32,
        text: &str,
    ) -> Vec<String> {
        let how = (font, size_pt.to_bits(), width_mm.to_bits());
        if self.in_fixed {
            if let Some(lines) = fixed_layouts(self.fonts, |c| c.wrap(text, how).cloned()) {
                return lines;
            }
        }
        let mut lines = Vec::new();
        for para in text.split('\n') {
            self.wrap_paragraph(font, size_pt, width_mm, para, &mut lines);
        }
        if self.in_fixed {
            fixed_layouts(self.fonts, |c| {
                c.len += 1;
                c.wraps
                    .entry(text.to_string())
                    .or_default()
                    .push((how, lines.clone()));
            });
        }
        lines
    }

    fn wrap_paragraph(
        &self,
        font: FontId,
        size_pt: f32,
        width_mm: f32,
        text: &str,
        out: &mut Vec<String>,
    ) {
        // Tokens: an ASCII word (letters/digits/punctuation without spaces)
        // or a single other character with any variation selector.
        let mut tokens: Vec<String> = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let mut t = c.to_string();
            if c.is_ascii_graphic() {
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_graphic() {
                        t.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
            } else {
                while let Some(&n) = chars.peek() {
                    if is_variation_selector(n) {
                        t.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            tokens.push(t);
        }
        let mut line = String::new();
        let mut line_w = 0.0f32;
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            let w = self.width(font, size_pt, t);
            let first = t.chars().next().unwrap_or(' ');
            let fits = line_w + w <= width_mm + 0.01;
            // A closing mark hangs rather than starting the next line.
            if fits || line.is_empty() || no_line_start(first) {
                line.push_str(t);
                line_w += w;
                i += 1;
                continue;
            }
            // Break before `t`; an opening mark moves down with it.
            let mut carry = String::new();
            while let Some(last) = line.chars().last() {
                if no_line_end(last) && line.chars().count() > 1 {
                    line.pop();
                    carry.insert(0, last);
                } else {
                    break;
                }
            }
            out.push(line.trim_end().to_string());
            line = carry;
            line_w = self.width(font, size_pt, &line);
            if t == " " {
                i += 1; // a space at a break disappears
            }
        }
        if !line.is_empty() || out.is_empty() {
            out.push(line.trim_end().to_string());
        }
    }

    /// Draws `text` wrapped to `width_mm` from baseline `y_mm`, lines
    /// `leading_mm` apart; returns the baseline after the last line.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn paragraph(
        &mut self,
        font: FontId,
        size_pt: f32,
        x_mm: f32,
        y_mm: f32,
        width_mm: f32,
        leading_mm: f32,
        text: &str,
    ) -> f32 {
        let mut y = y_mm;
        for line in self.wrap(font, size_pt, width_mm, text) {
            self.text(font, size_pt, x_mm, y, &line);
            y += leading_mm;
        }
        y
    }

    /// A paragraph with a hanging mark (`・`, `※`, `A：`): the mark at
    /// `x_mm`, the text indented by the mark's width.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn marked_paragraph(
        &mut self,
        font: FontId,
        size_pt: f32,
        x_mm: f32,
        y_mm: f32,
        width_mm: f32,
        leading_mm: f32,
        mark: &str,
        text: &str,
    ) -> f32 {
        let indent = self.width(font, size_pt, mark);
        self.text(font, size_pt, x_mm, y_mm, mark);
        self.paragraph(
            font,
            size_pt,
            x_mm + indent,
            y_mm,
            width_mm - indent,
            leading_mm,
            text,
        )
    }

    /// A rectangle.
    pub(crate) fn rect(
        &mut self,
        x_mm: f32,
        y_mm: f32,
        w_mm: f32,
        h_mm: f32,
        paint: Paint,
        width_pt: f32,
    ) {
        self.page.items.push(Item::Rect(Rect {
            x_mm,
            y_mm,
            w_mm,
            h_mm,
            paint,
            width_pt,
        }));
    }

    /// A line.
    pub(crate) fn line(
        &mut self,
        x1_mm: f32,
        y1_mm: f32,
        x2_mm: f32,
        y2_mm: f32,
        width_pt: f32,
        dashed: bool,
    ) {
        self.page.items.push(Item::Line(Line {
            x1_mm,
            y1_mm,
            x2_mm,
            y2_mm,
            width_pt,
            dashed,
        }));
    }

    /// A row of `n` empty boxes (PIN boxes, fill-in cells) of side `side_mm`.
    pub(crate) fn boxes(&mut self, x_mm: f32, y_mm: f32, n: usize, side_mm: f32) {
        for i in 0..n {
            self.rect(
                x_mm + i as f32 * side_mm,
                y_mm,
                side_mm,
                side_mm,
                Paint::Stroke,
                0.6,
            );
        }
    }
}

/// Line height for a size: `factor` × the size, in mm.
pub(crate) fn leading(size_pt: f32, factor: f32) -> f32 {
    size_pt * MM_PER_PT * factor
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> FontSet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        FontSet::load(&dir.join("ipaexm.ttf"), &dir.join("ipaexg.ttf"), None).unwrap()
    }

    #[test]
    fn wrapping_respects_width_and_kinsoku() {
        let f = fonts();
        let c = Canvas::new(&f);
        let text =
            "有効期限が経過すると、マイナンバーカードを本人確認書類として使用できなくなります。";
        for width in [20.0, 33.0, 50.0, 80.0] {
            let lines = c.wrap(FontId::Mincho, 9.0, width, text);
            assert_eq!(lines.concat(), text, "no character lost at {width}");
            for l in &lines {
                let first = l.chars().next().unwrap();
                assert!(!no_line_start(first), "{l:?} starts with {first}");
                // Only a hanging closing mark may exceed the width.
                let body: String = l.chars().filter(|c| !no_line_start(*c)).collect();
                assert!(c.width(FontId::Mincho, 9.0, &body) <= width + 0.01, "{l:?}");
            }
        }
    }

    #[test]
    fn ascii_words_stay_whole() {
        let f = fonts();
        let c = Canvas::new(&f);
        let lines = c.wrap(FontId::Mincho, 9.0, 30.0, "電話 0267-62-2111（代表）まで");
        assert!(
            lines.iter().any(|l| l.contains("0267-62-2111")),
            "{lines:?}"
        );
    }

    #[test]
    fn fit_size_shrinks_long_names() {
        let f = fonts();
        let c = Canvas::new(&f);
        let long = "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末　様";
        let size = c.fit_size(FontId::Mincho, 14.0, 7.0, long, 86.0);
        assert!(size < 14.0);
        assert!(c.width(FontId::Mincho, size, long) <= 86.0);
        assert_eq!(
            c.fit_size(FontId::Mincho, 14.0, 7.0, "佐久　太郎　様", 86.0),
            14.0
        );
    }
}
