//! The shipped JSON Schemas (`schema/*.schema.json`): they are what `conform schema`
//! prints, every shipped spec and the reference profile validate against them, and they
//! reject the structural fixtures of the bad-input corpus.
//!
//! A JSON Schema sees structure only. The fixture lists below say, for every file of
//! `fixtures/bad-specs/` and `fixtures/bad-profiles/`, whether the schema can refuse it
//! (structural) or only the plan stage can (semantic: templates, JSONPaths, regexes,
//! captures, the environment…); a fixture in neither list fails the test, so the schema
//! cannot silently stop catching one. `CONFORM_BLESS=1 cargo test --test schema`
//! rewrites the shipped schemas after a change to the spec or profile types; review
//! the diff before committing.

use std::path::{Path, PathBuf};
use std::process::Command;

use conform::schema::{self, SchemaKind};
use serde_json::Value;

/// Bad specs the schema must reject: wrong keys, types, forms and counts.
const STRUCTURAL_SPECS: &[&str] = &[
    "bad_status",                // 999 is no status code
    "empty_branch",              // a branch needs at least one arm
    "jwt_not_a_mapping",         // `jwt: exp`
    "jwt_signature_two_sources", // `key` and `jwks_path` together
    "missing_document",          // `document` is required
    "missing_id",                // a case's `id` is required
    "missing_path",              // a path assertion's `path` is required
    "missing_section",           // `section` is required
    "missing_when",              // an arm's `when` is required
    "no_cases",                  // `cases: []`
    "steps_not_a_list",          // a case's `steps` given a mapping
    "throttled_without_when",    // `throttled:` needs `when`
    "two_bodies",                // `json` and `body` together
    "unknown_account",           // `account` is `primary` or `two_factor`
    "unknown_key",               // `stauts`
    "wrong_type",                // `tags` is a list
];

/// Bad specs the schema cannot see: they are well-formed and wrong in meaning.
const SEMANTIC_SPECS: &[&str] = &[
    "bad_duration",              // `fast` is text; durations are parsed by the plan
    "bad_fallback_method",       // methods may be templates (`{{ vars.login_method }}`)
    "bad_jsonpath",              // RFC 9535 syntax
    "bad_regex",                 // regex syntax
    "bad_schema",                // an inline schema is free JSON
    "code_without_account",      // templates
    "content_type_line_break",   // control characters are checked once vars are filled
    "duplicate_case",            // uniqueness of ids across cases
    "generated_value_expected",  // templates
    "header_control_character",  // control characters are checked once vars are filled
    "header_line_break",         // control characters are checked once vars are filled
    "jwt_alg_none",              // `alg` names are free text; `none` is refused by the plan
    "jwt_unknown_signing_key",   // key names are defined in the profile
    "response_value_bad_path",   // a `{{ $… }}` JSONPath inside a template
    "response_value_in_request", // templates: `$…` only in expectations
    "response_value_static",     // templates: only `vars.*` in a `jwks_path`
    "schema_inline_file_ref",    // where a `$ref` points is checked against the file system
    "schema_ref_outside",        // where a `$ref` points is checked against the file system
    "schema_symlink",            // where a symlink points is checked against the file system
    "several_errors",            // templates, JSONPath, regex, captures, media type text
    "spec_name_absolute",        // a name is text; its use as a directory is checked by the plan
    "spec_name_parent",          // a name is text; its use as a directory is checked by the plan
    "unclosed_template",         // templates
    "unknown_arm",               // arm names are defined elsewhere in the case
    "unknown_capture",           // captures of earlier steps
    "unknown_matcher",           // the `json` body is free JSON
    "unknown_use",               // step names are defined elsewhere in the spec
    "unknown_variable",          // templates
];

/// Bad specs refused before there is a YAML value to validate.
const UNREAD_SPECS: &[&str] = &["not_utf8", "yaml_syntax"];

/// Bad profiles the schema must reject.
const STRUCTURAL_PROFILES: &[&str] = &[
    "account_not_a_mapping", // `primary: alice`
    "empty_code",            // `code: ""`
    "empty_code_command",    // `code_command:` with no value
    "secret_inline_flow",    // `totp_digit`
    "totp_algorithm",        // MD5
    "totp_digits",           // 10 > 9
    "totp_period",           // > 3600
    "key_two_kinds",         // `hmac` and `jwks_url` in one key
    "two_code_sources",      // `totp_secret` and `code`
    "unknown_account",       // `admin`
    "unknown_key",           // `pasword`
    "wrong_type",            // `totp_digits: six`
];

