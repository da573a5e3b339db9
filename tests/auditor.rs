//! The auditor's view read as an auditor's tools would (SPEC 12): report.html
//! through an HTML parser, one changed byte in either file caught by
//! `verify`, and `kigen history` of a resident noticed twice over the years.

mod common;

use std::path::Path;

use common::{kigen, read_csv, root};
use scraper::{Html, Selector};

fn run(dir: &Path, input: &Path, as_of: &str) -> std::path::PathBuf {
    let o = kigen(&[
        "run",
        "--quiet",
        "--allow-future",
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        as_of,
        "--out",
        dir.join("out").to_str().unwrap(),
        "--state",
        dir.join("s.sqlite").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir.join("out").join(as_of)
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn the_report_parsed_holds_every_figure_of_summary_json() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run(
        dir.path(),
        &root().join("input-samples/registry-sample.csv"),
        "2026-11-26",
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap();
    let doc = Html::parse_document(&std::fs::read_to_string(batch.join("report.html")).unwrap());
    let figure = |key: &str| -> String {
        let sel = Selector::parse(&format!("[data-k=\"{key}\"]")).unwrap();
        let el = doc
            .select(&sel)
            .next()
            .unwrap_or_else(|| panic!("no figure {key}"));
        el.text().collect::<String>()
    };
    let counts = &summary["counts"];
    assert_eq!(
        digits(&figure("rows_read")),
        counts["rows_read"].to_string()
    );
    let mut sum = 0;
    for (outcome, n) in counts["outcomes"].as_object().unwrap() {
        assert_eq!(
            digits(&figure(&format!("outcome:{outcome}"))),
            n.to_string(),
            "{outcome}"
        );
        sum += n.as_u64().unwrap();
    }
    assert_eq!(digits(&figure("sum")), sum.to_string());
    for (code, n) in counts["exceptions_by_code"].as_object().unwrap() {
        assert_eq!(
            digits(&figure(&format!("exception:{code}"))),
            n.to_string(),
            "{code}"
        );
    }
    assert_eq!(
        figure("input_sha256"),
        summary["input"]["sha256"].as_str().unwrap()
    );
    assert_eq!(
        figure("profile_sha256"),
        summary["profile_sha256"].as_str().unwrap()
    );
    for f in summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["packets"].is_number())
    {
        let file = f["file"].as_str().unwrap();
        assert_eq!(
            digits(&figure(&format!("print:{file}:packets"))),
            f["packets"].to_string()
        );
    }
    // The reconciliation identity, as a sentence: rows read = each outcome
    // added up = their sum, and that it holds.
    let eq = Selector::parse("#reconciliation p.eq").unwrap();
    let identity: String = doc
        .select(&eq)
        .next()
        .expect("the identity")
        .text()
        .collect();
    assert!(identity.starts_with("読込行数 1,200 ＝ "), "{identity}");
    assert!(
        identity.contains("＝ 1,200") && identity.contains("✓ 一致"),
        "{identity}"
    );
    // Self-contained: nothing refers outside the batch.
    let any = Selector::parse("[href], [src]").unwrap();
    for el in doc.select(&any) {
        for attr in ["href", "src"] {
            if let Some(v) = el.value().attr(attr) {
                assert!(!v.contains("://") && !v.starts_with('/'), "{attr}={v}");
                assert!(batch.join(v).exists(), "{v} is a file of the batch");
            }
        }
    }
    let text = doc.root_element().html();
    assert!(!text.contains("http://") && !text.contains("https://"));
}

/// The rows of report.html's 「バーコードがない理由」 table: (reason, code,
/// packets, example postal codes).
fn no_barcode_table(html: &str) -> Vec<[String; 4]> {
    let doc = Html::parse_document(html);
    let h3 = Selector::parse("h3").unwrap();
    let heading = doc
        .select(&h3)
        .find(|h| h.text().collect::<String>() == "バーコードがない理由")
        .expect("no table of reasons");
    let table = heading
        .next_siblings()
        .find_map(scraper::ElementRef::wrap)
        .expect("a table after the heading");
    assert_eq!(table.value().name(), "table");
    let tr = Selector::parse("tr").unwrap();
    let td = Selector::parse("td").unwrap();
    table
        .select(&tr)
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row.select(&td).map(|c| c.text().collect()).collect();
            cells.try_into().expect("four cells")
        })
        .collect()
}

