//! The auditor's view (SPEC 12): report.html and audit.xlsx in every batch,
//! read back (the report's figures against summary.json, the workbook with
//! calamine against the CSVs), byte-identical across runs, listed in
//! summary.json and checked by `kigen verify`; `kigen batches` and `kigen
//! history` against the ledger and the manifest.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Output;

use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
use common::read_csv;

const AS_OF: &str = "2026-11-26";

/// `kigen ARGS` from the repository root, with `--out` and `--state` under
/// `dir`.
fn kigen_in(dir: &Path, args: &[&str]) -> Output {
    common::kigen_command()
        .args(args)
        .arg("--out")
        .arg(dir.join("out"))
        .arg("--state")
        .arg(dir.join("state/kigen.sqlite"))
        .output()
        .expect("kigen runs")
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `kigen run` on the shipped sample into `dir/out/<as-of>/`.
fn run_sample(dir: &Path) -> PathBuf {
    let out = kigen_in(
        dir,
        &[
            "run",
            "--input",
            common::repo_path("input-samples/registry-sample.csv").as_str(),
            "--as-of",
            AS_OF,
            "--quiet",
        ],
    );
    assert_ok(&out);
    dir.join("out").join(AS_OF)
}

/// A small UTF-8 export made to exercise every sheet and the escaping:
/// two printed notices (one to a name that starts like a formula, one
/// non-forwardable), one held (an unmapped 外字), one rejected (a bad
/// postal code) and one excluded with markup in its status.
fn awkward_export(dir: &Path) -> PathBuf {
    let header = "住民コード,氏名,氏名カナ,生年月日,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,在留期間満了日,転送不要,法定代理人氏名";
    let rows = [
        "A001,佐久　太郎,サク　タロウ,1980-01-15,住民,3850051,長野県佐久市中込1-2-3,,,2017-01-15,,,,,,,0,",
        "A002,\"=HYPERLINK(\"\"x\"\")\",サク　ハナコ,1981-01-20,住民,3850051,長野県佐久市中込2-3-4,,,2017-01-20,,,,,,,1,",
        "A003,佐久\u{E010}子,サク　ヨシコ,1982-01-22,住民,3850051,長野県佐久市中込3-4-5,,,2017-01-22,,,,,,,0,",
        "A004,佐久　次郎,サク　ジロウ,1983-01-25,住民,12345,長野県佐久市中込4-5-6,,,2017-01-25,,,,,,,0,",
        "A005,佐久　三郎,サク　サブロウ,1984-01-27,\"<script>alert(\"\"x\"\")</script>&転出\",3850051,長野県佐久市中込5-6-7,,,2017-01-27,,,,,,,0,",
    ];
    let path = dir.join("awkward.csv");
    std::fs::write(&path, format!("{header}\r\n{}\r\n", rows.join("\r\n"))).unwrap();
    path
}

fn run_awkward(dir: &Path) -> PathBuf {
    let input = awkward_export(dir);
    let out = kigen_in(
        dir,
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--encoding",
            "utf-8",
            "--as-of",
            AS_OF,
            "--quiet",
        ],
    );
    assert_ok(&out);
    dir.join("out").join(AS_OF)
}

fn summary(batch: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap()
}

/// The report's `data-k` figures, parsed here independently of kigen:
/// key (unescaped) → the cell's text without digit grouping.
fn figures(html: &str) -> BTreeMap<String, String> {
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let mut out = BTreeMap::new();
    for piece in html.split("data-k=\"").skip(1) {
        let (key, rest) = piece.split_once('"').unwrap();
        let text = rest.split_once('>').unwrap().1;
        let value = text.split_once('<').unwrap().0;
        let old = out.insert(unescape(key), unescape(value).replace(',', ""));
        assert!(old.is_none(), "figure {key} given twice");
    }
    out
}

