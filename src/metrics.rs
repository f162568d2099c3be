//! Prometheus metrics of a stage's run, in the text exposition format:
//! pushed to a Pushgateway (grouped by job, stage and shard) and/or written
//! to a file for node_exporter's textfile collector. A gateway that is down
//! only warns. Per-table series exist only for freshness (one per table).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::alert::Deliveries;
use crate::config::MetricsSettings;
use crate::ingest::IngestSummary;
use crate::monitor::Report;

/// The Pushgateway job every stage pushes under, unless `metrics.job` says otherwise.
pub const JOB: &str = "aims-dq";

/// Type of the stages published by this process, for the metrics file.
type StageFamilies = (&'static str, Vec<(&'static str, Family)>);

/// The stages this process has published (run-all runs three).
static RAN: std::sync::Mutex<Vec<StageFamilies>> = std::sync::Mutex::new(Vec::new());

#[derive(Clone)]
struct Family {
    help: &'static str,
    kind: &'static str,
    samples: Vec<(Vec<(String, String)>, f64)>,
}

/// One stage's metrics.
pub struct Metrics {
    stage: &'static str,
    shard: Option<String>,
    families: BTreeMap<&'static str, Family>,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn new(stage: &'static str, shard: Option<String>) -> Metrics {
        Metrics {
            stage,
            shard,
            families: BTreeMap::new(),
        }
    }

    /// Adds a sample; the `stage` label is added to every one.
    pub fn add(
        &mut self,
        name: &'static str,
        kind: &'static str,
        help: &'static str,
        labels: &[(&str, &str)],
        value: f64,
    ) {
        let mut l: Vec<(String, String)> = vec![("stage".into(), self.stage.into())];
        l.extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.families
            .entry(name)
            .or_insert_with(|| Family {
                help,
                kind,
                samples: Vec::new(),
            })
            .samples
            .push((l, value));
    }

    /// The run's common series: duration, outcome, last success, alert deliveries.
    pub fn add_run(&mut self, seconds: f64, success: bool, deliveries: &Deliveries) {
        self.add(
            "dq_stage_duration_seconds",
            "gauge",
            "Wall time of the stage's last run.",
            &[],
            seconds,
        );
        self.add(
            "dq_run_success",
            "gauge",
            "1 when the stage's last run succeeded, 0 when it failed.",
            &[],
            if success { 1.0 } else { 0.0 },
        );
        let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        self.add(
            "dq_last_run_timestamp_seconds",
            "gauge",
            "When the stage last ran (Unix time).",
            &[],
            now,
        );
        if success {
            self.add(
                "dq_last_success_timestamp_seconds",
                "gauge",
                "When the stage last succeeded (Unix time).",
                &[],
                now,
            );
        }
        for channel in ["slack", "teams", "webhook"] {
            let sent = deliveries.sent.get(channel).copied().unwrap_or(0);
            let failed = deliveries.failed.get(channel).copied().unwrap_or(0);
            self.add(
                "dq_alert_deliveries_total",
                "counter",
                "Alerts delivered in the last run, by channel.",
                &[("channel", channel)],
                sent as f64,
            );
            self.add(
                "dq_alert_failures_total",
                "counter",
                "Alerts that could not be delivered in the last run, by channel.",
                &[("channel", channel)],
                failed as f64,
            );
        }
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (name, f) in &self.families {
            let _ = writeln!(out, "# HELP {name} {}", f.help);
            let _ = writeln!(out, "# TYPE {name} {}", f.kind);
            for (labels, value) in &f.samples {
                let l: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                let _ = writeln!(out, "{name}{{{}}} {value}", l.join(","));
            }
        }
        out
    }

    /// Pushes to the gateway and writes the file, as configured; failures
    /// are warnings (the run's outcome does not depend on them). The file
    /// holds every stage this process ran (all three for `run-all`).
    pub async fn publish(&self, settings: &MetricsSettings, dry_run: bool) {
        if dry_run {
            return;
        }
        let text = self.encode();
        if let Some(path) = &settings.file {
            let all = {
                let mut ran = RAN.lock().unwrap_or_else(|e| e.into_inner());
                ran.retain(|(stage, _)| *stage != self.stage);
                ran.push((
                    self.stage,
                    self.families.iter().map(|(k, f)| (*k, f.clone())).collect(),
                ));
                let mut merged = Metrics::new(self.stage, self.shard.clone());
                for (_, families) in ran.iter() {
                    for (name, f) in families {
                        let entry = merged.families.entry(name).or_insert_with(|| Family {
                            help: f.help,
                            kind: f.kind,
                            samples: Vec::new(),
                        });
                        entry.samples.extend(f.samples.iter().cloned());
                    }
                }
                merged.encode()
            };
            if let Err(e) = crate::util::write_local_atomic(path, &all) {
                tracing::warn!("could not write metrics to {path}: {e}");
            }
        }
        if let Some(gateway) = &settings.pushgateway_url {
            let job = settings.job.as_deref().unwrap_or(JOB);
            if let Err(e) = self.push(gateway, job, text).await {
                tracing::warn!(
                    "could not push metrics to {}: {e}",
                    crate::util::redact_url(gateway)
                );
            }
        }
    }

    /// The group's URL: job, stage and shard (`all` when not sharded).
    pub fn group_path(&self, job: &str) -> String {
        format!(
            "/metrics/job/{job}/stage/{}/shard/{}",
            self.stage,
            self.shard.as_deref().unwrap_or("all")
        )
    }

    async fn push(&self, gateway: &str, job: &str, text: String) -> Result<(), String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.without_url().to_string())?;
        // POST replaces only the series pushed now, so the last success time
        // survives a failed run.
        let url = format!("{}{}", gateway.trim_end_matches('/'), self.group_path(job));
        let resp = client
            .post(url)
            .header("content-type", "text/plain; version=0.0.4")
            .body(text)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("the gateway answered {}", resp.status()))
        }
    }
}

