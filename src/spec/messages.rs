//! Structure errors of spec and profile YAML, said in the author's terms.
//!
//! serde-saphyr reports shapes as parser events ("expected sequence start"), missing
//! fields at whichever key it was reading, and serde names our Rust types
//! (`struct JwtCheckSpec`). This module rewrites those messages from the error and the
//! source text alone: which key holds the wrong shape, which mapping lacks a field, and
//! an example of what to write. It reads no files and decides nothing about validity.

use crate::diagnostic::Span;

/// A rewritten structure error: where to point, what to say, and what to write instead.
pub(crate) struct Explained {
    /// A better place to point at than the parser's, when there is one.
    pub span: Option<Span>,
    /// What is wrong, in the author's words.
    pub label: String,
    /// An example or reminder, when there is one.
    pub help: Option<String>,
}

/// Explains a serde-saphyr error found at `span`, or `None` to keep its own message.
pub(crate) fn explain(err: &serde_saphyr::Error, span: &Span) -> Option<Explained> {
    match err {
        serde_saphyr::Error::Unexpected { expected, .. } => match *expected {
            "sequence start" => Some(wrong_shape(span, Shape::List)),
            "mapping start" => Some(wrong_shape(span, Shape::Mapping)),
            _ => None,
        },
        serde_saphyr::Error::SerdeMissingField { field, .. } => Some(missing_field(span, field)),
        serde_saphyr::Error::InvalidScalar { ty, .. } => scalar_words(ty).map(|words| {
            let label = match owner_key(span) {
                (Some(key), false) => format!("`{key}` takes {words}"),
                _ => format!("expected {words} here"),
            };
            Explained {
                span: None,
                label,
                help: None,
            }
        }),
        _ => None,
    }
}

/// Replaces Rust type names and serde's type words in a message by what a YAML author
/// writes (`struct JwtCheckSpec` → "a jwt check such as `jwt: { claims: [exp] }`").
pub(crate) fn user_words(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, user) in TYPE_WORDS {
        out = out.replace(&format!("struct {rust}"), user);
    }
    for (serde, user) in SERDE_WORDS {
        out = out.replace(serde, user);
    }
    out
}

/// Every type deserialised from a spec or profile, with what an author calls it.
/// A test checks that every `struct` of the spec and profile models is listed.
const TYPE_WORDS: &[(&str, &str)] = &[
    (
        "SpecFile",
        "a spec (`title:`, `document:` and `cases:` lines)",
    ),
    (
        "ThrottledSpec",
        "a throttled block such as `throttled: { when: { status: 429 } }`",
    ),
    (
        "LockedSpec",
        "a locked block such as `locked: { when: { status: 423 } }`",
    ),
    (
        "DecisionSpec",
        "a decision such as `{ topic: status, decision: …, reason: … }`",
    ),
    (
        "DefaultsSpec",
        "defaults such as `defaults: { timeout: 10s }`",
    ),
    (
        "CaseSpec",
        "a case (`- id: …` with `section:` and `steps:`)",
    ),
    ("StepSpec", "a step such as `- request: { path: /login }`"),
    (
        "ArmSpec",
        "an arm such as `- { arm: ok, when: { status: 200 } }`",
    ),
    (
        "RequestSpec",
        "a request such as `request: { path: /login }`",
    ),
    ("ExpectSpec", "checks such as `expect: { status: 200 }`"),
    (
        "PathAssertSpec",
        "a path assertion such as `{ path: $.token, exists: true }`",
    ),
    (
        "AccountCondSpec",
        "an account condition such as `account: { has: [code] }`",
    ),
    (
        "JwtCheckSpec",
        "a jwt check such as `jwt: { claims: [exp] }`",
    ),
    (
        "JwtHeaderSpec",
        "jwt header checks such as `header: { alg: [RS256, ES256], typ: JWT, kid: present }`",
    ),
    (
        "JwtSignatureSpec",
        "a signature check such as `signature: { key: NAME }` or `signature: { jwks_path: /certs }`",
    ),
    (
        "KeySpec",
        "a key such as `realm: { jwks_url: https://… }` (or `hmac`, `pem`, `jwks_file`)",
    ),
    (
        "CaptureSpec",
        "a capture such as `token: { jsonpath: $.token }`",
    ),
    (
        "SnapshotSpec",
        "snapshot settings such as `snapshot: { headers: [content-type] }`",
    ),
    ("ProfileSpec", "a profile (`accounts:` and `vars:` lines)"),
    (
        "AccountSpec",
        "an account such as `primary: { username: …, password: … }`",
    ),
    ("Checks", "header checks such as `{ contains: json }`"),
    ("Range", "a length range such as `{ min: 1, max: 64 }`"),
];

