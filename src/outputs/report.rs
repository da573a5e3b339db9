//! report.html: the batch for a person to read (SPEC 12). One
//! self-contained file in Japanese: inline CSS, inline SVG charts, no
//! script and no external reference, links relative to the batch
//! directory. Every number comes from the [`Overview`] whose counts are
//! summary.json's; no timestamp, so the same batch gives the same bytes.
//!
//! Every figure a program may check is written as
//! `<td class="n" data-k="KEY">1,200</td>`; [`read_figures`] reads them
//! back (`kigen verify` compares them with summary.json and the manifest).
//! Every text is HTML-escaped, attribute values included.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use super::overview::{group_key, labels, Overview, ReasonTally, OTHER_REASONS};
use crate::error::{Error, Result};
use crate::files::create_private;
use crate::model::{Counts, ReasonCode};
use crate::names::{
    AUDIT_FILE, BUNDLES_FILE, EXCEPTIONS_FILE, HELD_FILE, MAILING_FILE, MANIFEST_FILE,
    OUTCOMES_FILE, REJECTS_FILE, SUMMARY_FILE,
};
use crate::select::Outcome;

pub(crate) use crate::names::REPORT_FILE;

/// How many reason groups a table shows before it says how many more
/// there are (the CSVs and audit.xlsx have every row).
const MAX_TABLE_ROWS: usize = 30;

