//! `kigen run` on input-samples/edge-cases.csv: the print files, read back
//! with lopdf (no system tools): pages, text of both packet kinds, fonts
//! embedded as subsets with ToUnicode maps, the manifest, held packets kept
//! out, and byte-identical output whatever the thread count.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{
    example_gaiji_line, example_profile, page_texts, profile_with as saku_with, read_csv, root,
};
use lopdf::{Document, Object};

/// `kigen run` on the edge cases, with the example 外字 table they are
/// written for.
fn run_batch(out: &Path, threads: &str) -> PathBuf {
    let profile_dir = tempfile::tempdir().unwrap();
    run_batch_with(out, threads, &example_profile(profile_dir.path()))
}

/// `kigen run` on the edge cases with `profile` (summary.json names it, so
/// two batches compared byte for byte share one).
fn run_batch_with(out: &Path, threads: &str, profile: &Path) -> PathBuf {
    let status = common::kigen_command()
        .args([
            "run",
            "--input",
            common::repo_path("input-samples/edge-cases.csv").as_str(),
            "--as-of",
            "2026-11-26",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .arg("--state")
        .arg(out.join("state/kigen.sqlite"))
        .arg("--profile")
        .arg(profile)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("kigen runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    out.join("2026-11-26")
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn packets_hold_every_required_element() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_batch(dir.path(), "2");
    let manifest = read_csv(&batch.join("manifest.csv"));
    assert_eq!(manifest.len(), 10, "the printed outcomes of edge-cases.csv");

    let mut texts: HashMap<String, Vec<String>> = HashMap::new();
    for row in &manifest {
        let file = row["file"].clone();
        let pages = texts
            .entry(file.clone())
            .or_insert_with(|| page_texts(&batch.join(&file)));
        let first: usize = row["first_page"].parse().unwrap();
        let n: usize = row["pages"].parse().unwrap();
        assert_eq!(n, 2, "simplex: letter + enclosure");
        let letter = &pages[first - 1];
        let enclosure = &pages[first];
        let code = &row["resident_code"];
        let name = squash(&row["name"]);
        // Page 1: address block, document number, issuer, title, table.
        let postal = &row["postal_code"];
        assert!(
            letter.contains(&format!("〒{}-{}", &postal[..3], &postal[3..])),
            "{code}"
        );
        assert!(letter.contains(&format!("{name}様")), "{code}: {name}");
        assert!(letter.contains(&squash(&row["document_number"])), "{code}");
        assert!(letter.contains("令和8年11月26日"), "issue date in 和暦");
        assert!(letter.contains("佐久市長"));
        assert!(letter.contains("マイナンバーカード・電子証明書有効期限のお知らせ"));
        for label in [
            "マイナンバーカード",
            "利用者証明用電子証明書",
            "署名用電子証明書",
        ] {
            assert!(letter.contains(label), "{code}: {label}");
        }
        assert!(letter.contains("代理人"), "proxy section");
        assert!(
            letter.contains("A：") && letter.contains("B："),
            "identity lists"
        );
        assert!(letter.contains("臼田支所") && letter.contains("8時30分～17時15分"));
        assert!(letter.contains("無料") && letter.contains("6か月以内"));
        assert!(letter.contains("15歳未満"));
        assert!(letter.contains("0267-62-2111"));
        match row["kind"].as_str() {
            "card" => {
                assert!(letter.contains("新しいカードを申請"), "{code}");
                assert!(enclosure.contains("個人番号カード交付申請書"), "{code}");
                assert!(enclosure.contains("写真"), "{code}");
            }
            "certificate" => {
                assert!(letter.contains("窓口でのみ"), "{code}");
                assert!(letter.contains("数字4桁"), "{code}");
                assert!(enclosure.contains("照会書兼回答書"), "{code}");
                assert!(enclosure.contains("暗証番号"), "{code}");
                assert!(enclosure.contains("市使用欄"), "{code}");
            }
            k => panic!("kind {k}"),
        }
        assert!(enclosure.contains(&name), "{code}: identity pre-printed");
    }

    // Expiry in 和暦 with the weekday: E001's items expire 2027-01-15 (Friday).
    let e001 = manifest
        .iter()
        .find(|r| r["resident_code"] == "E001")
        .unwrap();
    let pages = &texts[&e001["file"]];
    assert!(pages[0].contains("令和9年1月15日（金）"));
    // A certificate-only resident has no signing certificate: 発行なし.
    let e031 = manifest
        .iter()
        .find(|r| r["resident_code"] == "E031")
        .unwrap();
    let first: usize = e031["first_page"].parse().unwrap();
    let pages = &texts[&e031["file"]];
    assert!(pages[first - 1].contains("発行なし"));
    assert!(pages[first].contains("署名用電子証明書は発行されていません"));

    // The minor with a legal representative, NEC/IBM kanji, non-forwardable.
    let e030 = manifest
        .iter()
        .find(|r| r["resident_code"] == "E030")
        .unwrap();
    assert_eq!(e030["file"], "print/non-forwardable-0001.pdf");
    assert_eq!(e030["non_forwardable"], "1");
    let nf = &texts[&e030["file"]];
    let first: usize = e030["first_page"].parse().unwrap();
    let letter = &nf[first - 1];
    assert!(letter.contains("髙﨑みどり様"));
    assert!(letter.contains("（法定代理人）髙﨑誠様"));
    assert!(letter.contains("転送不要"));
    // Regular mail carries no 転送不要 box.
    assert!(!texts["print/notices-0001.pdf"][0].contains("転送不要"));
}

#[test]
fn held_names_are_in_no_pdf_and_no_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_batch(dir.path(), "2");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let held = read_csv(&batch.join("held.csv"));
    let held_codes: Vec<&str> = held.iter().map(|h| h["resident_code"].as_str()).collect();
    assert_eq!(held_codes, ["E008", "E037"]);
    assert!(manifest
        .iter()
        .all(|r| !held_codes.contains(&r["resident_code"].as_str())));
    for entry in std::fs::read_dir(batch.join("print")).unwrap() {
        let path = entry.unwrap().path();
        for page in page_texts(&path) {
            assert!(!page.contains('\u{E010}'));
            assert!(!page.contains("𠮷"));
            assert!(!page.contains("田花子"), "E037's name");
        }
    }
}

#[test]
fn fonts_are_embedded_subsets_with_tounicode() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_batch(dir.path(), "2");
    let doc = Document::load(batch.join("print/notices-0001.pdf")).unwrap();
    let mut seen = 0;
    for (_, obj) in doc.objects.iter() {
        let Ok(dict) = obj.as_dict() else { continue };
        if dict.get(b"Type").and_then(Object::as_name).ok() != Some(b"Font".as_slice())
            || dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Type0".as_slice())
        {
            continue;
        }
        seen += 1;
        let base = dict.get(b"BaseFont").and_then(Object::as_name).unwrap();
        let base = String::from_utf8_lossy(base);
        let (tag, _) = base.split_once('+').expect("subset prefix");
        assert_eq!(tag.len(), 6, "{base}");
        assert!(tag.bytes().all(|b| b.is_ascii_uppercase()), "{base}");
        assert!(dict.get(b"ToUnicode").is_ok(), "{base} has no ToUnicode");
    }
    assert!(seen >= 2, "Mincho and Gothic");
    let size = std::fs::metadata(batch.join("print/notices-0001.pdf"))
        .unwrap()
        .len();
    assert!(size < 400_000, "subset, not whole fonts: {size} bytes");
}

#[test]
fn same_bytes_with_one_or_two_threads() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let profile = example_profile(a.path());
    let da = run_batch_with(&a.path().join("out"), "1", &profile);
    let db = run_batch_with(&b.path().join("out"), "2", &profile);
    assert!(common::batch_files(&da).len() >= 9);
    common::assert_same_batch(&da, &db);
}

