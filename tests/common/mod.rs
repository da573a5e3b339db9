//! Helpers shared by the integration tests: run the binary, read its CSVs.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `kigen` binary, set to run in an empty directory of its own (a
/// fresh temporary directory, removed when this is dropped): no test may
/// depend on, or write into, the current directory's `state/` or `out/`
/// (SPEC 13: the README's first command leaves them in the checkout).
/// Derefs to the [`Command`]; inputs are given as absolute paths.
pub struct Kigen {
    cmd: Command,
    _cwd: tempfile::TempDir,
}

impl std::ops::Deref for Kigen {
    type Target = Command;
    fn deref(&self) -> &Command {
        &self.cmd
    }
}

impl std::ops::DerefMut for Kigen {
    fn deref_mut(&mut self) -> &mut Command {
        &mut self.cmd
    }
}

/// A `kigen` command that runs in an empty directory of its own.
pub fn kigen_command() -> Kigen {
    let cwd = tempfile::tempdir().expect("a temporary directory");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kigen"));
    cmd.current_dir(cwd.path());
    Kigen { cmd, _cwd: cwd }
}

/// Runs `kigen` with `args` in an empty directory of its own.
pub fn kigen(args: &[&str]) -> Output {
    kigen_command().args(args).output().expect("kigen runs")
}

/// `rel` (a path in the repository, such as `input-samples/edge-cases.csv`)
/// as an absolute path string, for arguments.
pub fn repo_path(rel: &str) -> String {
    root().join(rel).to_str().expect("utf-8 path").to_string()
}

/// A copy of the Saku profile in `dir/profile` (the repository's fonts, its
/// 外字 table) whose `[columns] absent` lists `keys`: for test inputs that
/// lack some optional columns, since every column the profile maps must be
/// in the header.
pub fn absent_profile(dir: &Path, keys: &[&str]) -> PathBuf {
    let saku = root().join("templates/saku");
    let mut text = std::fs::read_to_string(saku.join("profile.toml")).unwrap();
    let list = keys
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let from = "absent = []";
    assert!(text.contains(from), "{from}");
    text = text.replace(from, &format!("absent = [{list}]"));
    let p = dir.join("profile");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("profile.toml"), text).unwrap();
    p
}

/// Reads a CSV output (UTF-8 with BOM) into header → value maps.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with("\u{FEFF}".as_bytes()),
        "{} has no BOM",
        path.display()
    );
    read_csv_bytes(&bytes[3..])
}

/// rejects.csv or held.csv as (resident_code, field, code) per row, after
/// checking that its header line (BOM, CRLF) is `header`.
pub fn field_codes(path: &Path, header: &str) -> Vec<(String, String, String)> {
    let raw = String::from_utf8(std::fs::read(path).unwrap()).unwrap();
    assert!(
        raw.starts_with(&format!("\u{FEFF}{header}\r\n")),
        "{}: {raw}",
        path.display()
    );
    read_csv(path)
        .into_iter()
        .map(|r| {
            (
                r["resident_code"].clone(),
                r["field"].clone(),
                r["code"].clone(),
            )
        })
        .collect()
}

/// Parses CSV bytes (UTF-8) into header → value maps.
pub fn read_csv_bytes(bytes: &[u8]) -> Vec<HashMap<String, String>> {
    let mut r = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The header row of a CSV output.
pub fn header_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("utf-8");
    text.trim_start_matches('\u{FEFF}')
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// Every file of a batch directory (relative paths, sorted).
pub fn batch_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["", "print"] {
        let d = dir.join(sub);
        if !d.is_dir() {
            continue;
        }
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                out.push(Path::new(sub).join(e.file_name()));
            }
        }
    }
    out.sort();
    out
}

/// Asserts two batches are the same: every file byte for byte, except that
/// summary.json may differ in its `timings` (the one part that measures the
/// run itself).
pub fn assert_same_batch(a: &Path, b: &Path) {
    let (fa, fb) = (batch_files(a), batch_files(b));
    assert_eq!(fa, fb, "the same files");
    for f in fa {
        let (x, y) = (
            std::fs::read(a.join(&f)).unwrap(),
            std::fs::read(b.join(&f)).unwrap(),
        );
        if f == Path::new("summary.json") {
            let mut jx: serde_json::Value = serde_json::from_slice(&x).unwrap();
            let mut jy: serde_json::Value = serde_json::from_slice(&y).unwrap();
            jx["timings"] = serde_json::Value::Null;
            jy["timings"] = serde_json::Value::Null;
            assert!(jx == jy, "summary.json differs beyond its timings");
        } else {
            assert!(x == y, "{} differs", f.display());
        }
    }
}

