//! `kigen run` end to end with and without a fallback font: the fixture
//! tests/fixtures/fonts/fallback-mincho.ttf (a renamed subset of IPAmj明朝).
//! A name holding 𠵘 (U+20D58, absent from IPAex) and one holding 葛 with the
//! variation selector U+E0102 (a variant IPAex does not register) reach kigen
//! through the 外字 table, as they would from a CP932 registry. With the
//! fallback both are printed in a third embedded font; without it both are
//! held, and held.csv names the character.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{profile_with, read_csv, root};
use lopdf::{Document, Object};

const AS_OF: &str = "2026-11-26";

const HEADER: [&str; 20] = [
    "住民コード",
    "個人番号",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "住民状態",
    "郵便番号",
    "住所",
    "方書",
    "カード申請日",
    "カード発行日",
    "カード有効期限",
    "利用者証明用電子証明書発行日",
    "利用者証明用電子証明書有効期限",
    "署名用電子証明書発行日",
    "署名用電子証明書有効期限",
    "在留期間満了日",
    "転送不要",
    "法定代理人氏名",
];

/// The 外字 codes this test adds to the Saku table (CP932 F0 44 and F0 45).
const GAIJI: &str = "U+E004,\u{20D58}\nU+E005,葛\u{E0102}\n";

/// A resident adult whose card (issued 2017-03-01, born 1970-01-15) and
/// renewed certificates all expire on 2027-01-15: due on 2026-11-26.
fn due_row(code: &str, name: &str, kana: &str) -> Vec<String> {
    let mut v = vec![String::new(); HEADER.len()];
    for (i, s) in [
        (0, code),
        (1, "123456789018"),
        (2, name),
        (3, kana),
        (4, "1970-01-15"),
        (5, "女"),
        (6, "住民"),
        (7, "385-0051"),
        (8, "長野県佐久市中込1丁目2番3号"),
        (11, "2017-03-01"),
        (13, "2022-02-01"),
        (15, "2022-02-01"),
    ] {
        v[i] = s.to_string();
    }
    v
}

/// Appends `text` in CP932. encoding_rs encodes no user-defined character
/// (it only decodes them), so U+E000-U+E757 are written here: 188 codes per
/// lead byte from F0, trail bytes 40-7E then 80-FC.
fn cp932(text: &str, out: &mut Vec<u8>) {
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<u8>| {
        let (bytes, _, errors) = encoding_rs::SHIFT_JIS.encode(run);
        assert!(!errors, "CP932 encodes {run:?}");
        out.extend_from_slice(&bytes);
        run.clear();
    };
    for c in text.chars() {
        if let '\u{E000}'..='\u{E757}' = c {
            flush(&mut run, out);
            let n = c as u32 - 0xE000;
            let trail = (n % 188) as u8;
            out.push(0xF0 + (n / 188) as u8);
            out.push(if trail < 0x3F {
                0x40 + trail
            } else {
                0x41 + trail
            });
        } else {
            run.push(c);
        }
    }
    flush(&mut run, out);
}

/// The registry, CP932 with CRLF line ends: one ordinary due resident and
/// two whose names hold a 外字 code.
fn write_registry(path: &Path) {
    let rows = [
        HEADER.iter().map(|s| s.to_string()).collect(),
        due_row("F001", "佐久　太郎", "サク　タロウ"),
        due_row("F002", "\u{E004}田　花子", "ヨシダ　ハナコ"),
        due_row("F003", "\u{E005}西　一郎", "カサイ　イチロウ"),
    ];
    let mut bytes = Vec::new();
    for row in rows {
        cp932(&row.join(","), &mut bytes);
        bytes.extend_from_slice(b"\r\n");
    }
    // The user-defined area: U+E004 is F0 44, U+E005 is F0 45.
    assert!(bytes.windows(2).any(|w| w == [0xF0, 0x44]));
    assert!(bytes.windows(2).any(|w| w == [0xF0, 0x45]));
    std::fs::write(path, bytes).unwrap();
}

/// A copy of the Saku profile: the built-in IPAex fonts, the fixture as
/// fallback (or none) and the example 外字 table with two more codes.
fn profile(dir: &Path, fallback: Option<&Path>) -> PathBuf {
    let fallback = format!(
        "fallback = {:?}",
        fallback.map_or("", |p| p.to_str().unwrap())
    );
    let p = profile_with(
        dir,
        &[
            ("fallback = \"\"", &fallback),
            ("table = \"\"", "table = \"gaiji.csv\""),
        ],
    );
    let mut gaiji =
        std::fs::read_to_string(root().join("input-samples/gaiji-example.csv")).unwrap();
    assert!(gaiji.ends_with('\n'));
    gaiji.push_str(GAIJI);
    std::fs::write(p.join("gaiji.csv"), gaiji).unwrap();
    p
}

fn fixture() -> PathBuf {
    root().join("tests/fixtures/fonts/fallback-mincho.ttf")
}

