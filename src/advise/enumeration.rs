//! User enumeration from refusals the run receives anyway: an unknown user's refusal and
//! a wrong password's, sent in the same shape to the same endpoint, must not differ once
//! what is volatile (timestamps, ids, echoed input, anything that differs between two
//! answers of one kind) is set aside.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::exchange::{Sent, contains_word, names_a_code, sent_values};
use crate::assert::Response;
use crate::exec::RequestRecord;
use crate::mask::Masker;
use crate::plan::LoginAttempt;

/// Which refusal a sample is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefusalKind {
    /// A login naming no account.
    UnknownUser,
    /// A login naming an account, with a wrong credential.
    WrongPassword,
}

/// One refused login, normalised for comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Which refusal.
    pub kind: RefusalKind,
    /// Method, path and the names of the values sent: only refusals of one shape compare.
    pub shape: String,
    /// The HTTP status.
    pub status: u16,
    /// The body flattened to `path → value`, echoed input and volatile values replaced.
    pub fields: BTreeMap<String, String>,
    /// Index of the step in its case.
    pub step: usize,
}

/// Key-name words of values that differ between any two answers.
const VOLATILE_KEYS: [&str; 10] = [
    "time",
    "date",
    "stamp",
    "nonce",
    "trace",
    "request",
    "uuid",
    "expire",
    "correlation",
    "id",
];

impl Refusal {
    /// The refusal of a failed login, when the exchange is one; a login with an empty
    /// value is left out (it is a missing credential, answered as one).
    pub fn of(
        login: LoginAttempt,
        step: usize,
        request: &RequestRecord,
        response: &Response,
    ) -> Option<Refusal> {
        let kind = match login {
            LoginAttempt::Failed(None) => RefusalKind::UnknownUser,
            LoginAttempt::Failed(Some(_)) => RefusalKind::WrongPassword,
            _ => return None,
        };
        let sent = sent_values(request);
        // An empty value is a missing credential, answered as one; a code makes it a
        // second-factor refusal, which says nothing about the user.
        if sent
            .iter()
            .any(|s| s.value.trim().is_empty() || names_a_code(&s.name))
        {
            return None;
        }
        let names: BTreeSet<String> = sent
            .iter()
            .map(|s| format!("{}:{}", s.place, s.name))
            .collect();
        let path = url::Url::parse(&request.url)
            .map(|u| u.path().to_string())
            .unwrap_or_default();
        let shape = format!(
            "{} {path} [{}]",
            request.method,
            names.into_iter().collect::<Vec<_>>().join(",")
        );
        let mut fields = BTreeMap::new();
        match response.document() {
            Some(doc) => flatten("$", doc, &sent, &mut fields),
            None => {
                fields.insert("$".to_string(), normalise(response.text(), &sent));
            }
        }
        Some(Refusal {
            kind,
            shape,
            status: response.status,
            fields,
            step,
        })
    }

    /// Masks every value.
    pub fn mask(&mut self, masker: &Masker) {
        for v in self.fields.values_mut() {
            masker.mask_in_place(v);
        }
    }
}

fn flatten(path: &str, value: &Value, sent: &[Sent], out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let lower = k.to_ascii_lowercase();
                let volatile = VOLATILE_KEYS.iter().any(|w| {
                    lower.contains(w)
                        && (*w != "id"
                            || lower == "id"
                            || lower.ends_with("_id")
                            || k.ends_with("Id"))
                });
                if !volatile {
                    flatten(&format!("{path}.{k}"), v, sent, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), v, sent, out);
            }
        }
        Value::String(s) => {
            out.insert(path.to_string(), normalise(s, sent));
        }
        Value::Number(n) if n.as_f64().is_some_and(|f| f.abs() >= 1e9) => {
            out.insert(path.to_string(), "<volatile>".into());
        }
        other => {
            out.insert(path.to_string(), other.to_string());
        }
    }
}

