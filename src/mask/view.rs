//! A decoded view of text: every escape a serializer or an encoder may write is decoded
//! once — percent escapes (`%4a`, `%4A`), HTML and XML character references (`&#74;`,
//! `&#x4a;`) and the XML entities, JSON and C-style backslash escapes (`\u004a`, `\/`,
//! `\x4a`) — with a map from each decoded byte back to the bytes it came from, so that a
//! secret found in the view can be masked where it is written.

/// Decoded bytes and where each came from.
#[derive(Debug)]
pub struct View {
    /// The decoded bytes (UTF-8 where the escapes encode UTF-8).
    pub bytes: Vec<u8>,
    /// For each decoded byte, the offset in the source of the unit (a character or an
    /// escape) it was decoded from; one more entry holds the source's length. Units are
    /// contiguous, so the source range of view bytes `a..b` is `starts[a]..starts[b]`.
    starts: Vec<u32>,
}

/// How many times a view is decoded again (`%2541` → `%41` → `A`).
const MAX_PASSES: usize = 3;

impl View {
    /// The source range of the view range `start..end`.
    pub fn source_range(&self, start: usize, end: usize) -> (usize, usize) {
        (self.starts[start] as usize, self.starts[end] as usize)
    }

    /// The views of `source`, each decoding the one before; empty when `source` holds no
    /// escape. Every view maps straight back to `source`.
    pub fn decode_all(source: &[u8]) -> Vec<View> {
        let mut views: Vec<View> = Vec::new();
        while views.len() < MAX_PASSES {
            let input = views.last().map_or(source, |v| v.bytes.as_slice());
            let Some(mut next) = decode_once(input) else {
                break;
            };
            if let Some(previous) = views.last() {
                for start in &mut next.starts {
                    *start = previous.starts[*start as usize];
                }
            }
            views.push(next);
        }
        views
    }
}

/// Decodes every escape of `source` once; `None` when nothing was decoded.
fn decode_once(source: &[u8]) -> Option<View> {
    if u32::try_from(source.len()).is_err() || !source.iter().any(|b| b"%&\\".contains(b)) {
        return None;
    }
    let mut bytes = Vec::with_capacity(source.len());
    let mut starts = Vec::with_capacity(source.len() + 1);
    let mut changed = false;
    let mut i = 0;
    while i < source.len() {
        let unit = match source[i] {
            b'%' => percent(&source[i..]),
            b'&' => reference(&source[i..]),
            b'\\' => backslash(&source[i..]),
            _ => None,
        };
        match unit {
            Some((decoded, used)) => {
                changed = true;
                for b in decoded.as_bytes() {
                    bytes.push(*b);
                    starts.push(i as u32);
                }
                i += used;
            }
            None => {
                bytes.push(source[i]);
                starts.push(i as u32);
                i += 1;
            }
        }
    }
    starts.push(source.len() as u32);
    changed.then_some(View { bytes, starts })
}

/// A decoded unit: its bytes, and how many source bytes it used.
type Unit = (Decoded, usize);

/// The bytes one escape stands for.
enum Decoded {
    Byte([u8; 1]),
    Char([u8; 4], usize),
}

impl Decoded {
    fn char(c: char) -> Self {
        let mut buf = [0u8; 4];
        let len = c.encode_utf8(&mut buf).len();
        Decoded::Char(buf, len)
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Decoded::Byte(b) => b,
            Decoded::Char(buf, len) => &buf[..*len],
        }
    }
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `%4A` or `%4a`: one byte.
fn percent(s: &[u8]) -> Option<Unit> {
    let hi = hex(*s.get(1)?)?;
    let lo = hex(*s.get(2)?)?;
    Some((Decoded::Byte([(hi * 16 + lo) as u8]), 3))
}

/// `&#74;`, `&#x4a;`, `&#X4A;` and the five XML entities.
fn reference(s: &[u8]) -> Option<Unit> {
    let end = s.iter().take(12).position(|b| *b == b';')?;
    let body = std::str::from_utf8(&s[1..end]).ok()?;
    let c = match body {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let digits = body.strip_prefix('#')?;
            let code = match digits.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => digits.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((Decoded::char(c), end + 1))
}

/// `\uXXXX` (surrogate pairs joined), `\xHH`, and the one-character escapes.
fn backslash(s: &[u8]) -> Option<Unit> {
    let simple = |c: char| Some((Decoded::char(c), 2));
    match *s.get(1)? {
        b'u' | b'U' => unicode(s),
        b'x' | b'X' => {
            let hi = hex(*s.get(2)?)?;
            let lo = hex(*s.get(3)?)?;
            Some((Decoded::Byte([(hi * 16 + lo) as u8]), 4))
        }
        b'/' => simple('/'),
        b'"' => simple('"'),
        b'\'' => simple('\''),
        b'\\' => simple('\\'),
        b'n' => simple('\n'),
        b't' => simple('\t'),
        b'r' => simple('\r'),
        b'b' => simple('\u{8}'),
        b'f' => simple('\u{c}'),
        _ => None,
    }
}

fn unicode(s: &[u8]) -> Option<Unit> {
    let unit = |at: usize| -> Option<u32> {
        let digits = s.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0u32, |acc, b| Some(acc * 16 + hex(*b)?))
    };
    let first = unit(2)?;
    if (0xD800..0xDC00).contains(&first) {
        if s.get(6) != Some(&b'\\') || !matches!(s.get(7), Some(b'u' | b'U')) {
            return None;
        }
        let second = unit(8)?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return Some((Decoded::char(char::from_u32(code)?), 12));
    }
    Some((Decoded::char(char::from_u32(first)?), 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> String {
        let views = View::decode_all(text.as_bytes());
        views
            .last()
            .map(|v| String::from_utf8_lossy(&v.bytes).into_owned())
            .unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn decodes_every_escape() {
        assert_eq!(decoded("p%41%4a%c3%A6"), "pAJæ");
        assert_eq!(decoded("&#80;&#x61;&#X73;&amp;&lt;"), "Pas&<");
        assert_eq!(
            decoded(r#"\u0050\u00E6\/\"\\\ud83d\ude00\x41"#),
            "Pæ/\"\\😀A"
        );
        assert_eq!(decoded("%2541"), "A", "decoded again");
        assert_eq!(decoded("100% &nope; \\q"), "100% &nope; \\q");
    }

    #[test]
    fn maps_decoded_ranges_to_their_source() {
        let source = "x=%50%61ss&y";
        let views = View::decode_all(source.as_bytes());
        let view = &views[0];
        let text = String::from_utf8_lossy(&view.bytes).into_owned();
        let at = text.find("Pass").unwrap();
        let (start, end) = view.source_range(at, at + 4);
        assert_eq!(&source[start..end], "%50%61ss");

        let twice = "a%2550b";
        let views = View::decode_all(twice.as_bytes());
        let last = views.last().unwrap();
        assert_eq!(last.bytes, b"aPb");
        let (start, end) = last.source_range(1, 2);
        assert_eq!(&twice[start..end], "%2550");
    }

    #[test]
    fn nothing_to_decode_is_no_view() {
        assert!(View::decode_all(b"plain text").is_empty());
    }
}
