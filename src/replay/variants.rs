//! The generic conformant variants: changes no login contract forbids, which a spec
//! must pass. A variant with nothing to act on is left out.

use serde_json::Value;

use super::json_edit::{reverse_keys, string_leaves};
use super::jwt::has_jwt;
use super::operators::{Operator, edit_answers};
use super::reads::{ReadPath, pointers};
use super::recording::Recording;
use crate::mutate::DeviationInfo;
use crate::reference::DeviationKind;

fn variant(id: &str, description: &str, script: Option<super::server::Script>) -> Option<Operator> {
    script.map(|s| Operator {
        info: DeviationInfo::generic(id, DeviationKind::Variant, description),
        script: Ok(s),
    })
}

/// Every generic variant of `recording` that changes something.
pub(crate) fn variants(recording: &Recording, reads: &[ReadPath]) -> Vec<Operator> {
    let reordered = edit_answers(recording, |_, a| {
        let Some(mut v) = a.json() else { return false };
        let changed = reverse_keys(&mut v);
        if changed {
            a.set_json(&v);
        }
        changed
    });
    let extra = edit_answers(recording, |_, a| match a.json() {
        Some(Value::Object(mut map)) => {
            map.insert(
                "conform_extra".into(),
                "a member the spec does not know".into(),
            );
            a.set_json(&Value::Object(map));
            true
        }
        _ => false,
    });
    let charset = edit_answers(recording, |_, a| {
        let Some(ct) = a.header("content-type").map(str::to_string) else {
            return false;
        };
        let media = a.media_type();
        let textual = media.contains("json") || media.contains("xml") || media.starts_with("text/");
        if !textual || ct.to_ascii_lowercase().contains("charset") {
            return false;
        }
        a.set_header("content-type", format!("{ct}; charset=utf-8"));
        true
    });
    let pretty = edit_answers(recording, |_, a| {
        let Some(v) = a.json() else { return false };
        let Ok(text) = serde_json::to_string_pretty(&v) else {
            return false;
        };
        a.body = text.into_bytes();
        true
    });
    let wording = edit_answers(recording, |e, a| {
        if a.success() {
            return false;
        }
        let Some(mut v) = a.json() else { return false };
        let read: Vec<String> = reads.iter().flat_map(|r| pointers(&r.path, &v)).collect();
        let mut leaves = Vec::new();
        string_leaves(&v, "", &mut leaves);
        let mut changed = false;
        for (at, text) in leaves {
            let is_read = read
                .iter()
                .any(|r| at == *r || at.starts_with(&format!("{r}/")) || r.is_empty());
            if is_read || e.issued.contains(&text) || has_jwt(&text) {
                continue;
            }
            if let Some(node) = v.pointer_mut(&at) {
                *node = Value::String(format!("{text} (worded otherwise)"));
                changed = true;
            }
        }
        if changed {
            a.set_json(&v);
        }
        changed
    });
    let mut aliases = Vec::new();
    let mut lengths = edit_answers(recording, |e, a| token_lengths(e, a, reads, &mut aliases));
    if let Some(script) = &mut lengths {
        script.aliases = aliases;
    }
    [
        variant(
            "keys-reordered",
            "the members of every JSON object in reverse order",
            reordered,
        ),
        variant(
            "extra-field",
            "every JSON answer gains a member the spec does not know",
            extra,
        ),
        variant(
            "media-type-charset",
            "the media types gain `; charset=utf-8`",
            charset,
        ),
        variant(
            "json-pretty-printed",
            "JSON answers are pretty-printed",
            pretty,
        ),
        variant(
            "error-wording",
            "every string the spec never reads in a refusal is worded otherwise",
            wording,
        ),
        variant(
            "token-length",
            "issued credentials no check measures are longer",
            lengths,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Lengthens the answer's issued non-JWT credentials that no length or pattern check
/// reads; notes `(served, recorded)` for each.
fn token_lengths(
    e: &super::recording::Exchange,
    a: &mut super::recording::Answer,
    reads: &[ReadPath],
    aliases: &mut Vec<(String, String)>,
) -> bool {
    let Some(mut v) = a.json() else { return false };
    let measured: Vec<String> = reads
        .iter()
        .filter(|r| r.shape)
        .flat_map(|r| pointers(&r.path, &v))
        .collect();
    let mut leaves = Vec::new();
    string_leaves(&v, "", &mut leaves);
    let mut changed = false;
    for (at, text) in leaves {
        if !e.issued.contains(&text) || text.len() < 8 || has_jwt(&text) || measured.contains(&at) {
            continue;
        }
        let longer = format!("{text}{}", text.chars().take(12).collect::<String>());
        if let Some(node) = v.pointer_mut(&at) {
            *node = Value::String(longer.clone());
            aliases.push((longer, text));
            changed = true;
        }
    }
    if changed {
        a.set_json(&v);
    }
    changed
}