#[test]
fn report_figures_are_summary_json_counts() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_sample(dir.path());
    let html = std::fs::read_to_string(batch.join("report.html")).unwrap();
    let s = summary(&batch);
    let f = figures(&html);
    let counts = &s["counts"];
    assert_eq!(f["rows_read"], counts["rows_read"].to_string());
    assert_eq!(f["rows_read"], "1200");
    let mut sum = 0;
    for (outcome, n) in counts["outcomes"].as_object().unwrap() {
        assert_eq!(f[&format!("outcome:{outcome}")], n.to_string(), "{outcome}");
        sum += n.as_u64().unwrap();
    }
    assert_eq!(f["sum"], sum.to_string());
    let codes = counts["exceptions_by_code"].as_object().unwrap();
    assert!(!codes.is_empty());
    for (code, n) in codes {
        assert_eq!(f[&format!("exception:{code}")], n.to_string(), "{code}");
    }
    assert_eq!(
        f.keys().filter(|k| k.starts_with("exception:")).count(),
        codes.len()
    );
    for (status, n) in counts["excluded_by_status"].as_object().unwrap() {
        assert_eq!(f[&format!("excluded:{status}")], n.to_string());
    }
    assert_eq!(f["as_of"], AS_OF);
    assert_eq!(f["input_sha256"], s["input"]["sha256"].as_str().unwrap());
    assert_eq!(f["profile_sha256"], s["profile_sha256"].as_str().unwrap());
    assert_eq!(f["version"], s["version"].as_str().unwrap());
    // Print files: packets, pages and SHA-256 as summary.json lists them.
    let mut print_files = 0;
    for file in s["files"].as_array().unwrap() {
        let name = file["file"].as_str().unwrap();
        if file.get("packets").is_none() {
            continue;
        }
        print_files += 1;
        assert_eq!(
            f[&format!("print:{name}:packets")],
            file["packets"].to_string()
        );
        assert_eq!(f[&format!("print:{name}:pages")], file["pages"].to_string());
        assert_eq!(
            f[&format!("print:{name}:sha256")],
            file["sha256"].as_str().unwrap()
        );
    }
    assert_eq!(print_files, 2, "notices and non-forwardable");
    // The mail room's figures against the manifest and mailing.csv.
    let manifest = read_csv(&batch.join("manifest.csv"));
    assert_eq!(f["packets"], manifest.len().to_string());
    let non_forwardable = manifest
        .iter()
        .filter(|r| r["non_forwardable"] == "1")
        .count();
    assert_eq!(f["non_forwardable"], non_forwardable.to_string());
    let with_barcode = manifest.iter().filter(|r| !r["barcode"].is_empty()).count();
    assert_eq!(f["with_barcode"], with_barcode.to_string());
    assert_eq!(
        f["without_barcode"],
        (manifest.len() - with_barcode).to_string()
    );
    let mut districts: BTreeMap<String, u64> = BTreeMap::new();
    for row in read_csv(&batch.join("mailing.csv")) {
        if row["file"] != "all" && row["district"] != "all" {
            *districts.entry(row["district"].clone()).or_default() +=
                row["packets"].parse::<u64>().unwrap();
        }
    }
    assert_eq!(districts.len(), 2);
    for (d, n) in &districts {
        assert_eq!(f[&format!("district:{d}:packets")], n.to_string());
    }
}

#[test]
fn report_is_self_contained_japanese_and_links_inside_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_sample(dir.path());
    let html = std::fs::read_to_string(batch.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"ja\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<style>"), "inline CSS");
    assert!(html.matches("<svg").count() >= 3, "inline SVG charts");
    for heading in [
        "バッチの識別",
        "突合",
        "不備",
        "例外",
        "保留",
        "印刷ファイル",
        "郵便区別",
        "転送不要・カスタマバーコード",
        "バッチのファイル",
    ] {
        assert!(html.contains(heading), "{heading}");
    }
    // Nothing from outside: no URL, no script, no external resource.
    let lower = html.to_lowercase();
    for bad in [
        "http://", "https://", "//", "<script", "src=", "url(", "@import",
    ] {
        let hits: Vec<&str> = lower.match_indices(bad).map(|(i, _)| &html[i..]).collect();
        // `//` may only appear inside the text of a CSS comment, and there is none.
        assert!(
            hits.is_empty(),
            "{bad}: {:?}",
            hits.iter()
                .map(|h| &h[..h.len().min(60)])
                .collect::<Vec<_>>()
        );
    }
    // Every link is relative and names a file of the batch.
    let files: BTreeSet<String> = common::batch_files(&batch)
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut links = BTreeSet::new();
    for piece in html.split("href=\"").skip(1) {
        let target = piece.split_once('"').unwrap().0;
        assert!(files.contains(target), "link to {target}: not in the batch");
        links.insert(target.to_string());
    }
    for expected in [
        "manifest.csv",
        "summary.json",
        "audit.xlsx",
        "report.html",
        "rejects.csv",
        "print/notices-0001.pdf",
    ] {
        assert!(links.contains(expected), "no link to {expected}");
    }
    // Names and addresses stay out of the report.
    for row in read_csv(&batch.join("manifest.csv")) {
        assert!(!html.contains(&row["name"]), "a name in the report");
    }
}