/// `s` safe in HTML text and in a quoted attribute value; control and
/// bidirectional characters are written `\u{202E}` first, as in the CSVs
/// ([`crate::text::escape_controls`], SPEC 13).
pub(crate) fn esc(s: &str) -> Cow<'_, str> {
    let s = crate::text::escape_controls(s);
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The inverse of [`esc`] (and of XML's escaping of the same characters).
pub(crate) fn unesc(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` as a percentage with one decimal (`12.5 %`), in
/// integers so it never depends on float formatting; `—` of nothing.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".into();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// A checkable figure: `<td class="n" data-k="key">1,200</td>`.
fn figure(key: &str, n: u64) -> String {
    format!(
        "<td class=\"n\" data-k=\"{}\">{}</td>",
        esc(key),
        grouped(n)
    )
}

/// A figure inside a sentence.
fn inline_figure(key: &str, n: u64) -> String {
    format!("<span data-k=\"{}\">{}</span>", esc(key), grouped(n))
}

/// Reads back every `data-k` figure of a report: key → number (digits
/// only) or text (a SHA-256). A key given twice keeps its first value.
pub(crate) fn read_figures(html: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = html;
    while let Some(at) = rest.find("data-k=\"") {
        rest = &rest[at + "data-k=\"".len()..];
        let Some(end) = rest.find('"') else { break };
        let key = unesc(&rest[..end]);
        rest = &rest[end..];
        let Some(open) = rest.find('>') else { break };
        rest = &rest[open + 1..];
        let Some(close) = rest.find('<') else { break };
        let value: String = unesc(&rest[..close]).replace(',', "");
        rest = &rest[close..];
        out.entry(key).or_insert(value);
    }
    out
}

/// Colours of the charts, one a kind of outcome.
fn outcome_colour(o: Outcome) -> &'static str {
    match o {
        Outcome::Printed => "#2e7d32",
        Outcome::Held => "#ef6c00",
        Outcome::Rejected => "#c62828",
        Outcome::Excluded => "#78909c",
        Outcome::AlreadyNoticed => "#6a1b9a",
        Outcome::ResidencePeriod => "#00838f",
        _ => "#5c7cba",
    }
}

/// One bar of a chart.
struct Bar<'a> {
    label: Cow<'a, str>,
    value: u64,
    colour: &'a str,
}

/// A horizontal bar chart as inline SVG, bars scaled to the largest.
fn bar_chart(title: &str, bars: &[Bar<'_>]) -> String {
    const LABEL_W: u32 = 300;
    const BAR_W: u32 = 520;
    const ROW_H: u32 = 26;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW_H * bars.len() as u32 + 8;
    let width = LABEL_W + BAR_W + 90;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" aria-label=\"{t}\"><title>{t}</title>",
        t = esc(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 4 + ROW_H * i as u32;
        let w = if b.value == 0 {
            0
        } else {
            ((u128::from(b.value) * u128::from(BAR_W) / u128::from(max)) as u32).max(2)
        };
        let _ = write!(
            s,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" class=\"cl\">{label}</text>\
             <rect x=\"{bx}\" y=\"{ry}\" width=\"{w}\" height=\"{bh}\" rx=\"2\" fill=\"{c}\"/>\
             <text x=\"{vx}\" y=\"{ty}\" class=\"cv\">{v}</text>",
            lx = LABEL_W - 8,
            ty = y + 17,
            label = esc(&b.label),
            bx = LABEL_W,
            ry = y + 3,
            bh = ROW_H - 8,
            c = b.colour,
            vx = LABEL_W + w + 6,
            v = grouped(b.value),
        );
    }
    s.push_str("</svg>");
    s
}

const STYLE: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --band: #f3f5f9; --accent: #1f4e8c; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font-family: "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic", Meiryo, "Noto Sans CJK JP", "IPAexGothic", sans-serif;
  font-size: 14px; line-height: 1.6; }
header { background: var(--accent); color: #fff; padding: 18px 32px 14px; }
header > div, main, footer { max-width: 1040px; margin: 0 auto; }
header h1 { margin: 0; font-size: 22px; font-weight: 700; letter-spacing: .04em; }
header p { margin: 4px 0 0; font-size: 14px; opacity: .92; }
main { padding: 8px 32px 32px; }
section { margin-top: 22px; }
h2 { font-size: 17px; margin: 0 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); color: var(--accent); }
h3 { font-size: 14px; margin: 14px 0 6px; }
p { margin: 6px 0; }
.note { color: var(--muted); font-size: 12.5px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid var(--line); padding: 3px 10px; text-align: left; vertical-align: middle; }
td.label { white-space: nowrap; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.hash, .hash { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px; word-break: break-all; }
table.kv th { width: 200px; }
tr.total td, tr.total th { font-weight: 700; background: #eef2f8; }
.eq { font-size: 15px; background: var(--band); border-left: 4px solid var(--accent); padding: 8px 12px; }
.ok { color: #2e7d32; font-weight: 700; }
.ng { color: #c62828; font-weight: 700; }
svg.chart { display: block; margin: 6px 0 4px; max-width: 100%; height: auto; }
svg .cl { font-size: 13px; fill: var(--ink); }
svg .cv { font-size: 12px; fill: var(--muted); }
a { color: var(--accent); }
ul.files { columns: 2; margin: 6px 0; padding-left: 20px; }
footer { color: var(--muted); font-size: 12px; padding: 12px 32px 24px; border-top: 1px solid var(--line); }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12.5px; white-space: nowrap; }
"#;

/// What the files of a batch are, for the list of links.
fn describe(file: &str) -> &'static str {
    match file {
        OUTCOMES_FILE => "入力の全行とその結果",
        REJECTS_FILE => "不備の行",
        EXCEPTIONS_FILE => "例外（確認が必要な点）",
        HELD_FILE => "保留（印刷しなかった通知）",
        MANIFEST_FILE => "発送一覧（1通1行）",
        MAILING_FILE => "郵便区・ファイル別の通数（差出票）",
        BUNDLES_FILE => "区分け（郵便区番号ごとの束）",
        "cards-unmatched.csv" => "住民記録に対応しないカード情報の行",
        "print/bundle-slips.pdf" => "束ごとの区分票",
        "print/count-sheet.pdf" => "差出票に写す通数",
        SUMMARY_FILE => "バッチの記録（件数・全ファイルの SHA-256）",
        AUDIT_FILE => "監査用ブック",
        REPORT_FILE => "この報告",
        f if f.starts_with("print/non-forwardable-") => "印刷ファイル（転送不要）",
        f if f.starts_with("print/") => "印刷ファイル",
        _ => "",
    }
}

/// Writes report.html into `dir`. `files` are the batch's other files
/// (relative paths, sorted) with their sizes, as they are when the report
/// is written; report.html and summary.json are added to the list.
pub(crate) fn write_report(dir: &Path, ov: &Overview<'_>, files: &[(String, u64)]) -> Result<()> {
    let html = render(ov, files);
    let path = dir.join(REPORT_FILE);
    let mut f = create_private(&path)?;
    f.write_all(html.as_bytes())
        .map_err(|e| Error::io(&path, e))?;
    f.sync_all().map_err(|e| Error::io(&path, e))?;
    crate::fault::point("report");
    Ok(())
}

/// The report's text.
pub(crate) fn render(ov: &Overview<'_>, files: &[(String, u64)]) -> String {
    let id = &ov.identity;
    let wareki = crate::wareki::format(id.as_of).unwrap_or_default();
    let mut h = String::with_capacity(32 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"kigen {v}\">\n\
         <title>有効期限通知 バッチ報告 {b}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><div><h1>有効期限通知 バッチ報告</h1>\
         <p>基準日 {a}（{w}）　バッチ {b}</p></div></header>\n<main>\n",
        v = esc(id.version),
        b = esc(id.batch_id),
        a = id.as_of,
        w = esc(&wareki),
    );
    identity(&mut h, ov);
    reconciliation(&mut h, ov);
    rejects(&mut h, ov);
    exceptions(&mut h, ov);
    held(&mut h, ov);
    print_files(&mut h, ov);
    districts(&mut h, ov);
    coverage(&mut h, ov);
    file_links(&mut h, files);
    let _ = write!(
        h,
        "</main>\n<footer>kigen {} が作成。件数は summary.json の counts と同じ集計です。\
         個人番号は含みません。氏名・住所はこの報告に載せていません（manifest.csv・audit.xlsx を参照）。</footer>\n</body>\n</html>\n",
        esc(id.version)
    );
    h
}

fn identity(h: &mut String, ov: &Overview<'_>) {
    let id = &ov.identity;
    let _ = writeln!(
        h,
        "<section id=\"identity\"><h2>1. バッチの識別</h2><table class=\"kv\">\
         <tr><th>バッチ</th><td data-k=\"batch_id\">{b}</td></tr>\
         <tr><th>基準日</th><td data-k=\"as_of\">{a}</td></tr>\
         <tr><th>kigen のバージョン</th><td data-k=\"version\">{v}</td></tr>\
         <tr><th>入力ファイル SHA-256</th><td class=\"hash\" data-k=\"input_sha256\">{i}</td></tr>\
         <tr><th>入力ファイルの大きさ</th><td>{ib} バイト</td></tr>\
         <tr><th>プロファイル</th><td>{p}</td></tr>\
         <tr><th>profile.toml SHA-256</th><td class=\"hash\" data-k=\"profile_sha256\">{ps}</td></tr>\
         <tr><th>郵便データ</th><td>{pd}</td></tr>\
         </table></section>",
        b = esc(id.batch_id),
        a = id.as_of,
        v = esc(id.version),
        i = esc(id.input_sha256),
        ib = grouped(id.input_bytes),
        p = esc(id.profile),
        ps = esc(id.profile_sha256),
        pd = esc(id.postal_data),
    );
}

/// Rows read = the sum of the outcomes (SPEC 5), with each outcome's
/// breakdown, and the chart.
fn reconciliation(h: &mut String, ov: &Overview<'_>) {
    let c = ov.counts;
    let sum: u64 = c.outcomes.values().sum();
    let terms: Vec<String> = Outcome::ALL
        .iter()
        .map(|o| format!("{} {}", esc(labels::outcome(o.as_str())), grouped(c.of(*o))))
        .collect();
    let verdict = if c.reconciles() {
        "<span class=\"ok\">✓ 一致</span>"
    } else {
        "<span class=\"ng\">✗ 不一致</span>"
    };
    let _ = write!(
        h,
        "<section id=\"reconciliation\"><h2>2. 突合：読込行数 ＝ 結果の合計</h2>\
         <p class=\"eq\">読込行数 {r} ＝ {t} ＝ {s}　{verdict}</p>\
         <table><tr><th>結果</th><th>コード</th><th class=\"n\">行数</th><th>内訳</th></tr>",
        r = grouped(c.rows_read),
        t = terms.join(" ＋ "),
        s = grouped(sum),
    );
    let list = |m: &BTreeMap<String, u64>, prefix: &str, label: &dyn Fn(&str) -> String| {
        m.iter()
            .map(|(k, v)| {
                format!(
                    "{} <span data-k=\"{}:{}\">{}</span>",
                    esc(&label(k)),
                    esc(prefix),
                    esc(k),
                    grouped(*v)
                )
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    for o in Outcome::ALL {
        let detail = match o {
            Outcome::Excluded => list(&c.excluded_by_status, "excluded", &|k| k.to_string()),
            Outcome::Rejected => list(&c.rejected_by_field, "rejected_field", &|k| k.to_string()),
            Outcome::Printed => list(&c.notices_by_kind, "kind", &|k| labels::kind(k).to_string()),
            _ => String::new(),
        };
        let _ = write!(
            h,
            "<tr><td class=\"label\">{}</td><td><code>{}</code></td>{}<td>{detail}</td></tr>",
            esc(labels::outcome(o.as_str())),
            o.as_str(),
            figure(&format!("outcome:{}", o.as_str()), c.of(o)),
        );
    }
    let _ = write!(
        h,
        "<tr class=\"total\"><td>合計</td><td></td>{}<td></td></tr>\
         <tr class=\"total\"><td class=\"label\">読込行数（見出し行を除く）</td><td></td>{}<td></td></tr></table>",
        figure("sum", sum),
        figure("rows_read", c.rows_read),
    );
    cards_and_kana(h, c);
    let bars: Vec<Bar<'_>> = Outcome::ALL
        .iter()
        .map(|o| Bar {
            label: Cow::Borrowed(labels::outcome(o.as_str())),
            value: c.of(*o),
            colour: outcome_colour(*o),
        })
        .collect();
    let _ = writeln!(
        h,
        "<h3>結果の内訳</h3>{}</section>",
        bar_chart("結果の内訳（行数）", &bars)
    );
}

/// The card file's own reconciliation, and the residents printed without
/// their placeholder フリガナ.
fn cards_and_kana(h: &mut String, c: &Counts) {
    if let Some(k) = &c.cards {
        let verdict = if k.reconciles() {
            "<span class=\"ok\">✓ 一致</span>"
        } else {
            "<span class=\"ng\">✗ 不一致</span>"
        };
        let _ = write!(
            h,
            "<h3>カード情報ファイル（--cards）</h3>\
             <p class=\"eq\">カード情報の行 {} ＝ 結合 {} ＋ 不備（rejects.csv, source = cards） {} ＋ 未対応（cards-unmatched.csv） {}　{verdict}</p>",
            inline_figure("cards:rows_read", k.rows_read),
            inline_figure("cards:joined", k.joined),
            inline_figure("cards:rejected", k.rejected),
            inline_figure("cards:unmatched", k.unmatched),
        );
        // SPEC 13: a card row rejected without a readable key names no
        // resident; the operator must see how many there are.
        let _ = write!(
            h,
            "<p class=\"{}\">うち不備のうちキーが読めない行（unattributed：どの住民の行か分からず、その住民は no-item になり得ます） {}</p>",
            if k.unattributed > 0 { "ng" } else { "note" },
            inline_figure("cards:unattributed", k.unattributed),
        );
    }
    if c.kana_placeholders > 0 {
        let _ = write!(
            h,
            "<p class=\"note\">振り仮名が仮の値（******、【名空欄】など）の住民 {} 人：フリガナを印刷していません。</p>",
            grouped(c.kana_placeholders)
        );
    }
}

/// The groups of rejects.csv or held.csv (`file`), most frequent first:
/// one row per field and code, with the code's Japanese label; `each` is
/// what each row of the file names (「値」, 「文字」).
fn reason_table<R: ReasonCode>(h: &mut String, tally: &ReasonTally<R>, file: &str, each: &str) {
    let reasons = tally.reasons_by_count();
    if reasons.is_empty() {
        return;
    }
    h.push_str(
        "<table><tr><th>項目</th><th>理由</th><th>コード</th><th class=\"n\">行数</th></tr>",
    );
    for (field, code, n) in reasons.iter().take(MAX_TABLE_ROWS) {
        // `reason_figures` lists the same rows' keys for `verify`.
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td>{}</tr>",
            esc(field),
            code.map_or(OTHER_REASONS, |c| c.label()),
            code.map_or("", |c| c.code()),
            figure(&group_key(field, code.copied()), *n)
        );
    }
    h.push_str("</table>");
    more_reasons(h, reasons.len(), file);
    let _ = write!(
        h,
        "<p class=\"note\">理由はコード別にまとめています（行ごとの{each}と理由の文は {file} と audit.xlsx に）{}。</p>",
        if tally.has_others() {
            "（種類が多すぎる分は「その他の理由」に）"
        } else {
            ""
        }
    );
}

/// The figures [`reason_table`] shows for `tally`: each group's key and
/// rows, as `verify` expects them in the report.
pub(crate) fn reason_figures<R: ReasonCode>(tally: &ReasonTally<R>) -> Vec<(String, u64)> {
    tally
        .reasons_by_count()
        .into_iter()
        .take(MAX_TABLE_ROWS)
        .map(|(field, code, n)| (group_key(field, code.copied()), n))
        .collect()
}

/// How many groups a table of [`MAX_TABLE_ROWS`] left out.
fn more_reasons(h: &mut String, groups: usize, file: &str) {
    if groups > MAX_TABLE_ROWS {
        let _ = write!(
            h,
            "<p class=\"note\">ほか {} 種類の理由（{} と audit.xlsx に全行）。</p>",
            groups - MAX_TABLE_ROWS,
            esc(file)
        );
    }
}

fn rejects(h: &mut String, ov: &Overview<'_>) {
    let _ = write!(
        h,
        "<section id=\"rejects\"><h2>3. 不備（<a href=\"rejects.csv\">rejects.csv</a>）</h2>\
         <table><tr><th>不備の行（rejects.csv）</th>{}</tr></table>",
        figure("rejects.csv:rows", ov.rejects.rows)
    );
    if ov.rejects.rows == 0 {
        h.push_str("<p>不備の行はありません。</p>");
    } else {
        let bars: Vec<Bar<'_>> = ov
            .rejects
            .by_field
            .iter()
            .map(|(f, n)| Bar {
                label: Cow::Borrowed(f.as_str()),
                value: *n,
                colour: outcome_colour(Outcome::Rejected),
            })
            .collect();
        h.push_str("<h3>項目別</h3>");
        h.push_str(&bar_chart("不備の項目別の行数", &bars));
        h.push_str("<h3>理由別</h3>");
        reason_table(h, &ov.rejects, REJECTS_FILE, "値");
    }
    h.push_str("</section>\n");
}

fn exceptions(h: &mut String, ov: &Overview<'_>) {
    let by_code = &ov.counts.exceptions_by_code;
    let total: u64 = by_code.values().sum();
    h.push_str(
        "<section id=\"exceptions\"><h2>4. 例外（<a href=\"exceptions.csv\">exceptions.csv</a>）</h2>\
         <p class=\"note\">処理はしたが人が確認すべき点。1行に複数の例外があれば、それぞれ数えます。</p>",
    );
    if by_code.is_empty() {
        h.push_str("<p>例外はありません。</p></section>\n");
        return;
    }
    h.push_str("<table><tr><th>コード</th><th>意味</th><th class=\"n\">件数</th></tr>");
    for (code, n) in by_code {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td>{}</tr>",
            esc(code),
            esc(labels::exception(code)),
            figure(&format!("exception:{code}"), *n)
        );
    }
    let _ = write!(
        h,
        "<tr class=\"total\"><td>合計</td><td></td>{}</tr></table>",
        figure("exceptions.csv:rows", total)
    );
    let bars: Vec<Bar<'_>> = by_code
        .iter()
        .map(|(code, n)| Bar {
            label: Cow::Borrowed(labels::exception(code)),
            value: *n,
            colour: "#8d6e63",
        })
        .collect();
    h.push_str(&bar_chart("例外のコード別の件数", &bars));
    h.push_str("</section>\n");
}

fn held(h: &mut String, ov: &Overview<'_>) {
    let _ = write!(
        h,
        "<section id=\"held\"><h2>5. 保留（<a href=\"held.csv\">held.csv</a>）</h2>\
         <p class=\"note\">通知の対象だが印刷していない住民：氏名・住所などを正しく印刷できない、支援措置の対象など。</p>\
         <table><tr><th>保留の行（held.csv）</th>{}</tr></table>",
        figure("held.csv:rows", ov.held.rows)
    );
    if ov.held.rows == 0 {
        h.push_str("<p>保留はありません。</p>");
    } else {
        reason_table(h, &ov.held, HELD_FILE, "文字");
    }
    h.push_str("</section>\n");
}

fn print_files(h: &mut String, ov: &Overview<'_>) {
    h.push_str(
        "<section id=\"print\"><h2>6. 印刷ファイル</h2>\
         <table><tr><th>ファイル</th><th class=\"n\">通数</th><th class=\"n\">ページ</th>\
         <th class=\"n\">バイト</th><th>SHA-256</th></tr>",
    );
    for f in ov.print_files {
        let _ = write!(
            h,
            "<tr><td><a href=\"{href}\">{name}</a></td>{p}{g}<td class=\"n\">{b}</td>\
             <td class=\"hash\" data-k=\"print:{name}:sha256\">{sha}</td></tr>",
            href = esc(&f.file),
            name = esc(&f.file),
            p = figure(&format!("print:{}:packets", f.file), f.packets),
            g = figure(&format!("print:{}:pages", f.file), f.pages),
            b = grouped(f.bytes),
            sha = esc(&f.sha256),
        );
    }
    let _ = write!(
        h,
        "<tr class=\"total\"><td>合計</td>{}{}<td></td><td></td></tr></table>",
        figure("packets", ov.mail.packets),
        figure("pages", ov.mail.pages)
    );
    if ov.print_files.is_empty() {
        h.push_str("<p>この日に印刷する通知はありません。</p>");
    }
    h.push_str("</section>\n");
}

fn districts(h: &mut String, ov: &Overview<'_>) {
    h.push_str(
        "<section id=\"districts\"><h2>7. 郵便区別（郵便番号の上3桁）</h2>\
         <p class=\"note\">全印刷ファイルの合計。ファイル別は <a href=\"mailing.csv\">mailing.csv</a>。</p>",
    );
    if ov.mail.districts.is_empty() {
        h.push_str("<p>印刷した通知はありません。</p></section>\n");
        return;
    }
    let bars: Vec<Bar<'_>> = ov
        .mail
        .districts
        .iter()
        .map(|d| Bar {
            label: Cow::Owned(format!("〒{}", d.district)),
            value: d.packets,
            colour: "#1f4e8c",
        })
        .collect();
    h.push_str(&bar_chart("郵便区別の通数", &bars));
    h.push_str(
        "<table><tr><th>郵便区</th><th class=\"n\">通数</th><th class=\"n\">ページ</th>\
         <th class=\"n\">うち転送不要</th><th class=\"n\">うちバーコードなし</th></tr>",
    );
    for d in &ov.mail.districts {
        let _ = write!(
            h,
            "<tr><td>{}</td>{}<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&d.district),
            figure(&format!("district:{}:packets", d.district), d.packets),
            grouped(d.pages),
            grouped(d.non_forwardable),
            grouped(d.without_barcode),
        );
    }
    h.push_str("</table></section>\n");
}

fn coverage(h: &mut String, ov: &Overview<'_>) {
    let m = &ov.mail;
    let without: u64 = m.without_barcode.values().map(|g| g.packets).sum();
    let _ = write!(
        h,
        "<section id=\"coverage\"><h2>8. 転送不要・カスタマバーコード</h2>\
         <table><tr><th>項目</th><th class=\"n\">通数</th><th class=\"n\">割合</th></tr>\
         <tr><td>印刷した通知</td>{p}<td class=\"n\">100.0 %</td></tr>\
         <tr><td>転送不要（別ファイルで印刷）</td>{nf}<td class=\"n\">{nfp}</td></tr>\
         <tr><td>カスタマバーコードあり</td>{wb}<td class=\"n\">{wbp}</td></tr>\
         <tr><td>カスタマバーコードなし</td>{wo}<td class=\"n\">{wop}</td></tr></table>",
        p = figure("mail:packets", m.packets),
        nf = figure("non_forwardable", m.non_forwardable),
        nfp = percent(m.non_forwardable, m.packets),
        wb = figure("with_barcode", m.with_barcode),
        wbp = percent(m.with_barcode, m.packets),
        wo = figure("without_barcode", without),
        wop = percent(without, m.packets),
    );
    // One stacked bar: with a barcode, without.
    const W: u64 = 820;
    if let Some(with_w) = (m.with_barcode * W).checked_div(m.packets) {
        let _ = write!(
            h,
            "<svg class=\"chart\" role=\"img\" width=\"{W}\" height=\"30\" viewBox=\"0 0 {W} 30\" aria-label=\"バーコードの有無\"><title>バーコードの有無</title>\
             <rect x=\"0\" y=\"4\" width=\"{with_w}\" height=\"22\" fill=\"#2e7d32\"/>\
             <rect x=\"{with_w}\" y=\"4\" width=\"{rest}\" height=\"22\" fill=\"#ef6c00\"/></svg>\
             <p class=\"note\"><span style=\"color:#2e7d32\">■</span> バーコードあり　<span style=\"color:#ef6c00\">■</span> バーコードなし</p>",
            rest = W - with_w,
        );
    }
    if !m.without_barcode.is_empty() {
        h.push_str("<h3>バーコードがない理由</h3><table><tr><th>理由</th><th>コード</th><th class=\"n\">通数</th><th>郵便番号の例</th></tr>");
        for (why, group) in &m.without_barcode {
            let more = if group.more { "、…" } else { "" };
            let _ = write!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}{more}</td></tr>",
                esc(why.label()),
                why.code(),
                grouped(group.packets),
                esc(&group.examples.join("、")),
            );
        }
        h.push_str("</table>");
    }
    h.push_str("</section>\n");
}

fn file_links(h: &mut String, files: &[(String, u64)]) {
    h.push_str(
        "<section id=\"files\"><h2>9. バッチのファイル</h2>\
         <p class=\"note\">この報告と同じフォルダからの相対リンク。各ファイルの SHA-256 は summary.json に記録されています（kigen verify で確認）。</p>\
         <table><tr><th>ファイル</th><th>内容</th><th class=\"n\">バイト</th></tr>",
    );
    let mut all: Vec<(&str, Option<u64>)> =
        files.iter().map(|(f, b)| (f.as_str(), Some(*b))).collect();
    for own in [REPORT_FILE, super::summary::SUMMARY_FILE] {
        if !all.iter().any(|(f, _)| *f == own) {
            all.push((own, None));
        }
    }
    all.sort();
    for (f, bytes) in all {
        let _ = write!(
            h,
            "<tr><td><a href=\"{f}\">{f}</a></td><td>{}</td><td class=\"n\">{}</td></tr>",
            describe(f),
            bytes.map(grouped).unwrap_or_else(|| "—".into()),
            f = esc(f),
        );
    }
    h.push_str("</table></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Counts;
    use crate::outputs::overview::{Identity, MailFacts, PrintFileFacts};
    use chrono::NaiveDate;

    fn overview<'a>(counts: &'a Counts, files: &'a [PrintFileFacts]) -> Overview<'a> {
        Overview {
            identity: Identity {
                batch_id: "2026-11-26",
                as_of: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
                version: "0.1.0",
                input_sha256: "ab",
                input_bytes: 1234,
                profile: "<script>alert(1)</script>",
                profile_sha256: "cd",
                postal_data: "built-in",
            },
            counts,
            print_files: files,
            mail: MailFacts::default(),
            rejects: ReasonTally::default(),
            held: ReasonTally::default(),
        }
    }

    #[test]
    fn numbers_read_back_and_text_is_escaped() {
        let mut counts = Counts::new();
        counts.rows_read = 1234;
        counts.outcomes.insert("not-due".into(), 1230);
        counts.outcomes.insert("excluded".into(), 4);
        counts
            .excluded_by_status
            .insert("転出\"><b>x</b>".into(), 4);
        counts.exceptions_by_code.insert("feb29".into(), 2);
        let files = [PrintFileFacts {
            file: "print/notices-0001.pdf".into(),
            packets: 3,
            pages: 6,
            bytes: 99,
            sha256: "ff".repeat(32),
        }];
        let html = render(&overview(&counts, &files), &[("manifest.csv".into(), 10)]);
        assert!(!html.contains("<script>"), "escaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<b>x</b>"));
        let f = read_figures(&html);
        assert_eq!(f["rows_read"], "1234");
        assert_eq!(f["sum"], "1234");
        assert_eq!(f["outcome:not-due"], "1230");
        assert_eq!(f["outcome:held"], "0");
        assert_eq!(f["exception:feb29"], "2");
        assert_eq!(f["excluded:転出\"><b>x</b>"], "4");
        assert_eq!(f["print:print/notices-0001.pdf:packets"], "3");
        assert_eq!(f["print:print/notices-0001.pdf:sha256"], "ff".repeat(32));
        assert!(!html.contains("http://"));
        assert!(!html.contains("https://"));
        // Deterministic.
        assert_eq!(
            html,
            render(&overview(&counts, &files), &[("manifest.csv".into(), 10)])
        );
    }

    #[test]
    fn numbers_and_percentages() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
        assert_eq!(percent(1, 3), "33.3 %");
        assert_eq!(percent(2, 3), "66.7 %");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(esc("a&b<'\">"), "a&amp;b&lt;&#39;&quot;&gt;");
        assert_eq!(unesc(&esc("a&b<'\">&lt;")), "a&b<'\">&lt;");
    }
}
