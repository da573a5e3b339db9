//! The Data Matrix codes as printed (SPEC 16): the modules are read back
//! from every sheet's content stream with lopdf (each code is an inline
//! image mask, a bit a module), rebuilt into a bit matrix
//! and decoded: each sheet's code is `<document number>|i/n`, each first
//! sheet's window code is the document number, at least 5 mm from the
//! customer barcode; a document number too long for the codes is the
//! profile's error.

mod common;

use common::read_csv;
use kigen::barcode::datamatrix::{decode, SHEET_MODULE_MM, WINDOW_MODULE_MM};
use lopdf::content::Content;
use lopdf::{Document, Object};

const MM_PER_PT: f32 = 25.4 / 72.0;

fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => f32::NAN,
    }
}

/// Black filled rectangles of a page as (x, y-from-top, w, h) in mm: the
/// filled `re` paths, and each painted sample of an image mask (a module
/// of a code) as its own square.
fn black_rects(doc: &Document, page: u32) -> Vec<(f32, f32, f32, f32)> {
    let id = doc.get_pages()[&page];
    let content = Content::decode(&doc.get_page_content(id)).unwrap();
    let mut grey = 0.0f32;
    // The current matrix as (a, d, e, f): the writer scales and moves only.
    let mut ctm = (1.0f32, 1.0f32, 0.0f32, 0.0f32);
    let mut saved = Vec::new();
    let mut pending = None;
    let mut out = Vec::new();
    let mut push = |x: f32, y: f32, w: f32, h: f32| {
        let (x, w, h) = (x * MM_PER_PT, w * MM_PER_PT, h * MM_PER_PT);
        out.push((x, 297.0 - y * MM_PER_PT - h, w, h));
    };
    for op in &content.operations {
        match op.operator.as_str() {
            "g" => grey = num(&op.operands[0]),
            "q" => saved.push((grey, ctm)),
            "Q" => (grey, ctm) = saved.pop().expect("balanced q/Q"),
            "cm" => {
                let v: Vec<f32> = op.operands.iter().map(num).collect();
                assert!(v[1] == 0.0 && v[2] == 0.0, "only scaling and moving");
                ctm = (
                    ctm.0 * v[0],
                    ctm.1 * v[3],
                    ctm.2 + ctm.0 * v[4],
                    ctm.3 + ctm.1 * v[5],
                );
            }
            "re" => {
                let v: Vec<f32> = op.operands.iter().map(num).collect();
                pending = Some((v[0], v[1], v[2], v[3]));
            }
            "f" | "F" | "f*" => {
                if let (Some((x, y, w, h)), true) = (pending.take(), grey == 0.0) {
                    push(x, y, w, h);
                }
            }
            "BI" => {
                let image = op.operands[0].as_stream().unwrap();
                let get = |k: &[u8]| image.dict.get(k).unwrap();
                assert!(get(b"IM").as_bool().unwrap() && grey == 0.0, "a black mask");
                // `/D [1 0]`: a 1 paints.
                let decode = get(b"D").as_array().unwrap();
                assert_eq!(num(&decode[0]), 1.0);
                let (cols, rows) = (get(b"W").as_i64().unwrap(), get(b"H").as_i64().unwrap());
                let (cols, rows) = (cols as usize, rows as usize);
                let (mw, mh) = (ctm.0 / cols as f32, ctm.1 / rows as f32);
                let stride = cols.div_ceil(8);
                for r in 0..rows {
                    for c in 0..cols {
                        if image.content[r * stride + c / 8] & (0x80 >> (c % 8)) != 0 {
                            // Row 0 is the top of the image.
                            let y = ctm.3 + (rows - 1 - r) as f32 * mh;
                            push(ctm.2 + c as f32 * mw, y, mw, mh);
                        }
                    }
                }
            }
            _ => pending = None,
        }
    }
    out
}

/// The rectangles inside `zone` (x0, y0, x1, y1 in mm).
fn within(
    rects: &[(f32, f32, f32, f32)],
    (x0, y0, x1, y1): (f32, f32, f32, f32),
) -> Vec<(f32, f32, f32, f32)> {
    rects
        .iter()
        .copied()
        .filter(|r| r.0 >= x0 && r.1 >= y0 && r.0 + r.2 <= x1 && r.1 + r.3 <= y1)
        .collect()
}

/// The text of a symbol drawn as runs of `module`-mm modules: the grid is
/// rebuilt from the rectangles' corners and decoded.
fn read_symbol(rects: &[(f32, f32, f32, f32)], module: f32) -> Option<String> {
    let x0 = rects.iter().map(|r| r.0).fold(f32::MAX, f32::min);
    let y0 = rects.iter().map(|r| r.1).fold(f32::MAX, f32::min);
    let cell = |v: f32, o: f32| ((v - o) / module).round() as usize;
    let w = rects.iter().map(|r| cell(r.0 + r.2, x0)).max()?;
    let h = rects.iter().map(|r| cell(r.1 + r.3, y0)).max()?;
    let mut dark = vec![false; w * h];
    for r in rects {
        for c in cell(r.0, x0)..cell(r.0 + r.2, x0) {
            for row in cell(r.1, y0)..cell(r.1 + r.3, y0) {
                dark[row * w + c] = true;
            }
        }
    }
    decode(&dark, w)
}

/// The gap between two rectangles (0 when they touch or overlap), mm.
fn gap(a: (f32, f32, f32, f32), b: (f32, f32, f32, f32)) -> f32 {
    let dx = (b.0 - (a.0 + a.2)).max(a.0 - (b.0 + b.2)).max(0.0);
    let dy = (b.1 - (a.1 + a.3)).max(a.1 - (b.1 + b.3)).max(0.0);
    dx.hypot(dy)
}