#[test]
fn the_no_barcode_table_has_one_row_per_reason() {
    let dir = tempfile::tempdir().unwrap();
    let sample = root().join("input-samples/registry-sample.csv");
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    let first = run(&dir.path().join("a"), &sample, "2026-11-26");
    // Four printed residents with a barcode, each under its own postal
    // code, get an address none of their code's towns matches.
    let mut codes = Vec::new();
    let mut seen_postal = Vec::new();
    for r in read_csv(&first.join("manifest.csv")) {
        if r["mail_to"] == "0"
            && !r["barcode"].is_empty()
            && !seen_postal.contains(&r["postal_code"])
        {
            seen_postal.push(r["postal_code"].clone());
            codes.push(r["resident_code"].clone());
        }
    }
    codes.truncate(4);
    assert_eq!(codes.len(), 4);
    let bytes = std::fs::read(&sample).unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    let mut changed = 0;
    let lines: Vec<String> = text
        .split_inclusive('\n')
        .map(|line| {
            let mut f: Vec<&str> = line.split(',').collect();
            if codes.iter().any(|c| c == f[0]) && !line.contains('"') {
                f[8] = "長野県佐久市存在しない町1";
                changed += 1;
            }
            f.join(",")
        })
        .collect();
    assert_eq!(changed, 4);
    let input = dir.path().join("moved.csv");
    std::fs::write(&input, encoding_rs::SHIFT_JIS.encode(&lines.concat()).0).unwrap();
    let batch = run(&dir.path().join("b"), &input, "2026-11-26");

    let notes: Vec<String> = read_csv(&batch.join("manifest.csv"))
        .into_iter()
        .map(|r| r["barcode_note"].clone())
        .filter(|n| !n.is_empty())
        .collect();
    let mismatched = notes
        .iter()
        .filter(|n| n.ends_with(": address does not match the postal code's towns"))
        .count();
    assert!(mismatched >= 5, "{notes:?}");
    let rows = no_barcode_table(&std::fs::read_to_string(batch.join("report.html")).unwrap());
    let town: Vec<_> = rows.iter().filter(|r| r[1] == "town-mismatch").collect();
    assert_eq!(town.len(), 1, "{rows:?}");
    assert_eq!(town[0][0], "住所が郵便番号の町域と合わない");
    assert_eq!(town[0][2], mismatched.to_string());
    // Three examples, and a mark that there are more.
    let examples: Vec<&str> = town[0][3].split('、').collect();
    assert_eq!(examples.len(), 4, "{}", town[0][3]);
    assert!(examples[..3]
        .iter()
        .all(|e| e.len() == 8 && e.as_bytes()[3] == b'-'));
    assert!(town[0][3].ends_with('…'), "{}", town[0][3]);
    // One row per reason, however many postal codes share it.
    let mut reasons: Vec<&str> = notes
        .iter()
        .map(|n| n.rsplit(": ").next().unwrap())
        .collect();
    reasons.sort();
    reasons.dedup();
    assert_eq!(rows.len(), reasons.len(), "{rows:?}");
}

#[test]
fn one_byte_changed_in_the_report_or_the_workbook_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let batch = run(
        dir.path(),
        &root().join("input-samples/registry-sample.csv"),
        "2026-11-26",
    );
    for name in ["report.html", "audit.xlsx"] {
        let path = batch.join(name);
        let good = std::fs::read(&path).unwrap();
        let mut bad = good.clone();
        let at = bad.len() / 2;
        bad[at] ^= 0x01;
        std::fs::write(&path, &bad).unwrap();
        let v = kigen(&["verify", batch.to_str().unwrap()]);
        assert_eq!(v.status.code(), Some(1), "{name}");
        let text = String::from_utf8_lossy(&v.stdout);
        assert!(
            text.contains(&format!("MISMATCH {name}: SHA-256")),
            "{text}"
        );
        std::fs::write(&path, &good).unwrap();
        assert!(kigen(&["verify", batch.to_str().unwrap()]).status.success());
    }
}