/// Bad profiles the schema cannot see.
const SEMANTIC_PROFILES: &[&str] = &[
    "bad_totp",              // base32 is checked once `${ENV}` is expanded
    "key_bad_pem",           // PEM text is parsed when the profile is resolved
    "key_jwks_without_keys", // the JWKS file is read when the profile is resolved
    "key_unreadable_file",   // the file system
    "missing_env",           // the environment
    "secret_secure_key",     // `${` not closed: environment syntax
    "secret_totp_line",      // base32
    "secret_vars",           // `${TOKEN SUFFIX}`: environment syntax
];

/// Bad profiles refused before there is a YAML value to validate.
const UNREAD_PROFILES: &[&str] = &["too_large"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// YAML read as conform reads it (same options), as a JSON value.
fn yaml_value(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_saphyr::from_str_with_options::<Value>(&text, conform::spec::yaml_options())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn shipped(kind: SchemaKind) -> Value {
    let path = root().join(kind.shipped_path());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run CONFORM_BLESS=1 cargo test --test schema)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("shipped schema is JSON")
}

fn validator(kind: SchemaKind) -> jsonschema::Validator {
    jsonschema::validator_for(&shipped(kind)).expect("shipped schema compiles")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn shipped_schemas_are_current() {
    for kind in SchemaKind::ALL {
        let path = root().join(kind.shipped_path());
        let fresh = schema::render(kind);
        if std::env::var_os("CONFORM_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().expect("schema/")).expect("mkdir schema/");
            std::fs::write(&path, &fresh).expect("write schema");
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == fresh,
            "{} is out of date with the spec/profile types; run CONFORM_BLESS=1 cargo test --test schema and review the diff",
            kind.shipped_path()
        );
    }
}

#[test]
fn shipped_schemas_are_valid_draft_2020_12() {
    for kind in SchemaKind::ALL {
        let schema = shipped(kind);
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema",
            "{}",
            kind.shipped_path()
        );
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("{} is not a valid schema: {e}", kind.shipped_path());
        }
    }
}

#[test]
fn schema_command_prints_the_shipped_files() {
    for (arg, kind) in [
        ("spec", SchemaKind::Spec),
        ("profile", SchemaKind::Profile),
        ("report", SchemaKind::Report),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(["schema", arg])
            .output()
            .expect("run conform");
        assert!(
            out.status.success(),
            "conform schema {arg}: {:?}",
            out.status
        );
        let on_disk = std::fs::read_to_string(root().join(kind.shipped_path())).unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout) == on_disk,
            "conform schema {arg} differs from {}",
            kind.shipped_path()
        );
    }
}

#[test]
fn every_shipped_spec_validates() {
    let validator = validator(SchemaKind::Spec);
    let specs = yaml_files(&root().join("specs"));
    assert!(specs.len() >= 5, "the shipped specs: {specs:?}");
    for spec in specs {
        let text = std::fs::read_to_string(&spec).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=../schema/spec.schema.json\n"),
            "{} does not point editors at the schema on its first line",
            spec.display()
        );
        let errs = errors(&validator, &yaml_value(&spec).unwrap());
        assert!(errs.is_empty(), "{}:\n{}", spec.display(), errs.join("\n"));
    }
}

#[test]
fn the_bad_profiles_spec_validates() {
    let validator = validator(SchemaKind::Spec);
    let spec = root().join("fixtures/bad-profiles/spec.yaml");
    let errs = errors(&validator, &yaml_value(&spec).unwrap());
    assert!(errs.is_empty(), "{}:\n{}", spec.display(), errs.join("\n"));
}

#[test]
fn reference_profile_validates() {
    let validator = validator(SchemaKind::Profile);
    let path = root().join("fixtures/reference-profile.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# yaml-language-server: $schema=../schema/profile.schema.json\n"),
        "the reference profile does not point editors at the schema on its first line"
    );
    let errs = errors(&validator, &yaml_value(&path).unwrap());
    assert!(errs.is_empty(), "{}:\n{}", path.display(), errs.join("\n"));
}