/// Runs `kigen run` on the registry with or without the fallback; the batch
/// directory.
fn run(dir: &Path, fallback: Option<&Path>) -> PathBuf {
    let input = dir.join("registry.csv");
    write_registry(&input);
    let profile = profile(dir, fallback);
    let out = dir.join("out");
    let status = common::kigen_command()
        .args(["run", "--as-of", AS_OF, "--quiet", "--input"])
        .arg(&input)
        .arg("--profile")
        .arg(&profile)
        .arg("--out")
        .arg(&out)
        .arg("--state")
        .arg(dir.join("state.sqlite"))
        .output()
        .expect("kigen runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    out.join(AS_OF)
}

/// resident_code → outcome.
fn outcomes(batch: &Path) -> HashMap<String, String> {
    read_csv(&batch.join("outcomes.csv"))
        .into_iter()
        .map(|r| (r["resident_code"].clone(), r["outcome"].clone()))
        .collect()
}

/// The base names (after the subset tag) of the Type0 fonts a PDF embeds.
fn embedded_fonts(doc: &Document) -> Vec<String> {
    let mut names: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0"))
        .map(|d| {
            let name = d.get(b"BaseFont").and_then(Object::as_name).unwrap();
            let name = String::from_utf8_lossy(name);
            let (_, base) = name.split_once('+').expect("a subset tag");
            base.to_string()
        })
        .collect();
    names.sort();
    names
}

/// Text of one page, whitespace removed.
fn page_text(doc: &Document, page: u32) -> String {
    doc.extract_text(&[page])
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn the_fallback_font_prints_what_ipaex_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run(dir.path(), Some(&fixture()));

    let outcomes = outcomes(&batch);
    for code in ["F001", "F002", "F003"] {
        assert_eq!(outcomes[code], "printed", "{code}: {outcomes:?}");
    }
    assert!(read_csv(&batch.join("held.csv")).is_empty());

    let manifest = read_csv(&batch.join("manifest.csv"));
    let row = |code: &str| {
        manifest
            .iter()
            .find(|r| r["resident_code"] == code)
            .unwrap_or_else(|| panic!("{code} is not in manifest.csv"))
    };
    assert_eq!(row("F002")["name"], "\u{20D58}田\u{3000}花子");
    assert_eq!(row("F003")["name"], "葛\u{E0102}西\u{3000}一郎");

    let mut docs: HashMap<String, Document> = HashMap::new();
    // The variant glyph's ToUnicode entry is the whole sequence: the text
    // holds the selector only where the variant itself was drawn.
    for (code, want) in [
        ("F002", "\u{20D58}田花子様"),
        ("F003", "葛\u{E0102}西一郎様"),
    ] {
        let r = row(code);
        let doc = docs
            .entry(r["file"].clone())
            .or_insert_with(|| Document::load(batch.join(&r["file"])).unwrap());
        let first: u32 = r["first_page"].parse().unwrap();
        let text = page_text(doc, first);
        assert!(text.contains(want), "{code}: {text}");
    }
    // Mincho, Gothic and the fallback, by the fixture's own name (which the
    // IPA Font License requires to differ from IPAmj明朝's).
    for (file, doc) in &docs {
        let fonts = embedded_fonts(doc);
        assert_eq!(fonts.len(), 3, "{file}: {fonts:?}");
        assert!(
            fonts.iter().any(|f| f == "KigenFixtureMincho"),
            "{file}: {fonts:?}"
        );
    }
}

#[test]
fn without_the_fallback_font_those_names_are_held() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run(dir.path(), None);

    let outcomes = outcomes(&batch);
    assert_eq!(outcomes["F001"], "printed", "{outcomes:?}");
    assert_eq!(outcomes["F002"], "held", "{outcomes:?}");
    assert_eq!(outcomes["F003"], "held", "{outcomes:?}");

    let held: HashMap<String, HashMap<String, String>> = read_csv(&batch.join("held.csv"))
        .into_iter()
        .map(|r| (r["resident_code"].clone(), r))
        .collect();
    assert_eq!(held.len(), 2, "{held:?}");
    let f002 = &held["F002"];
    assert_eq!(f002["field"], "氏名");
    assert_eq!(f002["code_point"], "U+20D58");
    assert!(f002["reason"].contains("\u{20D58} (U+20D58)"), "{f002:?}");
    let f003 = &held["F003"];
    assert_eq!(f003["field"], "氏名");
    assert_eq!(f003["code_point"], "U+845B");
    assert!(f003["reason"].contains("U+845B U+E0102"), "{f003:?}");

    let manifest = read_csv(&batch.join("manifest.csv"));
    let codes: Vec<&str> = manifest
        .iter()
        .map(|r| r["resident_code"].as_str())
        .collect();
    assert_eq!(codes, ["F001"]);
    let doc = Document::load(batch.join(&manifest[0]["file"])).unwrap();
    assert_eq!(
        embedded_fonts(&doc).len(),
        2,
        "Mincho and Gothic only: {:?}",
        embedded_fonts(&doc)
    );
    for page in 1..=doc.get_pages().len() as u32 {
        let text = page_text(&doc, page);
        assert!(
            !text.contains('\u{20D58}') && !text.contains("花子"),
            "{text}"
        );
    }
}
