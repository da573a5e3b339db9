//! The mail room's print side (SPEC 11): presort bundles by 郵便区番号 (every
//! packet in exactly one bundle, sizes and keys by the rule), the slips and
//! the count sheet read back from their PDFs against bundles.csv and the
//! manifest, weight bands, the piece marks and the OMR track on every sheet,
//! and the card notice's 申請時来庁方式 paragraph.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use common::{kigen, page_texts, profile_with, read_csv};
use kigen::barcode::{PostalData, PostalTable};
use lopdf::content::Content;
use lopdf::{Document, Object};

const AS_OF: &str = "2026-11-26";

/// A synthetic export with many notices across the sample's towns.
fn export(dir: &Path) -> PathBuf {
    let f = dir.join("registry.csv");
    let o = kigen(&[
        "sample",
        "--rows",
        "4000",
        "--seed",
        "11",
        "--as-of",
        AS_OF,
        "--due-percent",
        "12",
        "--out",
        f.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    f
}

fn run(dir: &Path, input: &Path, profile: &Path) -> PathBuf {
    let out = dir.join("out");
    let o = kigen(&[
        "run",
        "--quiet",
        "--input",
        input.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--allow-future",
        "--out",
        out.to_str().unwrap(),
        "--state",
        dir.join("s.sqlite").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let batch = out.join(AS_OF);
    let v = kigen(&["verify", batch.to_str().unwrap()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    batch
}

/// Checks bundles.csv against the manifest and the rule for `min`.
fn check_bundles(batch: &Path, min: u32) -> Vec<HashMap<String, String>> {
    let manifest = read_csv(&batch.join("manifest.csv"));
    let bundles = read_csv(&batch.join("bundles.csv"));
    let table = PostalTable::builtin().unwrap();
    let ku = |postal: &str| table.ku(postal).unwrap_or_default();
    // Every packet in exactly one bundle.
    let mut seen = vec![0u32; manifest.len()];
    for b in &bundles {
        let (first, last): (usize, usize) = (
            b["first_seq"].parse().unwrap(),
            b["last_seq"].parse().unwrap(),
        );
        assert_eq!(b["pieces"].parse::<usize>().unwrap(), last - first + 1);
        for s in first..=last {
            seen[s - 1] += 1;
        }
        let pieces = &manifest[first - 1..last];
        let nf: Vec<&str> = pieces
            .iter()
            .map(|r| r["non_forwardable"].as_str())
            .collect();
        assert!(
            nf.windows(2).all(|w| w[0] == w[1]),
            "a bundle is of one pile"
        );
        let kus: Vec<String> = pieces.iter().map(|r| ku(&r["postal_code"])).collect();
        let key = b["key"].as_str();
        match key.chars().count() {
            // One 郵便区, large enough.
            3 | 5 => {
                assert!(kus.iter().all(|k| k == key), "{key}: {kus:?}");
                assert!(pieces.len() as u32 >= min, "{key}");
            }
            // Small 郵便区 sharing two digits, together large enough.
            2 => {
                assert!(kus.iter().all(|k| k.starts_with(key)), "{key}: {kus:?}");
                assert!(pieces.len() as u32 >= min);
            }
            _ => assert_eq!(key, "雑"),
        }
        if key != "雑" && key.len() == 5 {
            let codes: Vec<&str> = pieces.iter().map(|r| r["postal_code"].as_str()).collect();
            assert!(
                codes.windows(2).all(|w| w[0] <= w[1]),
                "{key}: by postal code"
            );
        }
        // Each file the bundle names holds some of its pieces.
        let mut files: Vec<&str> = pieces.iter().map(|r| r["file"].as_str()).collect();
        files.dedup();
        assert_eq!(files.join(";"), b["file"]);
    }
    assert!(
        seen.iter().all(|n| *n == 1),
        "every packet in exactly one bundle"
    );
    // A 郵便区 under the minimum never has a bundle of its own, and one at
    // or over it always does (per pile).
    let mut per_ku: BTreeMap<(String, String), u32> = BTreeMap::new();
    for r in &manifest {
        *per_ku
            .entry((r["non_forwardable"].clone(), ku(&r["postal_code"])))
            .or_default() += 1;
    }
    for ((nf, k), n) in per_ku {
        let own = bundles.iter().any(|b| {
            b["key"] == k
                && manifest[b["first_seq"].parse::<usize>().unwrap() - 1]["non_forwardable"] == nf
        });
        assert_eq!(own, n >= min, "{k} ({n} pieces, min {min})");
    }
    bundles
}

#[test]
fn bundles_slips_and_the_count_sheet_agree_with_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let input = export(dir.path());
    let profile = profile_with(
        dir.path(),
        &[
            ("chunk = 500", "chunk = 60"),
            ("sheet_grams = 4.0", "sheet_grams = 12.0"),
        ],
    );
    let batch = run(dir.path(), &input, &profile);
    let bundles = check_bundles(&batch, 10);
    assert!(
        bundles.iter().any(|b| b["key"].len() == 5),
        "large 郵便区 get their own"
    );
    assert!(
        bundles.iter().any(|b| b["file"].contains(';')),
        "a bundle runs over a file boundary"
    );
    let manifest = read_csv(&batch.join("manifest.csv"));

    // The slips: one per bundle, two to a page, read back.
    let slips = page_texts(&batch.join("print/bundle-slips.pdf"));
    assert_eq!(slips.len(), bundles.len().div_ceil(2));
    for (i, b) in bundles.iter().enumerate() {
        let page = &slips[i / 2];
        for want in [
            format!("束{}/{}", b["bundle"], bundles.len()),
            format!("{}通", b["pieces"]),
            format!("{}～{}", b["first_seq"], b["last_seq"]),
            b["key"].clone(),
        ] {
            assert!(page.contains(&want), "{want} in {page}");
        }
    }

    // The count sheet: pieces per file and in total, barcodes, bands.
    let sheet = page_texts(&batch.join("print/count-sheet.pdf")).concat();
    let mut per_file: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for r in &manifest {
        let e = per_file.entry(r["file"].as_str()).or_default();
        e.0 += 1;
        e.1 += r["pages"].parse::<u32>().unwrap();
    }
    for (file, (pieces, sheets)) in &per_file {
        assert!(
            sheet.contains(&format!("{file}{pieces}{sheets}")),
            "{file}: {sheet}"
        );
    }
    let total = manifest.len();
    let pages: u32 = per_file.values().map(|v| v.1).sum();
    assert!(sheet.contains(&format!("合計{total}{pages}")), "{sheet}");
    let with = manifest.iter().filter(|r| !r["barcode"].is_empty()).count();
    assert!(sheet.contains(&format!("バーコードあり{with}")), "{sheet}");
    assert!(
        sheet.contains(&format!("バーコードなし{}", total - with)),
        "{sheet}"
    );
    // Two sheets at 12 g and a 5 g envelope: 29 g, the 50 g band.
    assert!(sheet.contains(&format!("定形50g以下{total}")), "{sheet}");
    assert!(sheet.contains("2枚29.0g"), "{sheet}");
}

#[test]
fn a_high_minimum_gathers_small_ku_and_the_rest_is_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let input = export(dir.path());
    let profile = profile_with(dir.path(), &[("bundle_min = 10", "bundle_min = 40")]);
    let batch = run(dir.path(), &input, &profile);
    let bundles = check_bundles(&batch, 40);
    assert!(bundles.iter().any(|b| b["key"] == "雑"));
}

fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => f32::NAN,
    }
}

/// The OMR positions marked on a page: filled rectangles starting at x
/// (mm), as positions (y − y0) / pitch.
fn omr_positions(doc: &Document, page: u32, x: f32, y0: f32, pitch: f32) -> Vec<u32> {
    let id = doc.get_pages()[&page];
    let content = Content::decode(&doc.get_page_content(id)).unwrap();
    let mm = 25.4 / 72.0;
    let mut pending = None;
    let mut out = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "re" => {
                let v: Vec<f32> = op.operands.iter().map(num).collect();
                pending = Some((v[0] * mm, 297.0 - (v[1] + v[3]) * mm, v[2] * mm));
            }
            "f" | "F" | "f*" => {
                if let Some((rx, top, w)) = pending.take() {
                    if (rx - x).abs() < 0.05 && (w - 8.0).abs() < 0.05 {
                        let k = (top - y0) / pitch;
                        assert!((k - k.round()).abs() < 0.02, "a mark off the track: {top}");
                        out.push(k.round() as u32);
                    }
                }
            }
            _ => pending = None,
        }
    }
    out.sort();
    out
}