/// serde's names of primitive types in "expected …" messages.
const SERDE_WORDS: &[(&str, &str)] = &[
    ("expected a sequence", "expected a list"),
    ("expected a map", "expected a mapping"),
    ("expected u8", "expected a whole number"),
    ("expected u64", "expected a whole number"),
    ("expected usize", "expected a whole number"),
    ("expected a boolean", "expected `true` or `false`"),
    ("invalid type: sequence", "invalid type: a list"),
    ("invalid type: map", "invalid type: a mapping"),
];

/// What an author calls the Rust scalar types serde-saphyr names (`invalid u8`).
fn scalar_words(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, e.g. `6`",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number, e.g. `-1` or `6`",
        "f32" | "f64" => "a number, e.g. `1.5`",
        "bool" => "`true` or `false`",
        "char" => "a single character",
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    List,
    Mapping,
}

/// "`tags` takes a list, e.g. `tags: [login, json]`", for a value of the wrong shape.
fn wrong_shape(span: &Span, shape: Shape) -> Explained {
    let (key, item) = owner_key(span);
    let label = match (&key, item) {
        (Some(key), true) => format!(
            "each entry of `{key}` must be {}",
            shape_words(shape, item_example(key))
        ),
        (Some(key), false) => format!(
            "`{key}` takes {}",
            shape_words(shape, key_example(key, shape))
        ),
        (None, _) => format!("expected {} here", shape_words(shape, None)),
    };
    let help = match shape {
        Shape::List => "write a list as `- item` lines or as `[a, b]`",
        Shape::Mapping => "write a mapping as `key: value` lines or as `{ key: value }`",
    };
    Explained {
        span: None,
        label,
        help: Some(help.to_string()),
    }
}

fn shape_words(shape: Shape, example: Option<&str>) -> String {
    let noun = match shape {
        Shape::List => "a list",
        Shape::Mapping => "a mapping",
    };
    match example {
        Some(example) => format!("{noun}, e.g. `{example}`"),
        None => noun.to_string(),
    }
}

/// An example value for a key that takes a list or a mapping.
fn key_example(key: &str, shape: Shape) -> Option<&'static str> {
    Some(match (key, shape) {
        ("tags", _) => "tags: [login, json]",
        ("cases", _) => "cases: [{ id: login.ok, section: Login, steps: [...] }]",
        ("steps", Shape::List) => "steps: [{ request: { path: /login } }]",
        ("steps", Shape::Mapping) => "steps: { login: { request: { path: /login } } }",
        ("require_arms", _) => "require_arms: [two_factor]",
        ("forbid_arms", _) => "forbid_arms: [two_factor]",
        ("not_contains", _) => "not_contains: [\"{{ account.password }}\"]",
        ("jsonpath", _) => "jsonpath: [{ path: $.token, type: string }]",
        ("xml", _) => "xml: [{ path: $.response.status, equals: ok }]",
        ("branch", _) => "branch: [{ arm: ok, when: { status: 200 } }]",
        ("decisions", _) => "decisions: [{ topic: status, decision: …, reason: … }]",
        ("secrets", _) => "secrets: [$.token]",
        ("one_of", _) => "one_of: [admin, user]",
        ("claims", _) => "claims: [exp, iat]",
        ("redact", _) => "redact: [$.token]",
        ("public_vars", _) => "public_vars: [tenant]",
        ("headers", Shape::List) => "headers: [content-type]",
        ("headers", Shape::Mapping) => "headers: { accept: application/json }",
        ("throttled", _) => "throttled: { when: { status: 429 } }",
        ("locked", _) => "locked: { when: { status: 423 } }",
        ("request", _) => "request: { path: /login }",
        ("expect", _) => "expect: { status: 200 }",
        ("when", _) => "when: { json: { success: true } }",
        ("jwt", _) => "jwt: { claims: [exp] }",
        ("capture", _) => "capture: { token: { jsonpath: $.token } }",
        ("snapshot", _) => "snapshot: { headers: [content-type] }",
        ("query", _) => "query: { user: \"{{ account.username }}\" }",
        ("form", _) => "form: { user: \"{{ account.username }}\" }",
        ("vars", _) => "vars: { tenant: acme }",
        ("defaults", _) => "defaults: { timeout: 10s }",
        ("accounts", _) => "accounts: { primary: { username: …, password: … } }",
        ("primary" | "two_factor", _) => "primary: { username: …, password: … }",
        (_, Shape::Mapping) => return None,
        (_, Shape::List) => return None,
    })
}