#[test]
fn report_escapes_what_the_export_says() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_awkward(dir.path());
    let html = std::fs::read_to_string(batch.join("report.html")).unwrap();
    let status = "<script>alert(\"x\")</script>&転出";
    assert!(
        !html.contains("<script"),
        "markup from the export went through"
    );
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;転出"));
    let f = figures(&html);
    assert_eq!(f[&format!("excluded:{status}")], "1");
    assert_eq!(f["outcome:printed"], "2");
    assert_eq!(f["outcome:held"], "1");
    assert_eq!(f["outcome:rejected"], "1");
    assert_eq!(f["rejects.csv:rows"], "1");
    assert_eq!(f["held.csv:rows"], "1");
    assert_eq!(f["non_forwardable"], "1");
    // The held reason by its code and label, without the character it
    // names.
    assert_eq!(f["held:氏名:unmapped-gaiji"], "1");
    assert!(html.contains("外字表にない外字"), "held reason");
    assert!(!html.contains('\u{E010}'));
    let verify = common::kigen_command()
        .args(["verify"])
        .arg(&batch)
        .arg("--state")
        .arg(dir.path().join("state/kigen.sqlite"))
        .output()
        .unwrap();
    assert_ok(&verify);
}

/// A cell as its CSV writes it: text as is, numbers as integers, dates ISO.
fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(x) => format!("{x}"),
        Data::Int(i) => i.to_string(),
        Data::DateTime(_) => d.as_date().unwrap().to_string(),
        other => panic!("unexpected cell {other:?}"),
    }
}

/// A sheet's header and rows, as text.
fn sheet(
    wb: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> (Vec<String>, Vec<Vec<Data>>) {
    let range = wb.worksheet_range(name).unwrap();
    let mut rows = range.rows();
    let header = rows.next().unwrap().iter().map(cell).collect::<Vec<_>>();
    (header, rows.map(<[Data]>::to_vec).collect())
}

/// The CSV's rows in its column order.
fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let header: Vec<String> = common::header_of(path)
        .split(',')
        .map(String::from)
        .collect();
    let rows = read_csv(path)
        .into_iter()
        .map(|r: HashMap<String, String>| header.iter().map(|h| r[h].clone()).collect())
        .collect();
    (header, rows)
}

/// Each sheet row equals the CSV's row, cell for cell (the first
/// `header.len()` cells), with the kinds of cell SPEC 12 asks for.
fn assert_sheet_is_csv(
    wb: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    name: &str,
    csv: &Path,
    japanese: &[&str],
) {
    let (header, rows) = sheet(wb, name);
    let (csv_header, csv) = csv_rows(csv);
    assert_eq!(&header[..japanese.len()], japanese, "{name}: headers");
    assert_eq!(rows.len(), csv.len(), "{name}: rows");
    for (i, (row, want)) in rows.iter().zip(&csv).enumerate() {
        let got: Vec<String> = row.iter().take(want.len()).map(cell).collect();
        // The workbook's labels are Japanese (SPEC 14): the kinds, and
        // exceptions' details, whose dates stay as the CSV has them.
        let mut want = want.clone();
        for (key, (w, g)) in csv_header.iter().zip(want.iter_mut().zip(&got)) {
            match key.as_str() {
                "kind" => {
                    *w = match w.as_str() {
                        "card" => "カード".into(),
                        "certificate" => "電子証明書".into(),
                        "residence" => "在留期間".into(),
                        other => other.into(),
                    }
                }
                "detail" => {
                    assert_japanese_detail(w, g);
                    *w = g.clone();
                }
                _ => {}
            }
        }
        assert_eq!(got, want, "{name} row {}", i + 2);
        for (key, c) in csv_header.iter().zip(row) {
            let text = matches!(
                key.as_str(),
                "resident_code" | "postal_code" | "document_number" | "code" | "kind" | "file"
            );
            if text && !c.is_empty() {
                assert!(
                    matches!(c, Data::String(_)),
                    "{name} {key}: a text cell, found {c:?}"
                );
            }
            if key == "line" || key == "seq" || key == "pages" {
                assert!(
                    matches!(c, Data::Float(_) | Data::Int(_)),
                    "{name} {key}: a number"
                );
            }
            if key.ends_with("_expiry") && !c.is_empty() {
                assert!(matches!(c, Data::DateTime(_)), "{name} {key}: a date");
            }
        }
    }
}

