//! The monitor stage: reads watermarks and every dq log segment and builds
//! the operational view — summary, failure analysis, performance, daily
//! trends, freshness and alert payloads — written as
//! `reports/dq_report_<ts>.json` and printed as a readable summary.
//!
//! Outputs built on the report (HTML dashboard, webhook delivery,
//! Prometheus metrics) plug in after `build` in `run`.

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
    /// Where the report was written (None in a dry run).
    pub report_key: Option<String>,
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
    let report_key = if opts.dry_run {
        None
    } else {
        let name = format!("dq_report_{}.json", now.format("%Y%m%d_%H%M%S"));
        Some(roots.state.write_report(&name, &report).await?)
    };
    Ok(MonitorOutcome { report, report_key })
}
