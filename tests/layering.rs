//! The one-way architecture (ARCHITECTURE.md): every module of `src/` imports
//! only from layers below its own, so the dependency graph has no cycle.
//! This test reads the sources and fails on any import that points up or
//! sideways, naming the file, the line and the two layers.

use std::collections::{BTreeMap, BTreeSet};
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
    ("names", 0),
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
    ("render::marks", 12),
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

/// The text with every `#[cfg(test)]` item blanked out (a `mod tests { … }`
/// block, a test-only function or `use`), lines kept so that line numbers
/// stay true. Everything else, including production code after a test
/// module, is read.
fn production_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("#[cfg(test)]") {
            let end = item_end(&lines, i);
            out.extend(std::iter::repeat_n("", end + 1 - i));
            i = end + 1;
        } else {
            out.push(lines[i]);
            i += 1;
        }
    }
    out.join("\n")
}

/// The last line of the item whose attribute is on line `from`: the line
/// of its closing brace, or of its `;` when it has no body. Braces inside
/// strings, characters and comments do not count.
fn item_end(lines: &[&str], from: usize) -> usize {
    let mut depth = 0i32;
    let mut opened = false;
    for (i, line) in lines.iter().enumerate().skip(from) {
        let code = if i == from {
            // The attribute itself: `#[cfg(test)]` and what may follow it.
            &line[line.find("#[cfg(test)]").unwrap() + "#[cfg(test)]".len()..]
        } else {
            line
        };
        for c in code_chars(code) {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                ';' if !opened && depth == 0 => return i,
                _ => {}
            }
            if opened && depth == 0 {
                return i;
            }
        }
    }
    lines.len() - 1
}

