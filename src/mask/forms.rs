//! The plain-text forms a secret is searched under. Matching ignores ASCII case, so
//! these add only what that misses: the upper-, lower- and swapped-case forms of
//! non-ASCII letters, and the form encoding of spaces (`+`). Escaped forms need no
//! entry: they are found in the decoded view of the text.

/// The forms of `secret` to search for, ASCII case aside.
pub fn text_forms(secret: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |form: String| {
        if !form.is_empty() && !out.iter().any(|f| f.eq_ignore_ascii_case(&form)) {
            out.push(form);
        }
    };
    let cases = [
        secret.to_string(),
        secret.to_uppercase(),
        secret.to_lowercase(),
        swap_case(secret),
    ];
    for form in &cases {
        push(form.clone());
        if form.contains(' ') {
            push(form.replace(' ', "+"));
        }
    }
    out
}

/// `text` with upper and lower case swapped.
pub fn swap_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_secrets_need_one_form() {
        assert_eq!(text_forms("Tr0ub4dor&3"), ["Tr0ub4dor&3"]);
        assert_eq!(text_forms("a b"), ["a b", "a+b"]);
    }

    #[test]
    fn non_ascii_letters_get_their_case_forms() {
        assert_eq!(text_forms("Ærø"), ["Ærø", "ÆRØ", "ærø", "æRØ"]);
    }
}
