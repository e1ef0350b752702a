//! Reading what a throttling server asks of its client: how long to wait before the same
//! request is worth sending again, and when a route's allowance is spent.
//!
//! Sources, first usable wins: `Retry-After` (delta-seconds or an HTTP-date), the IETF
//! `RateLimit` field (`t=` or `reset=`), `RateLimit-Reset`, `X-RateLimit-Reset`, and a
//! wait the spec says its API writes in the body (Rocket.Chat: "You must wait N
//! seconds"). A reset given as a number is read by its magnitude: below 10⁹ it is a
//! number of seconds from now, below 10¹² seconds since the Unix epoch, and above that
//! milliseconds since the epoch (Rocket.Chat's `X-RateLimit-Reset`). A value that is not
//! a number, a date in the past or a wait of years is reported as garbage: the caller
//! falls back to a bounded backoff.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;

use crate::assert::Response;

/// Where a wait was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitSource {
    /// `Retry-After`.
    RetryAfter,
    /// The IETF `RateLimit` field.
    RateLimit,
    /// `RateLimit-Reset`.
    RateLimitReset,
    /// `X-RateLimit-Reset`.
    XRateLimitReset,
    /// The body, through the spec's `throttled.wait` regex.
    Body,
    /// Nothing usable: conform's own bounded backoff.
    Backoff,
}

impl WaitSource {
    /// How reports name it.
    pub fn name(self) -> &'static str {
        match self {
            WaitSource::RetryAfter => "Retry-After",
            WaitSource::RateLimit => "RateLimit",
            WaitSource::RateLimitReset => "RateLimit-Reset",
            WaitSource::XRateLimitReset => "X-RateLimit-Reset",
            WaitSource::Body => "the body",
            WaitSource::Backoff => "backoff",
        }
    }
}

/// The wait a throttled response asks for, or why none could be read (every source's
/// complaint, for the report).
pub fn requested_wait(
    response: &Response,
    now: SystemTime,
    body_wait: Option<&Regex>,
) -> Result<(Duration, WaitSource), String> {
    let mut complaints = Vec::new();
    let mut attempt = |source: WaitSource, value: Option<Result<Duration, String>>| match value {
        Some(Ok(d)) => Some((d, source)),
        Some(Err(why)) => {
            complaints.push(format!("{}: {why}", source.name()));
            None
        }
        None => None,
    };
    let found = attempt(
        WaitSource::RetryAfter,
        response.header("retry-after").map(|v| retry_after(v, now)),
    )
    .or_else(|| {
        attempt(
            WaitSource::RateLimit,
            response
                .header("ratelimit")
                .and_then(|v| ietf_param(v, &["t", "reset"]))
                .map(|v| reset_value(&v, now)),
        )
    })
    .or_else(|| {
        attempt(
            WaitSource::RateLimitReset,
            response
                .header("ratelimit-reset")
                .map(|v| reset_value(v, now)),
        )
    })
    .or_else(|| {
        attempt(
            WaitSource::XRateLimitReset,
            response
                .header("x-ratelimit-reset")
                .map(|v| reset_value(v, now)),
        )
    })
    .or_else(|| {
        attempt(
            WaitSource::Body,
            body_wait.and_then(|re| body_seconds(re, response.text())),
        )
    });
    match found {
        Some(found) => Ok(found),
        None if complaints.is_empty() => Err("the answer names no wait".to_string()),
        None => Err(complaints.join("; ")),
    }
}

/// When the route's allowance is spent (`X-RateLimit-Remaining: 0`, `RateLimit-Remaining:
/// 0` or `RateLimit: …;r=0`): how long until it resets. `None` while requests remain or
/// when no reset can be read.
pub fn spent_allowance(response: &Response, now: SystemTime) -> Option<Duration> {
    let remaining = response
        .header("x-ratelimit-remaining")
        .or_else(|| response.header("ratelimit-remaining"))
        .map(str::to_string)
        .or_else(|| {
            response
                .header("ratelimit")
                .and_then(|v| ietf_param(v, &["r", "remaining"]))
        })?;
    if remaining.trim().parse::<f64>().ok()? > 0.0 {
        return None;
    }
    let reset = response
        .header("ratelimit")
        .and_then(|v| ietf_param(v, &["t", "reset"]))
        .or_else(|| response.header("ratelimit-reset").map(str::to_string))
        .or_else(|| response.header("x-ratelimit-reset").map(str::to_string))?;
    reset_value(&reset, now).ok()
}

/// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`.
fn retry_after(value: &str, now: SystemTime) -> Result<Duration, String> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return sane(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value)
        .map_err(|_| format!("`{value}` is neither seconds nor an HTTP date"))?;
    let wait = at
        .duration_since(now)
        .map_err(|_| format!("`{value}` is in the past"))?;
    sane(wait)
}

/// A reset number, read by its magnitude (see the module documentation).
fn reset_value(value: &str, now: SystemTime) -> Result<Duration, String> {
    let text = value.trim();
    let number: f64 = text
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| format!("`{text}` is not a number of seconds or a time"))?;
    if number < 1e9 {
        return sane(Duration::from_secs_f64(number));
    }
    let at = if number < 1e12 {
        UNIX_EPOCH + Duration::from_secs_f64(number)
    } else {
        UNIX_EPOCH + Duration::from_secs_f64(number / 1000.0)
    };
    // A reset a moment in the past means the window has just ended: no wait.
    match at.duration_since(now) {
        Ok(wait) => sane(wait),
        Err(e) if e.duration() < Duration::from_secs(60) => Ok(Duration::ZERO),
        Err(_) => Err(format!("`{text}` is in the past")),
    }
}