#[test]
fn history_lists_a_residents_notices_over_the_years() {
    let dir = tempfile::tempdir().unwrap();
    let header = "住民コード,氏名,氏名カナ,生年月日,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,在留期間満了日,転送不要,法定代理人氏名";
    let row = |cert_issued: &str| {
        format!(
            "H01,佐久　花子,サク　ハナコ,1970-01-18,住民,385-0051,長野県佐久市中込3056,,2022-03-20,2022-04-24,,{cert_issued},,{cert_issued},,,,\r\n"
        )
    };
    let write = |name: &str, cert_issued: &str| {
        let p = dir.path().join(name);
        let text = format!("{header}\r\n{}", row(cert_issued));
        std::fs::write(&p, encoding_rs::SHIFT_JIS.encode(&text).0).unwrap();
        p
    };
    // 2026: the certificates (issued with the card in 2022) expire on the
    // fifth birthday after, 2027-01-18: a certificate notice.
    let first = run(dir.path(), &write("2026.csv", "2022-04-24"), "2026-11-26");
    // Renewed on 2027-01-20, they run to the fifth birthday after, which
    // is the card's expiry, 2032-01-18: in 2031, one card notice for all
    // three.
    let second = run(dir.path(), &write("2031.csv", "2027-01-20"), "2031-11-26");
    let doc = |batch: &Path| read_csv(&batch.join("manifest.csv"))[0]["document_number"].clone();
    let (doc1, doc2) = (doc(&first), doc(&second));
    let kind = |batch: &Path| read_csv(&batch.join("manifest.csv"))[0]["kind"].clone();
    assert_eq!(
        (kind(&first).as_str(), kind(&second).as_str()),
        ("certificate", "card")
    );

    let o = kigen(&[
        "history",
        "--state",
        dir.path().join("s.sqlite").to_str().unwrap(),
        "--resident",
        "H01",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let events = j["events"].as_array().unwrap();
    let notices: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .filter(|e| e["type"] == "notice")
        .map(|e| {
            (
                e["batch_id"].as_str().unwrap(),
                e["date"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["document_number"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        notices,
        [
            ("2026-11-26", "2026-11-26", "certificate", doc1.as_str()),
            ("2031-11-26", "2031-11-26", "card", doc2.as_str()),
        ]
    );
    let items = |e: &serde_json::Value| -> Vec<String> {
        e["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(items(&events[0]), ["user_cert", "sign_cert"]);
    assert_eq!(items(&events[1]), ["card", "user_cert", "sign_cert"]);
}

/// The rows of report.html's reject table (「理由別」 in section 3):
/// (field, label, code, rows).
fn reject_table(doc: &Html) -> Vec<[String; 4]> {
    let section = Selector::parse("section#rejects").unwrap();
    let h3 = Selector::parse("h3").unwrap();
    let heading = doc
        .select(&section)
        .next()
        .expect("a rejects section")
        .select(&h3)
        .find(|h| h.text().collect::<String>() == "理由別")
        .expect("a table by reason");
    let table = heading
        .next_siblings()
        .find_map(scraper::ElementRef::wrap)
        .expect("a table after the heading");
    assert_eq!(table.value().name(), "table");
    let tr = Selector::parse("tr").unwrap();
    let td = Selector::parse("td").unwrap();
    table
        .select(&tr)
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row.select(&td).map(|c| c.text().collect()).collect();
            cells.try_into().expect("four cells")
        })
        .collect()
}

#[test]
fn the_reject_table_has_one_row_per_field_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let header = "住民コード,氏名,氏名カナ,生年月日,住民状態,郵便番号,住所,方書,カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,在留期間満了日,転送不要,法定代理人氏名";
    let row = |code: &str, birth: &str, postal: &str| {
        format!(
            "{code},佐久　花子,サク　ハナコ,{birth},住民,{postal},長野県佐久市中込3056,,2022-03-20,2022-04-24,,2022-04-24,,2022-04-24,,,,\r\n"
        )
    };
    // Three postal codes and two birth dates wrong, each its own way, and
    // two good rows.
    let rows = [
        row("R01", "1970-01-18", "385-0051"),
        row("R02", "1970-01-18", "12345"),
        row("R03", "1971-02-19", "385-00511"),
        row("R04", "1972-03-20", "38A0051"),
        row("R05", "1973-02-30", "385-0051"),
        row("R06", "昭和64年1月8日", "385-0051"),
        row("R07", "1974-05-22", "385-0051"),
    ];
    let input = dir.path().join("bad.csv");
    let text = format!("{header}\r\n{}", rows.concat());
    std::fs::write(&input, encoding_rs::SHIFT_JIS.encode(&text).0).unwrap();
    let batch = run(dir.path(), &input, "2026-11-26");

    // rejects.csv: `code` right after `reason`, `source` last; each row's
    // code.
    let got = common::field_codes(
        &batch.join("rejects.csv"),
        "line,resident_code,field,value,reason,code,source",
    );
    let rejects = read_csv(&batch.join("rejects.csv"));
    assert_eq!(
        got,
        [
            ("R02", "郵便番号", "postal-code-invalid"),
            ("R03", "郵便番号", "postal-code-invalid"),
            ("R04", "郵便番号", "postal-code-invalid"),
            ("R05", "生年月日", "invalid-date"),
            ("R06", "生年月日", "invalid-date"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    // Their sentences differ (they echo the value), their group does not.
    let reasons: std::collections::BTreeSet<&str> =
        rejects.iter().map(|r| r["reason"].as_str()).collect();
    assert!(reasons.len() >= 3, "{reasons:?}");

    let doc = Html::parse_document(&std::fs::read_to_string(batch.join("report.html")).unwrap());
    let table = reject_table(&doc);
    assert_eq!(
        table,
        [
            [
                "郵便番号",
                "郵便番号が7桁でない",
                "postal-code-invalid",
                "3"
            ],
            ["生年月日", "日付が読めない", "invalid-date", "2"],
        ]
        .map(|r| r.map(String::from)),
        "{table:?}"
    );
    // The same groups, by the same keys, in the workbook's 概要.
    let book = batch.join("audit.xlsx");
    let summary = common::sheet_rows(&book, "概要");
    let groups: Vec<(String, String, String)> = summary
        .iter()
        .filter(|r| r[0] == "不備の理由")
        .map(|r| (r[1].to_string(), r[2].to_string(), r[3].to_string()))
        .collect();
    assert_eq!(
        groups,
        [
            (
                "郵便番号：郵便番号が7桁でない（postal-code-invalid）".to_string(),
                "3".to_string(),
                "reject:郵便番号:postal-code-invalid".to_string()
            ),
            (
                "生年月日：日付が読めない（invalid-date）".to_string(),
                "2".to_string(),
                "reject:生年月日:invalid-date".to_string()
            ),
        ]
    );
    let figure = |key: &str| {
        let sel = Selector::parse(&format!("[data-k=\"{key}\"]")).unwrap();
        doc.select(&sel)
            .next()
            .map(|e| e.text().collect::<String>())
    };
    assert_eq!(
        figure("reject:郵便番号:postal-code-invalid").as_deref(),
        Some("3")
    );
    // The 不備 sheet names each row's code in Japanese.
    let sheet = common::sheet_rows(&book, "不備");
    let head = &sheet[0];
    assert_eq!(head[5..], ["不備コード", "入力元", "説明"]);
    let labels: Vec<String> = sheet.iter().skip(1).map(|r| r[7].clone()).collect();
    assert_eq!(
        labels,
        [
            "郵便番号が7桁でない",
            "郵便番号が7桁でない",
            "郵便番号が7桁でない",
            "日付が読めない",
            "日付が読めない"
        ]
    );
    assert!(kigen(&["verify", batch.to_str().unwrap()]).status.success());

    // A group's count changed in the report (its checksum updated): verify
    // counts the groups again from rejects.csv's codes.
    let html = std::fs::read_to_string(batch.join("report.html")).unwrap();
    let from = "data-k=\"reject:郵便番号:postal-code-invalid\">3<";
    assert!(html.contains(from), "{html}");
    let forged = html.replace(from, "data-k=\"reject:郵便番号:postal-code-invalid\">2<");
    common::forge(&batch, "report.html", forged.as_bytes());
    let bad = kigen(&["verify", batch.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains(
            "MISMATCH report.html: reject:郵便番号:postal-code-invalid: expected 3, found 2"
        ),
        "{text}"
    );
}
