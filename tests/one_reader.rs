//! One export reader (ARCHITECTURE.md): only `src/registry/` opens or
//! iterates an input file (the export, the card file); every command is a
//! sink of `registry::Export`. And no two files of `src/registry/` import
//! each other, directly or through a third.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What opens or iterates an input file: the stream and its header readers.
const OPENERS: &[&str] = &[
    "RecordStream::open",
    "RecordStream::open_at",
    "read_header_row",
    "read_header_fields",
    "read_header(",
    "next_batch(",
    "next_batches_parallel(",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The lines of `text` (a file outside the registry) that open or iterate
/// an input file, comments aside.
fn openers(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for o in OPENERS {
            if code.contains(o) {
                found.push((n + 1, *o));
            }
        }
    }
    found
}

#[test]
fn only_the_registry_opens_an_input_file() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let registry = src().join("registry");
    let mut bad = Vec::new();
    for f in files.iter().filter(|f| !f.starts_with(&registry)) {
        let text = std::fs::read_to_string(f).unwrap();
        for (line, what) in openers(&text) {
            bad.push(format!("{}:{line}: {what}", f.display()));
        }
    }
    assert!(
        bad.is_empty(),
        "outside src/registry/, read the export through registry::Export:\n{}",
        bad.join("\n")
    );
    // And nobody reaches into the night's check to open a file.
    for dir in ["forecast", "mailroom"] {
        let mut files = Vec::new();
        rust_files(&src().join(dir), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(
                !text.contains("batch::check"),
                "{} imports batch::check",
                f.display()
            );
        }
    }
}

#[test]
fn the_opener_check_catches_a_stream_opened_elsewhere() {
    let planted = "fn f() {\n    let mut s = RecordStream::open(path)?;\n    // read_header_row(&mut s) in a comment is fine\n}\n";
    assert_eq!(openers(planted), vec![(2, "RecordStream::open")]);
}

/// `file → files of the same folder it uses` for the production part of the
/// files of `dir` (up to the first `#[cfg(test)]` module).
fn sibling_imports(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut names = BTreeSet::new();
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap()
                .to_string();
            names.insert(name.clone());
            texts.push((name, text));
        }
    }
    texts
        .into_iter()
        .map(|(name, text)| {
            let uses = names
                .iter()
                .filter(|other| **other != name && **other != "mod" && **other != "tests")
                .filter(|other| text.contains(&format!("super::{other}")))
                .cloned()
                .collect();
            (name, uses)
        })
        .collect()
}

/// A cycle in `graph`, as its files in order, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            return Some(path[at..].to_vec());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_file_of_the_registry_imports_one_that_imports_it_back() {
    let graph = sibling_imports(&src().join("registry"));
    assert!(graph.contains_key("reader") && graph["reader"].contains("stream"));
    assert_eq!(cycle(&graph), None, "{graph:?}");
}

#[test]
fn the_cycle_check_catches_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("cards", &["stream"][..]),
        ("stream", &["row"][..]),
        ("row", &["cards", "split"][..]),
        ("split", &[][..]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(
        cycle(&graph),
        Some(vec!["cards".into(), "stream".into(), "row".into()])
    );
}
