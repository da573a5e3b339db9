//! A list printed as a table on A4 landscape pages, for the person at the
//! inserter: a title, a few lines saying what it is, a tick box per row,
//! the columns repeated on every page, and `n / N` at the foot.

use crate::render::display::{FontId, Page, Paint};
use crate::render::fonts::FontSet;
use crate::render::layout::Canvas;

/// A4 landscape, mm.
const WIDTH: f32 = 297.0;
const HEIGHT: f32 = 210.0;
const LEFT: f32 = 12.0;
/// The tick box column.
const TICK: f32 = 10.0;
const ROW: f32 = 7.0;
/// The lowest a row may end.
const BOTTOM: f32 = 195.0;

/// One column: its heading, width and font.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// The heading.
    pub(crate) head: &'static str,
    /// Width, mm.
    pub(crate) width_mm: f32,
    /// Gothic for codes the eye searches, Mincho for names.
    pub(crate) font: FontId,
}

/// What goes above the table on every page.
pub(crate) struct Heading<'a> {
    /// The title.
    pub(crate) title: &'a str,
    /// Lines under it (the batch, the export, the count).
    pub(crate) lines: &'a [String],
    /// Printed instead of rows when there are none.
    pub(crate) empty: &'a str,
    /// The tick box column's heading.
    pub(crate) tick: &'a str,
}

/// The pages of the table.
pub(crate) fn table_pages(
    fonts: &FontSet,
    heading: &Heading<'_>,
    columns: &[Column],
    rows: &[Vec<String>],
) -> Vec<Page> {
    let top = 24.0 + 5.0 * heading.lines.len() as f32 + 3.0;
    let per_page = (((BOTTOM - top) / ROW).floor() as usize)
        .saturating_sub(1)
        .max(1);
    let chunks: Vec<&[Vec<String>]> = if rows.is_empty() {
        vec![&[]]
    } else {
        rows.chunks(per_page).collect()
    };
    let total = chunks.len();
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut c = Canvas::new(fonts);
            c.text(FontId::Gothic, 14.0, LEFT, 16.0, heading.title);
            for (k, line) in heading.lines.iter().enumerate() {
                c.text(FontId::Mincho, 9.0, LEFT, 24.0 + 5.0 * k as f32, line);
            }
            let y = head_row(&mut c, top, heading.tick, columns);
            let mut y = y;
            for row in chunk.iter() {
                y = body_row(&mut c, y, columns, row);
            }
            if rows.is_empty() {
                c.text(FontId::Gothic, 11.0, LEFT + 2.0, y + 6.0, heading.empty);
            }
            c.text_right(
                FontId::Mincho,
                9.0,
                WIDTH - LEFT,
                HEIGHT - 8.0,
                &format!("{} / {total}", i + 1),
            );
            let mut page = c.finish();
            page.width_mm = WIDTH;
            page.height_mm = HEIGHT;
            page
        })
        .collect()
}

fn right_edge(columns: &[Column]) -> f32 {
    LEFT + TICK + columns.iter().map(|c| c.width_mm).sum::<f32>()
}

/// The shaded heading row at `y`; returns the next row's top.
fn head_row(c: &mut Canvas<'_>, y: f32, tick: &str, columns: &[Column]) -> f32 {
    let right = right_edge(columns);
    c.rect(LEFT, y, right - LEFT, ROW, Paint::Shade, 0.0);
    cell(c, FontId::Gothic, LEFT, TICK, y, tick);
    let mut x = LEFT + TICK;
    for col in columns {
        cell(c, FontId::Gothic, x, col.width_mm, y, col.head);
        x += col.width_mm;
    }
    grid(c, y, columns);
    y + ROW
}

/// One row at `y` with its tick box; returns the next row's top.
fn body_row(c: &mut Canvas<'_>, y: f32, columns: &[Column], row: &[String]) -> f32 {
    c.rect(LEFT + 3.0, y + 1.5, 4.0, 4.0, Paint::Stroke, 0.6);
    let mut x = LEFT + TICK;
    for (col, text) in columns.iter().zip(row) {
        cell(c, col.font, x, col.width_mm, y, text);
        x += col.width_mm;
    }
    grid(c, y, columns);
    y + ROW
}

/// The row's outline and column rules.
fn grid(c: &mut Canvas<'_>, y: f32, columns: &[Column]) {
    let right = right_edge(columns);
    c.rect(LEFT, y, right - LEFT, ROW, Paint::Stroke, 0.4);
    let mut x = LEFT + TICK;
    for col in columns {
        c.line(x, y, x, y + ROW, 0.3, false);
        x += col.width_mm;
    }
}

/// `text` in a cell, shrunk (down to 5 pt) to fit its width.
fn cell(c: &mut Canvas<'_>, font: FontId, x: f32, width: f32, y: f32, text: &str) {
    let size = c.fit_size(font, 9.0, 5.0, text, width - 2.0);
    c.text(font, size, x + 1.0, y + ROW * 0.68, text);
}
