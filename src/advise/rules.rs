//! The advisories conform knows: stable ids, severities, and the requirement each rests on.

use std::fmt;
use std::str::FromStr;

/// How much an advisory matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// A weakness with little direct impact.
    Low,
    /// A weakness an attacker can use with some effort.
    Medium,
    /// A weakness an attacker can use directly.
    High,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    /// The stable lowercase name (`info`, `low`, `medium`, `high`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A severity name that is none of `info`, `low`, `medium`, `high`.
#[derive(Debug, thiserror::Error)]
#[error("unknown severity `{0}`: expected info, low, medium or high")]
pub struct SeverityError(String);

impl FromStr for Severity {
    type Err = SeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| SeverityError(s.to_string()))
    }
}

/// One kind of advisory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id (`credentials-in-query`).
    pub id: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// One line: what is weak.
    pub title: &'static str,
    /// The requirement it rests on.
    pub reference: &'static str,
    /// Whether it needs extra requests (`--probe`).
    pub active: bool,
}

const fn passive(
    id: &'static str,
    severity: Severity,
    title: &'static str,
    reference: &'static str,
) -> Rule {
    Rule {
        id,
        severity,
        title,
        reference,
        active: false,
    }
}

/// Every advisory, passive ones first, in the order the README lists them.
pub const RULES: &[Rule] = &[
    passive(
        "credentials-in-query",
        Severity::Medium,
        "a login sends a password, code or key in the URL query string",
        "OWASP ASVS 4.0.3 §8.3.1",
    ),
    passive(
        "credential-echo",
        Severity::Medium,
        "a submitted password or code is reflected in the response",
        "OWASP ASVS 4.0.3 §8.3.1, §7.1.1",
    ),
    passive(
        "token-cacheable",
        Severity::Low,
        "a login response carries a token without `Cache-Control: no-store`",
        "RFC 6749 §5.1; OWASP ASVS 4.0.3 §8.2.1",
    ),
    passive(
        "cookie-flags",
        Severity::Medium,
        "a session cookie lacks Secure, HttpOnly or SameSite",
        "OWASP ASVS 4.0.3 §3.4.1–§3.4.3",
    ),
    passive(
        "json-as-html",
        Severity::Medium,
        "a JSON body is served as `text/html`",
        "OWASP ASVS 4.0.3 §14.4.1",
    ),
    passive(
        "json-media-type",
        Severity::Low,
        "a JSON body is served without a JSON media type",
        "OWASP ASVS 4.0.3 §14.4.1; RFC 8259 §11",
    ),
    passive(
        "plain-http",
        Severity::High,
        "credentials are sent over plain http to a host that is not loopback",
        "OWASP ASVS 4.0.3 §9.1.1; RFC 6749 §1.6",
    ),
    passive(
        "jwt-no-exp",
        Severity::Medium,
        "an issued JWT has no `exp` claim",
        "RFC 7519 §4.1.4; OWASP ASVS 4.0.3 §3.5.3",
    ),
    passive(
        "jwt-long-lifetime",
        Severity::Low,
        "an issued JWT lives longer than 24 hours",
        "RFC 7519 §4.1.4; OWASP ASVS 4.0.3 §3.3.2",
    ),
    passive(
        "jwt-weak-secret",
        Severity::High,
        "an HMAC-signed JWT verifies with a well-known weak secret",
        "RFC 7518 §3.2; OWASP ASVS 4.0.3 §3.5.3, §6.4.1",
    ),
    passive(
        "user-enumeration",
        Severity::Medium,
        "refusals of an unknown user and of a wrong password differ",
        "OWASP WSTG-IDNT-04; OWASP ASVS 4.0.3 §2.2.1",
    ),
    Rule {
        id: "totp-replay",
        severity: Severity::High,
        title: "the same TOTP code is accepted twice",
        reference: "RFC 6238 §5.2; OWASP ASVS 4.0.3 §2.8.4",
        active: true,
    },
    Rule {
        id: "no-throttling",
        severity: Severity::Medium,
        title: "wrong passwords for one account are neither throttled nor locked out",
        reference: "OWASP ASVS 4.0.3 §2.2.1",
        active: true,
    },
    Rule {
        id: "timing-enumeration",
        severity: Severity::Low,
        title: "unknown users and wrong passwords are refused after measurably different times",
        reference: "OWASP WSTG-IDNT-04; OWASP ASVS 4.0.3 §2.2.1",
        active: true,
    },
];

/// The rule named `id`.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_referenced() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(RULES[i + 1..].iter().all(|o| o.id != r.id), "{}", r.id);
            assert!(
                r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                r.id
            );
            assert!(!r.reference.is_empty(), "{}", r.id);
        }
    }

    #[test]
    fn severities_parse_and_order() {
        assert_eq!("LOW".parse::<Severity>().ok(), Some(Severity::Low));
        assert!("urgent".parse::<Severity>().is_err());
        assert!(Severity::High > Severity::Medium && Severity::Low > Severity::Info);
    }
}