/// An exception's detail in the workbook: kigen's English words gone, the
/// CSV's dates and numbers kept.
fn assert_japanese_detail(csv: &str, xlsx: &str) {
    for word in xlsx.split(|c: char| !c.is_ascii_alphabetic()) {
        assert!(
            word.len() < 4 || ["inquiry", "application", "letter"].contains(&word),
            "English {word:?} left in {xlsx:?} (CSV {csv:?})"
        );
    }
    for token in csv.split(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.')) {
        if token.chars().filter(char::is_ascii_digit).count() >= 2 {
            assert!(xlsx.contains(token), "{token} of {csv:?} not in {xlsx:?}");
        }
    }
}

/// The header row of every sheet is frozen and filtered (the sheets' XML).
fn assert_frozen_and_filtered(path: &Path) {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    for i in 1..=6 {
        let mut xml = String::new();
        zip.by_name(&format!("xl/worksheets/sheet{i}.xml"))
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(
            xml.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"),
            "sheet{i}: header not frozen"
        );
        assert!(xml.contains("<autoFilter ref=\"A1:"), "sheet{i}: no filter");
    }
}

fn check_workbook(batch: &Path) {
    let path = batch.join("audit.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["概要", "発送一覧", "保留", "不備", "例外", "郵便区別"]
    );
    assert_sheet_is_csv(
        &mut wb,
        "発送一覧",
        &batch.join("manifest.csv"),
        &[
            "連番",
            "印刷ファイル",
            "開始ページ",
            "ページ数",
            "住民コード",
            "氏名",
            "郵便番号",
            "通知種別",
        ],
    );
    assert_sheet_is_csv(
        &mut wb,
        "保留",
        &batch.join("held.csv"),
        &["行", "住民コード", "項目", "文字コード", "理由"],
    );
    assert_sheet_is_csv(
        &mut wb,
        "不備",
        &batch.join("rejects.csv"),
        &["行", "住民コード", "項目", "値", "理由"],
    );
    assert_sheet_is_csv(
        &mut wb,
        "例外",
        &batch.join("exceptions.csv"),
        &["行", "住民コード", "例外コード", "内容"],
    );
    // 郵便区別: mailing.csv's districts, all files together.
    let mut districts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for row in read_csv(&batch.join("mailing.csv")) {
        if row["file"] != "all" && row["district"] != "all" {
            let e = districts.entry(row["district"].clone()).or_default();
            e.0 += row["packets"].parse::<u64>().unwrap();
            e.1 += row["pages"].parse::<u64>().unwrap();
        }
    }
    let (header, rows) = sheet(&mut wb, "郵便区別");
    assert_eq!(
        header[..3],
        ["郵便区（郵便番号の上3桁）", "通数", "ページ数"]
    );
    let found: BTreeMap<String, (u64, u64)> = rows
        .iter()
        .map(|r| {
            assert!(matches!(r[0], Data::String(_)), "district as text");
            (
                cell(&r[0]),
                (cell(&r[1]).parse().unwrap(), cell(&r[2]).parse().unwrap()),
            )
        })
        .collect();
    assert_eq!(found, districts);
    // 概要: the counts as summary.json has them, by the report's keys.
    let s = summary(batch);
    let (header, rows) = sheet(&mut wb, "概要");
    assert_eq!(header, ["区分", "項目", "値", "キー"]);
    let by_key: BTreeMap<String, String> = rows
        .iter()
        .filter(|r| !cell(&r[3]).is_empty())
        .map(|r| (cell(&r[3]), cell(&r[2])))
        .collect();
    assert_eq!(by_key["rows_read"], s["counts"]["rows_read"].to_string());
    for (outcome, n) in s["counts"]["outcomes"].as_object().unwrap() {
        assert_eq!(by_key[&format!("outcome:{outcome}")], n.to_string());
    }
    for (code, n) in s["counts"]["exceptions_by_code"].as_object().unwrap() {
        assert_eq!(by_key[&format!("exception:{code}")], n.to_string());
    }
    assert_eq!(
        by_key["input_sha256"],
        s["input"]["sha256"].as_str().unwrap()
    );
    assert_frozen_and_filtered(&path);
}

