//! Speed of the PDF back end on notice-like pages.
//!
//! `cargo run --release --example pdf_speed -- [PACKETS] [FILES] [OUT.pdf]`
//!
//! Builds PACKETS two-page packets (a letter with an address block, body
//! text, a table and a customer barcode; an enclosed form) with varied names,
//! writes them as one PDF and prints pages/s and bytes per packet. With more
//! than one FILES it also writes that many such files, two at a time on rayon
//! (as the batch does), and prints the combined rate. OUT.pdf keeps the first
//! file.
//!
//! Where the time goes (1,000 packets = 2,000 pages in one file, release,
//! perf): about 0.35 s in all, 5,500 pages/s on one thread, 2,970 bytes a
//! packet. printpdf's `to_lopdf_document` is half of it (its content-stream
//! encoding through lopdf `Operation`s and float formatting most of that,
//! collecting used glyphs about a tenth, subsetting the two fonts ~10 ms);
//! deflate is a quarter (miniz_oxide then; libdeflate now, see `DEFLATE_LEVEL`
//! in `render::pdf`); building the ops
//! from the display list, lopdf's save and freeing the document share the
//! rest. Before `FontSet` replaced printpdf's character lookup with a dense
//! table, allsorts' linear cmap search was 74 % of the time (about 1 s).

use std::path::Path;
use std::time::Instant;

use kigen::render::display::{FontId, Item, Line, Page, Paint, Rect, TextRun};
use kigen::render::fonts::FontSet;
use kigen::render::pdf::{write_pdf, DocumentInfo};
use rayon::prelude::*;

const SURNAMES: &[&str] = &[
    "髙﨑",
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡邉",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
    "山﨑",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "山下",
    "中島",
    "石井",
    "小川",
    "前田",
    "岡田",
    "長谷川",
    "藤田",
    "後藤",
];
const GIVEN: &[&str] = &[
    "太郎",
    "花子",
    "一郎",
    "美咲",
    "健太",
    "陽菜",
    "翔太",
    "結衣",
    "大輔",
    "さくら",
    "裕子",
    "誠",
    "直樹",
    "恵美",
    "拓也",
    "由美",
    "和也",
    "真由美",
    "隆",
    "明美",
    "浩二",
    "智子",
    "修",
    "久美子",
];
const TOWNS: &[&str] = &[
    "本町",
    "栄町",
    "旭町",
    "緑町",
    "桜台",
    "若葉台",
    "東雲",
    "富士見",
    "中央",
    "港南",
    "泉",
    "青葉",
    "柳町",
    "寿町",
    "日の出町",
    "松が丘",
];
const BODY: &[&str] = &[
    "あなたのマイナンバーカード（個人番号カード）の有効期限が近づいています。",
    "有効期限が過ぎたカードは、本人確認書類として使用できなくなります。",
    "更新の手続きは、有効期限の三か月前から市役所市民課の窓口で行えます。",
    "手続きには、この通知書と現在お持ちのマイナンバーカードをお持ちください。",
    "電子証明書の有効期限は、カードの有効期限とは別に定められています。",
    "署名用電子証明書と利用者証明用電子証明書の更新も同時に行えます。",
    "代理人が手続きをする場合は、委任状と代理人の本人確認書類が必要です。",
    "暗証番号を忘れた場合は、窓口で再設定の手続きをしてください。",
    "ご不明な点は、下記の問い合わせ先までお電話ください。",
    "受付時間は、平日の午前八時三十分から午後五時十五分までです。",
    "土曜日・日曜日・祝日及び年末年始は受け付けておりません。",
    "なお、この通知は令和七年十一月一日現在の住民基本台帳に基づいています。",
];

fn text(font: FontId, size_pt: f32, x_mm: f32, y_mm: f32, s: &str) -> Item {
    Item::Text(TextRun {
        font,
        size_pt,
        x_mm,
        y_mm,
        text: s.into(),
    })
}

fn rect(x_mm: f32, y_mm: f32, w_mm: f32, h_mm: f32, paint: Paint) -> Item {
    Item::Rect(Rect {
        x_mm,
        y_mm,
        w_mm,
        h_mm,
        paint,
        width_pt: 0.5,
    })
}