/// Checks every fixture of `dir` is classified once, that structural ones are refused
/// and semantic ones pass (so a list cannot claim more than the schema does).
fn check_corpus(
    kind: SchemaKind,
    dir: &str,
    structural: &[&str],
    semantic: &[&str],
    unread: &[&str],
    skip: &[&str],
) {
    let validator = validator(kind);
    let mut seen = Vec::new();
    for file in yaml_files(&root().join(dir)) {
        let name = stem(&file);
        if skip.contains(&name.as_str()) {
            continue;
        }
        let listed = [structural, semantic, unread]
            .iter()
            .filter(|list| list.contains(&name.as_str()))
            .count();
        assert_eq!(
            listed, 1,
            "{dir}/{name}.yaml must be listed exactly once as structural, semantic or unread in tests/schema.rs"
        );
        if unread.contains(&name.as_str()) {
            // Refused by the reader (size, encoding, YAML syntax): no value to validate.
        } else if structural.contains(&name.as_str()) {
            let value = yaml_value(&file).unwrap();
            assert!(
                !validator.is_valid(&value),
                "the schema accepts the structural fixture {dir}/{name}.yaml"
            );
        } else {
            let errs = errors(&validator, &yaml_value(&file).unwrap());
            assert!(
                errs.is_empty(),
                "the schema refuses the semantic fixture {dir}/{name}.yaml (move it to the structural list?):\n{}",
                errs.join("\n")
            );
        }
        seen.push(name);
    }
    for name in structural.iter().chain(semantic).chain(unread) {
        assert!(
            seen.iter().any(|s| s == name),
            "{dir}/{name}.yaml is listed but does not exist"
        );
    }
}

#[test]
fn spec_schema_rejects_the_structural_bad_specs() {
    check_corpus(
        SchemaKind::Spec,
        "fixtures/bad-specs",
        STRUCTURAL_SPECS,
        SEMANTIC_SPECS,
        UNREAD_SPECS,
        &[],
    );
}

#[test]
fn profile_schema_rejects_the_structural_bad_profiles() {
    check_corpus(
        SchemaKind::Profile,
        "fixtures/bad-profiles",
        STRUCTURAL_PROFILES,
        SEMANTIC_PROFILES,
        UNREAD_PROFILES,
        &["spec"],
    );
}

/// The value forms with hand-written schemas: what the loader takes, the schema takes.
#[test]
fn value_forms_match_the_loader() {
    let validator = validator(SchemaKind::Spec);
    let spec_with = |expect: &str| -> String {
        format!(
            "title: t\ndocument: d\ncases:\n  - id: a\n    section: s\n    steps:\n      - request: {{ path: /x }}\n        expect: {expect}\n"
        )
    };
    let accepted = [
        "{ status: 200 }",
        "{ status: \"4xx\" }",
        "{ status: 5XX }",
        "{ status: [200, 4xx] }",
        "{ status: { not: 2xx } }",
        "{ status: { not: [200, 3xx] } }",
        "{ headers: { x-a: v, x-b: 2, x-c: { matches: \"^a\", present: true } } }",
        "{ media_type: application/json }",
        "{ media_type: [application/json, text/plain] }",
        "{ jsonpath: [{ path: $.a, length: 3 }, { path: $.b, length: { min: 1 } }] }",
        "{ jsonpath: [{ path: $.a, nodes: any, type: [string, \"null\"] }] }",
    ];
    let refused = [
        "{ status: 600 }",
        "{ status: 6xx }",
        "{ status: [] }",
        "{ status: { not: { not: 200 } } }",
        "{ status: { nope: 200 } }",
        "{ headers: { x-a: { equal: v } } }",
        "{ headers: { x-a: true } }",
        "{ media_type: [] }",
        "{ jsonpath: [{ path: $.a, length: { mim: 1 } }] }",
        "{ jsonpath: [{ path: $.a, length: {} }] }",
        "{ jsonpath: [{ path: $.a }] }",
        "{ jsonpath: [{ path: $.a, exists: true, nodes: some }] }",
    ];
    for (forms, valid) in [(&accepted[..], true), (&refused[..], false)] {
        for form in forms {
            let text = spec_with(form);
            let loads = conform::spec::load_spec_text("t.yaml", text.clone(), PathBuf::new());
            let value: Value =
                serde_saphyr::from_str_with_options(&text, conform::spec::yaml_options()).unwrap();
            assert_eq!(
                validator.is_valid(&value),
                valid,
                "schema on {form}: {:?}",
                errors(&validator, &value)
            );
            if valid {
                assert!(loads.is_ok(), "the loader refuses {form}: {loads:?}");
            }
        }
    }
}
