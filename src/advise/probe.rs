//! Active probes (`--probe NAME`): their names, the advisory each raises, what a probe
//! run came to, and the verdict of the `timing` probe on its samples. Pure: the exec
//! stage sends the probes' requests and hands the results here.

use std::fmt;

use super::stats::compare_timings;

/// The probes conform knows, in the order a run sends them (`no-throttling` last: it may
/// get the account locked).
pub const PROBES: [&str; 3] = ["totp-replay", "timing", "no-throttling"];

/// The advisory a probe raises.
pub fn probe_rule(probe: &str) -> Option<&'static str> {
    match probe {
        "totp-replay" => Some("totp-replay"),
        "no-throttling" => Some("no-throttling"),
        "timing" => Some("timing-enumeration"),
        _ => None,
    }
}

/// The default number of wrong-password logins `no-throttling` sends.
pub const DEFAULT_PROBE_ATTEMPTS: usize = 5;

/// The default number of logins of each kind `timing` sends.
pub const DEFAULT_PROBE_SAMPLES: usize = 10;

/// Significance level of the `timing` probe's Mann–Whitney test.
pub const TIMING_ALPHA: f64 = 0.01;

/// Median gaps below this many milliseconds are not reported, however significant: a
/// network blurs them, and they take many samples to exploit.
pub const TIMING_FLOOR_MS: f64 = 20.0;

/// What a probe came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeStatus {
    /// It raised its advisory.
    Raised,
    /// It ran and found nothing.
    Clean,
    /// It did not run (no case to derive it from, or the failed-login budget).
    Skipped,
    /// It ran but could not conclude (a refused login, a transport fault, throttling).
    Inconclusive,
}

impl ProbeStatus {
    /// The lowercase name (`raised`, `clean`, `skipped`, `inconclusive`).
    pub fn name(self) -> &'static str {
        match self {
            ProbeStatus::Raised => "raised",
            ProbeStatus::Clean => "found nothing",
            ProbeStatus::Skipped => "skipped",
            ProbeStatus::Inconclusive => "inconclusive",
        }
    }
}

impl fmt::Display for ProbeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One probe run against one spec's target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeReport {
    /// The probe (`totp-replay`).
    pub probe: String,
    /// The spec.
    pub spec: String,
    /// The case its requests were derived from, if one was found.
    pub case: Option<String>,
    /// What it came to.
    pub status: ProbeStatus,
    /// One masked line: what it sent and saw, or why it did not run.
    pub detail: String,
}

impl ProbeReport {
    /// `totp-replay (rocketchat): raised — …`.
    pub fn line(&self) -> String {
        format!(
            "{} ({}): {} — {}",
            self.probe, self.spec, self.status, self.detail
        )
    }
}

/// The `timing` probe's verdict on its samples (milliseconds): the evidence of a
/// `timing-enumeration` advisory when the two kinds of refusal differ significantly
/// (p < [`TIMING_ALPHA`]) by more than [`TIMING_FLOOR_MS`] in median, and the line that
/// says what was measured either way. `None` with too few samples.
pub fn judge_timing(unknown_ms: &[f64], wrong_ms: &[f64]) -> Option<(bool, String)> {
    let v = compare_timings(unknown_ms, wrong_ms, TIMING_ALPHA)?;
    let gap = (v.median_a_ms - v.median_b_ms).abs();
    let raised = v.significant && gap > TIMING_FLOOR_MS;
    let line = format!(
        "unknown users refused in a median {:.1} ms, wrong passwords in {:.1} ms ({} and {} logins; Mann–Whitney p = {:.4}, gap {:.1} ms, floor {TIMING_FLOOR_MS} ms)",
        v.median_a_ms,
        v.median_b_ms,
        unknown_ms.len(),
        wrong_ms.len(),
        v.p_value,
        gap,
    );
    Some((raised, line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advise::rule;

    #[test]
    fn every_probe_raises_an_active_rule() {
        for p in PROBES {
            let id = probe_rule(p).expect(p);
            assert!(rule(id).is_some_and(|r| r.active), "{p}");
        }
        assert_eq!(probe_rule("nope"), None);
    }

    #[test]
    fn a_significant_gap_above_the_floor_is_raised() {
        let fast: Vec<f64> = (0..10).map(|i| 5.0 + f64::from(i) * 0.2).collect();
        let slow: Vec<f64> = (0..10).map(|i| 80.0 + f64::from(i) * 0.2).collect();
        let (raised, line) = judge_timing(&fast, &slow).expect("enough samples");
        assert!(raised, "{line}");
        assert!(line.contains("median 5.9 ms"), "{line}");
        assert!(line.contains("wrong passwords in 80.9 ms"), "{line}");
    }

    #[test]
    fn a_significant_gap_below_the_floor_is_not() {
        let fast: Vec<f64> = (0..10).map(|i| 5.0 + f64::from(i) * 0.1).collect();
        let slow: Vec<f64> = (0..10).map(|i| 15.0 + f64::from(i) * 0.1).collect();
        let (raised, line) = judge_timing(&fast, &slow).expect("enough samples");
        assert!(!raised, "{line}");
    }

    #[test]
    fn overlapping_samples_are_not_raised_even_far_apart_in_median() {
        // Wide spread: medians 50 ms apart, but the samples overlap heavily.
        let a = [1.0, 200.0, 3.0, 180.0, 5.0, 160.0, 7.0, 140.0, 9.0, 120.0];
        let b = [2.0, 210.0, 4.0, 190.0, 6.0, 170.0, 8.0, 150.0, 100.0, 130.0];
        let (raised, line) = judge_timing(&a, &b).expect("enough samples");
        assert!(!raised, "{line}");
        assert!(judge_timing(&a[..3], &b).is_none());
    }
}
