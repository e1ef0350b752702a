//! The statistics of the `timing` probe: medians, and a two-sided Mann–Whitney U test
//! (normal approximation, tie-corrected) of whether two samples of response times come
//! from the same distribution. Pure: tests feed it injected samples, never real timings.

/// What two samples of response times say.
#[derive(Clone, Debug, PartialEq)]
pub struct TimingVerdict {
    /// Median of the first sample, in milliseconds.
    pub median_a_ms: f64,
    /// Median of the second sample, in milliseconds.
    pub median_b_ms: f64,
    /// The two-sided p-value.
    pub p_value: f64,
    /// Whether the gap is significant at the level asked for.
    pub significant: bool,
}

/// The median of `samples` (0 for none).
pub fn median_ms(samples: &[f64]) -> f64 {
    let mut s: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if s.is_empty() {
        return 0.0;
    }
    s.sort_by(f64::total_cmp);
    let mid = s.len() / 2;
    if s.len().is_multiple_of(2) {
        (s[mid - 1] + s[mid]) / 2.0
    } else {
        s[mid]
    }
}

/// Compares two samples at significance level `alpha` (e.g. 0.01); `None` when either
/// has fewer than 5 values (too few to mean anything).
pub fn compare_timings(a: &[f64], b: &[f64], alpha: f64) -> Option<TimingVerdict> {
    if a.len() < 5 || b.len() < 5 {
        return None;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|v| (*v, true))
        .chain(b.iter().map(|v| (*v, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    // Average ranks over ties; the tie correction term of the variance.
    let mut rank_a = 0.0;
    let mut ties = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        rank_a += rank * all[i..=j].iter().filter(|(_, first)| *first).count() as f64;
        i = j + 1;
    }
    let u = rank_a - n1 * (n1 + 1.0) / 2.0;
    let n = n1 + n2;
    let mean = n1 * n2 / 2.0;
    let variance = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    let p_value = if variance <= 0.0 {
        1.0
    } else {
        let z = ((u - mean).abs() - 0.5).max(0.0) / variance.sqrt();
        (2.0 * (1.0 - standard_normal_cdf(z))).clamp(0.0, 1.0)
    };
    Some(TimingVerdict {
        median_a_ms: median_ms(a),
        median_b_ms: median_ms(b),
        p_value,
        significant: p_value < alpha,
    })
}

/// Φ(z), by the Abramowitz–Stegun 7.1.26 approximation of erf (error below 1.5e-7).
fn standard_normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median_ms(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_ms(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median_ms(&[]), 0.0);
    }

    #[test]
    fn separated_samples_are_significant() {
        let fast: Vec<f64> = (0..20).map(|i| 10.0 + f64::from(i) * 0.1).collect();
        let slow: Vec<f64> = (0..20).map(|i| 60.0 + f64::from(i) * 0.1).collect();
        let v = compare_timings(&fast, &slow, 0.01).expect("enough samples");
        assert!(v.significant, "{v:?}");
        assert!(v.p_value < 1e-6, "{v:?}");
        assert!((v.median_a_ms - 10.95).abs() < 1e-9);
    }

    #[test]
    fn interleaved_samples_are_not() {
        let a: Vec<f64> = (0..20).map(|i| f64::from(i * 2)).collect();
        let b: Vec<f64> = (0..20).map(|i| f64::from(i * 2 + 1)).collect();
        let v = compare_timings(&a, &b, 0.01).expect("enough samples");
        assert!(!v.significant, "{v:?}");
        let same = vec![5.0; 10];
        let v = compare_timings(&same, &same, 0.01).expect("enough samples");
        assert_eq!(v.p_value, 1.0);
    }

    #[test]
    fn too_few_samples_say_nothing() {
        assert!(compare_timings(&[1.0; 4], &[2.0; 10], 0.01).is_none());
    }
}