/// An example entry of a list key whose entries must be mappings.
fn item_example(key: &str) -> Option<&'static str> {
    Some(match key {
        "cases" => "- id: login.ok",
        "steps" => "- request: { path: /login }",
        "branch" => "- { arm: ok, when: { status: 200 } }",
        "jsonpath" | "xml" => "- { path: $.token, exists: true }",
        "decisions" => "- { topic: status, decision: …, reason: … }",
        _ => return None,
    })
}

/// The key whose value starts at `span`, and whether the value is an entry of that
/// key's list rather than the key's own value.
fn owner_key(span: &Span) -> (Option<String>, bool) {
    let text = &span.file.text;
    let line_start = text[..span.offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..span.offset];
    let trimmed = before.trim();
    if trimmed.is_empty() || trimmed == "-" {
        // A block value: its key ends the previous line that is not blank or a comment
        // (`steps:` above `request: …`), or is the key of the list this `-` is in.
        let item = trimmed == "-";
        let indent = before.len() - before.trim_start().len();
        for line in text[..line_start].lines().rev() {
            let content = line.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let line_indent = line.len() - line.trim_start().len();
            if item && line_indent >= indent && content.starts_with('-') {
                continue;
            }
            if item && line_indent > indent {
                continue;
            }
            return (last_key(line).map(str::to_string), item);
        }
        return (None, item);
    }
    // A value on its key's line: the last `key:` before it, and an entry of a list
    // when a `[` after that key is still open.
    let Some(key) = last_key(before) else {
        return (None, false);
    };
    let after_key = &before[before.rfind(&format!("{key}:")).unwrap_or(0)..];
    let open = after_key.matches('[').count() > after_key.matches(']').count();
    let item = open || after_key.trim_end().ends_with('-');
    (Some(key.to_string()), item)
}

