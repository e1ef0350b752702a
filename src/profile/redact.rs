//! Which parts of a profile's text are secret, so diagnostics quote the file with them
//! shown as `***`.
//!
//! Lexical, line by line, and conservative on purpose: it must work on files that are
//! not valid YAML (those are the files diagnostics quote), so it shows only what it
//! recognises as harmless — keys, structure lines (`accounts:`, `primary:`), prose
//! comments and the values of `username`, `email` and the TOTP settings — and masks
//! every other value: `password`, `secure_key`, `totp_secret`, `code`,
//! `code_command`, every `vars:` value, misspelt keys' values and whatever it cannot
//! read. It never decides what a value means; resolving does that.

use std::ops::Range;

/// Keys whose values diagnostics may show.
const SHOWN_KEYS: [&str; 8] = [
    "username",
    "email",
    "totp_algorithm",
    "totp_digits",
    "totp_period",
    // Public keys and where they are (an `hmac` secret stays masked).
    "pem",
    "jwks_file",
    "jwks_url",
];

/// Keys whose empty value opens a section rather than a multi-line value.
const SECTION_KEYS: [&str; 4] = ["accounts", "vars", "primary", "two_factor"];

/// Values that hold nothing to hide.
const EMPTY_VALUES: [&str; 6] = ["{}", "[]", "~", "null", "\"\"", "''"];

/// Returns the byte ranges of `text` to show as `***`: secret values, each within one
/// line, in order.
pub fn secret_ranges(text: &str) -> Vec<Range<usize>> {
    let mut scan = Scan::default();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        scan.line(offset, line.trim_end_matches(['\n', '\r']));
        offset += line.len();
    }
    scan.ranges
}

/// The state carried from line to line.
#[derive(Default)]
struct Scan {
    ranges: Vec<Range<usize>>,
    /// Indentation of the top-level keys (that of the first key seen).
    top_indent: Option<usize>,
    /// Whether the lines are inside the top-level `vars:`.
    in_vars: bool,
    /// Whether the lines are inside the top-level `keys:`, whose key names open sections.
    in_keys: bool,
    /// A masked value goes on over the lines indented deeper than its key.
    masked_deeper_than: Option<usize>,
}

impl Scan {
    fn line(&mut self, start: usize, body: &str) {
        let content = body.trim_start_matches(' ');
        let indent = body.len() - content.len();
        let content_at = start + indent;
        let end = start + body.len();
        if content.is_empty() {
            return;
        }
        if let Some(key_indent) = self.masked_deeper_than {
            if indent > key_indent {
                self.ranges.push(content_at..end);
                return;
            }
            self.masked_deeper_than = None;
        }
        if let Some(comment) = content.strip_prefix('#') {
            self.comment(content_at + 1, comment);
            return;
        }
        if content == "---" || content == "..." {
            return;
        }
        let top = *self.top_indent.get_or_insert(indent);
        if indent <= top {
            self.top_indent = Some(indent);
            self.in_vars = false;
            self.in_keys = false;
        }
        let Some((key, value_at)) = split_key(content) else {
            // Not `key: value` (a sequence item, a flow collection, a continuation).
            self.ranges.push(content_at..end);
            return;
        };
        let value = content[value_at..].trim_end();
        if value.is_empty() || value.starts_with('#') {
            let section =
                indent <= top || self.in_keys || (!self.in_vars && SECTION_KEYS.contains(&key));
            if indent <= top {
                self.in_vars = key == "vars";
                self.in_keys = key == "keys";
            }
            if let Some(comment) = value.strip_prefix('#') {
                let comment_at = content_at + value_at + 1;
                if section {
                    self.comment(comment_at, comment);
                } else {
                    // `password: # hunter2` may be a value commented out.
                    self.ranges.push(comment_at..end);
                }
            }
            if !section {
                // `password:` with its value on the next lines.
                self.masked_deeper_than = Some(indent);
            }
            return;
        }
        // A shown key's value is shown only when it is plainly one value: a line that
        // swallowed the next (a lost line break) may carry a secret behind it.
        let plain = !value.contains(": ") && !value.chars().any(char::is_control);
        let shown =
            !self.in_vars && plain && (SHOWN_KEYS.contains(&key) || EMPTY_VALUES.contains(&value));
        if !shown {
            self.ranges.push(content_at + value_at..end);
            self.masked_deeper_than = Some(indent);
        }
    }

