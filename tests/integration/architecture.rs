//! The library's layers (docs/architecture.md): every `crate::` path in `src/` names a
//! module of a lower layer than the file's own, or the file's own module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The layer of each module, from the table in docs/architecture.md.
fn layers() -> BTreeMap<String, u32> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("docs/architecture.md")).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let (Ok(layer), Some(module)) = (
            cells[1].parse::<u32>(),
            cells[2].strip_prefix('`').and_then(|m| m.strip_suffix('`')),
        ) else {
            continue;
        };
        assert!(
            out.insert(module.to_string(), layer).is_none(),
            "docs/architecture.md lists `{module}` twice"
        );
    }
    assert!(out.len() > 10, "the layer table was not found: {out:?}");
    out
}

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

/// The top-level modules a piece of code names through `crate::` (`crate::a::b`,
/// `crate::{a, b::c}`), with the line each first appears on.
fn crate_paths(code: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut rest = code;
    let mut offset = 0;
    while let Some(i) = rest.find("crate::") {
        let at = offset + i;
        let after = &rest[i + "crate::".len()..];
        let line = code[..at].matches('\n').count() + 1;
        if let Some(inner) = after.strip_prefix('{') {
            // A use tree: the first segment of each top-level item.
            let mut depth = 0;
            let mut item = String::new();
            for c in inner.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push((first_segment(&item), line));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 || c != '{' {
                    item.push(c);
                }
            }
            out.push((first_segment(&item), line));
        } else {
            out.push((first_segment(after), line));
        }
        offset = at + "crate::".len();
        rest = &code[offset..];
    }
    out.retain(|(m, _)| !m.is_empty() && m != "self");
    out
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// `text` without `//` comments (doc comments included), line for line.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every import that goes sideways or up a layer, as `file:line: a (layer n) imports b
/// (layer m)`.
fn violations(layers: &BTreeMap<String, u32>) -> Vec<String> {
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = first_segment(&rel.to_string_lossy().replace(".rs", ""));
        if module == "main" || module == "lib" {
            continue;
        }
        let Some(&own) = layers.get(&module) else {
            problems.push(format!(
                "src/{}: module `{module}` has no row in docs/architecture.md",
                rel.display()
            ));
            continue;
        };
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for (target, line) in crate_paths(&code) {
            if target == module {
                continue;
            }
            match layers.get(&target) {
                None => problems.push(format!(
                    "src/{}:{line}: `{target}` has no row in docs/architecture.md",
                    rel.display()
                )),
                Some(&layer) if layer >= own => problems.push(format!(
                    "src/{}:{line}: `{module}` (layer {own}) imports `{target}` (layer {layer})",
                    rel.display()
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

#[test]
fn no_module_imports_one_of_its_own_layer_or_above() {
    let problems = violations(&layers());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_every_form_of_a_crate_path() {
    let code = code_of(
        "use crate::model::State;\n\
         use crate::{files::atomic_write, text::{html, json}};\n\
         let x = crate::world::hours(1.0); // crate::report::Report in a comment\n\
         use crate::{self as c};",
    );
    let found: Vec<(String, usize)> = crate_paths(&code);
    let names: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(names, ["model", "files", "text", "world"]);
    assert_eq!(found[3].1, 3, "the line of the inline path");
}
