//! audit.xlsx: the batch as a workbook for the auditors (SPEC 12). Sheets
//! 概要 (identity and counts), 発送一覧 (the manifest), 保留 (held.csv),
//! 不備 (rejects.csv), 例外 (exceptions.csv) and 郵便区別 (districts), with
//! Japanese headers and labels; the header row is frozen and filtered, and
//! repeated on every printed page (A4 landscape, one page wide, the sheet
//! and the batch in the page header).
//!
//! Codes, postal codes, document numbers and hashes are text cells, so
//! that a spreadsheet keeps their leading zeros; line numbers, pages and
//! counts are numbers, expiry dates are dates. Text reads as the CSVs read
//! (control characters as `\u{A}`, a leading `'` before `=`, `+`, `-`,
//! `@`), so a cell compares equal to the CSV's. The bytes are
//! deterministic: the document's creation date is the batch date (00:00
//! UTC) and rust_xlsxwriter writes the zip entries with a fixed time.
//!
//! The long sheets are written in rust_xlsxwriter's constant-memory mode:
//! rows go to an unnamed temporary file in the batch directory (0700),
//! never to the system's temporary directory, and memory does not grow
//! with the rows.

use std::borrow::Cow;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::manifest::ManifestRow;
use super::overview::{
    each_record, group_key, labels, Identity, Overview, ReasonTally, OTHER_REASONS,
};
use super::{EXCEPTIONS_HEADER, HELD_HEADER, MANIFEST_HEADER, REJECTS_HEADER};
use crate::error::{Error, Result};
use crate::files::create_private;
use crate::model::{HoldCode, ReasonCode, RejectCode};
use crate::names::{
    EXCEPTIONS_FILE, HELD_FILE, MAILING_FILE, MANIFEST_FILE, REJECTS_FILE, SUMMARY_FILE,
};
use crate::rules::ItemKind;
use crate::select::Outcome;

pub(crate) use crate::names::AUDIT_FILE;

/// The sheets, in order.
pub(crate) const SHEETS: [&str; 6] = ["概要", "発送一覧", "保留", "不備", "例外", "郵便区別"];

/// A worksheet's rows: 1,048,576, the header included.
const MAX_ROWS: u32 = 1_048_576;

/// The text a CSV output shows for `value` (SPEC 10, as
/// `csvfile::push_field` writes it before quoting): control characters
/// and bidirectional controls as `\u{A}`, a leading `'` before `=`, `+`,
/// `-`, `@` (full-width too), a tab or a carriage return.
pub(crate) fn cell_text(value: &str) -> Cow<'_, str> {
    let risky = super::csvfile::starts_like_formula(value);
    let text = crate::text::escape_controls(value);
    if risky {
        Cow::Owned(format!("'{text}"))
    } else {
        text
    }
}

/// The most a cell holds: Excel's 32,767 characters (UTF-16 units, as
/// rust_xlsxwriter counts them; a longer string fails the whole workbook).
const MAX_CELL_UNITS: usize = 32_767;

/// The mark that ends a cell cut to fit.
pub(crate) const TRUNCATED_MARK: &str = "…(truncated)";

/// `text` as a cell holds it: whole when it fits, else cut (on a character
/// boundary) so that it and [`TRUNCATED_MARK`] make at most 32,767 UTF-16
/// units: a value of any length never fails the night (SPEC 13); the CSV
/// keeps it whole.
pub(crate) fn fit_cell(text: &str) -> Cow<'_, str> {
    // UTF-16 units never exceed the UTF-8 bytes: most cells need no count.
    if text.len() <= MAX_CELL_UNITS || text.encode_utf16().count() <= MAX_CELL_UNITS {
        return Cow::Borrowed(text);
    }
    let room = MAX_CELL_UNITS - TRUNCATED_MARK.encode_utf16().count();
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if units + c.len_utf16() > room {
            break;
        }
        units += c.len_utf16();
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}{TRUNCATED_MARK}", &text[..end]))
}