fn packet(i: usize) -> [Page; 2] {
    let name = format!(
        "{}　{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i / 7) % GIVEN.len()]
    );
    let postal = format!("〒{:03}-{:04}", 100 + i % 900, (i * 37) % 10_000);
    let address = format!(
        "北海道札幌市中央区{}{}丁目{}番{}号",
        TOWNS[(i / 3) % TOWNS.len()],
        1 + i % 9,
        1 + (i / 9) % 30,
        1 + (i / 5) % 20
    );

    let mut letter = Page::a4();
    let items = &mut letter.items;
    items.push(text(FontId::Mincho, 10.5, 25.0, 30.0, &postal));
    items.push(text(FontId::Mincho, 10.5, 25.0, 36.0, &address));
    items.push(text(
        FontId::Mincho,
        14.0,
        30.0,
        48.0,
        &format!("{name}　様"),
    ));
    // Customer barcode: start, 20 characters of 3 bars, stop.
    for b in 0..67 {
        let tall = (i + b * 7).is_multiple_of(3);
        items.push(rect(
            25.0 + b as f32 * 1.2,
            if tall { 53.0 } else { 54.2 },
            0.6,
            if tall { 3.6 } else { 2.4 },
            Paint::Fill,
        ));
    }
    items.push(text(
        FontId::Mincho,
        10.5,
        140.0,
        30.0,
        "令和７年１１月１日",
    ));
    items.push(text(
        FontId::Mincho,
        10.5,
        140.0,
        36.0,
        "札幌市長　山田　一郎",
    ));
    items.push(text(
        FontId::Gothic,
        18.0,
        45.0,
        80.0,
        "マイナンバーカード有効期限通知書",
    ));
    for (n, line) in BODY.iter().enumerate() {
        items.push(text(
            FontId::Mincho,
            10.5,
            25.0,
            95.0 + n as f32 * 6.5,
            line,
        ));
    }
    let rows = [
        ("氏名", name.clone()),
        (
            "生年月日",
            format!("昭和{}年{}月{}日", 30 + i % 30, 1 + i % 12, 1 + i % 28),
        ),
        (
            "カードの有効期限",
            format!("令和８年{}月{}日", 1 + i % 12, 1 + i % 28),
        ),
        (
            "電子証明書の有効期限",
            format!("令和８年{}月{}日", 1 + (i + 3) % 12, 1 + i % 28),
        ),
    ];
    for (r, (label, value)) in rows.iter().enumerate() {
        let y = 180.0 + r as f32 * 9.0;
        items.push(rect(25.0, y, 50.0, 9.0, Paint::Shade));
        items.push(rect(25.0, y, 50.0, 9.0, Paint::Stroke));
        items.push(rect(75.0, y, 110.0, 9.0, Paint::Stroke));
        items.push(text(FontId::Gothic, 10.0, 27.0, y + 6.3, label));
        items.push(text(FontId::Mincho, 10.5, 78.0, y + 6.3, value));
    }
    for y in [99.0, 198.0] {
        items.push(Item::Line(Line {
            x1_mm: 0.0,
            y1_mm: y,
            x2_mm: 8.0,
            y2_mm: y,
            width_pt: 0.3,
            dashed: true,
        }));
    }
    items.push(text(
        FontId::Gothic,
        9.0,
        25.0,
        230.0,
        "問い合わせ先　札幌市役所　市民課　電話 011-211-2111（内線 1234）",
    ));

    let mut form = Page::a4();
    let items = &mut form.items;
    items.push(text(
        FontId::Gothic,
        16.0,
        60.0,
        25.0,
        "個人番号カード交付申請書",
    ));
    for r in 0..8 {
        let y = 40.0 + r as f32 * 14.0;
        items.push(rect(20.0, y, 40.0, 14.0, Paint::Shade));
        items.push(rect(20.0, y, 170.0, 14.0, Paint::Stroke));
        items.push(Item::Line(Line {
            x1_mm: 60.0,
            y1_mm: y,
            x2_mm: 60.0,
            y2_mm: y + 14.0,
            width_pt: 0.5,
            dashed: false,
        }));
        let label = [
            "氏名",
            "フリガナ",
            "生年月日",
            "性別",
            "住所",
            "電話番号",
            "申請日",
            "署名",
        ][r];
        items.push(text(FontId::Gothic, 10.0, 23.0, y + 8.5, label));
    }
    items.push(text(FontId::Mincho, 12.0, 65.0, 48.5, &name));
    items.push(text(FontId::Mincho, 10.5, 65.0, 104.5, &address));
    items.push(Item::Line(Line {
        x1_mm: 10.0,
        y1_mm: 200.0,
        x2_mm: 200.0,
        y2_mm: 200.0,
        width_pt: 0.3,
        dashed: true,
    }));
    items.push(text(FontId::Mincho, 9.0, 85.0, 205.0, "（切り取り線）"));
    [letter, form]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let packets: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(500);
    let files: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let out = args.get(3);

    let t = Instant::now();
    let fonts = FontSet::load_default(Path::new(env!("CARGO_MANIFEST_DIR")), None)?;
    println!("fonts loaded in {:.3} s", t.elapsed().as_secs_f64());

    let pages: Vec<Page> = (0..packets).flat_map(packet).collect();
    let t = Instant::now();
    let pdf = write_pdf(&pages, &fonts, &info(7))?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "one file: {} pages in {:.3} s = {:.0} pages/s ({:.0} packets/s), {} bytes = {:.0} bytes/packet",
        pages.len(),
        secs,
        pages.len() as f64 / secs,
        packets as f64 / secs,
        pdf.len(),
        pdf.len() as f64 / packets as f64
    );
    if let Some(out) = out {
        std::fs::write(out, &pdf)?;
    }

    if files > 1 {
        let batches: Vec<Vec<Page>> = (0..files)
            .map(|f| (f * packets..(f + 1) * packets).flat_map(packet).collect())
            .collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
        let t = Instant::now();
        let sizes: Vec<usize> = pool.install(|| {
            batches
                .par_iter()
                .enumerate()
                .map(|(f, p)| write_pdf(p, &fonts, &info(f as u8)).map(|b| b.len()))
                .collect::<Result<_, _>>()
        })?;
        let secs = t.elapsed().as_secs_f64();
        let total: usize = sizes.iter().sum();
        println!(
            "{files} files, 2 threads: {:.0} packets/s, {:.0} bytes/packet",
            (files * packets) as f64 / secs,
            total as f64 / (files * packets) as f64
        );
    }
    Ok(())
}

/// The document information of file `n`.
fn info(n: u8) -> DocumentInfo<'static> {
    DocumentInfo {
        id: [n; 16],
        title: "pdf_speed",
        created: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default(),
    }
}
