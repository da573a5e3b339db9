//! The customer barcode as printed: bars read back from the generated PDF
//! (rectangles' heights and positions) decode to the manifest's characters
//! with a valid check digit; every printed packet has a barcode or an
//! exception saying why; mailing.csv counts the districts.

mod common;

use common::read_csv;
use kigen::barcode::{check_digit_ok, decode_rects, manifest_text};
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

/// Black filled rectangles inside the envelope window of `page`, as
/// (x, y-from-top, w, h) in mm.
fn black_rects_in_window(doc: &Document, page: u32) -> Vec<(f32, f32, f32, f32)> {
    let pages = doc.get_pages();
    let id = pages[&page];
    let content = Content::decode(&doc.get_page_content(id)).unwrap();
    let mut grey = 0.0f32;
    let mut pending: Option<(f32, f32, f32, f32)> = None;
    let mut out = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "g" => grey = num(&op.operands[0]),
            "re" => {
                let v: Vec<f32> = op.operands.iter().map(num).collect();
                pending = Some((v[0], v[1], v[2], v[3]));
            }
            "f" | "F" | "f*" => {
                if let (Some((x, y, w, h)), true) = (pending.take(), grey == 0.0) {
                    let (x, w, h) = (x * MM_PER_PT, w * MM_PER_PT, h * MM_PER_PT);
                    let top = 297.0 - y * MM_PER_PT - h;
                    // Bars are at least 1.2 mm tall. (The window code,
                    // SPEC 16, is an image, not rectangles.)
                    if (20.0..110.0).contains(&x) && (45.0..90.0).contains(&top) && h >= 1.0 {
                        out.push((x, top, w, h));
                    }
                }
            }
            _ => pending = None,
        }
    }
    out
}

#[test]
fn printed_bars_decode_to_the_manifest_with_a_valid_check_digit() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::kigen_command()
        .args([
            "run",
            "--quiet",
            "--input",
            common::repo_path("input-samples/registry-sample.csv").as_str(),
            "--as-of",
            "2026-11-26",
        ])
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
    let exceptions = read_csv(&batch.join("exceptions.csv"));
    assert!(manifest.len() > 20);
    let mut decoded = 0;
    for row in &manifest {
        let code = &row["resident_code"];
        let doc = Document::load(batch.join(&row["file"])).unwrap();
        let first: u32 = row["first_page"].parse().unwrap();
        let rects = black_rects_in_window(&doc, first);
        if row["barcode"].is_empty() {
            // No barcode: an exception says why, and no bars are drawn.
            assert!(
                exceptions.iter().any(|e| &e["resident_code"] == code
                    && (e["code"] == "no-barcode" || e["code"] == "postal-mismatch")),
                "{code} has neither barcode nor exception"
            );
            assert!(!row["barcode_note"].is_empty());
            assert!(rects.len() < 67, "{code}: bars drawn without a barcode");
            continue;
        }
        assert_eq!(rects.len(), 67, "{code}: 67 bars");
        // Pitch 1.2 mm, width 0.6 mm, long bars 3.6 mm at the nominal 10 pt.
        let mut xs: Vec<f32> = rects.iter().map(|r| r.0).collect();
        xs.sort_by(f32::total_cmp);
        for w in xs.windows(2) {
            assert!(
                (w[1] - w[0] - 1.2).abs() < 0.01,
                "{code}: pitch {}",
                w[1] - w[0]
            );
        }
        assert!(rects.iter().all(|r| (r.2 - 0.6).abs() < 0.01));
        let tallest = rects.iter().map(|r| r.3).fold(0.0, f32::max);
        assert!((tallest - 3.6).abs() < 0.01);
        let chars = decode_rects(&rects).unwrap_or_else(|| panic!("{code}: bars do not decode"));
        assert!(check_digit_ok(&chars), "{code}");
        assert_eq!(manifest_text(&chars), row["barcode"], "{code}");
        decoded += 1;
    }
    assert!(
        decoded >= manifest.len() * 9 / 10,
        "most Saku addresses get a barcode"
    );

    // The sample holds an address whose town does not match its postal code.
    assert!(exceptions.iter().any(|e| e["code"] == "postal-mismatch"));

    // mailing.csv: per file and district, adding up to the manifest.
    let mailing = read_csv(&batch.join("mailing.csv"));
    let total = mailing
        .iter()
        .find(|r| r["file"] == "all" && r["district"] == "all")
        .unwrap();
    assert_eq!(total["packets"], manifest.len().to_string());
    let by_district: usize = mailing
        .iter()
        .filter(|r| r["file"] != "all" && r["district"] != "all")
        .map(|r| r["packets"].parse::<usize>().unwrap())
        .sum();
    assert_eq!(by_district, manifest.len());
    // Each district's packets are together within a print file.
    let file = "print/notices-0001.pdf";
    let mut runs: Vec<String> = manifest
        .iter()
        .filter(|r| r["file"] == file)
        .map(|r| r["postal_code"][..3].to_string())
        .collect();
    runs.dedup();
    let mut unique = runs.clone();
    unique.sort();
    unique.dedup();
    assert!(unique.len() > 1, "the sample spans districts 384 and 385");
    assert_eq!(runs.len(), unique.len(), "{file}: districts not contiguous");
}
