//! RFC 6238 time-based one-time passwords, on the `totp-rs` crate.

use std::time::{SystemTime, UNIX_EPOCH};

use totp_rs::{Algorithm, Builder, Secret, Totp};

/// The shortest secret RFC 4226 §4 allows (R6: "at least 128 bits"); shorter ones are
/// used anyway, since servers issue them (GitHub's and Google's examples are 80 bits), and
/// profiles warn about them.
pub const RFC_MIN_SECRET_BITS: usize = 128;

/// Digits a code may have: RFC 4226 asks for at least 6; totp-rs computes codes modulo
/// `10^digits` in a `u32`, so 9 is the most it can make (and more than any server uses).
pub const DIGITS: std::ops::RangeInclusive<u8> = 6..=9;

/// Seconds a window may last: RFC 6238 recommends 30; an hour is far beyond any server
/// and keeps `--fresh-codes` waits bounded.
pub const PERIOD_SECONDS: std::ops::RangeInclusive<u64> = 1..=3600;

/// Why a TOTP configuration cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TotpConfigError {
    /// The secret is not base32.
    #[error("the TOTP secret is not base32 (RFC 4648, A–Z and 2–7)")]
    NotBase32,
    /// The secret has no bytes.
    #[error("the TOTP secret is empty")]
    EmptySecret,
    /// The algorithm is unknown.
    #[error("unknown TOTP algorithm `{0}`, expected SHA1, SHA256 or SHA512")]
    UnknownAlgorithm(String),
    /// The number of digits is outside [`DIGITS`].
    #[error("a TOTP code has 6 to 9 digits, not {0}")]
    DigitsOutOfRange(u8),
    /// The period is outside [`PERIOD_SECONDS`].
    #[error("the TOTP period must be 1 to 3600 seconds, not {0}")]
    PeriodOutOfRange(u64),
}

/// A TOTP generator for one account. The secret never leaves this type.
#[derive(Clone)]
pub struct TotpGenerator {
    totp: Totp,
    period: u64,
    digits: u8,
    secret_bits: usize,
}

impl std::fmt::Debug for TotpGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TotpGenerator {{ digits: {}, period: {}s, secret: *** }}",
            self.digits, self.period
        )
    }
}

impl TotpGenerator {
    /// Builds a generator from a base32 secret (spaces, lowercase and `=` padding allowed).
    pub fn from_base32(
        secret: &str,
        algorithm: &str,
        digits: u8,
        period: u64,
    ) -> Result<Self, TotpConfigError> {
        let normalized: String = secret
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = Secret::try_from_base32(&normalized)
            .map_err(|_| TotpConfigError::NotBase32)?
            .as_bytes()
            .to_vec();
        Self::from_bytes(&bytes, algorithm, digits, period)
    }