/// Every sheet prints (SPEC 14): A4 landscape, one page wide, the header
/// row on every page (the workbook's print titles), and the sheet's name
/// and the batch in the page header.
#[test]
fn workbook_prints_a4_landscape_one_page_wide_with_titles() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let batch = run_sample(dir.path());
    let path = batch.join("audit.xlsx");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut text = |name: &str| {
        let mut xml = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
        xml
    };
    let workbook = text("xl/workbook.xml");
    for i in 1..=6 {
        let xml = text(&format!("xl/worksheets/sheet{i}.xml"));
        // A4 (9), landscape, fit to pages 1 wide by any number tall
        // (fitToWidth's default 1 is not written).
        assert!(
            xml.contains("<pageSetup paperSize=\"9\" fitToHeight=\"0\" orientation=\"landscape\""),
            "sheet{i}: page setup"
        );
        assert!(
            xml.contains("<pageSetUpPr fitToPage=\"1\"/>"),
            "sheet{i}: fit to page"
        );
        assert!(!xml.contains("fitToWidth=\"0\""), "sheet{i}: one page wide");
        assert!(
            xml.contains("<printOptions gridLines=\"1\"/>"),
            "sheet{i}: gridlines"
        );
        let header = xml
            .split("<oddHeader>")
            .nth(1)
            .and_then(|h| h.split("</oddHeader>").next())
            .unwrap_or_else(|| panic!("sheet{i}: no page header"));
        assert!(
            header.contains("&amp;A"),
            "sheet{i}: sheet name in {header}"
        );
        assert!(
            header.contains(&format!("バッチ {AS_OF}")),
            "sheet{i}: batch in {header}"
        );
    }
    for (i, name) in ["概要", "発送一覧", "保留", "不備", "例外", "郵便区別"]
        .iter()
        .enumerate()
    {
        let title = format!(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{i}\">{name}!$1:$1</definedName>"
        );
        assert!(workbook.contains(&title), "{title} in {workbook}");
    }
    // The labels are Japanese: the manifest's kinds.
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let (header, rows) = sheet(&mut wb, "発送一覧");
    let k = header.iter().position(|h| h == "通知種別").unwrap();
    let kinds: BTreeSet<String> = rows.iter().map(|r| cell(&r[k])).collect();
    assert!(!kinds.is_empty());
    assert!(
        kinds
            .iter()
            .all(|k| k == "カード" || k == "電子証明書" || k == "在留期間"),
        "{kinds:?}"
    );
}

