//! The monitor's readable summary on stdout.

use std::fmt::Write;

use super::Report;

pub fn print_summary(report: &Report) -> String {
    let mut s = String::new();
    let sm = &report.summary;
    let l = &sm.latest;
    let pct = |x: Option<f64>| x.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        s,
        "== Data quality monitor ({}) ==",
        report.report_generated_at
    );
    let _ = writeln!(
        s,
        "Latest per file: {} files, {} passed, {} failed, {} errors, {} without suite; pass rate {}, mean score {}",
        l.files,
        l.passed,
        l.failed,
        l.errors,
        l.skipped_no_config,
        pct(l.pass_rate),
        pct(l.average_score)
    );
    let _ = writeln!(
        s,
        "History: {} validations in {} runs, {} passed, {} failed, {} errors; score mean {} min {} max {}",
        sm.total_validations,
        report.runs.len(),
        sm.passed,
        sm.failed,
        sm.errors,
        pct(sm.average_score),
        pct(sm.min_score),
        pct(sm.max_score)
    );
    let p = &report.performance;
    if let Some(rps) = p.rows_per_second {
        let _ = writeln!(
            s,
            "Performance: {} rows in {} validations, {:.0} rows/s, {} files/min, p95 {} ms",
            p.total_rows,
            p.validations,
            rps,
            p.files_per_minute.unwrap_or_default(),
            p.p95_duration_ms.unwrap_or_default()
        );
    }
    let stale = report
        .freshness
        .iter()
        .filter(|f| f.state == "stale")
        .count();
    let notice = report
        .freshness
        .iter()
        .filter(|f| f.state == "notice")
        .count();
    let _ = writeln!(
        s,
        "Freshness: {} tables, {} stale, {} notice",
        report.freshness.len(),
        stale,
        notice
    );
    if !report.failed_files.is_empty() {
        let _ = writeln!(s, "Failed or unreadable files (latest result):");
        for f in &report.failed_files {
            let _ = writeln!(
                s,
                "  {:<7} {:>6} {}  {}",
                f.status,
                f.score
                    .map(|x| format!("{x:.2}"))
                    .unwrap_or_else(|| "-".into()),
                f.path,
                f.reasons.first().cloned().unwrap_or_default()
            );
        }
    }
    if !report.failure_analysis.by_expectation.is_empty() {
        let top: Vec<String> = report
            .failure_analysis
            .by_expectation
            .iter()
            .take(5)
            .map(|c| format!("{} ×{}", c.key, c.count))
            .collect();
        let _ = writeln!(s, "Most failed expectations: {}", top.join(", "));
    }
    if !report.alerts.is_empty() {
        let _ = writeln!(s, "Alerts: {}", report.alerts.len());
        for a in report.alerts.iter().take(10) {
            let _ = writeln!(s, "  [{}] {}", a.kind, a.message);
        }
    }
    s
}