/// A copy of the shipped Saku profile (templates/saku/profile.toml) written
/// to `dir/profile/`, with each `(from, to)` replaced; every `from` must
/// occur. Returns the profile directory.
pub fn profile_with(dir: &Path, changes: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(root().join("templates/saku/profile.toml")).unwrap();
    for (from, to) in changes {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let p = dir.join("profile");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("profile.toml"), text).unwrap();
    p
}

/// The `[gaiji] table` line naming input-samples/gaiji-example.csv, the
/// invented 外字 table edge-cases.csv is written for (no shipped profile
/// names it).
pub fn example_gaiji_line() -> (&'static str, String) {
    let table = root().join("input-samples/gaiji-example.csv");
    (
        "table = \"\"",
        format!("table = {:?}", table.to_str().unwrap()),
    )
}

/// The Saku profile with the example 外字 table: what
/// input-samples/edge-cases-expected.csv expects (E009's U+E000 prints as
/// 髙, E037's U+E001 maps to 𠮷, which no IPAex font draws), with the
/// residence letter (SPEC 15) off, so that E007 keeps today's
/// `residence-period`; tests/residence_generations.rs runs the edge cases
/// with it on.
pub fn example_profile(dir: &Path) -> PathBuf {
    let (from, to) = example_gaiji_line();
    profile_with(dir, &[(from, &to), RESIDENCE_LETTER_OFF])
}

/// The replacement that turns the shipped profile's residence letter off.
pub const RESIDENCE_LETTER_OFF: (&str, &str) =
    ("enabled = true\nlead = 3\n", "enabled = false\nlead = 3\n");

/// The text of every page of a PDF, whitespace removed (runs are positioned
/// separately), read with lopdf.
/// A page's fixed content (the letter's wording, the forms' labels) is a
/// template placed with `Do`: its text is read as part of the page.
pub fn page_texts(pdf: &Path) -> Vec<String> {
    let mut doc = lopdf::Document::load(pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
    expand_templates(&mut doc);
    let n = doc.get_pages().len() as u32;
    (1..=n)
        .map(|p| {
            doc.extract_text(&[p])
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .collect()
}

/// Replaces every page's `/Tn Do` (the writer puts it first, alone on its
/// line) by the template's own content (its fonts are the page's), so that
/// text extraction and content checks see the page as printed. The bytes
/// are spliced rather than decoded and encoded again: lopdf does not
/// encode an inline image (the codes) back as it read it.
pub fn expand_templates(doc: &mut lopdf::Document) {
    for (_, id) in doc.get_pages() {
        let page = doc.get_page_content(id);
        let line = page.split(|b| *b == b'\n').next().unwrap_or_default();
        let Some(name) = line.strip_suffix(b" Do").and_then(|n| n.strip_prefix(b"/")) else {
            assert!(
                !String::from_utf8_lossy(&page).contains(" Do\n"),
                "a template placed elsewhere than first"
            );
            continue;
        };
        let resources = doc.get_dictionary(id).unwrap().get(b"Resources").unwrap();
        let resources = doc.dereference(resources).unwrap().1.as_dict().unwrap();
        let xobjects = resources.get(b"XObject").unwrap();
        let xobjects = doc.dereference(xobjects).unwrap().1.as_dict().unwrap();
        let form = doc.dereference(xobjects.get(name).unwrap()).unwrap().1;
        let form = form.as_stream().expect("a form XObject");
        let content = form
            .decompressed_content()
            .unwrap_or_else(|_| form.content.clone());
        let mut bytes = b"q\n".to_vec();
        bytes.extend_from_slice(&content);
        bytes.extend_from_slice(b"\nQ\n");
        bytes.extend_from_slice(&page[line.len()..]);
        let stream = doc.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), bytes));
        doc.get_dictionary_mut(id)
            .unwrap()
            .set("Contents", lopdf::Object::Reference(stream));
    }
}

/// Replaces `file` of `batch` with `bytes` and updates summary.json's size
/// and SHA-256 for it, so that only a check of the file's contents can
/// tell.
pub fn forge(batch: &Path, file: &str, bytes: &[u8]) {
    use sha2::Digest;
    std::fs::write(batch.join(file), bytes).unwrap();
    let path = batch.join("summary.json");
    let mut s: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let sha: String = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for f in s["files"].as_array_mut().unwrap() {
        if f["file"] == file {
            f["bytes"] = bytes.len().into();
            f["sha256"] = sha.clone().into();
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&s).unwrap()).unwrap();
}

/// The rows of one sheet of a workbook kigen wrote, each cell as text
/// (the header row first).
pub fn sheet_rows(xlsx: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(xlsx).expect("the workbook opens");
    let range = wb
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("sheet {sheet}: {e}"));
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}
