//! Finding a secret inside base64 without decoding: whatever bytes precede it, a base64
//! encoding of text that contains the secret contains one of three fixed strings — the
//! characters that depend on the secret's bytes alone, one per alignment modulo 3 — in
//! the standard or the URL-safe alphabet. A Basic `user:pass` or a JWT claim holding the
//! password is found this way, and the whole base64 run around it is masked.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Shorter cores would match unrelated base64 by chance.
const MIN_CORE_CHARS: usize = 4;

/// The strings every base64 encoding of text containing `secret` contains one of.
pub fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for skip in 0..3usize {
        let mut input = vec![0u8; skip];
        input.extend_from_slice(secret);
        let first = (8 * skip).div_ceil(6);
        let end = (8 * input.len()) / 6;
        if end <= first || end - first < MIN_CORE_CHARS {
            continue;
        }
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&input);
            let core = encoded[first..end].to_string();
            if !out.contains(&core) {
                out.push(core);
            }
        }
    }
    out
}

/// Whether `b` can be part of a base64 run (either alphabet).
pub fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Widens `start..end` of `text` to the whole base64 run around it, padding included.
pub fn widen_to_run(text: &[u8], start: usize, end: usize) -> (usize, usize) {
    let mut s = start;
    while s > 0 && is_base64_byte(text[s - 1]) {
        s -= 1;
    }
    let mut e = end;
    while e < text.len() && is_base64_byte(text[e]) {
        e += 1;
    }
    let mut pad = 0;
    while e < text.len() && text[e] == b'=' && pad < 2 {
        e += 1;
        pad += 1;
    }
    (s, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_is_in_every_alignment() {
        let secret = b"S3cr3t Pa55&word";
        let cores = base64_cores(secret);
        for prefix in ["", "a", "ab", "alice:", "user:x"] {
            let mut text = prefix.as_bytes().to_vec();
            text.extend_from_slice(secret);
            text.extend_from_slice(b"tail");
            for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                let encoded = engine.encode(&text);
                assert!(
                    cores.iter().any(|c| encoded.contains(c.as_str())),
                    "{prefix:?}: {encoded}"
                );
            }
        }
    }

    #[test]
    fn short_secrets_have_no_core() {
        assert!(base64_cores(b"ab").is_empty());
        assert!(!base64_cores(b"123456").is_empty());
    }

    #[test]
    fn widens_to_the_run_and_its_padding() {
        let text = b"Basic YWxpY2U6cGFzcw== next";
        let (s, e) = widen_to_run(text, 10, 12);
        assert_eq!(&text[s..e], b"YWxpY2U6cGFzcw==");
    }
}
