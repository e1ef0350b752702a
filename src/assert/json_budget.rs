//! A cheap count of the values a JSON text would build, taken before parsing it, so a
//! hostile body (`[0,0,0,…]`, about 40 bytes of tree per byte of text) is refused
//! instead of being turned into a tree many times its size.
//!
//! The count is an upper bound, read without allocating: every value and every object
//! key follows an opening `[` or `{`, a `,` or a `:`, or starts the text, so counting
//! those bytes outside strings bounds them. It does not check the syntax; the parser
//! does that afterwards.

/// Bytes of body limit per JSON value (or XML node) a response may build: with the
/// default 16 MiB limit, 16,384 values — a login response has a few dozen. A value
/// costs about 150 bytes in a tree, and checks that walk it (JSONPath `..`, schema,
/// diffs) several times that, so this keeps what a body costs within a few times the
/// limit (a 64-byte ratio let `[0,0,…]` bodies at the limit cost 6 times it).
pub const BODY_BYTES_PER_VALUE: usize = 1024;

/// Whether `text` holds more than `budget` JSON values and keys (counted as above).
pub fn exceeds_value_budget(text: &str, budget: usize) -> bool {
    let mut count = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' | b',' | b':' => {
                count += 1;
                if count > budget {
                    return true;
                }
            }
            _ => {}
        }
    }
    count > budget
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values and keys serde_json builds for `text`.
    fn built(text: &str) -> usize {
        fn count(v: &serde_json::Value) -> usize {
            match v {
                serde_json::Value::Array(a) => 1 + a.iter().map(count).sum::<usize>(),
                serde_json::Value::Object(m) => 1 + m.values().map(|v| 1 + count(v)).sum::<usize>(),
                _ => 1,
            }
        }
        count(&serde_json::from_str(text).unwrap())
    }

    #[test]
    fn the_count_bounds_what_the_parser_builds() {
        for text in [
            "0",
            "\"a,b:[{\"",
            "[]",
            "[0,0,0]",
            r#"{"a":{"b":[1,{"c":"x\",:[{"}]},"d":null}"#,
        ] {
            let n = built(text);
            assert!(
                exceeds_value_budget(text, n - 1),
                "{text}: counts at least {n}"
            );
            assert!(
                !exceeds_value_budget(text, n + 2),
                "{text}: counts at most {n} + 2"
            );
        }
    }

    #[test]
    fn strings_do_not_count_and_flat_arrays_do() {
        let long_string = format!("{{\"s\":\"{}\"}}", ",".repeat(100_000));
        assert!(!exceeds_value_budget(&long_string, 10));
        let zeros = format!("[{}0]", "0,".repeat(1000));
        assert!(exceeds_value_budget(&zeros, 1000));
        assert!(!exceeds_value_budget(&zeros, 1002));
    }
}