fn xlsx_err(e: XlsxError) -> Error {
    Error::Internal(format!("{AUDIT_FILE}: {e}"))
}

/// The formats the sheets share, and their printed page header.
struct Formats {
    header: Format,
    text: Format,
    number: Format,
    date: Format,
    /// The page header: the sheet's name (`&A`) and the batch, with the
    /// page number, so that a loose printed page says where it belongs.
    page_header: String,
}

impl Formats {
    fn new(batch_id: &str) -> Self {
        Formats {
            page_header: format!(
                "&L&A&Cバッチ {}&R&P / &N ページ",
                batch_id.replace('&', "&&")
            ),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDCE6F2))
                .set_border_bottom(FormatBorder::Thin)
                .set_num_format("@"),
            text: Format::new().set_num_format("@"),
            number: Format::new().set_num_format("0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// One cell of a sheet.
enum Cell<'a> {
    Text(Cow<'a, str>),
    Number(u64),
    Date(Option<NaiveDate>),
}

/// A sheet being written row by row.
struct Sheet<'w> {
    ws: &'w mut Worksheet,
    f: &'w Formats,
    columns: u16,
    /// The next row (0 is the header).
    row: u32,
    /// Rows that did not fit (past [`MAX_ROWS`]).
    dropped: u64,
    /// Each column's format, set from its first data cell: cells of that
    /// kind are written without a format of their own and take the
    /// column's (the same style; rust_xlsxwriter hashed the format of every
    /// cell written with one, most of the workbook's time).
    column_kinds: Vec<Option<CellKind>>,
}

/// What a cell holds, for its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellKind {
    Text,
    Number,
    Date,
}

