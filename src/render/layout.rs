//! Layout primitives: measured text, wrapping with Japanese line-breaking
//! rules, shrinking to fit, boxes and lines. Everything lands in a
//! [`Page`]'s display list.

use std::cell::RefCell;
use std::hash::{Hash as _, Hasher as _};

use rustc_hash::FxHashMap;

use super::display::{FontId, Item, Line, Page, Paint, Rect, TextRun, MM_PER_PT};
use super::fonts::{is_variation_selector, FontSet};

/// What a fixed block (see [`Canvas::fixed`]) is drawn from besides what is
/// the same for a whole print file (its wording, fonts and date): the call
/// site, and the numbers and the one text that call site draws it with.
/// Two calls with equal keys draw the same items.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockKey<'a> {
    /// The call site (a name unique in the crate).
    pub(crate) site: &'static str,
    /// Its positions, sizes and switches (a bool as 0 or 1), in order.
    pub(crate) nums: [f32; 4],
    /// Its text, when the same site draws different wording.
    pub(crate) text: &'a str,
}

impl<'a> BlockKey<'a> {
    /// The key of a block drawn at `site` from `nums` (unused ones 0).
    pub(crate) fn new(site: &'static str, nums: &[f32]) -> Self {
        let mut all = [0.0; 4];
        for (a, n) in all.iter_mut().zip(nums) {
            *a = *n;
        }
        debug_assert!(nums.len() <= 4, "{site}: at most four numbers");
        BlockKey {
            site,
            nums: all,
            text: "",
        }
    }

    /// The same key with `text`.
    pub(crate) fn with_text(self, text: &'a str) -> Self {
        BlockKey { text, ..self }
    }

    fn hash(&self) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        self.site.hash(&mut h);
        for n in self.nums {
            n.to_bits().hash(&mut h);
        }
        self.text.hash(&mut h);
        h.finish()
    }

    fn matches(&self, b: &Block) -> bool {
        self.site == b.site
            && self.nums.map(f32::to_bits) == b.nums.map(f32::to_bits)
            && self.text == &*b.text
    }
}

/// A fixed block as drawn: its key (kept to compare: the map is by hash),
/// its items and the value its drawing returned.
struct Block {
    site: &'static str,
    nums: [f32; 4],
    text: Box<str>,
    items: Vec<Item>,
    value: f32,
}

/// Layout done once per print file and reused on every page of it: the
/// fixed blocks (the letter's wording, the forms' frames and labels, keyed
/// by [`BlockKey`]) and the body size each kind of letter fits at. Laying
/// the fixed wording out again on every page, and trying body sizes from
/// the largest down on every letter, was most of the rendering time.
///
/// One cache serves one print file: the wording, fonts and date it was
/// filled with must be those of every page laid out with it.
#[derive(Default)]
pub(crate) struct LayoutCache {
    blocks: RefCell<FxHashMap<u64, Block>>,
    /// (page, packet kind) → the body size that fitted and the body's end.
    fits: RefCell<FxHashMap<(&'static str, u8), Fitted>>,
}

/// A body size that fitted, and where the body laid out at it ended.
type Fitted = (f32, f32);

impl LayoutCache {
    /// The body size a page of this kind fitted at before, with where its
    /// body ended.
    pub(crate) fn fit(&self, page: &'static str, kind: u8) -> Option<Fitted> {
        self.fits.borrow().get(&(page, kind)).copied()
    }

    /// Records the body size a page fitted at, and where its body ended.
    pub(crate) fn set_fit(&self, page: &'static str, kind: u8, size: f32, end: f32) {
        self.fits.borrow_mut().insert((page, kind), (size, end));
    }
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
    /// The print file's fixed blocks and body sizes, when there is one.
    cache: Option<&'f LayoutCache>,
}

impl<'f> Canvas<'f> {
    /// An empty A4 page.
    pub(crate) fn new(fonts: &'f FontSet) -> Self {
        Canvas {
            page: Page::a4(),
            fonts,
            cache: None,
        }
    }

    /// An empty A4 page whose fixed blocks are drawn once per `cache`.
    pub(crate) fn cached(fonts: &'f FontSet, cache: &'f LayoutCache) -> Self {
        Canvas {
            page: Page::a4(),
            fonts,
            cache: Some(cache),
        }
    }

    /// An empty A4 page with this one's fonts and cache.
    pub(crate) fn blank(&self) -> Self {
        Canvas {
            page: Page::a4(),
            fonts: self.fonts,
            cache: self.cache,
        }
    }

    /// The print file's layout cache, if any.
    pub(crate) fn cache(&self) -> Option<&'f LayoutCache> {
        self.cache
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
    /// (wording, frames, labels), never a resident's data. `key` says what
    /// the drawing depends on (see [`BlockKey`]); with a cache, a block
    /// drawn before with an equal key is not drawn again, its items are
    /// copied.
    pub(crate) fn fixed(&mut self, key: BlockKey<'_>, draw: impl FnOnce(&mut Self)) {
        self.fixed_to(key, |c| {
            draw(c);
            0.0
        });
    }