#[test]
fn every_sheet_carries_its_piece_mark_and_omr_track() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::root().join("input-samples/registry-sample.csv");
    let profile = profile_with(
        dir.path(),
        &[
            ("enabled = false", "enabled = true"),
            ("duplex = false", "duplex = true"),
        ],
    );
    let batch = run(dir.path(), &input, &profile);
    let manifest = read_csv(&batch.join("manifest.csv"));
    let mut texts: HashMap<String, Vec<String>> = HashMap::new();
    let mut docs: HashMap<String, Document> = HashMap::new();
    for r in &manifest {
        let file = &r["file"];
        let pages = texts
            .entry(file.clone())
            .or_insert_with(|| page_texts(&batch.join(file)));
        let doc = docs
            .entry(file.clone())
            .or_insert_with(|| Document::load(batch.join(file)).unwrap());
        let first: usize = r["first_page"].parse().unwrap();
        let n: usize = r["pages"].parse().unwrap();
        // Duplex: a sheet is two pages, the front marked.
        let sheets = n / 2;
        for s in 0..sheets {
            let page = first + 2 * s;
            let mark = format!("{}{}/{}", r["document_number"], s + 1, sheets);
            assert!(pages[page - 1].contains(&mark), "{mark} on page {page}");
            assert!(
                pages[page].is_empty(),
                "the back of the sheet is blank and unmarked"
            );
            let marks = omr_positions(doc, page as u32, 4.0, 120.0, 4.0);
            assert_eq!(marks[0], 0, "start mark");
            assert_eq!(
                marks.contains(&1),
                s + 1 == sheets,
                "end of packet on the last sheet"
            );
            assert_eq!(marks.len() % 2, 1, "odd parity: {marks:?}");
            assert!(omr_positions(doc, page as u32 + 1, 4.0, 120.0, 4.0).is_empty());
        }
    }
}

