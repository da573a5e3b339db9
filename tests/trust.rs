//! SPEC 13, the input side: no 個人番号 anywhere (in any spelling, in any
//! column kigen reads of either file), nobody goes silent (a card record
//! that cannot be read rejects its resident or is counted `unattributed`),
//! join keys folded on both sides, card rejects streamed in order, and
//! bidirectional controls escaped.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::{kigen, read_csv, root};

const AS_OF: &str = "2026-11-26";

const REGISTRY_HEADER: &str = "宛名番号,住民票コード,個人番号,氏名,氏名のフリガナ,生年月日,住民状態,住民種別,住所の郵便番号,住所,方書,在留期間の満了の日,法定代理人氏名,支援措置,送付先郵便番号,送付先住所,送付先方書,送付先氏名";
const CARD_HEADER: &str = "住民票コード,交付申請受付日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限";
const DUE_DATES: &str = "2017-01-13,2017-02-17,,2022-04-24,,2022-04-24,";

fn cp932(text: &str) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!bad, "the test's text is CP932: {text}");
    bytes.into_owned()
}

fn write(path: &Path, lines: &[String]) {
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend(cp932(l));
        bytes.extend(b"\r\n");
    }
    std::fs::write(path, bytes).unwrap();
}

/// A 個人番号: eleven digits from `seed` and the check digit of
/// 番号法施行令 第8条.
fn my_number(seed: u64) -> String {
    let body = format!("{:011}", 31_415_926_535u64 + seed * 7_919);
    let d: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = (1..=11)
        .map(|n| d[11 - n] * if n <= 6 { n as u32 + 1 } else { n as u32 - 5 })
        .sum();
    let check = if sum % 11 <= 1 { 0 } else { 11 - sum % 11 };
    format!("{body}{check}")
}

/// The spellings a 個人番号 is planted in.
fn spelled(n: &str, how: usize) -> String {
    let (a, b, c) = (&n[0..4], &n[4..8], &n[8..12]);
    let wide = |s: &str| -> String {
        s.chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect()
    };
    match how % 7 {
        0 => n.to_string(),
        1 => format!("{a}-{b}-{c}"),
        2 => format!("{a} {b} {c}"),
        3 => format!("{}－{}－{}", wide(a), wide(b), wide(c)),
        4 => format!("{a}\u{3000}{b}\u{3000}{c}"),
        5 => format!("{a}ー{b}ー{c}"),
        _ => format!("{}{}", wide(&n[..6]), &n[6..]),
    }
}

/// Everything a file holds as text, with audit.xlsx's XML unzipped.
fn texts_of(path: &Path) -> Vec<(String, String)> {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "xlsx") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut s = Vec::new();
            f.read_to_end(&mut s).unwrap();
            out.push((
                format!("{}!{}", path.display(), f.name().unwrap_or_default()),
                String::from_utf8_lossy(&s).into_owned(),
            ));
        }
        return out;
    }
    let text = match encoding_rs::SHIFT_JIS.decode(&bytes) {
        (t, _, false) if !bytes.starts_with(b"\xEF\xBB\xBF") => t.into_owned(),
        _ => String::from_utf8_lossy(&bytes).into_owned(),
    };
    vec![(path.display().to_string(), text)]
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The text as digits would be compared: full-width folded, separators
/// (and the escapes of XML/HTML digits) removed.
fn folded(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
            c => c,
        })
        .filter(|c| {
            !matches!(
                c,
                ' ' | '\u{3000}' | '-' | '‐' | '‑' | '–' | '—' | '−' | 'ー' | 'ｰ' | '－'
            )
        })
        .collect()
}

/// No planted number in any file under `dirs`, nor in the streams.
fn assert_nowhere(numbers: &[String], dirs: &[&Path], streams: &[&std::process::Output]) {
    let mut files = Vec::new();
    for d in dirs {
        if d.exists() {
            files_under(d, &mut files);
        }
    }
    assert!(!files.is_empty());
    let mut texts: Vec<(String, String)> = files.iter().flat_map(|f| texts_of(f)).collect();
    for (i, o) in streams.iter().enumerate() {
        texts.push((
            format!("stdout {i}"),
            String::from_utf8_lossy(&o.stdout).into(),
        ));
        texts.push((
            format!("stderr {i}"),
            String::from_utf8_lossy(&o.stderr).into(),
        ));
    }
    for (name, text) in &texts {
        let text = folded(text);
        for n in numbers {
            assert!(!text.contains(n.as_str()), "{name} holds the 個人番号 {n}");
        }
    }
}