#[test]
fn rerun_of_a_completed_date_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_batch(dir.path(), "2");
    let before = std::fs::read(batch.join("print/notices-0001.pdf")).unwrap();
    let modified = std::fs::metadata(batch.join("manifest.csv"))
        .unwrap()
        .modified()
        .unwrap();
    run_batch(dir.path(), "2");
    assert_eq!(
        before,
        std::fs::read(batch.join("print/notices-0001.pdf")).unwrap()
    );
    assert_eq!(
        modified,
        std::fs::metadata(batch.join("manifest.csv"))
            .unwrap()
            .modified()
            .unwrap()
    );
}

/// A copy of the Saku profile with the example 外字 table, the fonts read
/// from the repository's fonts/ (not the built-in copy), and some settings
/// changed; the residence letter off (E007 keeps today's outcome).
fn profile_with(dir: &Path, changes: &[(&str, &str)]) -> PathBuf {
    let (gaiji_from, gaiji_to) = example_gaiji_line();
    let fonts = format!("dir = {:?}", root().join("fonts").to_str().unwrap());
    let mut all = vec![
        (gaiji_from, gaiji_to.as_str()),
        ("# dir = \"/usr/share/fonts/opentype/ipaexfont\"", &fonts),
        common::RESIDENCE_LETTER_OFF,
    ];
    all.extend_from_slice(changes);
    saku_with(dir, &all)
}