/// A line's characters outside string and character literals and comments
/// (enough Rust for counting braces: no string spans lines in `src/` where
/// a brace inside it would matter).
fn code_chars(line: &str) -> Vec<char> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => break,
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
            }
            '\'' if chars.get(i + 2) == Some(&'\'') => i += 2,
            '\'' if chars.get(i + 1) == Some(&'\\') => {
                while i + 1 < chars.len() && chars[i + 1] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Every `crate::…` path used in production code (see
/// [`production_text`]; tests.rs files are tests), with its line.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    paths_after(&production_text(text), "crate::")
}

/// Every path after `prefix` (`crate::`, `super::`) outside comments, with
/// its line. A grouped `crate::{` is reported as the path `{`.
fn paths_after(text: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        if code.contains(&format!("{prefix}{{")) && prefix == "crate::" {
            // One path per module keeps every import visible to this check.
            out.push((i + 1, "{".to_string()));
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            let tail = &rest[at + prefix.len()..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            // `super::` of `super::super::` is read once, from its start.
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                out.push((i + 1, tail[..end].to_string()));
            }
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

/// The first segments of every path a file of a folder names through
/// `super::` or `crate::<folder>::`, with their lines; a group
/// (`super::{a, B}`, over several lines too) gives each of its names.
fn sibling_refs(folder: &str, text: &str) -> Vec<(usize, String)> {
    let text = production_text(text);
    let mut out = Vec::new();
    let own = format!("{}::", folder.replace('/', "::"));
    let mut paths = paths_after(&text, "super::");
    for (line, p) in paths_after(&text, "crate::") {
        if let Some(rest) = p.strip_prefix(&own) {
            paths.push((line, rest.to_string()));
        } else if p == own.trim_end_matches(':') {
            paths.push((line, String::new()));
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    for (line, p) in paths {
        let first = p.split("::").next().unwrap_or("").to_string();
        if !first.is_empty() {
            out.push((line, first));
            continue;
        }
        // A group right after `super::`: read to its closing brace.
        let from = lines[line - 1..].join("\n");
        let Some(open) = from.find("::{") else {
            continue;
        };
        let group = &from[open + 3..];
        let group = &group[..group.find('}').unwrap_or(group.len())];
        for name in group.split(',') {
            let name = name.split("::").next().unwrap_or("").trim();
            if !name.is_empty() {
                out.push((line, name.to_string()));
            }
        }
    }
    out
}

/// The names a folder's mod.rs re-exports from its files
/// (`pub use row::{Field, Reader};` → Field → row, Reader → row).
fn reexports(mod_rs: &str, siblings: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let text = production_text(mod_rs);
    let mut statement = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if statement.is_empty() && !(t.starts_with("pub use ") || t.starts_with("pub(crate) use "))
        {
            continue;
        }
        statement.push_str(t);
        if !t.contains(';') {
            continue;
        }
        let path = statement.split_once("use ").map(|x| x.1).unwrap_or("");
        let from = path.split("::").next().unwrap_or("").to_string();
        if siblings.contains(&from) {
            let names = path[from.len()..].trim_matches(|c: char| ":{};".contains(c) || c == ' ');
            for name in names.split([',', '{', '}']) {
                let name = name.rsplit("::").next().unwrap_or("").trim();
                let name = name.rsplit(" as ").next().unwrap_or(name).trim();
                if !name.is_empty() && name != "self" {
                    out.insert(name.to_string(), from.clone());
                }
            }
        }
        statement.clear();
    }
    out
}

/// The import cycles among the files of one folder (each as the files of
/// the cycle, first one repeated at the end). `files` are (file stem, text)
/// without mod.rs and tests.rs, which is `mod_rs`: the folder's door, it
/// declares and re-exports the files, so an import of one of its
/// re-exported names counts as an import of the file that defines it.
fn folder_cycles(folder: &str, files: &[(String, String)], mod_rs: &str) -> Vec<Vec<String>> {
    let names: BTreeSet<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let via_mod = reexports(mod_rs, &names);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, text) in files {
        let out = edges.entry(name.clone()).or_default();
        for (_, target) in sibling_refs(folder, text) {
            let target = if names.contains(&target) {
                Some(target)
            } else {
                via_mod.get(&target).cloned()
            };
            if let Some(t) = target.filter(|t| t != name) {
                out.insert(t);
            }
        }
    }
    let mut cycles = Vec::new();
    for start in &names {
        // The shortest way back to `start`, breadth first.
        let mut back: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        while let Some(at) = queue.pop_front() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    let mut cycle = vec![start.clone(), at.clone()];
                    let mut cur = at.clone();
                    while let Some(prev) = back.get(&cur) {
                        cycle.push(prev.clone());
                        cur = prev.clone();
                    }
                    cycle.pop();
                    cycle.reverse();
                    cycle.insert(0, start.clone());
                    cycle.dedup();
                    cycles.push(cycle);
                    queue.clear();
                    break;
                }
                if !back.contains_key(next) && next != start {
                    back.insert(next.clone(), at.clone());
                    queue.push_back(next.clone());
                }
            }
        }
    }
    // A cycle found from each of its files is reported once.
    let mut seen = BTreeSet::new();
    cycles.retain(|c| {
        let mut key = c.clone();
        key.sort();
        key.dedup();
        seen.insert(key)
    });
    cycles
}