/// The standard layout with a 個人番号 planted in every column kigen reads
/// of both files, each row one column, in seven spellings.
#[test]
fn no_personal_number_reaches_any_output_standard_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, cards) = (dir.path().join("r.csv"), dir.path().join("c.csv"));
    let base: Vec<String> = vec![
        "",
        "",
        "",
        "佐久　太郎",
        "サク　タロウ",
        "1970-01-18",
        "住民",
        "日本人",
        "385-0051",
        "長野県佐久市中込3056",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let mut numbers = Vec::new();
    let mut reg = vec![REGISTRY_HEADER.to_string()];
    let mut card = vec![CARD_HEADER.to_string()];
    let mut planted_codes = Vec::new();
    // Every registry column but 個人番号 (column 3, not read) and 住民種別
    // (read by no rule of this profile's layout? planted anyway).
    for col in 0..base.len() {
        if col == 2 {
            continue;
        }
        let n = my_number(numbers.len() as u64);
        let mut row = base.clone();
        let code = format!("P{col:02}");
        row[0] = code.clone();
        row[1] = format!("200000000{col:02}");
        row[col] = spelled(&n, col);
        numbers.push(n);
        if col != 0 {
            planted_codes.push(code);
        }
        reg.push(row.join(","));
        card.push(format!("200000000{col:02},{DUE_DATES}"));
    }
    // Every card column: key and dates.
    for col in 0..8 {
        let n = my_number(numbers.len() as u64);
        let key = format!("300000000{col:02}");
        let mut row = base.clone();
        row[0] = format!("C{col:02}");
        row[1] = key.clone();
        reg.push(row.join(","));
        let mut fields: Vec<String> = std::iter::once(key)
            .chain(DUE_DATES.split(',').map(String::from))
            .collect();
        fields[col] = spelled(&n, col + 3);
        card.push(fields.join(","));
        numbers.push(n);
    }
    write(&registry, &reg);
    write(&cards, &card);
    let out = dir.path().join("check");
    let state = dir.path().join("s.sqlite");
    let runs = dir.path().join("out");
    let check = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        "standard",
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let rejects = read_csv(&out.join("rejects.csv"));
    let personal: Vec<_> = rejects
        .iter()
        .filter(|r| r["reason"].starts_with("personal-number"))
        .collect();
    assert!(personal.iter().all(|r| r["value"] == "************"));
    // Every planted registry row is rejected for it (the 住民コード too),
    // but the one in 住民種別, which this profile does not read (its
    // number is in no output all the same: checked below).
    let outcomes = read_csv(&out.join("outcomes.csv"));
    for r in &outcomes {
        let line: usize = r["line"].parse().unwrap();
        if line <= 18 && r["resident_code"] != "P07" {
            assert_eq!(r["outcome"], "rejected", "{r:?}");
        }
    }
    let registry_lines: Vec<&str> = personal
        .iter()
        .filter(|r| r["source"] == "registry")
        .map(|r| r["line"].as_str())
        .collect();
    assert!(registry_lines.len() >= 16, "{personal:?}");
    assert_eq!(
        personal.iter().filter(|r| r["source"] == "cards").count(),
        8
    );
    // A card row with a number in a date column keeps its key: its 住民 row
    // is rejected, not left without a card. The one whose key is the number
    // names nobody (C00 is no-item; the row is counted unattributed).
    for r in outcomes
        .iter()
        .filter(|r| r["resident_code"].starts_with('C'))
    {
        let want = if r["resident_code"] == "C00" {
            "no-item"
        } else {
            "rejected"
        };
        assert_eq!(r["outcome"], want, "{r:?}");
    }
    assert!(String::from_utf8_lossy(&check.stdout).contains("of which unattributed 1"));
    // The night: refused for the card row whose key is the number (no
    // resident can be told), then accepted.
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--input",
            registry.to_str().unwrap(),
            "--cards",
            cards.to_str().unwrap(),
            "--profile",
            "standard",
            "--as-of",
            AS_OF,
            "--allow-future",
            "--out",
            runs.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ];
        args.extend(extra);
        kigen(&args)
    };
    let refused = run(&[]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let ran = run(&["--accept-input-change"]);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_nowhere(&numbers, &[&out, &runs], &[&check, &refused, &ran]);
}

/// The Saku layout (card dates in the registry): a number in every column.
#[test]
fn no_personal_number_reaches_any_output_saku_layout() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read(root().join("input-samples/registry-sample.csv")).unwrap();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&sample);
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let row: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let names: Vec<&str> = header.split(',').collect();
    let mut numbers = Vec::new();
    let mut reg = vec![header.clone()];
    for (col, name) in names.iter().enumerate() {
        if *name == "個人番号" {
            continue;
        }
        let n = my_number(100 + col as u64);
        let mut r = row.clone();
        r[0] = format!("S{col:02}");
        r[1] = String::new();
        r[col] = spelled(&n, col);
        numbers.push(n);
        reg.push(r.join(","));
    }
    let registry = dir.path().join("r.csv");
    write(&registry, &reg);
    let (out, runs, state) = (
        dir.path().join("check"),
        dir.path().join("out"),
        dir.path().join("s.sqlite"),
    );
    let check = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let ran = kigen(&[
        "run",
        "--input",
        registry.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--allow-future",
        "--out",
        runs.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--accept-input-change",
    ]);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let rejects = read_csv(&out.join("rejects.csv"));
    // 性別 is not read; every other column is.
    assert_eq!(
        rejects
            .iter()
            .filter(|r| r["reason"].starts_with("personal-number"))
            .count(),
        names.len() - 2,
        "{rejects:?}"
    );
    assert_nowhere(&numbers, &[&out, &runs], &[&check, &ran]);
}