    /// Builds a generator from raw secret bytes (the RFC 6238 test vectors use these).
    pub fn from_bytes(
        secret: &[u8],
        algorithm: &str,
        digits: u8,
        period: u64,
    ) -> Result<Self, TotpConfigError> {
        let algorithm = match algorithm.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Algorithm::SHA1,
            "SHA256" => Algorithm::SHA256,
            "SHA512" => Algorithm::SHA512,
            _ => return Err(TotpConfigError::UnknownAlgorithm(algorithm.to_string())),
        };
        if secret.is_empty() {
            return Err(TotpConfigError::EmptySecret);
        }
        if !DIGITS.contains(&digits) {
            return Err(TotpConfigError::DigitsOutOfRange(digits));
        }
        if !PERIOD_SECONDS.contains(&period) {
            return Err(TotpConfigError::PeriodOutOfRange(period));
        }
        // `build` refuses secrets under 128 bits and codes over 8 digits; the checks above
        // keep what `build_noncompliant` skips from panicking (a zero period, 10+ digits).
        let totp = Builder::new()
            .with_algorithm(algorithm)
            .with_digits(digits)
            .with_step_duration(period)
            .with_skew(0)
            .with_secret(secret.to_vec())
            .build_noncompliant();
        Ok(Self {
            totp,
            period,
            digits,
            secret_bits: secret.len() * 8,
        })
    }

    /// The code for the window holding `unix_seconds`.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.totp.generate(unix_seconds).to_string()
    }

    /// The code for now.
    pub fn current(&self) -> String {
        self.code_at(now_unix())
    }

    /// The index of the window holding `unix_seconds`.
    pub fn window(&self, unix_seconds: u64) -> u64 {
        unix_seconds / self.period
    }

    /// Seconds per window.
    pub fn period(&self) -> u64 {
        self.period
    }

    /// Digits per code.
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// The length of the secret in bits (compare with [`RFC_MIN_SECRET_BITS`]).
    pub fn secret_bits(&self) -> usize {
        self.secret_bits
    }

    /// The window `code` is valid in, accepting `skew` windows either side of `unix_seconds`.
    pub fn verify(&self, code: &str, unix_seconds: u64, skew: u64) -> Option<u64> {
        let origin = self.window(unix_seconds);
        (origin.saturating_sub(skew)..=origin + skew)
            .find(|w| self.code_at(w * self.period) == code)
    }

    /// A code of the right length that is valid in none of the windows within
    /// `skew + 1` of `unix_seconds`: certainly wrong for a verifier allowing `skew`.
    pub fn wrong_code(&self, unix_seconds: u64, skew: u64) -> String {
        let origin = self.window(unix_seconds);
        let taken: Vec<String> = (origin.saturating_sub(skew + 1)..=origin + skew + 1)
            .map(|w| self.code_at(w * self.period))
            .collect();
        let current = self.code_at(unix_seconds);
        // A near miss catches servers that compare a prefix; nine last digits to try, at
        // most seven codes taken, so one of them is free.
        let mut candidate = current.clone();
        for _ in 0..9 {
            candidate = shift_last_digit(&candidate);
            if !taken.contains(&candidate) {
                return candidate;
            }
        }
        shift_digits(&current)
    }
}

impl TotpGenerator {
    /// The code of `windows` periods before `unix_seconds` (or further back), one that is
    /// valid in none of the `skew + 1` windows around now.
    pub fn stale_code(&self, unix_seconds: u64, windows: u64, skew: u64) -> String {
        let origin = self.window(unix_seconds);
        let near: Vec<String> = (origin.saturating_sub(skew + 1)..=origin + skew + 1)
            .map(|w| self.code_at(w * self.period))
            .collect();
        let mut back = windows;
        loop {
            let code = self.code_at(origin.saturating_sub(back) * self.period);
            if !near.contains(&code) || back >= windows + 10 {
                return code;
            }
            back += 1;
        }
    }
}

/// Adds 1 to the last digit (mod 10): a code that differs from `code` in its last place.
pub fn shift_last_digit(code: &str) -> String {
    let Some((i, d)) = code
        .char_indices()
        .rev()
        .find_map(|(i, c)| c.to_digit(10).map(|d| (i, d)))
    else {
        return format!("{code}0");
    };
    let mut out = code.to_string();
    out.replace_range(i..i + 1, &((d + 1) % 10).to_string());
    out
}

