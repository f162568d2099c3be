//! The report: pure computation over log records and watermarks.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::alert::Alert;

use crate::config::Freshness;
use crate::discover::table_of;
use crate::gate::round2;
use crate::state::{LogRecord, Watermarks};
use crate::util::rfc3339;

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    /// Every validation in the history.
    pub total_validations: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped_no_config: usize,
    pub average_score: Option<f64>,
    pub min_score: Option<f64>,
    pub max_score: Option<f64>,
    /// The latest result of each file.
    pub latest: LatestSummary,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct LatestSummary {
    pub files: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped_no_config: usize,
    pub pass_rate: Option<f64>,
    pub average_score: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileLine {
    pub file: String,
    pub path: String,
    pub table: String,
    pub status: String,
    pub score: Option<f64>,
    pub timestamp: String,
    pub run_id: String,
    pub action: String,
    pub rows: Option<u64>,
    pub duration_ms: u64,
    pub failed_expectations: usize,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub key: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct FailureAnalysis {
    pub by_expectation: Vec<Count>,
    pub by_column: Vec<Count>,
    pub by_severity: Vec<Count>,
    pub by_table: Vec<Count>,
    /// expectation × column, for a heat map.
    pub by_expectation_and_column: Vec<Count>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Performance {
    pub validations: usize,
    pub total_rows: u64,
    pub total_bytes: u64,
    pub total_duration_ms: u64,
    /// Rows per second of validation time (per worker).
    pub rows_per_second: Option<f64>,
    /// Files per minute of validation time (per worker).
    pub files_per_minute: Option<f64>,
    pub mean_duration_ms: Option<f64>,
    pub p50_duration_ms: Option<u64>,
    pub p95_duration_ms: Option<u64>,
    pub max_duration_ms: Option<u64>,
    pub slowest: Vec<FileDuration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileDuration {
    pub path: String,
    pub duration_ms: u64,
    pub rows: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayTrend {
    pub date: String,
    pub validations: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub pass_rate: Option<f64>,
    pub average_score: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableFreshness {
    pub table: String,
    pub last_processed: String,
    pub age_hours: f64,
    /// fresh | notice | stale
    pub state: String,
    pub files: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunLine {
    pub run_id: String,
    pub started: String,
    pub files: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct WatermarkStatus {
    pub files_tracked: usize,
    pub by_status: BTreeMap<String, usize>,
    pub oldest: Option<String>,
    pub newest: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub report_generated_at: String,
    pub summary: Summary,
    pub failed_files: Vec<FileLine>,
    pub passed_files: Vec<FileLine>,
    pub latest_results: Vec<FileLine>,
    pub watermarks: WatermarkStatus,
    pub freshness: Vec<TableFreshness>,
    pub failure_analysis: FailureAnalysis,
    pub performance: Performance,
    pub daily_trends: Vec<DayTrend>,
    pub runs: Vec<RunLine>,
    pub alerts: Vec<Alert>,
    /// Log lines that could not be read.
    pub log_problems: Vec<String>,
}

fn stats(scores: &[f64]) -> (Option<f64>, Option<f64>, Option<f64>) {
    if scores.is_empty() {
        return (None, None, None);
    }
    let avg = scores.iter().sum::<f64>() / scores.len() as f64;
    let min = scores.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    (Some(round2(avg)), Some(min), Some(max))
}

fn counts<I: IntoIterator<Item = String>>(keys: I) -> Vec<Count> {
    let mut m: BTreeMap<String, usize> = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_default() += 1;
    }
    let mut v: Vec<Count> = m
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v
}

fn table_of_record(r: &LogRecord) -> String {
    r.table.clone().unwrap_or_else(|| table_of(&r.path))
}

fn file_line(r: &LogRecord) -> FileLine {
    let mut reasons = r.details.threshold_failures.clone();
    if let Some(e) = &r.details.error {
        reasons.push(e.clone());
    }
    for f in r.details.failures.iter().take(5) {
        reasons.push(format!(
            "{}{}: {}",
            f.expectation,
            f.column
                .as_ref()
                .map(|c| format!("({c})"))
                .unwrap_or_default(),
            f.details
        ));
    }
    FileLine {
        file: r.file.clone(),
        path: r.path.clone(),
        table: table_of_record(r),
        status: r.status.clone(),
        score: r.score,
        timestamp: r.timestamp.clone(),
        run_id: r.run_id.clone(),
        action: r.action.clone(),
        rows: r.rows,
        duration_ms: r.duration_ms,
        failed_expectations: r.details.failed_count,
        reasons,
    }
}

fn age_hours(ts: &str, now: DateTime<Utc>) -> Option<f64> {
    let t = DateTime::parse_from_rfc3339(ts).ok()?;
    Some((now - t.with_timezone(&Utc)).num_seconds() as f64 / 3600.0)
}

pub fn build(
    records: &[LogRecord],
    marks: &Watermarks,
    freshness: &Freshness,
    now: DateTime<Utc>,
    log_problems: Vec<String>,
) -> Report {
    let status_is = |r: &&LogRecord, s: &str| r.status == s;
    let scores: Vec<f64> = records.iter().filter_map(|r| r.score).collect();
    let (average_score, min_score, max_score) = stats(&scores);

    // Latest result per file (records are sorted by time).
    let mut latest: BTreeMap<&str, &LogRecord> = BTreeMap::new();
    for r in records {
        latest.insert(&r.path, r);
    }
    let latest_scores: Vec<f64> = latest.values().filter_map(|r| r.score).collect();
    let l_passed = latest.values().filter(|r| status_is(r, "PASSED")).count();
    let l_failed = latest.values().filter(|r| status_is(r, "FAILED")).count();
    let l_errors = latest.values().filter(|r| status_is(r, "ERROR")).count();
    let judged = l_passed + l_failed + l_errors;
    let summary = Summary {
        total_validations: records.len(),
        passed: records.iter().filter(|r| r.status == "PASSED").count(),
        failed: records.iter().filter(|r| r.status == "FAILED").count(),
        errors: records.iter().filter(|r| r.status == "ERROR").count(),
        skipped_no_config: records
            .iter()
            .filter(|r| r.status == "SKIPPED_NO_CONFIG")
            .count(),
        average_score,
        min_score,
        max_score,
        latest: LatestSummary {
            files: latest.len(),
            passed: l_passed,
            failed: l_failed,
            errors: l_errors,
            skipped_no_config: latest
                .values()
                .filter(|r| status_is(r, "SKIPPED_NO_CONFIG"))
                .count(),
            pass_rate: (judged > 0).then(|| round2(l_passed as f64 / judged as f64 * 100.0)),
            average_score: stats(&latest_scores).0,
        },
    };
    let latest_results: Vec<FileLine> = latest.values().map(|r| file_line(r)).collect();
    let failed_files: Vec<FileLine> = latest_results
        .iter()
        .filter(|l| l.status == "FAILED" || l.status == "ERROR")
        .cloned()
        .collect();
    let passed_files: Vec<FileLine> = latest_results
        .iter()
        .filter(|l| l.status == "PASSED")
        .cloned()
        .collect();

    let failures = || {
        records
            .iter()
            .flat_map(|r| r.details.failures.iter().map(move |f| (r, f)))
    };
    let failure_analysis = FailureAnalysis {
        by_expectation: counts(failures().map(|(_, f)| f.expectation.clone())),
        by_column: counts(failures().filter_map(|(_, f)| f.column.clone())),
        by_severity: counts(failures().map(|(_, f)| f.severity.clone())),
        by_table: counts(
            records
                .iter()
                .filter(|r| r.status == "FAILED" || r.status == "ERROR")
                .map(table_of_record),
        ),
        by_expectation_and_column: counts(failures().map(|(_, f)| {
            format!(
                "{}|{}",
                f.expectation,
                f.column.clone().unwrap_or_else(|| "(table)".into())
            )
        })),
    };

    let validated: Vec<&LogRecord> = records.iter().filter(|r| r.rows.is_some()).collect();
    let mut durations: Vec<u64> = validated.iter().map(|r| r.duration_ms).collect();
    durations.sort_unstable();
    let total_ms: u64 = durations.iter().sum();
    let total_rows: u64 = validated.iter().filter_map(|r| r.rows).sum();
    let pick = |q: f64| {
        durations
            .get(((durations.len() as f64 - 1.0) * q).round() as usize)
            .copied()
    };
    let mut slowest: Vec<FileDuration> = validated
        .iter()
        .map(|r| FileDuration {
            path: r.path.clone(),
            duration_ms: r.duration_ms,
            rows: r.rows,
        })
        .collect();
    slowest.sort_by_key(|d| std::cmp::Reverse(d.duration_ms));
    slowest.truncate(10);
    let secs = total_ms as f64 / 1000.0;
    let performance = Performance {
        validations: validated.len(),
        total_rows,
        total_bytes: validated.iter().map(|r| r.bytes).sum(),
        total_duration_ms: total_ms,
        rows_per_second: (secs > 0.0).then(|| (total_rows as f64 / secs).round()),
        files_per_minute: (secs > 0.0).then(|| round2(validated.len() as f64 / (secs / 60.0))),
        mean_duration_ms: (!durations.is_empty())
            .then(|| round2(total_ms as f64 / durations.len() as f64)),
        p50_duration_ms: pick(0.5),
        p95_duration_ms: pick(0.95),
        max_duration_ms: durations.last().copied(),
        slowest,
    };

    let mut days: BTreeMap<String, Vec<&LogRecord>> = BTreeMap::new();
    for r in records {
        days.entry(r.timestamp.chars().take(10).collect())
            .or_default()
            .push(r);
    }
    let daily_trends = days
        .into_iter()
        .map(|(date, rs)| {
            let passed = rs.iter().filter(|r| r.status == "PASSED").count();
            let failed = rs.iter().filter(|r| r.status == "FAILED").count();
            let errors = rs.iter().filter(|r| r.status == "ERROR").count();
            let judged = passed + failed + errors;
            let scores: Vec<f64> = rs.iter().filter_map(|r| r.score).collect();
            DayTrend {
                date,
                validations: rs.len(),
                passed,
                failed,
                errors,
                pass_rate: (judged > 0).then(|| round2(passed as f64 / judged as f64 * 100.0)),
                average_score: stats(&scores).0,
            }
        })
        .collect();

    let mut runs: BTreeMap<String, RunLine> = BTreeMap::new();
    for r in records {
        let line = runs.entry(r.run_id.clone()).or_insert_with(|| RunLine {
            run_id: r.run_id.clone(),
            started: r.timestamp.clone(),
            files: 0,
            passed: 0,
            failed: 0,
            errors: 0,
        });
        line.files += 1;
        match r.status.as_str() {
            "PASSED" => line.passed += 1,
            "FAILED" => line.failed += 1,
            "ERROR" => line.errors += 1,
            _ => {}
        }
    }
    let runs: Vec<RunLine> = runs.into_values().collect();

    // Freshness per table, from the newest watermark of its files.
    let mut tables: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut wm = WatermarkStatus {
        files_tracked: marks.files.len(),
        ..Default::default()
    };
    for (key, mark) in &marks.files {
        *wm.by_status
            .entry(mark.status.clone().unwrap_or_else(|| "UNKNOWN".into()))
            .or_default() += 1;
        if wm.oldest.as_ref().is_none_or(|o| &mark.processed_at < o) {
            wm.oldest = Some(mark.processed_at.clone());
        }
        if wm.newest.as_ref().is_none_or(|n| &mark.processed_at > n) {
            wm.newest = Some(mark.processed_at.clone());
        }
        let slot = tables
            .entry(table_of(key))
            .or_insert((mark.processed_at.clone(), 0));
        slot.1 += 1;
        if mark.processed_at > slot.0 {
            slot.0 = mark.processed_at.clone();
        }
    }
    let freshness: Vec<TableFreshness> = tables
        .into_iter()
        .map(|(table, (last, files))| {
            let age = age_hours(&last, now).unwrap_or(f64::INFINITY);
            let state = if age > freshness.stale_hours {
                "stale"
            } else if age > freshness.notice_hours {
                "notice"
            } else {
                "fresh"
            };
            TableFreshness {
                table,
                last_processed: last,
                age_hours: if age.is_finite() { round2(age) } else { -1.0 },
                state: state.into(),
                files,
            }
        })
        .collect();

    let alerts = alerts(&runs, records, &freshness, &crate::util::rfc3339(now));
    Report {
        report_generated_at: rfc3339(now),
        summary,
        failed_files,
        passed_files,
        latest_results,
        watermarks: wm,
        freshness,
        failure_analysis,
        performance,
        daily_trends,
        runs,
        alerts,
        log_problems,
    }
}

/// Alert payloads: what the latest run quarantined or could not read,
/// stale tables, and tables whose score dropped.
fn alerts(
    runs: &[RunLine],
    records: &[LogRecord],
    freshness: &[TableFreshness],
    now: &str,
) -> Vec<Alert> {
    let mut out = Vec::new();
    if let Some(last) = runs.iter().max_by(|a, b| a.started.cmp(&b.started)) {
        for r in records.iter().filter(|r| r.run_id == last.run_id) {
            let reason = r
                .details
                .error
                .clone()
                .or_else(|| r.details.threshold_failures.first().cloned())
                .unwrap_or_default();
            match r.status.as_str() {
                "FAILED" => out.push(Alert {
                    kind: "quarantine".into(),
                    severity: "warning".into(),
                    subject: r.path.clone(),
                    message: format!(
                        "{} failed validation (score {}) and was {}: {}",
                        r.path,
                        r.score
                            .map(|s| format!("{s:.2}"))
                            .unwrap_or_else(|| "-".into()),
                        r.action,
                        reason
                    ),
                    items: Vec::new(),
                    at: now.to_string(),
                }),
                "ERROR" => out.push(Alert {
                    kind: "error".into(),
                    severity: "critical".into(),
                    subject: r.path.clone(),
                    message: format!(
                        "{} could not be processed ({}): {}",
                        r.path, r.action, reason
                    ),
                    items: Vec::new(),
                    at: now.to_string(),
                }),
                _ => {}
            }
        }
    }
    for f in freshness {
        if f.state == "stale" || f.state == "notice" {
            out.push(Alert {
                kind: f.state.clone(),
                severity: if f.state == "stale" {
                    "warning"
                } else {
                    "info"
                }
                .into(),
                subject: f.table.clone(),
                message: format!(
                    "{}: no file processed for {:.1} h (last {})",
                    f.table, f.age_hours, f.last_processed
                ),
                items: Vec::new(),
                at: now.to_string(),
            });
        }
    }
    // A table whose latest score fell 10 points or more below its previous one.
    let mut by_table: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in records {
        if let Some(s) = r.score {
            by_table.entry(table_of_record(r)).or_default().push(s);
        }
    }
    for (table, scores) in by_table {
        if let [.., prev, last] = scores.as_slice() {
            if prev - last >= 10.0 {
                out.push(Alert {
                    kind: "score_drop".into(),
                    severity: "warning".into(),
                    subject: table.clone(),
                    message: format!("{table}: score fell from {prev:.1} to {last:.1}"),
                    items: Vec::new(),
                    at: now.to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Lineage, LogDetails, LogFailure, Watermark};
    use chrono::TimeZone;

    fn record(path: &str, status: &str, score: Option<f64>, ts: &str, run: &str) -> LogRecord {
        LogRecord {
            timestamp: ts.into(),
            run_id: run.into(),
            file: path.into(),
            path: path.into(),
            status: status.into(),
            score,
            threshold: Some(100.0),
            rows: score.map(|_| 1000),
            bytes: 10,
            duration_ms: 500,
            suite: None,
            table: None,
            details: LogDetails {
                failed_count: usize::from(status == "FAILED"),
                failures: if status == "FAILED" {
                    vec![LogFailure {
                        expectation: "expect_column_values_to_be_unique".into(),
                        column: Some("ID".into()),
                        severity: "critical".into(),
                        details: "2 unexpected".into(),
                    }]
                } else {
                    vec![]
                },
                threshold_failures: vec![],
                error: None,
            },
            action: "watermarked".into(),
            lineage: Lineage {
                source_path: path.into(),
                config_path: None,
                etag: None,
                file_size_bytes: 10,
                modification_time: ts.into(),
                host: "h".into(),
            },
        }
    }

    fn mark(ts: &str) -> Watermark {
        Watermark {
            etag: None,
            size: Some(1),
            last_modified: None,
            processed_at: ts.into(),
            status: Some("PASSED".into()),
            score: Some(100.0),
            run_id: None,
        }
    }

    #[test]
    fn latest_result_per_file_freshness_and_alerts() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let records = vec![
            record(
                "a.parquet",
                "PASSED",
                Some(100.0),
                "2026-03-01T10:00:00Z",
                "r1",
            ),
            record(
                "b.parquet",
                "FAILED",
                Some(80.0),
                "2026-03-01T10:00:00Z",
                "r1",
            ),
            record(
                "a.parquet",
                "FAILED",
                Some(85.0),
                "2026-03-02T10:00:00Z",
                "r2",
            ),
        ];
        let mut marks = Watermarks::default();
        marks
            .files
            .insert("a.parquet".into(), mark("2026-03-02T10:00:00Z")); // 2 h old
        marks
            .files
            .insert("b.parquet".into(), mark("2026-03-01T22:00:00Z")); // 14 h old
        marks
            .files
            .insert("c.parquet".into(), mark("2026-02-28T12:00:00Z")); // 48 h old
        let r = build(&records, &marks, &Freshness::default(), now, vec![]);
        assert_eq!(r.summary.total_validations, 3);
        assert_eq!(r.summary.latest.files, 2);
        assert_eq!(r.summary.latest.failed, 2, "a's latest result is FAILED");
        assert_eq!(r.summary.min_score, Some(80.0));
        assert_eq!(r.failed_files.len(), 2);
        let states: Vec<(&str, &str)> = r
            .freshness
            .iter()
            .map(|f| (f.table.as_str(), f.state.as_str()))
            .collect();
        assert_eq!(
            states,
            vec![("a", "fresh"), ("b", "notice"), ("c", "stale")]
        );
        assert_eq!(r.daily_trends.len(), 2);
        assert_eq!(r.daily_trends[0].pass_rate, Some(50.0));
        assert_eq!(r.failure_analysis.by_column[0].key, "ID");
        assert_eq!(r.failure_analysis.by_column[0].count, 2);
        let kinds: Vec<&str> = r.alerts.iter().map(|a| a.kind.as_str()).collect();
        // Only the latest run's quarantine, the two freshness states, and a's 15-point drop.
        assert_eq!(kinds, vec!["quarantine", "notice", "stale", "score_drop"]);
        assert_eq!(r.performance.rows_per_second, Some(2000.0));
    }
}