#[test]
fn duplex_pads_packets_and_chunk_limits_files() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with(
        dir.path(),
        &[
            ("duplex = false", "duplex = true"),
            ("chunk = 500", "chunk = 3"),
        ],
    );
    let out = dir.path().join("out");
    let status = common::kigen_command()
        .args([
            "run",
            "--input",
            common::repo_path("input-samples/edge-cases.csv").as_str(),
            "--as-of",
            "2026-11-26",
            "--quiet",
        ])
        .arg("--profile")
        .arg(&profile)
        .arg("--out")
        .arg(&out)
        .arg("--state")
        .arg(dir.path().join("state.sqlite"))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let batch = out.join("2026-11-26");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let mut per_file: HashMap<String, (usize, usize)> = HashMap::new();
    for row in &manifest {
        assert_eq!(row["pages"], "4", "letter, blank, enclosure, blank");
        let first: usize = row["first_page"].parse().unwrap();
        assert_eq!((first - 1) % 4, 0, "every packet starts on a new sheet");
        let e = per_file.entry(row["file"].clone()).or_default();
        e.0 += 1;
        e.1 += 4;
    }
    let mut names: Vec<&String> = per_file.keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "print/non-forwardable-0001.pdf",
            "print/notices-0001.pdf",
            "print/notices-0002.pdf",
            "print/notices-0003.pdf"
        ]
    );
    for (file, (packets, pages)) in &per_file {
        assert!(*packets <= 3, "{file}");
        let doc = Document::load(batch.join(file)).unwrap();
        assert_eq!(doc.get_pages().len(), *pages, "{file}: pages = manifest");
        // The blank backs hold no text.
        let texts = page_texts(&batch.join(file));
        assert!(texts[1].is_empty() && texts[3].is_empty());
    }
    // Presort (SPEC 11): the bundles of bundles.csv follow one another in
    // print order; within a bundle of one 郵便区番号, by postal code.
    let bundles = read_csv(&batch.join("bundles.csv"));
    let mut seq = 1;
    for b in &bundles {
        let (first, last): (usize, usize) = (
            b["first_seq"].parse().unwrap(),
            b["last_seq"].parse().unwrap(),
        );
        assert_eq!(first, seq, "{b:?}");
        let codes: Vec<&str> = manifest[first - 1..last]
            .iter()
            .map(|r| r["postal_code"].as_str())
            .collect();
        if b["key"].len() == 5 {
            assert!(codes.windows(2).all(|w| w[0] <= w[1]), "{b:?}: {codes:?}");
        }
        seq = last + 1;
    }
    assert_eq!(seq - 1, manifest.len());
}

#[test]
fn missing_wording_is_a_profile_error() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with(dir.path(), &[("[inquiry]", "[inquiry_renamed]")]);
    let out = common::kigen_command()
        .args([
            "run",
            "--input",
            common::repo_path("input-samples/edge-cases.csv").as_str(),
            "--as-of",
            "2026-11-26",
        ])
        .arg("--profile")
        .arg(&profile)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--state")
        .arg(dir.path().join("state.sqlite"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inquiry_renamed"));
}

/// SPEC 4 (corrected): a card notice encloses the application form and never
/// sends a proxy with a 照会書兼回答書; it names the 交付通知書 and the
/// reasons a proxy may collect the card. A certificate notice encloses the
/// form under its full title.
#[test]
fn card_notices_never_mention_the_inquiry_form() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_batch(dir.path(), "2");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let mut seen = (0, 0);
    for row in &manifest {
        let texts = page_texts(&batch.join(&row["file"]));
        let first: usize = row["first_page"].parse().unwrap();
        let letter = &texts[first - 1];
        let enclosure = &texts[first];
        match row["kind"].as_str() {
            "card" => {
                seen.0 += 1;
                assert!(
                    !letter.contains("照会書"),
                    "{}: {letter}",
                    row["resident_code"]
                );
                assert!(!enclosure.contains("照会書"), "{}", row["resident_code"]);
                assert!(letter.contains("交付通知書"), "{letter}");
                assert!(letter.contains("やむを得ない理由"), "{letter}");
            }
            "certificate" => {
                seen.1 += 1;
                assert!(
                    enclosure.contains("署名用電子証明書・利用者証明用電子証明書照会書兼回答書"),
                    "{enclosure}"
                );
                assert!(letter.contains("照会書兼回答書"), "{letter}");
            }
            k => panic!("kind {k}"),
        }
    }
    assert!(seen.0 > 0 && seen.1 > 0, "{seen:?}");
}
