//! Clean PDF (SPEC 16): every PDF of a batch is one a production printer
//! takes without a warning. Checked with lopdf and by reading the file's
//! own bytes (what `qpdf --check` looks at), so `cargo test` needs nothing
//! but Rust: the trailer's /Size is one more than the highest object
//! number, every xref offset points at its object, no content stream sets
//! an RGB or CMYK colour (text and rules are black in DeviceGray), and the
//! document information holds Title, Creator and CreationDate = the as-of
//! date.

mod common;

use std::path::{Path, PathBuf};

use lopdf::content::Content;
use lopdf::{Document, Object};

/// A sample registry (both notice kinds, regular and 転送不要 mail) run
/// into print files of 40 packets; the batch directory.
fn sample_batch(dir: &Path) -> PathBuf {
    let csv = dir.join("registry.csv");
    let out = common::kigen_command()
        .args(["sample", "--rows", "1500", "--seed", "3", "--as-of"])
        .args(["2026-11-26", "--due-percent", "20", "--out"])
        .arg(&csv)
        .output()
        .expect("kigen sample runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let profile = common::profile_with(dir, &[("chunk = 500", "chunk = 40")]);
    let out = common::kigen_command()
        .args(["run", "--quiet", "--as-of", "2026-11-26", "--input"])
        .arg(&csv)
        .arg("--out")
        .arg(dir.join("out"))
        .arg("--state")
        .arg(dir.join("state.sqlite"))
        .arg("--profile")
        .arg(profile)
        .output()
        .expect("kigen runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("out/2026-11-26")
}

/// The classic xref table's entries (object number, offset) of the file,
/// read from its bytes: `startxref`, then the subsections.
fn xref_entries(bytes: &[u8]) -> Vec<(u32, usize, bool)> {
    let tail = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(64)..]).into_owned();
    let start: usize = tail
        .split("startxref")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("startxref");
    let table = String::from_utf8_lossy(&bytes[start..]).into_owned();
    let mut lines = table.lines();
    assert_eq!(lines.next().map(str::trim), Some("xref"));
    let mut entries = Vec::new();
    while let Some(head) = lines.next() {
        let head: Vec<u32> = head
            .split_whitespace()
            .map_while(|s| s.parse().ok())
            .collect();
        let [first, count] = head[..] else { break };
        for n in first..first + count {
            let e = lines.next().expect("an xref entry");
            let offset: usize = e[..10].parse().expect("an offset");
            entries.push((n, offset, e[17..18].eq("n")));
        }
    }
    entries
}

/// Every content stream of `doc`: the pages' and the templates'.
fn content_streams(doc: &Document) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = doc
        .get_pages()
        .values()
        .map(|id| doc.get_page_content(*id))
        .collect();
    for object in doc.objects.values() {
        if let Ok(s) = object.as_stream() {
            if s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Form") {
                out.push(
                    s.decompressed_content()
                        .unwrap_or_else(|_| s.content.clone()),
                );
            }
        }
    }
    out
}

fn check(path: &Path, bytes: &[u8]) {
    let name = path.display();
    let doc = Document::load_mem(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let highest = doc.objects.keys().map(|(n, _)| *n).max().unwrap();
    let size = doc.trailer.get(b"Size").and_then(Object::as_i64).unwrap();
    assert_eq!(size, i64::from(highest) + 1, "{name}: trailer /Size");
    let entries = xref_entries(bytes);
    let listed: Vec<u32> = entries.iter().filter(|e| e.2).map(|e| e.0).collect();
    let objects: Vec<u32> = doc.objects.keys().map(|(n, _)| *n).collect();
    assert_eq!(listed, objects, "{name}: the xref lists every object");
    for (n, offset, in_use) in entries {
        assert!(i64::from(n) < size, "{name}: object {n} past /Size");
        if in_use {
            let want = format!("{n} 0 obj");
            assert!(
                bytes[offset..].starts_with(want.as_bytes()),
                "{name}: xref offset of object {n} points at {:?}",
                String::from_utf8_lossy(&bytes[offset..offset + 12])
            );
        }
    }
    for content in content_streams(&doc) {
        let ops = Content::decode(&content)
            .expect("content decodes")
            .operations;
        for op in &ops {
            assert!(
                !["rg", "RG", "k", "K", "cs", "CS", "sc", "SC", "scn", "SCN"]
                    .contains(&op.operator.as_str()),
                "{name}: colour operator {} {:?}",
                op.operator,
                op.operands
            );
        }
    }
    let info = doc.trailer.get(b"Info").expect("document information");
    let info = doc.dereference(info).unwrap().1.as_dict().unwrap();
    let text = |k: &[u8]| info.get(k).and_then(Object::as_str).map(<[u8]>::to_vec);
    assert!(text(b"Title").is_ok_and(|t| !t.is_empty()), "{name}: Title");
    let creator = format!("kigen {}", env!("CARGO_PKG_VERSION"));
    assert_eq!(text(b"Creator").unwrap(), creator.as_bytes(), "{name}");
    assert_eq!(text(b"CreationDate").unwrap(), b"D:20261126", "{name}");
}

#[test]
fn every_pdf_of_a_batch_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let batch = sample_batch(dir.path());
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(batch.join("print")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pdf") {
            check(&path, &std::fs::read(&path).unwrap());
            checked.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    checked.sort();
    for want in [
        "bundle-slips.pdf",
        "count-sheet.pdf",
        "non-forwardable-0001.pdf",
        "notices-0002.pdf",
    ] {
        assert!(checked.iter().any(|c| c == want), "{want} in {checked:?}");
    }
}

#[test]
fn the_check_sees_a_wrong_size_and_a_moved_object() {
    let dir = tempfile::tempdir().unwrap();
    let batch = sample_batch(dir.path());
    let path = batch.join("print/count-sheet.pdf");
    let good = std::fs::read(&path).unwrap();
    check(&path, &good);
    // Another /Size in the trailer, as the old writer left it.
    let rfind = |pat: &[u8]| good.windows(pat.len()).rposition(|w| w == pat).unwrap();
    let at = rfind(b"/Size ") + 6;
    let mut bad = good.clone();
    bad[at] = if bad[at] == b'9' { b'1' } else { b'9' };
    let caught = std::panic::catch_unwind(|| check(&path, &bad));
    assert!(caught.is_err(), "a wrong /Size passes");
    // Object 1's xref offset one byte off (its entry is the table's second).
    let xref = rfind(b"\nxref\n") + 6;
    let line_end = xref + good[xref..].iter().position(|b| *b == b'\n').unwrap();
    let digit = line_end + 1 + 20 + 9;
    let mut shifted = good.clone();
    shifted[digit] = if shifted[digit] == b'9' {
        b'0'
    } else {
        shifted[digit] + 1
    };
    let caught = std::panic::catch_unwind(|| check(&path, &shifted));
    assert!(caught.is_err(), "a wrong offset passes");
}