#[test]
fn a_card_file_without_its_header_echoes_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let registry = root().join("input-samples/standard/registry.csv");
    let cards = dir.path().join("c.csv");
    let n = my_number(7);
    write(
        &cards,
        &[
            format!("{},{DUE_DATES}", spelled(&n, 1)),
            format!("92229879581,{DUE_DATES}"),
        ],
    );
    let out = dir.path().join("check");
    let o = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        "standard",
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("does not look like a header row"), "{err}");
    assert!(
        !err.contains("2017-01-13") && !folded(&err).contains(&n),
        "{err}"
    );
}

/// A registry row of the standard layout.
fn person(code: &str, key: &str) -> String {
    format!("{code},{key},,佐久　太郎,サク　タロウ,1970-01-18,住民,日本人,385-0051,長野県佐久市中込3056,,,,,,,,")
}

#[test]
fn unreadable_card_rows_reject_their_resident_or_are_unattributed() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, cards) = (dir.path().join("r.csv"), dir.path().join("c.csv"));
    // Join keys written in every way a key may be spelled: all join.
    let variants = [
        "１００００００００１１",
        "1000-0000-012",
        "1000 0000 013",
        "1000\u{3000}0000\u{3000}014",
        "1000ー0000ー015",
        "1000－0000－016",
        "１０００‐００００‐０１７",
    ];
    let mut reg = vec![REGISTRY_HEADER.to_string()];
    for (i, v) in variants.iter().enumerate() {
        reg.push(person(&format!("V{i}"), v));
    }
    reg.push(person("B1", "10000000021"));
    reg.push(person("B2", "10000000022"));
    reg.push(person("B3", "10000000023"));
    reg.push(person("B4", "1000/0000/024"));
    write(&registry, &reg);
    let mut card = vec![CARD_HEADER.to_string()];
    for i in 0..variants.len() {
        // The card side in yet another spelling.
        card.push(format!("1000-0000-01{},{DUE_DATES}", i + 1));
    }
    card.push("10000000021,2017-01-13,2017-02-17".to_string()); // too few fields, key read
    card.push(format!("10000000022,{DUE_DATES},extra")); // too many fields, key read
    card.push(format!("10000000024,{DUE_DATES}"));
    card.push(format!("1234567890123456,{DUE_DATES}")); // key too long: unattributed
    write(&cards, &card);
    let mut bytes = std::fs::read(&cards).unwrap();
    bytes.extend(b"10000000023,2017-01-13,\x85\x40,,,,,\r\n"); // bad bytes, key read
    bytes.extend(b"\x85\x40,2017-01-13,,,,,,\r\n"); // bad key bytes: unattributed
    bytes.extend(b"\"10000000099,2017-01-13,,,,,,\r\n"); // open quote to the end
    std::fs::write(&cards, bytes).unwrap();

    let out = dir.path().join("check");
    let o = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        "standard",
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("3 card row(s) rejected without a readable key (unattributed)"),
        "{err}"
    );
    let outcomes = read_csv(&out.join("outcomes.csv"));
    let outcome =
        |c: &str| outcomes.iter().find(|r| r["resident_code"] == c).unwrap()["outcome"].clone();
    for (i, v) in variants.iter().enumerate() {
        assert_eq!(outcome(&format!("V{i}")), "printed", "variant {i}: {v}");
    }
    for c in ["B1", "B2", "B3"] {
        assert_eq!(outcome(c), "rejected", "{c}: its card row cannot be read");
    }
    assert_eq!(outcome("B4"), "rejected", "a join key that is not a key");
    let card_rejects: Vec<_> = read_csv(&out.join("rejects.csv"))
        .into_iter()
        .filter(|r| r["source"] == "cards")
        .collect();
    assert_eq!(card_rejects.len(), 6);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("of which unattributed 3"), "{stdout}");

    // The night is refused before printing, then accepted.
    let (runs, state) = (dir.path().join("out"), dir.path().join("s.sqlite"));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--quiet",
            "--input",
            registry.to_str().unwrap(),
            "--cards",
            cards.to_str().unwrap(),
            "--profile",
            "standard",
            "--as-of",
            AS_OF,
            "--allow-future",
            "--out",
            runs.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ];
        args.extend(extra);
        kigen(&args)
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("max_unattributed") && err.contains("--accept-input-change"),
        "{err}"
    );
    assert!(!runs.join(AS_OF).exists(), "nothing printed");
    let o = run(&["--accept-input-change"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let batch = runs.join(AS_OF);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["counts"]["cards"]["unattributed"], 3, "{summary}");
    let html = std::fs::read_to_string(batch.join("report.html")).unwrap();
    assert!(
        html.contains("data-k=\"cards:unattributed\">3<"),
        "report shows it"
    );
    let v = kigen(&[
        "verify",
        batch.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );

    // With [cards] max_unattributed = 3 the night is not refused.
    let profile = dir.path().join("p");
    std::fs::create_dir_all(&profile).unwrap();
    let std_profile =
        std::fs::read_to_string(root().join("templates/standard/profile.toml")).unwrap();
    assert!(std_profile.contains("\n[cards]\n"));
    {
        std::fs::write(
            profile.join("profile.toml"),
            std_profile.replacen("\n[cards]\n", "\n[cards]\nmax_unattributed = 3\n", 1),
        )
        .unwrap();
        let o = kigen(&[
            "run",
            "--quiet",
            "--input",
            registry.to_str().unwrap(),
            "--cards",
            cards.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--allow-future",
            "--out",
            dir.path().join("o2").to_str().unwrap(),
            "--state",
            dir.path().join("s2.sqlite").to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn many_bad_card_rows_all_reach_rejects_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let registry = root().join("input-samples/standard/registry.csv");
    let cards = dir.path().join("c.csv");
    let mut text = encoding_rs::SHIFT_JIS
        .decode(&cp932(CARD_HEADER))
        .0
        .into_owned();
    text.push_str("\r\n");
    let n = 6_000;
    for i in 0..n {
        // Alternately no key at all, and a key no registry row has with
        // the wrong field count.
        if i % 2 == 0 {
            text.push_str("x\r\n");
        } else {
            text.push_str(&format!("Z{i:08},2017-01-13\r\n"));
        }
    }
    let mut bytes = cp932(CARD_HEADER);
    bytes.extend(text.as_bytes()[text.find('\n').unwrap() - 1..].iter());
    std::fs::write(&cards, bytes).unwrap();
    let out = dir.path().join("check");
    let o = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        "standard",
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<u64> = read_csv(&out.join("rejects.csv"))
        .iter()
        .filter(|r| r["source"] == "cards")
        .map(|r| r["line"].parse().unwrap())
        .collect();
    assert_eq!(lines, (2..n + 2).collect::<Vec<u64>>());
}

#[test]
fn bidirectional_controls_are_escaped_in_csvs_report_and_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("r.csv");
    let sample = std::fs::read(root().join("input-samples/registry-sample.csv")).unwrap();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&sample);
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let mut row: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let postal = header.split(',').position(|h| h == "郵便番号").unwrap();
    // A postal code with a right-to-left override and an ESC: rejected, its
    // value echoed. (U+202E is not CP932: the export is read as UTF-8.)
    row[postal] = "\u{202E}385\u{1b}[2J".into();
    row[1] = String::new();
    std::fs::write(&registry, format!("{header}\r\n{}\r\n", row.join(","))).unwrap();
    let out = dir.path().join("check");
    let o = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--encoding",
        "utf-8",
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let raw = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    assert!(raw.contains("\\u{202E}385\\u{1B}[2J"), "{raw}");
    assert!(!raw.contains('\u{202E}') && !raw.contains('\u{1b}'));
    // A header name with one, echoed on the terminal.
    let bad = dir.path().join("b.csv");
    std::fs::write(&bad, "a\u{202E}b,\u{2066}c\r\n1,2\r\n").unwrap();
    let o = kigen(&[
        "check",
        "--input",
        bad.to_str().unwrap(),
        "--encoding",
        "utf-8",
        "--as-of",
        AS_OF,
        "--out",
        dir.path().join("c2").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains('\u{202E}') && !err.contains('\u{2066}'),
        "{err}"
    );
}

#[test]
fn a_utf8_card_file_names_the_card_option() {
    let dir = tempfile::tempdir().unwrap();
    let registry = root().join("input-samples/standard/registry.csv");
    let cards = dir.path().join("c.csv");
    std::fs::write(
        &cards,
        format!("{CARD_HEADER}\r\n92229879581,{DUE_DATES}\r\n"),
    )
    .unwrap();
    let o = kigen(&[
        "check",
        "--input",
        registry.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--profile",
        "standard",
        "--as-of",
        AS_OF,
        "--out",
        dir.path().join("check").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("pass --cards-encoding utf-8"), "{err}");
    assert!(!err.contains("pass --encoding"), "{err}");
}