/// The last `key:` in a piece of a line (block or flow style).
fn last_key(piece: &str) -> Option<&str> {
    let colon = piece
        .char_indices()
        .filter(|&(i, c)| {
            c == ':'
                && piece[i + 1..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })
        .map(|(i, _)| i)
        .next_back()?;
    let head = &piece[..colon];
    let start = head
        .char_indices()
        .rfind(|&(_, c)| c.is_whitespace() || "{[,-".contains(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let key = head[start..].trim_matches(['"', '\'']);
    (!key.is_empty()).then_some(key)
}

/// "case `a` has no `section:` …", pointing at the start of the mapping that lacks it.
fn missing_field(span: &Span, field: &str) -> Explained {
    let start = mapping_start(span);
    let name = |key: &str| start.as_ref().and_then(|s| sibling_value(s, key));
    let case = || match name("id") {
        Some(id) => format!("case `{id}`"),
        None => "a case".to_string(),
    };
    let (label, help) = match field {
        "title" => (
            "the spec has no `title:` (a human title of the spec)".to_string(),
            Some("e.g. `title: Txty SMS gateway — Login`"),
        ),
        "document" => (
            "the spec has no `document:` (the source document it asserts)".to_string(),
            Some("e.g. `document: \"Txty API v4, Login: /user/newapikey/login.json\"`"),
        ),
        "cases" => (
            "the spec has no `cases:` (the list of cases it runs)".to_string(),
            Some("e.g. `cases: [{ id: login.ok, section: Login, steps: [...] }]`"),
        ),
        "id" => (
            "a case has no `id:` (its name, unique within the spec)".to_string(),
            Some("e.g. `- id: login.ok`"),
        ),
        "section" => (
            format!(
                "{} has no `section:` (the document section the case comes from)",
                case()
            ),
            Some("e.g. `section: \"Login — two-factor authentication\"`"),
        ),
        "steps" => (
            format!("{} has no `steps:` (the requests it sends)", case()),
            Some("e.g. `steps: [{ request: { path: /login } }]`"),
        ),
        "arm" => (
            "an arm has no `arm:` (its name, for `require_arms` and coverage)".to_string(),
            Some("e.g. `- arm: ok`"),
        ),
        "when" => match start.as_ref().and_then(|s| owner_key(s).0) {
            Some(block) if block == "throttled" || block == "locked" => (
                format!("the `{block}:` block has no `when:` (what such an answer looks like)"),
                Some(if block == "throttled" {
                    "e.g. `when: { status: 429 }`"
                } else {
                    "e.g. `when: { status: 423 }`"
                }),
            ),
            _ => (
                match name("arm") {
                    Some(arm) => format!("arm `{arm}` has no `when:` (what selects it)"),
                    None => "an arm has no `when:` (what selects it)".to_string(),
                },
                Some("e.g. `when: { status: 200 }`"),
            ),
        },
        "path" => (
            "a path assertion has no `path:` (the JSONPath it checks)".to_string(),
            Some("e.g. `- { path: $.token, exists: true }`"),
        ),
        other => (
            format!("this mapping has no `{other}:`, which is required"),
            None,
        ),
    };
    Explained {
        span: start,
        label,
        help: help.map(str::to_string),
    }
}

/// The first key of the mapping that holds the key at `span`: the `id` of
/// `- id: a` when `span` is on that case's `steps:`, or the first key after a `{`.
fn mapping_start(span: &Span) -> Option<Span> {
    let file = &span.file;
    let text = &file.text;
    let line_start = text[..span.offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..span.offset];
    let flow = before.trim_end();
    if flow.ends_with('{') || flow.ends_with(',') {
        let open = open_brace(&text[..span.offset])?;
        let first = open + 1 + (text[open + 1..].len() - text[open + 1..].trim_start().len());
        return Some(key_span(span, first));
    }
    // Block style: walk up the lines at the key's column; the mapping starts at the
    // highest of them, or at the `- ` line that opens it.
    let column = before.chars().count();
    let mut first = span.offset;
    let mut at = line_start;
    while at > 0 {
        let prev_start = text[..at - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[prev_start..at - 1];
        at = prev_start;
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if indent > column {
            continue;
        }
        if indent == column {
            first = prev_start + indent;
            continue;
        }
        // A shallower line: the mapping's `- ` item line, or its parent.
        let rest = content.trim_start_matches(['-', ' ']);
        if content.starts_with('-') && indent + (content.len() - rest.len()) == column {
            first = prev_start + indent + (content.len() - rest.len());
        }
        break;
    }
    Some(key_span(span, first))
}

/// The span of the key starting at `offset`.
fn key_span(span: &Span, offset: usize) -> Span {
    let rest = &span.file.text[offset..];
    let len = rest.find([':', '\n', ',', '}']).unwrap_or(rest.len());
    span.file.span(offset, rest[..len].trim_end().len().max(1))
}

/// The `{` that opens the flow mapping `before` ends inside.
fn open_brace(before: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in before.char_indices().rev() {
        match c {
            '}' | ']' => depth += 1,
            '[' => depth = depth.saturating_sub(1),
            '{' if depth == 0 => return Some(i),
            '{' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The plain value of `key` in the mapping whose first key is `start`.
fn sibling_value(start: &Span, key: &str) -> Option<String> {
    let text = &start.file.text;
    let rest = &text[start.offset..];
    let in_flow = text[..start.offset].trim_end().ends_with('{');
    let pattern = format!("{key}:");
    let end = if in_flow {
        rest.find('}').unwrap_or(rest.len())
    } else {
        // The mapping's own lines: up to the next line at a smaller indent or a sibling `-`.
        let column = start.column as usize - 1;
        let mut end = rest.len();
        let mut offset = rest.find('\n').map_or(rest.len(), |i| i + 1);
        while offset < rest.len() {
            let line = rest[offset..].lines().next().unwrap_or("");
            let content = line.trim_start();
            let indent = line.len() - content.len();
            if !content.is_empty()
                && (indent < column || (indent == column && content.starts_with('-')))
            {
                end = offset;
                break;
            }
            offset += line.len() + 1;
        }
        end
    };
    let region = &rest[..end];
    let at = region
        .match_indices(&pattern)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || region[..i].ends_with(|c: char| c.is_whitespace() || c == ','))?;
    let value = region[at + pattern.len()..]
        .split(['\n', ',', '}', '#'])
        .next()?
        .trim()
        .trim_matches(['"', '\'']);
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    #[test]
    fn every_deserialised_struct_has_user_words() {
        let models = [
            include_str!("model.rs"),
            include_str!("values.rs"),
            include_str!("../profile/model.rs"),
            include_str!("../profile/keys.rs"),
        ];
        // A derived `Deserialize` names the struct in serde's "expected struct …".
        let derived = regex::Regex::new(
            r"#\[derive\([^)]*Deserialize[^)]*\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub )?struct (\w+)",
        )
        .unwrap();
        let mut seen = 0;
        for model in models {
            for name in derived.captures_iter(model).map(|c| c[1].to_string()) {
                seen += 1;
                assert!(
                    TYPE_WORDS.iter().any(|(rust, _)| *rust == name),
                    "`{name}` is missing from TYPE_WORDS"
                );
            }
        }
        assert!(seen >= 14, "the models were read: {seen}");
    }

    #[test]
    fn type_names_become_examples() {
        assert_eq!(
            user_words("invalid type: sequence, expected struct JwtCheckSpec"),
            "invalid type: a list, expected a jwt check such as `jwt: { claims: [exp] }`"
        );
    }

    fn at(text: &str, needle: &str) -> Span {
        let file = SourceFile::new("x.yaml", text);
        let offset = text.find(needle).unwrap();
        file.span(offset, needle.len())
    }

    #[test]
    fn owner_keys_of_block_flow_and_items() {
        let text = "a:\n  tags: x\n  steps:\n    request: y\n  list: [ 3 ]\n  seq:\n    - 4\n";
        assert_eq!(owner_key(&at(text, "x\n")), (Some("tags".into()), false));
        assert_eq!(
            owner_key(&at(text, "request")),
            (Some("steps".into()), false)
        );
        assert_eq!(owner_key(&at(text, "3")), (Some("list".into()), true));
        assert_eq!(owner_key(&at(text, "4")), (Some("seq".into()), true));
    }

    #[test]
    fn mapping_starts_at_the_item_line_or_the_brace() {
        let text =
            "cases:\n  - id: a\n    # c\n    tags: [x]\n\n    steps: []\n  - { when: 1, b: 2 }\n";
        let start = mapping_start(&at(text, "steps")).unwrap();
        assert_eq!((start.line, start.column, start.text()), (2, 5, "id"));
        assert_eq!(sibling_value(&start, "id").as_deref(), Some("a"));
        let flow = mapping_start(&at(text, "b:")).unwrap();
        assert_eq!((flow.line, flow.text()), (7, "when"));
        let top = mapping_start(&at(text, "cases")).unwrap();
        assert_eq!((top.line, top.column), (1, 1));
    }
}