/// Adds 5 to every digit (mod 10): a code of the same length that differs in every position.
pub fn shift_digits(code: &str) -> String {
    code.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_digit((d + 5) % 10, 10).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// Seconds since the Unix epoch, 0 if the clock is before it.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238, Appendix B: the seeds are ASCII "1234567890" repeated to the hash size.
    const SHA1_SEED: &[u8] = b"12345678901234567890";
    const SHA256_SEED: &[u8] = b"12345678901234567890123456789012";
    const SHA512_SEED: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    #[test]
    fn rfc6238_test_vectors() {
        let table: &[(u64, &str, &str, &str)] = &[
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        let sha1 = TotpGenerator::from_bytes(SHA1_SEED, "SHA1", 8, 30).unwrap();
        let sha256 = TotpGenerator::from_bytes(SHA256_SEED, "SHA256", 8, 30).unwrap();
        let sha512 = TotpGenerator::from_bytes(SHA512_SEED, "SHA512", 8, 30).unwrap();
        for (t, c1, c256, c512) in table {
            assert_eq!(sha1.code_at(*t), *c1, "SHA1 at {t}");
            assert_eq!(sha256.code_at(*t), *c256, "SHA256 at {t}");
            assert_eq!(sha512.code_at(*t), *c512, "SHA512 at {t}");
        }
    }

    #[test]
    fn base32_secret_and_verification_window() {
        let g =
            TotpGenerator::from_base32("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp", "sha1", 6, 30)
                .unwrap();
        let t = 1_700_000_000;
        let code = g.code_at(t);
        assert_eq!(code.len(), 6);
        assert_eq!(g.verify(&code, t, 0), Some(t / 30));
        assert_eq!(g.verify(&code, t + 30, 1), Some(t / 30));
        assert_eq!(g.verify(&code, t + 60, 1), None);
        let wrong = g.wrong_code(t, 1);
        assert_eq!(wrong.len(), 6);
        assert_eq!(g.verify(&wrong, t, 1), None);
        assert_eq!(
            wrong[..5],
            code[..5],
            "a near miss: only the last digit differs"
        );
    }

    #[test]
    fn bad_configurations_are_errors() {
        assert_eq!(
            TotpGenerator::from_base32("not base32!", "SHA1", 6, 30).unwrap_err(),
            TotpConfigError::NotBase32
        );
        assert!(matches!(
            TotpGenerator::from_base32("JBSWY3DPEHPK3PXP", "MD5", 6, 30),
            Err(TotpConfigError::UnknownAlgorithm(_))
        ));
        assert_eq!(
            TotpGenerator::from_base32(" = ", "SHA1", 6, 30).unwrap_err(),
            TotpConfigError::EmptySecret
        );
    }

    #[test]
    fn digits_and_period_are_bounded() {
        let make =
            |digits, period| TotpGenerator::from_base32(SHORT_SECRET, "SHA1", digits, period);
        assert_eq!(
            make(5, 30).unwrap_err(),
            TotpConfigError::DigitsOutOfRange(5)
        );
        assert_eq!(
            make(10, 30).unwrap_err(),
            TotpConfigError::DigitsOutOfRange(10)
        );
        assert_eq!(
            make(6, 0).unwrap_err(),
            TotpConfigError::PeriodOutOfRange(0)
        );
        assert_eq!(
            make(6, 3601).unwrap_err(),
            TotpConfigError::PeriodOutOfRange(3601)
        );
        assert_eq!(
            make(6, u64::MAX).unwrap_err().to_string(),
            "the TOTP period must be 1 to 3600 seconds, not 18446744073709551615"
        );
        for (digits, period) in [(6, 1), (9, 3600)] {
            let g = make(digits, period).unwrap();
            assert_eq!(g.code_at(1_700_000_000).len(), usize::from(digits));
        }
    }

    /// 80 bits, the length GitHub and Google issue.
    const SHORT_SECRET: &str = "JBSWY3DPEHPK3PXP";

    #[test]
    fn short_secrets_give_rfc_codes() {
        // Expected values from Python's hmac (RFC 4226 §5.3 dynamic truncation of
        // HMAC-SHA1(base32decode(secret), counter = t / 30)).
        let table: &[(u64, &str, &str, &str)] = &[
            (59, "996554", "41996554", "041996554"),
            (1111111109, "071271", "33071271", "733071271"),
            (1700000000, "324550", "02324550", "802324550"),
            (2000000000, "890699", "28890699", "828890699"),
        ];
        let g6 = TotpGenerator::from_base32(SHORT_SECRET, "SHA1", 6, 30).unwrap();
        let g8 = TotpGenerator::from_base32(SHORT_SECRET, "SHA1", 8, 30).unwrap();
        let g9 = TotpGenerator::from_base32(SHORT_SECRET, "SHA1", 9, 30).unwrap();
        assert_eq!(g6.secret_bits(), 80);
        for (t, c6, c8, c9) in table {
            assert_eq!(g6.code_at(*t), *c6, "6 digits at {t}");
            assert_eq!(g8.code_at(*t), *c8, "8 digits at {t}");
            assert_eq!(g9.code_at(*t), *c9, "9 digits at {t}");
        }
        let one_byte = TotpGenerator::from_bytes(b"k", "SHA1", 6, 30).unwrap();
        assert_eq!(one_byte.secret_bits(), 8);
        assert_eq!(one_byte.code_at(59).len(), 6);
    }

    #[test]
    fn shifted_code_differs_everywhere() {
        assert_eq!(shift_digits("123456"), "678901");
    }

    #[test]
    fn last_digit_shift_changes_one_place() {
        assert_eq!(shift_last_digit("123456"), "123457");
        assert_eq!(shift_last_digit("123459"), "123450");
        assert_eq!(shift_last_digit("12a"), "13a");
        assert_eq!(shift_last_digit("abc"), "abc0");
    }
}
