//! The display list: what a page shows, independent of the PDF library.
//!
//! Layout code (the letter, the enclosed forms) produces [`Page`]s of
//! positioned text runs, lines and rectangles; `render::pdf` turns them into
//! PDF bytes. Tests of layout look at the display list; the PDF writer stays
//! one small, replaceable file.
//!
//! Coordinates are millimetres from the page's top-left corner, y downwards,
//! as a layout designer measures them; the writer converts to PDF points.

use std::sync::Arc;

/// Millimetres per PDF point (1 pt = 1/72 inch): display lists are in
/// millimetres, fonts and the PDF in points.
pub(crate) const MM_PER_PT: f32 = 25.4 / 72.0;

/// PDF points per millimetre (the PDF writer's factor).
pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;

/// A font of the run's [`FontSet`](super::fonts::FontSet), by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontId {
    /// IPAex Mincho (明朝): body text and names.
    Mincho,
    /// IPAex Gothic (ゴシック): headings, labels.
    Gothic,
    /// The profile's optional fallback (e.g. IPAmj明朝) for rare name characters.
    Fallback,
}

/// A run of text in one font and size.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// The font.
    pub font: FontId,
    /// Size in points.
    pub size_pt: f32,
    /// Left edge of the run, mm from the page's left.
    pub x_mm: f32,
    /// Baseline, mm from the page's top.
    pub y_mm: f32,
    /// The text (every character drawable in `font`: the layout splits runs
    /// for the fallback font). Shared, not copied, when a print file's fixed
    /// wording is placed on each of its pages (`layout::LayoutCache`).
    pub text: Arc<str>,
}

/// A straight line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Start, mm from left.
    pub x1_mm: f32,
    /// Start, mm from top.
    pub y1_mm: f32,
    /// End, mm from left.
    pub x2_mm: f32,
    /// End, mm from top.
    pub y2_mm: f32,
    /// Stroke width in points.
    pub width_pt: f32,
    /// Dashed (cut or fold guides, fill-in lines).
    pub dashed: bool,
}

/// How a rectangle is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// Outline only.
    Stroke,
    /// Filled black (barcode bars).
    Fill,
    /// Filled light grey (shaded labels), no outline.
    Shade,
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge, mm from left.
    pub x_mm: f32,
    /// Top edge, mm from top.
    pub y_mm: f32,
    /// Width, mm.
    pub w_mm: f32,
    /// Height, mm.
    pub h_mm: f32,
    /// Painting.
    pub paint: Paint,
    /// Stroke width in points (for `Stroke`).
    pub width_pt: f32,
}

/// A grid of square black modules (a 2D code), drawn as one image mask:
/// a Data Matrix is some 350 rectangles, and as rectangles it was most of a
/// packet's content stream and of its rendering time.
#[derive(Debug, Clone, PartialEq)]
pub struct Bitmap {
    /// Left edge, mm from left.
    pub x_mm: f32,
    /// Top edge, mm from top.
    pub y_mm: f32,
    /// A module's side, mm.
    pub module_mm: f32,
    /// Modules across.
    pub width: usize,
    /// Modules down.
    pub height: usize,
    /// `width × height` modules, row by row from the top, dark true.
    pub dark: Vec<bool>,
}

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text.
    Text(TextRun),
    /// A line.
    Line(Line),
    /// A rectangle.
    Rect(Rect),
    /// Black modules, painted as an image mask.
    Bitmap(Bitmap),
}

/// One page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Width, mm (A4: 210).
    pub(crate) width_mm: f32,
    /// Height, mm (A4: 297).
    pub(crate) height_mm: f32,
    /// What is drawn, in painting order.
    pub items: Vec<Item>,
    /// The ranges of `items` that are the page kind's fixed content (the
    /// letter's wording, the forms' frames and labels), the same on every
    /// page of its kind: the PDF writer draws it once per file as a Form
    /// XObject placed on each page, and the rest (the resident's data) over
    /// it. Items outside these ranges are drawn on the page itself.
    pub(crate) fixed: Vec<std::ops::Range<usize>>,
}

impl Page {
    /// An empty A4 portrait page.
    pub fn a4() -> Self {
        Page {
            width_mm: 210.0,
            height_mm: 297.0,
            items: Vec::new(),
            fixed: Vec::new(),
        }
    }

    /// Whether item `i` is fixed content (see [`Page::fixed`]).
    pub(crate) fn is_fixed(&self, i: usize) -> bool {
        self.fixed.iter().any(|r| r.contains(&i))
    }

    /// All text of the page, in drawing order, one run a line (for tests).
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        let mut s = String::new();
        for item in &self.items {
            if let Item::Text(t) = item {
                s.push_str(&t.text);
                s.push('\n');
            }
        }
        s
    }
}