#[test]
fn workbook_sheets_are_the_csvs() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_sample(dir.path());
    check_workbook(&batch);
    // The standard layout with its card file: manifest.csv's `mail_to`, a
    // 送付先's district, a 支援措置 hold.
    let dir = tempfile::tempdir().unwrap();
    let out = kigen_in(
        dir.path(),
        &[
            "run",
            "--input",
            common::repo_path("input-samples/standard/registry.csv").as_str(),
            "--cards",
            common::repo_path("input-samples/standard/cards.csv").as_str(),
            "--profile",
            "standard",
            "--as-of",
            AS_OF,
            "--quiet",
        ],
    );
    assert_ok(&out);
    check_workbook(&dir.path().join("out").join(AS_OF));
    // rejects.csv's `source` too.
    let dir = tempfile::tempdir().unwrap();
    let batch = run_awkward(dir.path());
    check_workbook(&batch);
    // The name that starts like a formula reads as manifest.csv has it.
    let mut wb: Xlsx<_> = open_workbook(batch.join("audit.xlsx")).unwrap();
    let (_, rows) = sheet(&mut wb, "発送一覧");
    assert!(
        rows.iter().any(|r| cell(&r[5]) == "'=HYPERLINK(\"x\")"),
        "{rows:?}"
    );
    let (_, held) = sheet(&mut wb, "保留");
    assert_eq!(held.len(), 1);
    assert_eq!(cell(&held[0][1]), "A003");
}

#[test]
fn both_files_are_listed_private_and_identical_across_runs() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = run_sample(a.path());
    // A second run with another thread count, into a fresh out and state.
    let out = common::kigen_command()
        .args([
            "run",
            "--input",
            common::repo_path("input-samples/registry-sample.csv").as_str(),
            "--as-of",
            AS_OF,
            "--quiet",
            "--out",
        ])
        .arg(b.path().join("out"))
        .arg("--state")
        .arg(b.path().join("state/kigen.sqlite"))
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert_ok(&out);
    let second = b.path().join("out").join(AS_OF);
    let s = summary(&first);
    for name in ["report.html", "audit.xlsx"] {
        let (x, y) = (
            std::fs::read(first.join(name)).unwrap(),
            std::fs::read(second.join(name)).unwrap(),
        );
        assert!(x == y, "{name} differs between two runs");
        let listed = s["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == name)
            .unwrap_or_else(|| panic!("{name} not in summary.json"));
        assert_eq!(listed["bytes"], x.len() as u64);
        assert_eq!(
            listed["sha256"].as_str().unwrap(),
            sha256_hex(&x),
            "{name}: summary.json's SHA-256"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(first.join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}: mode {mode:o}");
        }
    }
    // The workbook's creation date is the batch date, its zip entries' time fixed.
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(first.join("audit.xlsx")).unwrap()).unwrap();
    let mut core = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("docProps/core.xml").unwrap(), &mut core)
        .unwrap();
    assert!(core.contains(&format!(
        "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{AS_OF}T00:00:00Z"
    )));
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        let t = entry.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day()),
            (1980, 1, 1),
            "{:?}",
            entry.name()
        );
    }
    // --regenerate rebuilds both byte for byte (its summary.json must match
    // the recorded one).
    let regen = kigen_in(
        a.path(),
        &[
            "run",
            "--input",
            common::repo_path("input-samples/registry-sample.csv").as_str(),
            "--as-of",
            AS_OF,
            "--quiet",
            "--regenerate",
        ],
    );
    assert_ok(&regen);
    common::assert_same_batch(&second, &first);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn verify_checks_the_reports_figures() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_sample(dir.path());
    let elsewhere = tempfile::tempdir().unwrap();
    let verify = |batch: &Path| {
        // From a directory with no state/: the batch is verified on its own.
        common::kigen_command()
            .arg("verify")
            .arg(batch)
            .current_dir(elsewhere.path())
            .output()
            .unwrap()
    };
    let ok = verify(&batch);
    assert_ok(&ok);
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.contains("ok       report.html: "), "{text}");
    assert!(
        // 48 birthday-rule notices and 3 residence letters (SPEC 15).
        text.contains("ok       audit.xlsx: 発送一覧 rows (= manifest.csv): 51"),
        "{text}"
    );
    // A report whose figure was changed, with summary.json updated to match
    // its new bytes: the checksum holds, the figure does not.
    let path = batch.join("report.html");
    let html = std::fs::read_to_string(&path).unwrap();
    let from = "data-k=\"outcome:printed\">51<";
    assert!(html.contains(from));
    let forged = html.replace(from, "data-k=\"outcome:printed\">47<");
    common::forge(&batch, "report.html", forged.as_bytes());
    let bad = verify(&batch);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains("MISMATCH report.html: outcome:printed: expected 51, found 47"),
        "{text}"
    );
    // A listed file that is gone is flagged.
    std::fs::remove_file(&path).unwrap();
    let gone = verify(&batch);
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&gone.stdout).contains("MISMATCH report.html: expected as listed")
    );
}