/// Ingest: files by status, failed expectations by severity and type, rows
/// and bytes validated.
pub fn ingest(summary: &IngestSummary, shard: Option<String>) -> Metrics {
    let mut m = Metrics::new("ingest", shard);
    let mut by_status: BTreeMap<&str, u64> = ["PASSED", "FAILED", "ERROR", "SKIPPED_NO_CONFIG"]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
    let mut failed: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut bytes = 0u64;
    for o in &summary.outcomes {
        *by_status.entry(o.status.as_str()).or_default() += 1;
        if let Some(v) = &o.validation {
            bytes += o.entry.size;
            for f in v.failures() {
                *failed
                    .entry((f.severity.as_str().to_string(), f.expectation_type.clone()))
                    .or_default() += 1;
            }
        }
    }
    for (status, n) in by_status {
        m.add(
            "dq_files_total",
            "counter",
            "Files handled in the last run, by status.",
            &[("status", status)],
            n as f64,
        );
    }
    m.add(
        "dq_files_quarantined_total",
        "counter",
        "Files moved to quarantine in the last run.",
        &[],
        summary.quarantined() as f64,
    );
    for ((severity, ty), n) in &failed {
        m.add(
            "dq_expectations_failed_total",
            "counter",
            "Failed expectations in the last run, by severity and type.",
            &[("severity", severity), ("type", ty)],
            *n as f64,
        );
    }
    m.add(
        "dq_rows_validated_total",
        "counter",
        "Rows validated in the last run.",
        &[],
        summary.rows() as f64,
    );
    m.add(
        "dq_bytes_validated_total",
        "counter",
        "Bytes of the files validated in the last run.",
        &[],
        bytes as f64,
    );
    m.add(
        "dq_state_errors_total",
        "counter",
        "State writes that failed in the last run.",
        &[],
        summary.state_errors.len() as f64,
    );
    m
}

/// Monitor: freshness per table and the latest status of the files.
pub fn monitor(report: &Report) -> Metrics {
    let mut m = Metrics::new("monitor", None);
    for f in &report.freshness {
        m.add(
            "dq_freshness_age_seconds",
            "gauge",
            "Time since a file of the table was last processed.",
            &[("table", &f.table), ("state", &f.state)],
            f.age_hours * 3600.0,
        );
    }
    let l = &report.summary.latest;
    for (status, n) in [
        ("PASSED", l.passed),
        ("FAILED", l.failed),
        ("ERROR", l.errors),
    ] {
        m.add(
            "dq_latest_files",
            "gauge",
            "Files by the status of their latest validation.",
            &[("status", status)],
            n as f64,
        );
    }
    m
}
