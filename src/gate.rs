//! Score and gate (DESIGN §5): `score = passed / evaluated × 100`; a file
//! passes when the score reaches the threshold and every severity's pass
//! rate reaches its `quality_thresholds` entry.

use serde::{Deserialize, Serialize};

use crate::engine::ExpectationResult;
use crate::suite::Severity;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeverityRate {
    pub severity: Severity,
    pub evaluated: usize,
    pub passed: usize,
    pub pass_rate: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub passed: bool,
    pub score: f64,
    pub threshold: f64,
    pub evaluated: usize,
    pub successful: usize,
    pub severities: Vec<SeverityRate>,
    pub threshold_failures: Vec<String>,
}

/// Rounds to two decimals for display and logs.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn judge(
    results: &[ExpectationResult],
    threshold: f64,
    severity_thresholds: &[(Severity, f64)],
) -> Verdict {
    let evaluated = results.len();
    let successful = results.iter().filter(|r| r.success).count();
    // A suite with no expectations has nothing to fail.
    let score = if evaluated == 0 {
        100.0
    } else {
        successful as f64 / evaluated as f64 * 100.0
    };
    let mut threshold_failures = Vec::new();
    if score < threshold {
        threshold_failures.push(format!(
            "Overall score {:.2}% is below the threshold {:.1}%",
            score, threshold
        ));
    }
    let mut severities = Vec::new();
    for sev in Severity::ALL {
        let of_sev: Vec<&ExpectationResult> =
            results.iter().filter(|r| r.severity == sev).collect();
        let limit = severity_thresholds
            .iter()
            .find(|(s, _)| *s == sev)
            .map(|(_, t)| *t);
        if of_sev.is_empty() {
            continue;
        }
        let passed = of_sev.iter().filter(|r| r.success).count();
        let rate = passed as f64 / of_sev.len() as f64 * 100.0;
        if let Some(limit) = limit {
            if rate < limit {
                threshold_failures.push(format!(
                    "Severity '{}' threshold {:.1}% failed (actual: {:.1}%)",
                    sev.as_str(),
                    limit,
                    rate
                ));
            }
        }
        severities.push(SeverityRate {
            severity: sev,
            evaluated: of_sev.len(),
            passed,
            pass_rate: round2(rate),
            threshold: limit,
        });
    }
    Verdict {
        passed: threshold_failures.is_empty(),
        score: round2(score),
        threshold,
        evaluated,
        successful,
        severities,
        threshold_failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ResultDetail;

    fn r(sev: Severity, success: bool) -> ExpectationResult {
        ExpectationResult {
            index: 0,
            expectation_type: "expect_column_values_to_not_be_null".into(),
            column: Some("A".into()),
            severity: sev,
            kwargs: Default::default(),
            meta: Default::default(),
            success,
            result: ResultDetail::default(),
            exception_info: None,
        }
    }

    #[test]
    fn severity_threshold_fails_even_when_score_passes() {
        let mut results: Vec<_> = (0..16).map(|_| r(Severity::Critical, true)).collect();
        results.push(r(Severity::Critical, false));
        let v = judge(&results, 90.0, &[(Severity::Critical, 100.0)]);
        assert!(!v.passed);
        assert_eq!(v.score, 94.12);
        assert_eq!(
            v.threshold_failures,
            vec!["Severity 'critical' threshold 100.0% failed (actual: 94.1%)".to_string()]
        );
    }

    #[test]
    fn score_below_threshold_fails() {
        let results = vec![r(Severity::Low, true), r(Severity::Low, false)];
        let v = judge(&results, 60.0, &[(Severity::Low, 50.0)]);
        assert!(!v.passed);
        assert_eq!(v.score, 50.0);
        let v = judge(&results, 50.0, &[(Severity::Low, 50.0)]);
        assert!(v.passed);
    }

    #[test]
    fn empty_suite_passes() {
        assert!(judge(&[], 100.0, &[]).passed);
    }
}