/// The bounding box of some rectangles.
fn bbox(rects: &[(f32, f32, f32, f32)]) -> (f32, f32, f32, f32) {
    let x0 = rects.iter().map(|r| r.0).fold(f32::MAX, f32::min);
    let y0 = rects.iter().map(|r| r.1).fold(f32::MAX, f32::min);
    let x1 = rects.iter().map(|r| r.0 + r.2).fold(f32::MIN, f32::max);
    let y1 = rects.iter().map(|r| r.1 + r.3).fold(f32::MIN, f32::max);
    (x0, y0, x1 - x0, y1 - y0)
}

#[test]
fn every_sheet_and_every_window_code_decodes_to_its_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::kigen_command()
        .args(["run", "--quiet", "--as-of", "2026-11-26", "--input"])
        .arg(common::repo_path("input-samples/registry-sample.csv"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--state")
        .arg(dir.path().join("state.sqlite"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let batch = dir.path().join("out/2026-11-26");
    let manifest = read_csv(&batch.join("manifest.csv"));
    assert!(manifest.len() > 20);
    let (mut sheets, mut barcodes) = (0, 0);
    let mut docs = std::collections::HashMap::new();
    for row in &manifest {
        let document = &row["document_number"];
        let doc = docs
            .entry(row["file"].clone())
            .or_insert_with(|| Document::load(batch.join(&row["file"])).unwrap());
        let first: u32 = row["first_page"].parse().unwrap();
        let pages: u32 = row["pages"].parse().unwrap();
        for i in 0..pages {
            let rects = black_rects(doc, first + i);
            // Default position: 48, 5 mm; at most 26 modules of 0.4 mm.
            let code = within(&rects, (47.9, 4.9, 58.5, 15.5));
            assert_eq!(
                read_symbol(&code, SHEET_MODULE_MM),
                Some(format!("{document}|{}/{pages}", i + 1)),
                "{document} sheet {}",
                i + 1
            );
            // A 2 mm quiet zone: nothing else black within it.
            let b = bbox(&code);
            let others = rects.iter().filter(|r| !code.contains(r));
            assert!(others.clone().all(|r| gap(*r, b) >= 2.0), "{document}");
            sheets += 1;
        }
        let rects = black_rects(doc, first);
        // The window code at 46, 46 mm; 16 × 48 modules of 0.25 at most.
        let window = within(&rects, (45.9, 45.9, 58.1, 50.1));
        assert_eq!(
            read_symbol(&window, WINDOW_MODULE_MM).as_deref(),
            Some(document.as_str()),
            "{document}: window code"
        );
        // The customer barcode's bars (0.6 mm wide, in the window).
        let bars: Vec<_> = within(&rects, (20.0, 45.0, 110.0, 90.0))
            .into_iter()
            .filter(|r| (r.2 - 0.6).abs() < 0.01)
            .collect();
        if !row["barcode"].is_empty() {
            assert_eq!(bars.len(), 67, "{document}");
            let clear = gap(bbox(&bars), bbox(&window));
            assert!(clear >= 5.0, "{document}: {clear} mm from the barcode");
            barcodes += 1;
        }
    }
    assert!(sheets > manifest.len(), "some packets have two sheets");
    assert!(barcodes > manifest.len() / 2);
    // The window code's text: the document number inside the window.
    let texts = common::page_texts(&batch.join(&manifest[0]["file"]));
    let first: usize = manifest[0]["first_page"].parse().unwrap();
    let doc0 = &manifest[0]["document_number"];
    assert!(
        texts[first - 1].matches(doc0.as_str()).count() >= 3,
        "{}",
        texts[first - 1]
    );
}

#[test]
fn codes_off_draw_none_and_a_too_long_document_number_is_the_profiles_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = |profile: &std::path::Path, out: &str| {
        common::kigen_command()
            .args(["run", "--quiet", "--as-of", "2026-11-26", "--input"])
            .arg(common::repo_path("input-samples/registry-sample.csv"))
            .arg("--profile")
            .arg(profile)
            .arg("--out")
            .arg(dir.path().join(out))
            .arg("--state")
            .arg(dir.path().join(format!("{out}.sqlite")))
            .output()
            .unwrap()
    };
    let long = "document_number = \"佐久市市民課マイナンバーカード有効期限通知第{date}-{seq}号\"";
    let p = common::profile_with(
        &dir.path().join("long"),
        &[("document_number = \"佐市民第{date}-{seq}号\"", long)],
    );
    let o = run(&p, "long");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("letter.document_number"), "{err}");
    assert!(err.contains("sheet_code"), "{err}");
    // Both codes off: the long number prints, and no code is drawn.
    let p = common::profile_with(
        &dir.path().join("off"),
        &[
            ("document_number = \"佐市民第{date}-{seq}号\"", long),
            ("sheet_code = \"datamatrix\"", "sheet_code = \"none\""),
            ("window_code = true", "window_code = false"),
        ],
    );
    let o = run(&p, "off");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let batch = dir.path().join("off/2026-11-26");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let doc = Document::load(batch.join(&manifest[0]["file"])).unwrap();
    let rects = black_rects(&doc, manifest[0]["first_page"].parse().unwrap());
    assert!(within(&rects, (40.0, 0.0, 70.0, 20.0)).is_empty());
    assert!(within(&rects, (40.0, 45.0, 70.0, 51.0)).is_empty());
    // A window code placed off the window's 〒 band names its keys.
    let p = common::profile_with(
        &dir.path().join("low"),
        &[("window_code_y_mm = 46.0", "window_code_y_mm = 70.0")],
    );
    let o = run(&p, "low");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("mail.window_code_x_mm"));
}