impl<'w> Sheet<'w> {
    /// Names the sheet and writes its header (frozen); `widths` per column.
    fn new(
        ws: &'w mut Worksheet,
        f: &'w Formats,
        name: &str,
        header: &[(&str, f64)],
    ) -> Result<Self> {
        ws.set_name(name).map_err(xlsx_err)?;
        for (i, (title, width)) in header.iter().enumerate() {
            let col = i as u16;
            ws.set_column_width(col, *width).map_err(xlsx_err)?;
            ws.write_string_with_format(0, col, *title, &f.header)
                .map_err(xlsx_err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        // Printed (SPEC 14): A4 landscape, one page wide, the header row on
        // every page.
        ws.set_paper_size(9)
            .set_landscape()
            .set_print_fit_to_pages(1, 0)
            .set_header(&f.page_header)
            .set_print_gridlines(true);
        ws.set_repeat_rows(0, 0).map_err(xlsx_err)?;
        Ok(Sheet {
            ws,
            f,
            columns: header.len() as u16,
            row: 1,
            dropped: 0,
            column_kinds: vec![None; header.len()],
        })
    }

    /// Writes one data row (an empty text is a blank cell).
    fn push(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        // The last row is kept for the note that rows were left out.
        if self.row >= MAX_ROWS - 1 {
            self.dropped += 1;
            return Ok(());
        }
        let r = self.row;
        for (i, cell) in cells.iter().enumerate() {
            let c = i as u16;
            match cell {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => {
                    let text = fit_cell(t);
                    if self.column_takes(c, CellKind::Text)? {
                        self.ws.write_string(r, c, text.as_ref())
                    } else {
                        self.ws
                            .write_string_with_format(r, c, text.as_ref(), &self.f.text)
                    }
                    .map_err(xlsx_err)?;
                }
                Cell::Number(n) => {
                    if self.column_takes(c, CellKind::Number)? {
                        self.ws.write_number(r, c, *n as f64)
                    } else {
                        self.ws
                            .write_number_with_format(r, c, *n as f64, &self.f.number)
                    }
                    .map_err(xlsx_err)?;
                }
                Cell::Date(None) => {}
                Cell::Date(Some(d)) => match excel_date(*d) {
                    Some(x) => {
                        if self.column_takes(c, CellKind::Date)? {
                            self.ws.write_datetime(r, c, &x)
                        } else {
                            self.ws.write_datetime_with_format(r, c, &x, &self.f.date)
                        }
                        .map_err(xlsx_err)?;
                    }
                    None => {
                        self.ws
                            .write_string_with_format(r, c, d.to_string(), &self.f.text)
                            .map_err(xlsx_err)?;
                    }
                },
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Whether a cell of `kind` in column `c` takes the column's format:
    /// the column's first data cell sets it to that cell's kind.
    fn column_takes(&mut self, c: u16, kind: CellKind) -> Result<bool> {
        let Some(slot) = self.column_kinds.get_mut(usize::from(c)) else {
            return Ok(false);
        };
        match slot {
            Some(k) => Ok(*k == kind),
            None => {
                let format = match kind {
                    CellKind::Text => &self.f.text,
                    CellKind::Number => &self.f.number,
                    CellKind::Date => &self.f.date,
                };
                self.ws.set_column_format(c, format).map_err(xlsx_err)?;
                *slot = Some(kind);
                Ok(true)
            }
        }
    }

    /// Filters the header row over the data; notes rows left out.
    fn finish(self, source: &str) -> Result<()> {
        let last_row = self.row.saturating_sub(1);
        if self.dropped > 0 {
            self.ws
                .write_string(
                    self.row,
                    0,
                    format!(
                        "（行数の上限のため、ほか {} 行は省略。全行は {source} にあります）",
                        self.dropped
                    ),
                )
                .map_err(xlsx_err)?;
        }
        self.ws
            .autofilter(0, 0, last_row, self.columns.saturating_sub(1))
            .map_err(xlsx_err)?;
        Ok(())
    }
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let (y, m, day) = (
        u16::try_from(d.year()).ok()?,
        d.month() as u8,
        d.day() as u8,
    );
    ExcelDateTime::from_ymd(y, m, day).ok()
}

/// A column's width, by its CSV name.
fn width(key: &str) -> f64 {
    match key {
        "name" | "field" => 16.0,
        "file" => 26.0,
        "barcode" | "reason" | "detail" | "value" => 48.0,
        "barcode_note" => 30.0,
        "document_number" => 26.0,
        "resident_code" => 14.0,
        k if k.ends_with("_expiry") => 13.0,
        _ => 10.0,
    }
}

/// The header of a sheet of CSV columns: Japanese names, widths.
fn header_of<'a>(keys: &[&'a str]) -> Vec<(&'a str, f64)> {
    keys.iter().map(|k| (labels::column(k), width(k))).collect()
}

/// rejects.csv's column names: its `code` is a reject's, not an
/// exception's.
fn reject_column(key: &str) -> &str {
    match key {
        "code" => "不備コード",
        other => labels::column(other),
    }
}

/// held.csv's column names: its `code` is a hold's.
fn held_column(key: &str) -> &str {
    match key {
        "code" => "保留コード",
        other => labels::column(other),
    }
}

/// A reject or hold code's Japanese label (the 不備 and 保留 sheets' 説明);
/// an unknown code as it is.
fn code_label<R: ReasonCode>(code: &str) -> &str {
    match R::from_code(code) {
        Some(c) => c.label(),
        None => code,
    }
}

/// audit.xlsx being written (SPEC 12). Its sheets of rows (the manifest,
/// held.csv, rejects.csv and exceptions.csv) need only the manifest's rows
/// and the CSVs selection wrote, so [`AuditBook::start`] writes them while
/// the print files render; [`AuditBook::finish`] writes the 概要 sheet,
/// which lists the print files with their SHA-256, and the districts, then
/// saves the workbook.
pub(crate) struct AuditBook {
    wb: Workbook,
    formats: Formats,
}

impl AuditBook {
    /// The workbook with every sheet but the first (概要, kept empty in its
    /// place) and the last (郵便区) written; held.csv, rejects.csv and
    /// exceptions.csv are read back from `dir`.
    pub(crate) fn start(
        dir: &Path,
        identity: &Identity<'_>,
        rows: &[ManifestRow<'_>],
    ) -> Result<AuditBook> {
        let mut wb = Workbook::new();
        let as_of = identity.as_of;
        let created = excel_date(as_of)
            .ok_or_else(|| Error::Internal(format!("{AUDIT_FILE}: as-of {as_of} out of range")))?;
        wb.set_properties(
            &DocProperties::new()
                .set_title(format!("有効期限通知 監査ブック {}", identity.batch_id))
                .set_author("kigen")
                .set_comment(format!("kigen {}", identity.version))
                .set_creation_datetime(&created),
        );
        wb.set_tempdir(dir).map_err(xlsx_err)?;
        // The zip's fastest level: compressing the manifest sheet at the
        // default level was most of the save, which waits for the print
        // files (the workbook is about a third larger).
        wb.set_zip_compression_level(1);
        let f = Formats::new(identity.batch_id);

        wb.add_worksheet();
        manifest_sheet(
            wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?,
            &f,
            rows,
        )?;
        csv_sheet(
            wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?,
            &f,
            SHEETS[2],
            &dir.join(HELD_FILE),
            &HELD_HEADER,
            held_column,
            Some(("説明", "code", code_label::<HoldCode>)),
        )?;
        csv_sheet(
            wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?,
            &f,
            SHEETS[3],
            &dir.join(REJECTS_FILE),
            &REJECTS_HEADER,
            reject_column,
            Some(("説明", "code", code_label::<RejectCode>)),
        )?;
        csv_sheet(
            wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?,
            &f,
            SHEETS[4],
            &dir.join(EXCEPTIONS_FILE),
            &EXCEPTIONS_HEADER,
            labels::column,
            Some(("説明", "code", labels::exception)),
        )?;
        Ok(AuditBook { wb, formats: f })
    }

    /// Writes the 概要 and 郵便区 sheets from the overview and saves
    /// audit.xlsx into `dir`.
    pub(crate) fn finish(self, dir: &Path, ov: &Overview<'_>) -> Result<()> {
        let AuditBook { mut wb, formats: f } = self;
        summary_sheet(wb.worksheet_from_index(0).map_err(xlsx_err)?, &f, ov)?;
        district_sheet(wb.add_worksheet(), &f, ov)?;

        let path = dir.join(AUDIT_FILE);
        // Zipped straight into the file (not into memory first: at a
        // million rows the workbook was the run's peak).
        let mut file = create_private(&path)?;
        wb.save_to_writer(std::io::BufWriter::new(&mut file))
            .map_err(xlsx_err)?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        crate::fault::point("audit-xlsx");
        Ok(())
    }
}

/// 概要: section, item, value and the key report.html gives the figure.
/// One row of the 概要 sheet: section, item, value, the summary.json key.
type SummaryRow<'a> = (&'static str, String, Cell<'a>, String);

fn summary_sheet(ws: &mut Worksheet, f: &Formats, ov: &Overview<'_>) -> Result<()> {
    let mut s = Sheet::new(
        ws,
        f,
        SHEETS[0],
        &[("区分", 12.0), ("項目", 40.0), ("値", 68.0), ("キー", 36.0)],
    )?;
    let mut rows = identity_rows(ov);
    reconciliation_rows(ov, &mut rows);
    tally_rows(ov, &mut rows);
    mail_rows(ov, &mut rows);
    for (section, item, value, key) in rows {
        s.push(&[
            Cell::Text(section.into()),
            Cell::Text(item.into()),
            value,
            Cell::Text(key.into()),
        ])?;
    }
    s.finish(SUMMARY_FILE)
}

/// 識別: what the batch is, and from what.
/// A reason tally's groups as rows of 概要, under `label`.
fn reason_rows<R: ReasonCode>(
    rows: &mut Vec<SummaryRow<'_>>,
    label: &'static str,
    tally: &ReasonTally<R>,
) {
    for (field, code, n) in tally.reasons_by_count() {
        let item = match code {
            Some(c) => format!("{}：{}（{}）", cell_text(field), c.label(), c.code()),
            None => OTHER_REASONS.to_string(),
        };
        rows.push((
            label,
            item,
            Cell::Number(n),
            group_key(field, code.copied()),
        ));
    }
}

fn identity_rows<'a>(ov: &'a Overview<'_>) -> Vec<SummaryRow<'a>> {
    let id = &ov.identity;
    let c = ov.counts;
    let text = |v: &str| Cell::Text(Cow::Owned(v.to_string()));
    vec![
        (
            "識別",
            "バッチ".into(),
            text(id.batch_id),
            "batch_id".into(),
        ),
        (
            "識別",
            "基準日".into(),
            text(&id.as_of.to_string()),
            "as_of".into(),
        ),
        (
            "識別",
            "基準日（和暦）".into(),
            text(&crate::wareki::format(id.as_of).unwrap_or_default()),
            String::new(),
        ),
        (
            "識別",
            "kigen のバージョン".into(),
            text(id.version),
            "version".into(),
        ),
        (
            "識別",
            "入力ファイル SHA-256".into(),
            text(id.input_sha256),
            "input_sha256".into(),
        ),
        (
            "識別",
            "入力ファイルの大きさ（バイト）".into(),
            Cell::Number(id.input_bytes),
            String::new(),
        ),
        (
            "識別",
            "プロファイル".into(),
            text(id.profile),
            String::new(),
        ),
        (
            "識別",
            "profile.toml SHA-256".into(),
            text(id.profile_sha256),
            "profile_sha256".into(),
        ),
        (
            "識別",
            "郵便データ".into(),
            text(id.postal_data),
            String::new(),
        ),
        (
            "突合",
            "読込行数（見出し行を除く）".into(),
            Cell::Number(c.rows_read),
            "rows_read".into(),
        ),
    ]
}

/// 突合: rows read against outcomes, and the card file's rows.
fn reconciliation_rows<'a>(ov: &'a Overview<'_>, rows: &mut Vec<SummaryRow<'a>>) {
    let c = ov.counts;
    let text = |v: &str| Cell::Text(Cow::Owned(v.to_string()));
    for o in Outcome::ALL {
        rows.push((
            "突合",
            format!("{}（{}）", labels::outcome(o.as_str()), o.as_str()),
            Cell::Number(c.of(o)),
            format!("outcome:{}", o.as_str()),
        ));
    }
    rows.push((
        "突合",
        "結果の合計".into(),
        Cell::Number(c.outcomes.values().sum()),
        "sum".into(),
    ));
    rows.push((
        "突合",
        "読込行数 ＝ 結果の合計".into(),
        text(if c.reconciles() {
            "一致"
        } else {
            "不一致"
        }),
        String::new(),
    ));
    if let Some(k) = &c.cards {
        for (item, n, key) in [
            ("カード情報の行", k.rows_read, "cards:rows_read"),
            ("うち結合", k.joined, "cards:joined"),
            (
                "うち不備（rejects.csv, source = cards）",
                k.rejected,
                "cards:rejected",
            ),
            (
                "うち未対応（cards-unmatched.csv）",
                k.unmatched,
                "cards:unmatched",
            ),
        ] {
            rows.push(("カード情報", item.into(), Cell::Number(n), key.into()));
        }
        rows.push((
            "カード情報",
            "行数 ＝ 結合 ＋ 不備 ＋ 未対応".into(),
            text(if k.reconciles() {
                "一致"
            } else {
                "不一致"
            }),
            String::new(),
        ));
    }
}

/// 対象外, 不備, 不備の理由, 通知種別, 例外: the counts by status, field,
/// field and reject code, kind and code.
fn tally_rows<'a>(ov: &'a Overview<'_>, rows: &mut Vec<SummaryRow<'a>>) {
    let c = ov.counts;
    for (status, n) in &c.excluded_by_status {
        rows.push((
            "対象外",
            cell_text(status).into_owned(),
            Cell::Number(*n),
            format!("excluded:{status}"),
        ));
    }
    for (field, n) in &c.rejected_by_field {
        rows.push((
            "不備",
            cell_text(field).into_owned(),
            Cell::Number(*n),
            format!("rejected_field:{field}"),
        ));
    }
    reason_rows(rows, "不備の理由", &ov.rejects);
    reason_rows(rows, "保留の理由", &ov.held);
    for (kind, n) in &c.notices_by_kind {
        rows.push((
            "通知種別",
            format!("{}（{kind}）", labels::kind(kind)),
            Cell::Number(*n),
            format!("kind:{kind}"),
        ));
    }
    for (code, n) in &c.exceptions_by_code {
        rows.push((
            "例外",
            format!("{}（{code}）", labels::exception(code)),
            Cell::Number(*n),
            format!("exception:{code}"),
        ));
    }
}

/// 印刷ファイル and 発送: each print file, and what was mailed.
fn mail_rows<'a>(ov: &'a Overview<'_>, rows: &mut Vec<SummaryRow<'a>>) {
    let text = |v: &str| Cell::Text(Cow::Owned(v.to_string()));
    for p in ov.print_files {
        for (what, cell, key) in [
            ("通数", Cell::Number(p.packets), "packets"),
            ("ページ", Cell::Number(p.pages), "pages"),
            ("SHA-256", text(&p.sha256), "sha256"),
        ] {
            rows.push((
                "印刷ファイル",
                format!("{} {what}", p.file),
                cell,
                format!("print:{}:{key}", p.file),
            ));
        }
    }
    let m = &ov.mail;
    for (what, n, key) in [
        ("印刷した通知（通数）", m.packets, "packets"),
        ("ページ", m.pages, "pages"),
        ("転送不要", m.non_forwardable, "non_forwardable"),
        ("カスタマバーコードあり", m.with_barcode, "with_barcode"),
        (
            "カスタマバーコードなし",
            m.without_barcode.values().map(|g| g.packets).sum(),
            "without_barcode",
        ),
    ] {
        rows.push(("発送", what.into(), Cell::Number(n), key.into()));
    }
}

/// 発送一覧: manifest.csv's columns, cell for cell, from the rows written.
fn manifest_sheet(ws: &mut Worksheet, f: &Formats, rows: &[ManifestRow<'_>]) -> Result<()> {
    let mut s = Sheet::new(ws, f, SHEETS[1], &header_of(&MANIFEST_HEADER))?;
    for row in rows {
        let n = row.notice;
        let r = &n.resident;
        let due = |k: ItemKind| Cell::Number(u64::from(n.selection.due.contains(&k)));
        let exp = |k: ItemKind| Cell::Date(n.evaluation.item(k).map(|i| i.expiry));
        let (barcode, note) = match &n.barcode {
            Ok(chars) => (crate::barcode::manifest_text(chars), String::new()),
            Err(why) => (String::new(), why.to_string()),
        };
        s.push(&[
            Cell::Number(u64::from(row.seq)),
            Cell::Text(cell_text(row.file)),
            Cell::Number(row.first_page as u64),
            Cell::Number(row.pages as u64),
            Cell::Text(cell_text(&r.code)),
            Cell::Text(cell_text(&r.name)),
            Cell::Text(r.envelope().postal_code.digits().into()),
            Cell::Text(
                n.selection
                    .kind
                    .map(|k| labels::kind_short(k.as_str()))
                    .unwrap_or("")
                    .into(),
            ),
            exp(ItemKind::Card),
            due(ItemKind::Card),
            exp(ItemKind::UserCert),
            due(ItemKind::UserCert),
            exp(ItemKind::SignCert),
            due(ItemKind::SignCert),
            Cell::Number(u64::from(r.non_forwardable)),
            Cell::Text(barcode.into()),
            Cell::Text(cell_text(row.document_number)),
            Cell::Text(cell_text(&note)),
            Cell::Number(u64::from(r.mail_to.is_some())),
        ])?;
    }
    s.finish(MANIFEST_FILE)
}

/// A column a CSV sheet adds: (its title, the column it is computed from,
/// how).
type ExtraColumn<'a> = (&'a str, &'a str, fn(&str) -> &str);

/// A sheet of one of the batch's row CSVs, read back record by record:
/// `line` as a number, every other column as the text the CSV holds
/// under its `title`;
/// `extra` adds a last column computed from another (例外's and 不備's 説明).
fn csv_sheet(
    ws: &mut Worksheet,
    f: &Formats,
    name: &str,
    path: &Path,
    header: &[&str],
    title: fn(&str) -> &str,
    extra: Option<ExtraColumn<'_>>,
) -> Result<()> {
    let mut columns: Vec<(&str, f64)> = header.iter().map(|k| (title(k), width(k))).collect();
    if let Some((title, _, _)) = extra {
        columns.push((title, 30.0));
    }
    let mut s = Sheet::new(ws, f, name, &columns)?;
    let extra_from =
        extra.and_then(|(_, key, label)| header.iter().position(|h| *h == key).map(|i| (i, label)));
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(header.len() + 1);
    each_record(path, |rec| {
        cells.clear();
        for (i, key) in header.iter().enumerate() {
            let v = rec.get(i).unwrap_or("");
            cells.push(match (*key, v.parse::<u64>()) {
                ("line", Ok(n)) => Cell::Number(n),
                // exceptions.csv's details, in the auditor's language; the
                // CSV keeps kigen's words.
                ("detail", _) => Cell::Text(Cow::Owned(labels::exception_detail(v))),
                _ => Cell::Text(Cow::Owned(v.to_string())),
            });
        }
        if let Some((i, label)) = extra_from {
            let code = rec.get(i).unwrap_or("");
            let text = label(code);
            cells.push(Cell::Text(Cow::Owned(if text == code {
                String::new()
            } else {
                text.to_string()
            })));
        }
        s.push(&cells)
    })?;
    s.finish(&source)
}

/// 郵便区別: packets and pages per 3-digit district, all files together.
fn district_sheet(ws: &mut Worksheet, f: &Formats, ov: &Overview<'_>) -> Result<()> {
    let mut s = Sheet::new(
        ws,
        f,
        SHEETS[5],
        &[
            ("郵便区（郵便番号の上3桁）", 26.0),
            ("通数", 10.0),
            ("ページ数", 10.0),
            ("うち転送不要", 14.0),
            ("うちバーコードなし", 18.0),
        ],
    )?;
    for d in &ov.mail.districts {
        s.push(&[
            Cell::Text(Cow::Borrowed(&d.district)),
            Cell::Number(d.packets),
            Cell::Number(d.pages),
            Cell::Number(d.non_forwardable),
            Cell::Number(d.without_barcode),
        ])?;
    }
    s.finish(MAILING_FILE)
}

/// The data rows a sheet holds for `n` rows of its source: all of them,
/// or, past the sheet's limit, as many as fit and the note row.
pub(crate) fn sheet_rows_for(n: u64) -> u64 {
    let fit = u64::from(MAX_ROWS - 2);
    if n > fit {
        fit + 1
    } else {
        n
    }
}

/// Reads back an audit.xlsx's sheets: (name, rows after the header), in
/// order (for `kigen verify`). Streams each sheet's XML, counting `<row `
/// elements, so memory does not grow with the rows.
pub(crate) fn read_sheet_rows(path: &Path) -> std::result::Result<Vec<(String, u64)>, String> {
    use std::io::Read;
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(|e| at(&e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| at(&e))?;
    let mut text = |name: &str| -> std::result::Result<String, String> {
        let mut s = String::new();
        zip.by_name(name)
            .map_err(|e| at(&format!("{name}: {e}")))?
            .take(16 << 20)
            .read_to_string(&mut s)
            .map_err(|e| at(&format!("{name}: {e}")))?;
        Ok(s)
    };
    let workbook = text("xl/workbook.xml")?;
    let rels = text("xl/_rels/workbook.xml.rels")?;
    let mut sheets = Vec::new();
    for sheet in xml_elements(&workbook, "<sheet ") {
        let (Some(name), Some(id)) = (xml_attr(sheet, "name"), xml_attr(sheet, "r:id")) else {
            return Err(at(&"a <sheet> without name or r:id"));
        };
        let target = xml_elements(&rels, "<Relationship ")
            .find(|r| xml_attr(r, "Id") == Some(id))
            .and_then(|r| xml_attr(r, "Target"))
            .ok_or_else(|| at(&format!("sheet {name}: no relationship {id}")))?;
        let entry = format!("xl/{}", target.trim_start_matches("/xl/"));
        sheets.push((super::report::unesc(name), entry));
    }
    let mut out = Vec::new();
    for (name, entry) in sheets {
        let mut f = zip
            .by_name(&entry)
            .map_err(|e| at(&format!("{entry}: {e}")))?;
        let pattern = b"<row ";
        let (mut rows, mut carry, mut buf) = (0u64, Vec::new(), vec![0u8; 1 << 16]);
        loop {
            let n = f.read(&mut buf).map_err(|e| at(&format!("{entry}: {e}")))?;
            if n == 0 {
                break;
            }
            carry.extend_from_slice(&buf[..n]);
            rows += carry
                .windows(pattern.len())
                .filter(|w| w == pattern)
                .count() as u64;
            let keep = carry.len().min(pattern.len() - 1);
            carry.drain(..carry.len() - keep);
        }
        out.push((name, rows.saturating_sub(1)));
    }
    Ok(out)
}

/// The start tags beginning with `open` (`<sheet `) in `xml`.
fn xml_elements<'x>(xml: &'x str, open: &'x str) -> impl Iterator<Item = &'x str> + 'x {
    xml.match_indices(open).map(move |(i, _)| {
        let rest = &xml[i..];
        &rest[..rest.find('>').unwrap_or(rest.len())]
    })
}

/// The value of attribute `name` in a start tag.
fn xml_attr<'x>(tag: &'x str, name: &str) -> Option<&'x str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let rest = &tag[at..];
    Some(&rest[..rest.find('"')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_cell_is_cut_with_a_mark_within_the_limit() {
        assert_eq!(fit_cell("short"), "short");
        let exact = "a".repeat(MAX_CELL_UNITS);
        assert_eq!(fit_cell(&exact), exact.as_str());
        for long in [
            "a".repeat(100_000),
            "漢".repeat(40_000),
            "𠮷".repeat(20_000),
        ] {
            let cut = fit_cell(&long);
            assert!(cut.ends_with(TRUNCATED_MARK), "marked");
            let units = cut.encode_utf16().count();
            assert!(units <= MAX_CELL_UNITS, "{units} units");
            assert!(units >= MAX_CELL_UNITS - 1, "cut no shorter than needed");
            assert!(long.starts_with(cut.trim_end_matches(TRUNCATED_MARK)));
        }
    }
    use crate::outputs::csvfile::push_record;

    #[test]
    fn cells_read_as_the_csv_reads() {
        let values = [
            "佐久　太郎",
            "=HYPERLINK(\"x\")",
            "-1",
            "+81",
            "@a",
            "\tx",
            "改\n行",
            "a,\"b\"",
            "",
        ];
        let mut line = String::new();
        push_record(&mut line, &values);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        for (v, back) in values.iter().zip(rec.iter()) {
            assert_eq!(cell_text(v), back, "{v:?}");
        }
    }
}
