//! The documents under `docs/` stay true to the code.
//!
//! The key references (`docs/spec-reference.md`, `docs/profile-reference.md`) are
//! rendered from the JSON Schemas, so a key added to the spec or profile types without
//! regenerating them fails here; `CONFORM_BLESS=1 cargo test --test docs` rewrites
//! them (review the diff).

use std::path::Path;
use std::process::Command;

use conform::schema::{self, SchemaKind};

/// The references `docs/` ships, with the format each describes.
const REFERENCES: [(SchemaKind, &str); 2] = [
    (SchemaKind::Spec, "docs/spec-reference.md"),
    (SchemaKind::Profile, "docs/profile-reference.md"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn key_references_are_current() {
    for (kind, path) in REFERENCES {
        let fresh = schema::render_markdown(kind);
        let file = root().join(path);
        if std::env::var_os("CONFORM_BLESS").is_some() {
            std::fs::create_dir_all(file.parent().expect("docs/")).expect("mkdir docs/");
            std::fs::write(&file, &fresh).expect("write reference");
            continue;
        }
        let on_disk = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            on_disk == fresh,
            "{path} is out of date with the spec/profile types; run CONFORM_BLESS=1 cargo test --test docs and review the diff"
        );
    }
}

#[test]
fn schema_markdown_prints_the_shipped_references() {
    for ((kind, path), arg) in REFERENCES.into_iter().zip(["spec", "profile"]) {
        let out = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(["schema", arg, "--markdown"])
            .output()
            .expect("run conform");
        assert!(
            out.status.success(),
            "conform schema {arg} --markdown: {:?}",
            out.status
        );
        assert!(
            String::from_utf8_lossy(&out.stdout) == schema::render_markdown(kind),
            "conform schema {arg} --markdown differs from what {path} is checked against"
        );
    }
}

/// Every key of the schemas has a row, and every row a meaning.
#[test]
fn key_references_list_every_key_with_a_meaning() {
    for (kind, path) in REFERENCES {
        let text = schema::render_markdown(kind);
        let value = schema::json_schema(kind);
        let mut keys = Vec::new();
        collect_keys(&value, &mut keys);
        for key in keys {
            assert!(
                text.contains(&format!(".{key}` |")) || text.contains(&format!("| `{key}` |")),
                "{path} has no row for the key `{key}`"
            );
        }
        for row in text.lines().filter(|l| l.starts_with("| `")) {
            let meaning = row.trim_end_matches('|').rsplit(" | ").next().unwrap_or("");
            assert!(
                !meaning.trim().is_empty(),
                "{path}: a key without a meaning (give the field a doc comment): {row}"
            );
        }
    }
}

fn collect_keys(value: &serde_json::Value, keys: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(properties) = map.get("properties").and_then(|p| p.as_object()) {
                keys.extend(properties.keys().cloned());
            }
            map.values().for_each(|v| collect_keys(v, keys));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
        _ => {}
    }
}
