//! Spec values with more than one written form (`status: 200` or `status: [200, 4xx]`).
//!
//! Each has its own visitor instead of `#[serde(untagged)]`, so a wrong value gets a
//! message saying which forms are accepted, at the value's position.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// One status pattern: an exact code or a class such as `4xx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusPattern {
    /// An exact code, 100–599.
    Code(u16),
    /// A class, `1xx`–`5xx` (the hundreds digit).
    Class(u16),
}

impl StatusPattern {
    /// Whether `status` matches the pattern.
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Code(code) => code == status,
            StatusPattern::Class(class) => status / 100 == class,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(digit) = text
            .strip_suffix("xx")
            .or_else(|| text.strip_suffix("XX"))
            .and_then(|d| d.parse::<u16>().ok())
        {
            return (1..=5)
                .contains(&digit)
                .then_some(StatusPattern::Class(digit));
        }
        text.parse::<u16>()
            .ok()
            .filter(|c| (100..=599).contains(c))
            .map(StatusPattern::Code)
    }
}

impl fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusPattern::Code(code) => write!(f, "{code}"),
            StatusPattern::Class(class) => write!(f, "{class}xx"),
        }
    }
}

/// The `status:` expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusSpec {
    /// The status matches one of these.
    AnyOf(Vec<StatusPattern>),
    /// The status matches none of these.
    NoneOf(Vec<StatusPattern>),
}

const STATUS_FORMS: &str = "a status code (200), a class (\"4xx\"), a list of those, or {not: ...}";

impl<'de> Deserialize<'de> for StatusSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StatusVisitor)
    }
}

struct StatusVisitor;

impl<'de> Visitor<'de> for StatusVisitor {
    type Value = StatusSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(STATUS_FORMS)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let text = v.to_string();
        self.visit_str(&text)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let text = v.to_string();
        self.visit_str(&text)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        StatusPattern::parse(v)
            .map(|p| StatusSpec::AnyOf(vec![p]))
            .ok_or_else(|| E::custom(format!("`{v}` is not {STATUS_FORMS}")))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(StatusSpec::AnyOf(patterns_from_seq(seq)?))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!("expected {STATUS_FORMS}")));
        };
        if key != "not" {
            return Err(de::Error::unknown_field(&key, &["not"]));
        }
        let inner: StatusSpec = map.next_value()?;
        if map.next_key::<String>()?.is_some() {
            return Err(de::Error::custom("`not` must be the only key"));
        }
        match inner {
            StatusSpec::AnyOf(patterns) => Ok(StatusSpec::NoneOf(patterns)),
            StatusSpec::NoneOf(_) => Err(de::Error::custom("`not` cannot be nested")),
        }
    }
}

fn patterns_from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<StatusPattern>, A::Error> {
    let mut patterns = Vec::new();
    while let Some(item) = seq.next_element::<StatusItem>()? {
        patterns.push(item.0);
    }
    if patterns.is_empty() {
        return Err(de::Error::custom("a status list needs at least one entry"));
    }
    Ok(patterns)
}

/// One entry of a status list.
struct StatusItem(StatusPattern);

impl<'de> Deserialize<'de> for StatusItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(StatusVisitor)? {
            StatusSpec::AnyOf(p) if p.len() == 1 => Ok(StatusItem(p[0])),
            _ => Err(de::Error::custom(
                "a status list holds codes (200) or classes (\"4xx\")",
            )),
        }
    }
}

/// A header expectation: a plain string (equals) or a map of checks.
#[derive(Clone, Debug, Default)]
pub struct HeaderExpectSpec {
    /// The header value equals this (a template).
    pub equals: Option<String>,
    /// The header value matches this regex.
    pub matches: Option<String>,
    /// The header value contains this (a template).
    pub contains: Option<String>,
    /// `true`: the header is present; `false`: it is absent.
    pub present: Option<bool>,
    /// Shorthand for `present: false`.
    pub absent: Option<bool>,
}

impl<'de> Deserialize<'de> for HeaderExpectSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderExpectSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a header value or a map of {equals, matches, contains, present, absent}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(HeaderExpectSpec {
                    equals: Some(v.to_string()),
                    ..HeaderExpectSpec::default()
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Checks {
                    equals: Option<String>,
                    matches: Option<String>,
                    contains: Option<String>,
                    present: Option<bool>,
                    absent: Option<bool>,
                }
                let c = Checks::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(HeaderExpectSpec {
                    equals: c.equals,
                    matches: c.matches,
                    contains: c.contains,
                    present: c.present,
                    absent: c.absent,
                })
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A length: an exact number or `{min, max}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthSpec {
    /// Smallest allowed length.
    pub min: Option<usize>,
    /// Largest allowed length.
    pub max: Option<usize>,
}

impl<'de> Deserialize<'de> for LengthSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LengthSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a length (32) or {min, max}")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LengthSpec {
                    min: Some(v as usize),
                    max: Some(v as usize),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Range {
                    min: Option<usize>,
                    max: Option<usize>,
                }
                let r = Range::deserialize(de::value::MapAccessDeserializer::new(map))?;
                if r.min.is_none() && r.max.is_none() {
                    return Err(de::Error::custom("a length range needs `min` or `max`"));
                }
                if let (Some(min), Some(max)) = (r.min, r.max)
                    && min > max
                {
                    return Err(de::Error::custom("`min` is larger than `max`"));
                }
                Ok(LengthSpec {
                    min: r.min,
                    max: r.max,
                })
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// One value or a list of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StrDeserializer::new(v)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                if out.is_empty() {
                    return Err(de::Error::custom("the list is empty"));
                }
                Ok(OneOrMany(out))
            }
        }
        deserializer.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(src: &str) -> Result<StatusSpec, String> {
        serde_saphyr::from_str::<StatusSpec>(src).map_err(|e| e.to_string())
    }

    #[test]
    fn status_forms() {
        use StatusPattern::*;
        assert_eq!(status("200").unwrap(), StatusSpec::AnyOf(vec![Code(200)]));
        assert_eq!(status("4xx").unwrap(), StatusSpec::AnyOf(vec![Class(4)]));
        assert_eq!(
            status("[200, 4xx]").unwrap(),
            StatusSpec::AnyOf(vec![Code(200), Class(4)])
        );
        assert_eq!(
            status("{not: 2xx}").unwrap(),
            StatusSpec::NoneOf(vec![Class(2)])
        );
        assert!(status("2000").unwrap_err().contains("is not a status code"));
        assert!(status("{nope: 2xx}").is_err());
    }

    #[test]
    fn length_forms() {
        let exact: LengthSpec = serde_saphyr::from_str("32").unwrap();
        assert_eq!((exact.min, exact.max), (Some(32), Some(32)));
        let range: LengthSpec = serde_saphyr::from_str("{min: 1}").unwrap();
        assert_eq!((range.min, range.max), (Some(1), None));
        assert!(serde_saphyr::from_str::<LengthSpec>("{min: 3, max: 1}").is_err());
    }
}