/// `text` with the values the request sent replaced by `<sent>` and volatile-looking
/// words (long digit runs, long hex, UUIDs, dates) by `<volatile>`.
fn normalise(text: &str, sent: &[Sent]) -> String {
    let mut text = text.to_string();
    let mut values: Vec<&str> = sent
        .iter()
        .map(|s| s.value.as_str())
        .filter(|v| v.chars().count() >= 3)
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for v in values {
        if contains_word(&text, v) {
            text = text.replace(v, "<sent>");
        }
    }
    text.split_inclusive(|c: char| c.is_whitespace() || matches!(c, ',' | '"' | '\'' | '(' | ')'))
        .map(|word| {
            let core = word.trim_end_matches(|c: char| {
                c.is_whitespace() || matches!(c, ',' | '"' | '\'' | '(' | ')')
            });
            let digits = core.chars().filter(char::is_ascii_digit).count();
            let hex = core.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
            if digits >= 9
                || (hex && core.len() >= 16)
                || (digits >= 6 && core.contains([':', '-', 'T']))
            {
                word.replacen(core, "<volatile>", 1)
            } else {
                word.to_string()
            }
        })
        .collect()
}

/// Compares the unknown-user and wrong-password refusals of one spec, in run order, each
/// with where it was seen: one finding per request shape whose two kinds of refusal
/// never answer alike.
pub fn compare_refusals<T>(samples: &[(T, Refusal)]) -> Vec<(String, &T)> {
    let mut shapes: Vec<&str> = Vec::new();
    for (_, r) in samples {
        if !shapes.contains(&r.shape.as_str()) {
            shapes.push(&r.shape);
        }
    }
    let mut out = Vec::new();
    for shape in shapes {
        let group: Vec<&(T, Refusal)> = samples.iter().filter(|(_, r)| r.shape == shape).collect();
        let of = |kind| {
            group
                .iter()
                .copied()
                .filter(move |(_, r)| r.kind == kind)
                .collect::<Vec<_>>()
        };
        let (unknown, wrong) = (of(RefusalKind::UnknownUser), of(RefusalKind::WrongPassword));
        let (Some(first_unknown), Some(first_wrong)) = (unknown.first(), wrong.first()) else {
            continue;
        };
        let volatile: BTreeSet<&str> = differing_paths(&unknown)
            .into_iter()
            .chain(differing_paths(&wrong))
            .collect();
        let print = |r: &Refusal| -> (u16, Vec<(String, String)>) {
            (
                r.status,
                r.fields
                    .iter()
                    .filter(|(k, _)| !volatile.contains(k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        };
        let wrong_prints: Vec<_> = wrong.iter().map(|(_, r)| print(r)).collect();
        if unknown
            .iter()
            .any(|(_, r)| wrong_prints.contains(&print(r)))
        {
            continue;
        }
        let (u, w) = (&first_unknown.1, &first_wrong.1);
        let evidence = if u.status != w.status {
            format!(
                "an unknown user gets HTTP {}, a wrong password HTTP {}",
                u.status, w.status
            )
        } else {
            let paths: BTreeSet<&str> = u
                .fields
                .keys()
                .chain(w.fields.keys())
                .map(String::as_str)
                .filter(|k| !volatile.contains(k) && u.fields.get(*k) != w.fields.get(*k))
                .collect();
            let mut paths: Vec<&str> = paths.into_iter().collect();
            paths.truncate(3);
            format!(
                "HTTP {}: the bodies of an unknown user's and a wrong password's refusal differ at {}",
                u.status,
                paths.join(", ")
            )
        };
        out.push((evidence, &first_unknown.0));
    }
    out
}

/// The body paths whose values differ between samples of one kind (or that some lack).
fn differing_paths<'a, T>(samples: &[&'a (T, Refusal)]) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    for pair in samples.windows(2) {
        let (a, b) = (&pair[0].1, &pair[1].1);
        for k in a.fields.keys().chain(b.fields.keys()) {
            if a.fields.get(k) != b.fields.get(k) {
                out.insert(k.as_str());
            }
        }
    }
    out
}
