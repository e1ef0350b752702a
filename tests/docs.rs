//! The documents under `docs/` stay true to the code.
//!
//! The key references (`docs/spec-reference.md`, `docs/profile-reference.md`) are
//! rendered from the JSON Schemas, so a key added to the spec or profile types without
//! regenerating them fails here; `CONFORM_BLESS=1 cargo test --test docs` rewrites
//! them (review the diff). The authoring guide (`docs/writing-specs.md`) is written by
//! hand, so this checks it names every template expression the parser knows.

use std::path::Path;
use std::process::Command;

use conform::plan::{Expr, Template};
use conform::schema::{self, SchemaKind};

/// The references `docs/` ships, with the format each describes.
const REFERENCES: [(SchemaKind, &str); 2] = [
    (SchemaKind::Spec, "docs/spec-reference.md"),
    (SchemaKind::Profile, "docs/profile-reference.md"),
];

const GUIDE: &str = "docs/writing-specs.md";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
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
/// How the guide writes each kind of expression. The match has no wildcard: a new kind
/// of expression does not compile here until it is given a form, and the guide then
/// has to show that form.
fn documented_form(expr: &Expr) -> &'static str {
    match expr {
        Expr::Account { role: None, .. } => "account.FIELD",
        Expr::Account { role: Some(_), .. } => "accounts.NAME.FIELD",
        Expr::Capture(_) => "CAPTURE",
        Expr::Code => "code",
        Expr::WrongCode => "wrong_code",
        Expr::StaleCode => "stale_code",
        Expr::LastCode => "last_code",
        Expr::Uuid => "uuid",
        Expr::RandomHex(_) => "random_hex(N)",
        Expr::RandomAlnum(_) => "random_alnum(N)",
        Expr::Var(_) => "vars.NAME",
        Expr::Sent(_) => "sent.NAME",
        Expr::Response(_) => "$.PATH",
        Expr::Call(func, _) => match func.name() {
            "swapcase" => "swapcase(VALUE)",
            _ => "an undocumented function",
        },
    }
}

/// One written example of every form, as a spec would write it.
const EXAMPLES: [&str; 14] = [
    "account.username",
    "accounts.primary.email",
    "token",
    "code",
    "wrong_code",
    "stale_code",
    "last_code",
    "uuid",
    "random_hex(32)",
    "random_alnum(12)",
    "vars.tenant",
    "sent.password",
    "$.expires_in",
    "swapcase(account.password)",
];

#[test]
fn guide_names_every_template_expression() {
    let guide = read(GUIDE);
    for example in EXAMPLES {
        let template = Template::parse(&format!("{{{{ {example} }}}}"))
            .unwrap_or_else(|e| panic!("{example}: {e}"));
        let expr = template.sole_expr().expect("one expression");
        let form = documented_form(expr);
        assert!(
            guide.contains(&format!("`{form}`")),
            "{GUIDE} does not show the template expression `{form}`"
        );
    }
    for func in conform::plan::Func::ALL {
        assert!(
            guide.contains(&format!("`{}(", func.name())),
            "{GUIDE} does not show the template function `{}`",
            func.name()
        );
    }
    // Every name the parser matches on (`["code"] =>`, the function names) is in the guide.
    let source = read("src/plan/template.rs");
    for name in quoted_names(&source) {
        assert!(
            guide.contains(&format!("`{name}")),
            "{GUIDE} does not name `{name}`, which src/plan/template.rs parses"
        );
    }
}

/// The words in `["word"]` patterns and in `"word" =>` arms of the template parser.
fn quoted_names(source: &str) -> Vec<String> {
    let parser = source
        .split("fn parse_expr")
        .nth(1)
        .and_then(|rest| rest.split("\nfn ").next())
        .expect("src/plan/template.rs has fn parse_expr");
    let mut names = Vec::new();
    for (i, _) in parser.match_indices('"') {
        let rest = &parser[i + 1..];
        let Some(end) = rest.find('"') else { break };
        let word = &rest[..end];
        let after = rest[end + 1..].trim_start();
        let is_pattern = parser[..i].ends_with('[')
            && (after.starts_with(']') || after.starts_with(','))
            || after.starts_with("=>");
        if is_pattern
            && !word.is_empty()
            && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && !names.iter().any(|n| n == word)
        {
            names.push(word.to_string());
        }
    }
    assert!(
        names.len() >= 7,
        "the parser's names were not found in src/plan/template.rs: {names:?}"
    );
    names
}