#[test]
fn every_folder_is_free_of_import_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files = Vec::new();
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            if p.extension().is_some_and(|e| e == "rs") && stem != "mod" && stem != "tests" {
                files.push((stem, std::fs::read_to_string(&p).unwrap()));
            }
        }
        files.sort();
        let mod_rs = std::fs::read_to_string(dir.join("mod.rs")).unwrap_or_default();
        for cycle in folder_cycles(&folder, &files, &mod_rs) {
            problems.push(format!("src/{folder}/: {}", cycle.join(" → ")));
        }
    }
    assert!(
        problems.is_empty(),
        "import cycles:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_finds_a_cycle_through_a_reexport_and_skips_test_modules() {
    let file = |name: &str, text: &str| (name.to_string(), text.to_string());
    let mod_rs = "mod a;\nmod b;\nmod c;\npub use c::{Thing, Other};\n";
    // a → b directly, b → c through mod.rs's re-export, c → a by crate path.
    let files = [
        file("a", "use super::b::Reader;\n"),
        file("b", "use super::{\n    Thing,\n};\n"),
        file("c", "fn f() { crate::shop::a::g() }\n"),
    ];
    assert_eq!(
        folder_cycles("shop", &files, mod_rs),
        vec![vec!["a", "b", "c", "a"]]
    );
    // The same import from inside a test module is no cycle…
    let tested = [
        files[0].clone(),
        files[1].clone(),
        file(
            "c",
            "fn f() {}\n#[cfg(test)]\nmod tests {\n    fn t() { let _ = \"}\"; crate::shop::a::g() }\n}\n",
        ),
    ];
    assert!(folder_cycles("shop", &tested, mod_rs).is_empty());
    // …but production code after the test module is read.
    let after = [
        files[0].clone(),
        files[1].clone(),
        file(
            "c",
            "#[cfg(test)]\nmod tests {\n    fn t() {}\n}\n\nuse crate::shop::a::g;\n",
        ),
    ];
    assert_eq!(folder_cycles("shop", &after, mod_rs).len(), 1);
    // And an upward import after a test module is found.
    let text = "#[cfg(test)]\nmod tests {}\nuse crate::pipeline::run;\n";
    assert_eq!(violations("model", text).len(), 1);
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

/// The production functions of `text` longer than `max` lines, as
/// (first line, name, length): from the `fn` line to its closing brace.
fn long_functions(text: &str, max: usize) -> Vec<(usize, String, usize)> {
    let prod = production_text(text);
    let lines: Vec<&str> = prod.lines().collect();
    let mut long = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code: String = code_chars(line).into_iter().collect();
        let Some(at) = code.find("fn ") else { continue };
        // `fn` as a keyword, not the end of a name (`my_fn `).
        if at > 0 && !code[..at].ends_with([' ', '(', '\t']) {
            continue;
        }
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        // A declaration without a body (a trait's) ends with `;` before any `{`.
        let mut j = i;
        let mut opened = false;
        let mut depth = 0i32;
        'scan: while j < lines.len() {
            for c in code_chars(lines[j]) {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened => break 'scan,
                    _ => {}
                }
                if opened && depth == 0 {
                    break 'scan;
                }
            }
            j += 1;
        }
        if opened && j + 1 - i > max {
            long.push((i + 1, name, j + 1 - i));
        }
    }
    long
}

/// SPEC's "rooms you can live in" (issue 17): no production function over
/// 100 lines, so that each can be read in one sitting.
#[test]
fn no_production_function_is_over_100_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut long = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (line, name, n) in long_functions(&text, 100) {
            long.push(format!("{}:{line}: fn {name}: {n} lines", f.display()));
        }
    }
    assert!(
        long.is_empty(),
        "functions over 100 lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_counts_a_long_function_and_skips_test_code() {
    let body = "    let x = 1;\n".repeat(101);
    let text = format!(
        "pub(crate) fn long() {{\n{body}}}\nfn short() {{\n    if true {{ 1; }}\n}}\n#[cfg(test)]\nfn long_test() {{\n{body}}}\n"
    );
    let found = long_functions(&text, 100);
    assert_eq!(found, vec![(1, "long".to_string(), 103)]);
}

/// The library's public surface is what `main.rs`, `tests/`, `examples/`
/// and the fuzz targets use (`unreachable_pub` keeps every other item
/// `pub(crate)`); this keeps it from growing back past about 150 items.
#[test]
fn the_public_surface_stays_small() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut items = 0;
    for f in files.iter().filter(|f| !f.ends_with("main.rs")) {
        let text = production_text(&std::fs::read_to_string(f).unwrap());
        items += text
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                [
                    "pub fn ",
                    "pub struct ",
                    "pub enum ",
                    "pub trait ",
                    "pub type ",
                    "pub const ",
                    "pub static ",
                    "pub mod ",
                    "pub use ",
                ]
                .iter()
                .any(|k| t.starts_with(k))
            })
            .count();
    }
    assert!(
        items <= 150,
        "{items} pub items: make the new ones pub(crate)"
    );
}
