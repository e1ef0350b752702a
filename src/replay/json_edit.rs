//! Small edits of JSON values at JSON pointers: drop, rename, retype a member; walk
//! string leaves.

use serde_json::{Map, Value};

/// Splits a pointer into its parent's pointer and its last token (unescaped).
fn split(pointer: &str) -> Option<(&str, String)> {
    let at = pointer.rfind('/')?;
    let token = pointer[at + 1..].replace("~1", "/").replace("~0", "~");
    Some((&pointer[..at], token))
}

/// Removes the node at `pointer`; whether there was one.
pub(crate) fn drop_at(value: &mut Value, pointer: &str) -> bool {
    let Some((parent, token)) = split(pointer) else {
        return false;
    };
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => map.shift_remove(&token).is_some(),
        Some(Value::Array(items)) => match token.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Renames the member at `pointer` (`key` → `keyRenamed`), keeping its place.
pub(crate) fn rename_at(value: &mut Value, pointer: &str) -> bool {
    let Some((parent, token)) = split(pointer) else {
        return false;
    };
    let Some(Value::Object(map)) = value.pointer_mut(parent) else {
        return false;
    };
    if !map.contains_key(&token) {
        return false;
    }
    let old = std::mem::take(map);
    *map = old
        .into_iter()
        .map(|(k, v)| {
            if k == token {
                (format!("{k}Renamed"), v)
            } else {
                (k, v)
            }
        })
        .collect::<Map<String, Value>>();
    true
}

/// Gives the node at `pointer` another JSON type.
pub(crate) fn retype_at(value: &mut Value, pointer: &str) -> bool {
    let Some(node) = value.pointer_mut(pointer) else {
        return false;
    };
    *node = match node.take() {
        Value::String(s) => Value::from(s.len()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Null => Value::Bool(false),
        Value::Array(items) => Value::from(items.len()),
        Value::Object(_) => Value::String("[object]".into()),
    };
    true
}

/// Every string leaf with its pointer.
pub(crate) fn string_leaves(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((at.to_string(), s.clone())),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                string_leaves(v, &format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let token = k.replace('~', "~0").replace('/', "~1");
                string_leaves(v, &format!("{at}/{token}"), out);
            }
        }
        _ => {}
    }
}

/// Every object's members in reverse order, at every depth.
pub(crate) fn reverse_keys(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let mut changed = map.len() > 1;
            let old = std::mem::take(map);
            let mut members: Vec<(String, Value)> = old.into_iter().collect();
            members.reverse();
            for (_, v) in &mut members {
                changed |= reverse_keys(v);
            }
            *map = members.into_iter().collect();
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |c, v| reverse_keys(v) | c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn edits_apply_in_place() {
        let mut v = json!({"a": {"b": "x", "c": 1}, "d": [true]});
        assert!(rename_at(&mut v, "/a/b"));
        assert_eq!(v.to_string(), r#"{"a":{"bRenamed":"x","c":1},"d":[true]}"#);
        assert!(retype_at(&mut v, "/a/c"));
        assert_eq!(v["a"]["c"], "1");
        assert!(drop_at(&mut v, "/d/0"));
        assert_eq!(v["d"], json!([]));
        assert!(!drop_at(&mut v, "/zz/y"));
        let mut leaves = Vec::new();
        string_leaves(&v, "", &mut leaves);
        assert_eq!(leaves[0], ("/a/bRenamed".to_string(), "x".to_string()));
        assert!(reverse_keys(&mut v));
        assert_eq!(v.to_string(), r#"{"d":[],"a":{"c":"1","bRenamed":"x"}}"#);
    }
}