#[test]
fn batches_and_history_read_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run_sample(dir.path());
    let state = dir.path().join("state/kigen.sqlite");
    let manifest = read_csv(&batch.join("manifest.csv"));
    let cmd = |args: &[&str]| {
        common::kigen_command()
            .args(args)
            .arg("--state")
            .arg(&state)
            .output()
            .unwrap()
    };
    // Withdraw the night's batch and run it again: two batches of the date,
    // the first void.
    let void = common::kigen_command()
        .args(["ledger", "void", AS_OF, "--reason", "wrong export", "--out"])
        .arg(dir.path().join("out"))
        .arg("--state")
        .arg(&state)
        .output()
        .unwrap();
    assert_ok(&void);
    run_sample(dir.path());

    let out = cmd(&["batches", "--json"]);
    assert_ok(&out);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let batches = j["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 2);
    for b in batches {
        assert_eq!(b["batch_id"], AS_OF);
        assert_eq!(b["as_of"], AS_OF);
        assert_eq!(b["packets"], manifest.len() as u64);
        assert_eq!(b["print_files"], 2);
    }
    assert_eq!(batches[0]["void"]["reason"], "wrong export");
    assert_eq!(batches[0]["void"]["moved_to"], format!(".void/{AS_OF}-1"));
    assert!(batches[1]["void"].is_null());
    let notices: u64 = manifest
        .iter()
        .map(|r| {
            ["card_due", "user_cert_due", "sign_cert_due"]
                .iter()
                .filter(|k| r[**k] == "1")
                .count() as u64
        })
        .sum();
    assert_eq!(batches[1]["notices"], notices);
    let table = cmd(&["batches"]);
    assert_ok(&table);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("VOID: wrong export"), "{text}");
    assert!(
        text.contains("2 batch(es): 1 recorded, 1 withdrawn"),
        "{text}"
    );

    // One resident: the packet of the void batch and the one that counts,
    // each with the manifest's items and expiries.
    let row = &manifest[0];
    let code = row["resident_code"].as_str();
    let out = cmd(&["history", "--resident", code, "--json"]);
    assert_ok(&out);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["resident_code"], code);
    let events = j["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{j}");
    assert!(!events[0]["void"].is_null());
    assert!(events[1]["void"].is_null());
    for e in events {
        assert_eq!(e["type"], "notice");
        assert_eq!(e["date"], AS_OF);
        assert_eq!(e["document_number"], row["document_number"].as_str());
        assert_eq!(e["kind"], row["kind"].as_str());
        assert_eq!(e["print_file"], row["file"].as_str());
        assert_eq!(e["first_page"].to_string(), row["first_page"]);
        assert_eq!(e["pages"].to_string(), row["pages"]);
        let items: Vec<(String, String)> = e["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["item"].as_str().unwrap().to_string(),
                    i["expiry"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = ["card", "user_cert", "sign_cert"]
            .iter()
            .filter(|k| row[&format!("{k}_due")] == "1")
            .map(|k| (k.to_string(), row[&format!("{k}_expiry")].clone()))
            .collect();
        assert_eq!(items, expected);
    }
    let text = cmd(&["history", "--resident", code]);
    assert_ok(&text);
    let t = String::from_utf8_lossy(&text.stdout);
    assert!(t.contains(row["document_number"].as_str()), "{t}");
    assert!(t.contains("2 event(s)"), "{t}");
    // Nobody by that code: an empty history, exit 0.
    let none = cmd(&["history", "--resident", "NOBODY1", "--json"]);
    assert_ok(&none);
    let j: serde_json::Value = serde_json::from_slice(&none.stdout).unwrap();
    assert!(j["events"].as_array().unwrap().is_empty());
    // No ledger there: exit 2, nothing created.
    let missing = dir.path().join("nope.sqlite");
    let out = common::kigen_command()
        .args(["batches", "--state"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
}