#[test]
fn the_counter_application_paragraph_prints_only_when_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::root().join("input-samples/registry-sample.csv");
    let text =
        "窓口で申請する場合（申請時来庁方式）は、新しいカードを本人限定受取郵便でお送りします。";
    let profile = profile_with(
        dir.path(),
        &[(
            "card_apply_at_counter = []",
            &format!("card_apply_at_counter = [\"{text}\"]"),
        )],
    );
    let batch = run(dir.path(), &input, &profile);
    let manifest = read_csv(&batch.join("manifest.csv"));
    let mut card = 0;
    for r in &manifest {
        let pages = page_texts(&batch.join(&r["file"]));
        let letter = &pages[r["first_page"].parse::<usize>().unwrap() - 1];
        assert_eq!(
            letter.contains(text),
            r["kind"] == "card",
            "{}",
            r["resident_code"]
        );
        card += usize::from(r["kind"] == "card");
    }
    assert!(card > 0);
}

#[test]
fn verify_reads_the_slips_and_the_count_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::root().join("input-samples/registry-sample.csv");
    let profile = profile_with(dir.path(), &[]);
    let batch = run(dir.path(), &input, &profile);
    // The slips replaced by the count sheet, summary.json made to agree:
    // only reading the PDF can tell.
    let sheet = std::fs::read(batch.join("print/count-sheet.pdf")).unwrap();
    std::fs::write(batch.join("print/bundle-slips.pdf"), &sheet).unwrap();
    let path = batch.join("summary.json");
    let mut summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let listed = summary["files"].as_array().unwrap().clone();
    let count_sheet = listed
        .iter()
        .find(|f| f["file"] == "print/count-sheet.pdf")
        .unwrap()
        .clone();
    for f in summary["files"].as_array_mut().unwrap() {
        if f["file"] == "print/bundle-slips.pdf" {
            f["bytes"] = count_sheet["bytes"].clone();
            f["sha256"] = count_sheet["sha256"].clone();
        }
    }
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&summary).unwrap() + "\n",
    )
    .unwrap();
    let v = kigen(&["verify", batch.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(1));
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(
        text.contains("MISMATCH print/bundle-slips.pdf: each bundle's slip with its pieces"),
        "{text}"
    );
}
