//! The core's modules depend on each other one way (see the crate's documentation in `lib.rs`).
//! This reads the sources and fails on any `crate::` reference against that direction, so an
//! import cycle cannot come back unnoticed. Test code (from a `#[cfg(test)]` line on) and
//! comments are not dependencies and are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and the modules it may use. Nothing may use `config`.
const ALLOWED: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("domain", &["error"]),
    ("private_fs", &[]),
    ("clock", &[]),
    ("crypto", &["domain", "error"]),
    ("auth", &["domain", "error"]),
    ("master_key", &["crypto", "private_fs", "error"]),
    ("provider", &["domain", "error"]),
    ("gateway", &["provider", "domain", "error"]),
    ("webhook", &[]),
    ("store", &["domain", "private_fs", "error"]),
    (
        "workspace",
        &["store", "crypto", "private_fs", "domain", "error"],
    ),
    (
        "admin",
        &["workspace", "store", "auth", "crypto", "domain", "error"],
    ),
    ("mirror", &["store", "domain", "error"]),
    ("sync", &["store", "provider", "domain", "error"]),
    ("analytics", &["store", "domain", "error"]),
    ("alerts", &["analytics", "store", "domain", "error"]),
    (
        "service",
        &[
            "mirror",
            "sync",
            "analytics",
            "alerts",
            "webhook",
            "store",
            "provider",
            "auth",
            "clock",
            "crypto",
            "domain",
            "error",
        ],
    ),
    ("runtime", &["service", "store", "sync", "auth", "error"]),
    (
        "config",
        &[
            "service",
            "mirror",
            "store",
            "provider",
            "master_key",
            "workspace",
            "private_fs",
            "auth",
            "crypto",
            "sync",
            "error",
        ],
    ),
];

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`store/postgres/mod.rs` → `store`).
fn top_module(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(source_root()).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// The names the crate root re-exports (`pub use service::{Core, …}`), with their module, so
/// `crate::Core` counts as a use of `service`.
fn root_reexports() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(source_root().join("lib.rs")).expect("read lib.rs");
    let mut names = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let item = item.trim();
            if !item.is_empty() {
                names.insert(item.to_owned(), module.trim().to_owned());
            }
        }
    }
    names
}

/// The top-level modules a line of code names through `crate::`.
fn referenced_modules(line: &str, reexports: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `integrations_core::…` or `$crate::…` are not this crate's `crate::`.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let names: Vec<&str> = match rest.strip_prefix('{') {
            // `crate::{a::X, b}`: the first segment of each item (one line is enough here).
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .map(|item| item.trim().split("::").next().unwrap_or_default())
                .collect(),
            None => vec![rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or_default()],
        };
        for name in names {
            match reexports.get(name) {
                Some(module) => found.insert(module.clone()),
                None => found.insert(name.to_owned()),
            };
        }
    }
    found
}

#[test]
fn the_core_modules_depend_on_each_other_only_one_way() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(module, uses)| (*module, uses.iter().copied().collect()))
        .collect();
    let reexports = root_reexports();
    let mut files = Vec::new();
    rust_files(&source_root(), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    let mut seen_modules = BTreeSet::new();
    for file in &files {
        let Some(module) = top_module(file) else {
            continue;
        };
        seen_modules.insert(module.clone());
        let Some(may_use) = allowed.get(module.as_str()) else {
            wrong.push(format!(
                "{}: module `{module}` has no place in ALLOWED",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read a source file");
        for (number, line) in text.lines().enumerate() {
            if line.trim_start() == "#[cfg(test)]" {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for used in referenced_modules(line, &reexports) {
                if used != module && !may_use.contains(used.as_str()) {
                    wrong.push(format!(
                        "{}:{}: `{module}` uses `{used}`: {}",
                        file.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "dependencies against the direction in lib.rs:\n{}",
        wrong.join("\n")
    );
    // The check must have read the modules it is about.
    for module in allowed.keys() {
        assert!(seen_modules.contains(*module), "no source for `{module}`");
    }
}

#[test]
fn the_layer_check_sees_every_way_of_naming_a_module() {
    let reexports = root_reexports();
    let uses = |line: &str| referenced_modules(line, &reexports);
    for (line, modules) in [
        ("use crate::store::{Store, StoreError};", &["store"][..]),
        (
            "use crate::{domain::Provider, error::CoreError};",
            &["domain", "error"],
        ),
        ("let x: crate::Core = todo!();", &["service"]),
        (
            "fn f(s: &crate::auth::Session) -> crate::sync::SyncRun",
            &["auth", "sync"],
        ),
    ] {
        let expected: BTreeSet<String> = modules.iter().map(|m| m.to_string()).collect();
        assert_eq!(uses(line), expected, "{line}");
    }
    assert!(uses("use integrations_core::store::Store;").is_empty());
}
