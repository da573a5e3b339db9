//! The one-way architecture (ARCHITECTURE.md): every module of `src/` imports
//! only from layers below its own, so the dependency graph has no cycle.
//! This test reads the sources and fails on any import that points up or
//! sideways, naming the file, the line and the two layers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Module → layer. A module may import from strictly lower layers only
/// (and from itself). `render` is split: its low half knows nothing of
/// notices.
const LAYERS: &[(&str, u32)] = &[
    ("error", 0),
    ("fault", 0),
    ("text", 0),
    ("progress", 0),
    ("sample", 0),
    ("postal_code", 1),
    ("mynumber", 1),
    ("digest", 1),
    ("files", 1),
    ("wareki", 2),
    ("rules", 2),
    ("barcode", 3),
    ("render::display", 3),
    ("render::fonts", 4),
    ("render::layout", 5),
    ("render::pdf", 5),
    ("select", 6),
    ("model", 7),
    ("profile", 8),
    ("registry", 9),
    ("outputs", 9),
    ("ledger", 9),
    ("render::notice", 9),
    ("render::letter", 10),
    ("render::printable", 11),
    ("render::forms", 12),
    ("render::residence", 12),
    ("render::packet", 13),
    ("render::mailroom", 13),
    ("pipeline", 14),
    ("fuzzing", 17), // the fuzz targets' entry points (the returns file is the mail room's)
    ("batch", 15),
    ("verify", 15),
    ("mailroom", 16),  // pull lists, returns, reprints: use batch and verify
    ("retention", 16), // archive and purge: use batch's agreement and verify
    ("cli", 16),
    ("forecast", 16), // reads like a check, above batch
    ("cmd", 17),
    ("render", 18), // render/mod.rs only declares its children
];

fn layer_of(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The module a file belongs to: its first path component, or
/// `render::<file>` inside render/.
fn module_of_file(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [r, f, ..] if r == "render" => {
            if f == "mod" {
                "render".into()
            } else {
                format!("render::{f}")
            }
        }
        [first, ..] => first.clone(),
        [] => String::new(),
    }
}

/// The module an import path `crate::a::b::…` names.
fn module_of_path(path: &str) -> String {
    let mut it = path
        .split("::")
        .map(|s| s.trim_matches(|c: char| c == '{' || c == ' '));
    let first = it.next().unwrap_or("");
    if first == "render" {
        if let Some(second) = it.next().filter(|s| !s.is_empty()) {
            return format!("render::{second}");
        }
    }
    first.to_string()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::…` path used in production code (before the first
/// `#[cfg(test)]`; tests.rs files are tests), with its line.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        if code.contains("crate::{") {
            // One path per module keeps every import visible to this check.
            out.push((i + 1, "{".to_string()));
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + "crate::".len()..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            out.push((i + 1, tail[..end].to_string()));
            rest = &tail[end..];
        }
    }
    out
}

/// Violations in one file's text: (line, imported module, why).
fn violations(module: &str, text: &str) -> Vec<(usize, String, String)> {
    let Some(own) = layer_of(module) else {
        return vec![(0, module.into(), "module missing from LAYERS".into())];
    };
    let mut out = Vec::new();
    for (line, path) in crate_paths(text) {
        if path == "{" {
            out.push((
                line,
                path,
                "grouped `use crate::{…}`: write one path per module".into(),
            ));
            continue;
        }
        let target = module_of_path(&path);
        if target == module || target.is_empty() {
            continue;
        }
        match layer_of(&target) {
            None => out.push((line, target, "module missing from LAYERS".into())),
            Some(l) if l >= own => out.push((
                line,
                target,
                format!("layer {own} must not import layer {l}"),
            )),
            Some(_) => {}
        }
    }
    out
}

#[test]
fn every_import_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        if rel == Path::new("lib.rs")
            || rel == Path::new("main.rs")
            || rel.file_name().is_some_and(|n| n == "tests.rs")
        {
            continue;
        }
        let module = module_of_file(rel);
        seen.insert(module.clone());
        let text = std::fs::read_to_string(file).unwrap();
        for (line, target, why) in violations(&module, &text) {
            problems.push(format!(
                "src/{}:{line}: {module} → {target}: {why}",
                rel.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every module the table names exists, so the table stays true.
    let stale: Vec<_> = LAYERS
        .iter()
        .filter(|(m, _)| !seen.contains(*m))
        .map(|(m, _)| *m)
        .collect();
    assert!(
        stale.is_empty(),
        "LAYERS names modules that no longer exist: {stale:?}"
    );
}

#[test]
fn the_check_catches_an_upward_import() {
    // A low module importing a higher one, written as the code would be.
    let text = "use crate::error::Error;\nuse crate::pipeline::Context;\n";
    let v = violations("registry", text);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, 2);
    assert_eq!(v[0].1, "pipeline");
    // Sideways (same layer) is refused too: it is how cycles start.
    let v = violations("outputs", "fn f() { crate::ledger::Ledger::open(p); }\n");
    assert_eq!(v.len(), 1, "{v:?}");
    // Test code after #[cfg(test)] may use anything.
    assert!(violations("rules", "#[cfg(test)]\nuse crate::batch::run;\n").is_empty());
    // Inside render, the low half may not reach the notice half.
    let v = violations("render::pdf", "use crate::render::packet::packet_pages;\n");
    assert_eq!(v.len(), 1, "{v:?}");
    // A grouped import would hide its modules: refused.
    let v = violations("outputs", "use crate::{model::Field, batch::run};\n");
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(module_of_path("render::fonts::FontSet"), "render::fonts");
}