    /// [`Canvas::fixed`] for a block that returns where it ends (the next
    /// baseline), which the cache keeps with its items.
    pub(crate) fn fixed_to(
        &mut self,
        key: BlockKey<'_>,
        draw: impl FnOnce(&mut Self) -> f32,
    ) -> f32 {
        let start = self.page.items.len();
        let value = match self.cache {
            Some(cache) => {
                let hash = key.hash();
                let hit = cache.blocks.borrow().get(&hash).and_then(|b| {
                    key.matches(b).then(|| {
                        self.page.items.extend_from_slice(&b.items);
                        b.value
                    })
                });
                match hit {
                    Some(value) => {
                        #[cfg(debug_assertions)]
                        self.check_block(&key, start, value, draw);
                        value
                    }
                    None => {
                        let value = draw(self);
                        cache
                            .blocks
                            .borrow_mut()
                            .entry(hash)
                            .or_insert_with(|| Block {
                                site: key.site,
                                nums: key.nums,
                                text: key.text.into(),
                                items: self.page.items[start..].to_vec(),
                                value,
                            });
                        value
                    }
                }
            }
            None => draw(self),
        };
        let end = self.page.items.len();
        // Blocks drawn inside this one are in its range now (so a page is
        // the same whether the block was drawn or copied).
        self.page.fixed.retain(|r| r.start < start || r.end > end);
        match self.page.fixed.last_mut() {
            Some(last) if last.end == start => last.end = end,
            _ if start < end => self.page.fixed.push(start..end),
            _ => {}
        }
        value
    }

    /// In debug builds (the tests), a block taken from the cache is drawn
    /// again and must be the same: a key that misses something the drawing
    /// depends on fails here.
    #[cfg(debug_assertions)]
    fn check_block(
        &self,
        key: &BlockKey<'_>,
        start: usize,
        value: f32,
        draw: impl FnOnce(&mut Self) -> f32,
    ) {
        let mut fresh = Canvas::new(self.fonts);
        let fresh_value = draw(&mut fresh);
        assert!(
            fresh.page.items == self.page.items[start..]
                && fresh_value.to_bits() == value.to_bits(),
            "fixed block {:?} drawn from the cache differs from a fresh drawing",
            key
        );
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
        let mut x = x_mm;
        let mut start = 0;
        while start < text.len() {
            let (run_font, end) = self.font_run(font, text, start);
            let run = &text[start..end];
            let w = self.width(run_font, size_pt, run);
            self.page.items.push(Item::Text(TextRun {
                font: run_font,
                size_pt,
                x_mm: x,
                y_mm,
                text: run.into(),
            }));
            x += w;
            start = end;
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

    /// The run of one font that starts at byte `start` of `text`: its font
    /// (`font` where it has the glyph, the fallback where only the fallback
    /// has it) and where it ends. A variation selector stays with the
    /// character it modifies.
    fn font_run(&self, font: FontId, text: &str, start: usize) -> (FontId, usize) {
        let mut run_font = None;
        let mut chars = text[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let vs = chars
                .peek()
                .map(|&(_, n)| n)
                .filter(|n| is_variation_selector(*n));
            let f = self.fonts.font_for(font, c, vs).unwrap_or(font);
            match run_font {
                Some(rf) if rf != f => return (rf, start + i),
                _ => run_font = Some(f),
            }
            if vs.is_some() {
                chars.next();
            }
        }
        (run_font.unwrap_or(font), text.len())
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
        let mut lines = Vec::new();
        for para in text.split('\n') {
            self.wrap_paragraph(font, size_pt, width_mm, para, &mut lines);
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
    fn a_cached_block_gives_the_items_a_fresh_one_does() {
        let f = fonts();
        let cache = LayoutCache::default();
        let draw = |c: &mut Canvas<'_>, y: f32| {
            c.fixed_to(BlockKey::new("test.block", &[y]), |c| {
                c.paragraph(
                    FontId::Mincho,
                    9.0,
                    20.0,
                    y,
                    40.0,
                    5.0,
                    "窓口で受け付けます。",
                )
            })
        };
        let mut first = Canvas::cached(&f, &cache);
        let end = draw(&mut first, 50.0);
        let mut again = Canvas::cached(&f, &cache);
        again.text(FontId::Gothic, 9.0, 20.0, 10.0, "佐久　太郎");
        assert_eq!(draw(&mut again, 50.0), end);
        let mut fresh = Canvas::new(&f);
        fresh.text(FontId::Gothic, 9.0, 20.0, 10.0, "佐久　太郎");
        assert_eq!(draw(&mut fresh, 50.0), end);
        let (again, fresh) = (again.finish(), fresh.finish());
        assert_eq!(again, fresh);
        assert_eq!(again.fixed, vec![1..again.items.len()]);
        // Another key is another block.
        let mut moved = Canvas::cached(&f, &cache);
        assert!(draw(&mut moved, 60.0) > end);
        assert_eq!(cache.blocks.borrow().len(), 2);
    }

    /// A key that leaves out something the block is drawn from would put
    /// one page's drawing on another: the tests' debug build catches it.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "differs from a fresh drawing")]
    fn a_key_missing_an_input_fails_in_debug_builds() {
        let f = fonts();
        let cache = LayoutCache::default();
        for y in [50.0, 60.0] {
            let mut c = Canvas::cached(&f, &cache);
            c.fixed(BlockKey::new("test.incomplete", &[]), |c| {
                c.text(FontId::Mincho, 9.0, 20.0, y, "裏面もご覧ください。");
            });
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
