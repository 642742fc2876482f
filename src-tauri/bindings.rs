//! `ui/src/bindings/Commands.ts`: the operations of `operations.rs` as the TypeScript map
//! `backend.ts` calls them through. Written by `cargo test` next to the bindings ts-rs writes,
//! and checked the same way: CI fails when the committed file differs.
//! Also checks that the capability grants every operation, and nothing that is not one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ts_rs::{Dependency, TypeVisitor, TS};

use crate::commands::typescript::operations;

/// One operation as TypeScript sees it.
pub struct Operation {
    name: &'static str,
    /// An object type: `{ id: string, }`, `Record<string, never>` for none.
    args: String,
    answer: String,
    /// The generated types it names: TypeScript name → file (relative to the bindings).
    imports: BTreeMap<String, PathBuf>,
}

impl Operation {
    pub fn of<Args: TS + 'static, Answer: TS + 'static>(name: &'static str) -> Self {
        let mut imports = BTreeMap::new();
        for dependency in Args::dependencies() {
            imports.insert(dependency.ts_name, dependency.output_path);
        }
        let mut visit = Imports(&mut imports);
        visit.visit::<Answer>();
        Answer::visit_generics(&mut visit);
        Self {
            name,
            args: Args::inline(),
            answer: Answer::name(),
            imports,
        }
    }
}

/// Collects the types that have a file of their own (an answer's, or its parameters').
struct Imports<'a>(&'a mut BTreeMap<String, PathBuf>);

impl TypeVisitor for Imports<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if let Some(dependency) = Dependency::from_ty::<T>() {
            self.0.insert(dependency.ts_name, dependency.output_path);
        }
    }
}

fn commands_ts(operations: &[Operation]) -> String {
    let imports: BTreeMap<&String, &PathBuf> =
        operations.iter().flat_map(|op| &op.imports).collect();
    let mut ts = String::from(
        "// This file was generated from src-tauri/operations.rs by `cargo test`. Do not edit this \
         file manually.\n",
    );
    for (name, path) in imports {
        let module = path.with_extension("");
        ts += &format!(
            "import type {{ {name} }} from \"./{}\";\n",
            module.display()
        );
    }
    ts +=
        "\n/**\n * Every command the web view may call: its arguments (camelCase, as Tauri takes \
           them) and its answer.\n */\nexport type Commands = {\n";
    for op in operations {
        ts += &format!(
            "  {}: {{ args: {}, result: {} }},\n",
            op.name,
            op.args.trim_end(),
            op.answer
        );
    }
    ts += "};\n\n/**\n * The commands' names, to check a stand-in for the core against.\n */\n";
    ts += "export const commandNames = [\n";
    for op in operations {
        ts += &format!("  \"{}\",\n", op.name);
    }
    ts += "] as const satisfies readonly (keyof Commands)[];\n";
    ts
}

fn bindings_dir() -> PathBuf {
    // Set for `cargo test` by .cargo/config.toml, as for ts-rs.
    std::env::var_os("TS_RS_EXPORT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings"))
}

#[test]
fn the_typescript_command_map_is_written_from_the_operations_list() {
    let operations = operations();
    let ts = commands_ts(&operations);
    for op in &operations {
        assert!(
            ts.contains(&format!("  {}: {{ args: ", op.name)),
            "{} is missing from the map:\n{ts}",
            op.name
        );
    }
    // Spot checks of the shapes the UI relies on.
    assert!(
        ts.contains("  sign_in: { args: { email: string, password: string, }, result: Account },")
    );
    assert!(ts.contains("  sync_history: { args: { id: string, limit?: number | null, }"));
    assert!(ts.contains("  sign_out: { args: Record<string, never>, result: null },"));
    assert!(ts.contains("import type { ReportQuery } from \"./ReportQuery\";"));

    let file = bindings_dir().join("Commands.ts");
    if std::fs::read_to_string(&file).ok().as_deref() != Some(ts.as_str()) {
        std::fs::write(&file, ts).expect("Commands.ts is written");
    }
}

#[test]
fn the_capability_grants_every_operation_and_nothing_that_is_not_one() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities/default.json");
    let capability: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // App commands' permissions have no plugin prefix (`core:…`, `store:…`).
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .expect("a permissions array")
        .iter()
        .filter_map(|permission| {
            permission
                .as_str()
                .or_else(|| permission["identifier"].as_str())
        })
        .filter(|identifier| !identifier.contains(':'))
        .map(str::to_owned)
        .collect();
    let operations: BTreeSet<String> = operations()
        .iter()
        .map(|op| format!("allow-{}", op.name.replace('_', "-")))
        .collect();
    let missing: Vec<_> = operations.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&operations).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} must grant exactly the operations: missing {missing:?}, not operations {extra:?}",
        path.display()
    );
}