/// A day is longer than any rate-limit window worth waiting for; a longer wait is
/// garbage rather than a plan.
const LONGEST_SANE_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

fn sane(wait: Duration) -> Result<Duration, String> {
    if wait > LONGEST_SANE_WAIT {
        Err(format!(
            "a wait of {} is not a rate-limit window",
            humantime::format_duration(Duration::from_secs(wait.as_secs()))
        ))
    } else {
        Ok(wait)
    }
}

/// A parameter of an IETF `RateLimit` field: `"default";r=0;t=30` (structured field) or
/// `limit=10, remaining=0, reset=30` (earlier drafts).
fn ietf_param(value: &str, names: &[&str]) -> Option<String> {
    value
        .split([';', ','])
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| names.iter().any(|n| k.trim().eq_ignore_ascii_case(n)))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// Seconds the body names through the spec's regex (its first group, else the match).
fn body_seconds(re: &Regex, text: &str) -> Option<Result<Duration, String>> {
    let caps = re.captures(text)?;
    let found = caps.get(1).or_else(|| caps.get(0))?.as_str();
    Some(
        found
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("`{found}` is not a number of seconds"))
            .and_then(sane),
    )
}

/// The backoff used when a throttled answer names no usable wait: 1 s, 2 s, 4 s … up to
/// 30 s for attempt 0, 1, 2 …
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(5)).min(Duration::from_secs(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&str, &str)], body: &str) -> Response {
        Response::new(
            429,
            headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body.as_bytes().to_vec(),
        )
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn wait(headers: &[(&str, &str)]) -> Result<(Duration, WaitSource), String> {
        requested_wait(&response(headers, ""), now(), None)
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(
            wait(&[("retry-after", "7")]),
            Ok((Duration::from_secs(7), WaitSource::RetryAfter))
        );
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(90));
        assert_eq!(
            wait(&[("retry-after", &date)]),
            Ok((Duration::from_secs(90), WaitSource::RetryAfter))
        );
    }

    #[test]
    fn resets_are_read_by_magnitude() {
        let epoch_s = "1700000012";
        let epoch_ms = "1700000004500";
        assert_eq!(
            wait(&[("x-ratelimit-reset", epoch_ms)]),
            Ok((Duration::from_millis(4500), WaitSource::XRateLimitReset))
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", epoch_s)]),
            Ok((Duration::from_secs(12), WaitSource::XRateLimitReset))
        );
        assert_eq!(
            wait(&[("ratelimit-reset", "30")]),
            Ok((Duration::from_secs(30), WaitSource::RateLimitReset))
        );
        assert_eq!(
            wait(&[("ratelimit", "\"default\";r=0;t=5")]),
            Ok((Duration::from_secs(5), WaitSource::RateLimit))
        );
        assert_eq!(
            wait(&[("ratelimit", "limit=10, remaining=0, reset=3")]),
            Ok((Duration::from_secs(3), WaitSource::RateLimit))
        );
    }

    #[test]
    fn garbage_and_absurd_values_are_reported() {
        assert_eq!(
            wait(&[("retry-after", "banana")]),
            Err("Retry-After: `banana` is neither seconds nor an HTTP date".into())
        );
        let month = (1_700_000_000u64 + 30 * 86_400).to_string();
        assert_eq!(
            wait(&[("x-ratelimit-reset", &month)]),
            Err("X-RateLimit-Reset: a wait of 30days is not a rate-limit window".into())
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", "1600000000")]),
            Err("X-RateLimit-Reset: `1600000000` is in the past".into())
        );
        assert_eq!(wait(&[]), Err("the answer names no wait".into()));
        assert_eq!(
            wait(&[("retry-after", "banana"), ("x-ratelimit-reset", "2")]),
            Ok((Duration::from_secs(2), WaitSource::XRateLimitReset)),
            "a later source stands in for a garbage one"
        );
    }

    #[test]
    fn a_body_wait_through_the_spec_regex() {
        let re = Regex::new(r"You must wait (\d+) seconds").unwrap();
        let r = response(
            &[],
            r#"{"error":"Error, too many requests. Please slow down. You must wait 12 seconds before trying this endpoint again. [error-too-many-requests]"}"#,
        );
        assert_eq!(
            requested_wait(&r, now(), Some(&re)),
            Ok((Duration::from_secs(12), WaitSource::Body))
        );
    }

    #[test]
    fn a_spent_allowance_names_its_reset() {
        let spent = response(
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000002000"),
            ],
            "",
        );
        assert_eq!(spent_allowance(&spent, now()), Some(Duration::from_secs(2)));
        let left = response(
            &[
                ("x-ratelimit-remaining", "3"),
                ("x-ratelimit-reset", "1700000002000"),
            ],
            "",
        );
        assert_eq!(spent_allowance(&left, now()), None);
        let ietf = response(&[("ratelimit", "\"default\";r=0;t=4")], "");
        assert_eq!(spent_allowance(&ietf, now()), Some(Duration::from_secs(4)));
    }

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(9), Duration::from_secs(30));
    }
}
