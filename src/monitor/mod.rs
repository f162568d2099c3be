//! The monitor stage: reads watermarks and every dq log segment and builds
//! the operational view — summary, failure analysis, performance, daily
//! trends, freshness and alert payloads — written as
//! `reports/dq_report_<ts>.json` and printed as a readable summary.
//!
//! Alerts for stale tables and falling scores are sent from here; the
//! stage's metrics are published by the caller (`metrics::monitor`).

pub mod dashboard;
mod print;
pub mod report;

pub use print::print_summary;
pub use report::{build, Report};

use crate::config::Settings;
use crate::roots::Roots;

#[derive(Debug, Clone, Default)]
pub struct MonitorOptions {
    pub dry_run: bool,
}

pub struct MonitorOutcome {
    pub report: Report,
    /// Freshness and anomaly alerts delivered.
    pub deliveries: crate::alert::Deliveries,
    /// Where the report was written (None in a dry run).
    pub report_key: Option<String>,
    /// Where the HTML dashboard was written (None in a dry run).
    pub dashboard_key: Option<String>,
}

pub async fn run(
    settings: &Settings,
    roots: &Roots,
    opts: &MonitorOptions,
) -> anyhow::Result<MonitorOutcome> {
    let marks = roots.state.watermarks().await?;
    let (records, problems) = roots.state.read_logs().await?;
    for p in &problems {
        tracing::warn!(
            stage = "monitor",
            "skipped a log line that does not parse: {p}"
        );
    }
    let now = chrono::Utc::now();
    let report = build(&records, &marks, &settings.freshness, now, problems);
    let (report_key, dashboard_key) = if opts.dry_run {
        (None, None)
    } else {
        let stamp = now.format("%Y%m%d_%H%M%S");
        let report_key = roots
            .state
            .write_report(&format!("dq_report_{stamp}.json"), &report)
            .await?;
        let html = dashboard::render(&report);
        let dashboard_key = roots
            .state
            .write_dashboard(&format!("dq_dashboard_{stamp}.html"), html)
            .await?;
        (Some(report_key), Some(dashboard_key))
    };
    // Per-file alerts went out with their ingest run; monitor tells of
    // tables going stale and scores falling.
    let due: Vec<crate::alert::Alert> = report
        .alerts
        .iter()
        .filter(|a| matches!(a.kind.as_str(), "stale" | "notice" | "score_drop"))
        .cloned()
        .collect();
    let deliveries =
        crate::alert::deliver(&settings.alerts, &roots.state, &due, opts.dry_run).await;
    Ok(MonitorOutcome {
        report,
        report_key,
        dashboard_key,
        deliveries,
    })
}