    /// A comment is prose unless it reads `word: value` (a commented-out setting).
    fn comment(&mut self, at: usize, comment: &str) {
        let text = comment.trim_start_matches([' ', '#']);
        let text_at = at + comment.len() - text.len();
        if let Some((key, value_at)) = split_key(text)
            && !key.contains(' ')
            && !text[value_at..].trim().is_empty()
            && !SHOWN_KEYS.contains(&key)
        {
            self.ranges
                .push(text_at + value_at..text_at + text.trim_end().len());
        }
    }
}

/// Splits `key: value` into the key (quotes removed) and the byte offset of the value
/// (after the spaces following the colon); `None` when the line is not a key.
fn split_key(content: &str) -> Option<(&str, usize)> {
    if content.starts_with(['-', '?', '{', '[', '|', '>', '&', '*', '!']) {
        return None;
    }
    let bytes = content.as_bytes();
    let colon = (0..bytes.len()).find(|&i| {
        bytes[i] == b':' && bytes.get(i + 1).is_none_or(|b| matches!(b, b' ' | b'\t'))
    })?;
    let key = content[..colon].trim_end().trim_matches(['"', '\'']);
    let after = &content[colon + 1..];
    let value_at = colon + 1 + (after.len() - after.trim_start_matches([' ', '\t']).len());
    Some((key, value_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let mut out = String::new();
        let mut at = 0;
        for r in secret_ranges(text) {
            out.push_str(&text[at..r.start]);
            out.push_str("***");
            at = r.end;
        }
        out.push_str(&text[at..]);
        out
    }

    #[test]
    fn masks_secret_values_and_shows_the_rest() {
        let text = "# A profile.\naccounts:\n  primary:\n    username: alice\n    password: \"p4ss\"\n    secure_key: k3y # note\n  two_factor:\n    email: b@x.test\n    totp_secret: JBSWY3DP\n    totp_digits: 8\n    code: '123456'\n    code_command: ./sms.sh\nvars:\n  login_method: POST\n  username: v\n";
        assert_eq!(
            masked(text),
            "# A profile.\naccounts:\n  primary:\n    username: alice\n    password: ***\n    secure_key: ***\n  two_factor:\n    email: b@x.test\n    totp_secret: ***\n    totp_digits: 8\n    code: ***\n    code_command: ***\nvars:\n  login_method: ***\n  username: ***\n"
        );
    }

    #[test]
    fn masks_multi_line_values_misspelt_keys_and_what_it_cannot_read() {
        let text = "accounts:\n  primary:\n    pasword: hunter2\n    password: |\n      line one\n      line two\n    username: alice\n  two_factor: { password: x }\n  - item\n    # password: old-one\nvars: {}\n";
        assert_eq!(
            masked(text),
            "accounts:\n  primary:\n    pasword: ***\n    password: ***\n      ***\n      ***\n    username: alice\n  two_factor: ***\n  ***\n    # password: ***\nvars: {}\n"
        );
    }

    #[test]
    fn public_keys_are_shown_and_hmac_secrets_masked() {
        let text = "keys:\n  realm:\n    jwks_url: https://idp.test/certs\n  shared:\n    hmac: s3cr3t\n  raw:\n    hmac:\n      s3cr3t\nvars: {}\n";
        assert_eq!(
            masked(text),
            "keys:\n  realm:\n    jwks_url: https://idp.test/certs\n  shared:\n    hmac: ***\n  raw:\n    hmac:\n      ***\nvars: {}\n"
        );
    }

    #[test]
    fn a_shown_value_that_swallowed_another_line_is_masked() {
        let text = "accounts:\n  two_factor:\n    username: bob\u{b}    password: \"pw-9\"\n";
        assert_eq!(
            masked(text),
            "accounts:\n  two_factor:\n    username: ***\n"
        );
    }

    #[test]
    fn a_value_commented_out_is_masked() {
        let text = "accounts: # both\n  primary: # old: x1y2\n    pasword: #\"pw-9\"\n";
        assert_eq!(
            masked(text),
            "accounts: # both\n  primary: # old: ***\n    pasword: #***\n"
        );
    }

    #[test]
    fn keeps_every_range_inside_one_line_and_on_char_boundaries() {
        let text = "vars:\n  å: \"ø\u{0}\r\n  b:\n   \u{1F600}\n\tpassword: x\r\n";
        for r in secret_ranges(text) {
            let part = &text[r.clone()];
            assert!(!part.contains('\n'), "{r:?} {part:?}");
        }
    }
}
