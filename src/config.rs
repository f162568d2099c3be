//! Pipeline configuration: defaults, then `configs/pipeline.yaml` (or
//! `--config`), then `AIMS_DQ_*` environment variables, then flags.
//! Flags and environment variables are read by clap (see `cli`); this module
//! holds the file format and the merge.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::error::config_err;

/// Where the default configuration file lives, relative to the working directory.
pub const DEFAULT_CONFIG_PATH: &str = "configs/pipeline.yaml";

/// What happens to a file that passes its gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OnPass {
    /// Leave it in bronze, record the watermark.
    #[default]
    None,
    /// Copy it to the silver root as well.
    Copy,
    /// Move it to the silver root.
    Move,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human text on a terminal, JSON lines otherwise.
    #[default]
    Auto,
    Text,
    Json,
}

/// Freshness rules of the monitor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Freshness {
    /// A table whose newest file was processed longer ago than this is stale.
    pub stale_hours: f64,
    /// ... and gets a notice after this many hours.
    pub notice_hours: f64,
}

impl Default for Freshness {
    fn default() -> Self {
        Self {
            stale_hours: 24.0,
            notice_hours: 12.0,
        }
    }
}

/// Rule-making settings of the profiler.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileSettings {
    /// A column with at most this many distinct values gets a value-set rule.
    pub max_set_size: usize,
    /// A typed-string regex rule is written when at least this share of the
    /// present (non-sentinel) values match it.
    pub min_pattern_share: f64,
    /// Distinct values tracked per column before giving up on uniqueness.
    pub max_distinct_tracked: usize,
}

impl Default for ProfileSettings {
    fn default() -> Self {
        Self {
            max_set_size: 10,
            min_pattern_share: 0.95,
            max_distinct_tracked: 2_000_000,
        }
    }
}

/// Per-file guards: what one file may cost before it gets a clear outcome
/// instead of the run's time or memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Longest a file may take to validate (0 = no limit). A file that hits
    /// it is logged as ERROR and left in place.
    pub file_timeout_seconds: f64,
    /// Distinct values a uniqueness or distinct-value check may count
    /// (0 = no limit; uniqueness memory is bounded by `unique_memory_mb`).
    /// Past it the check fails with a message.
    pub unique_max_values: u64,
    /// Memory (MiB) a uniqueness check's values may take. A larger file is
    /// checked in several passes over the check's columns, each holding one
    /// hash partition of the values: exact, and bounded.
    pub unique_memory_mb: u64,
    /// Longest single value (bytes) a check examines. A longer value makes
    /// the check fail with a message naming the row.
    pub max_value_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            file_timeout_seconds: 3600.0,
            unique_max_values: 0,
            unique_memory_mb: 128,
            max_value_bytes: 64 * 1024 * 1024,
        }
    }
}

/// How object stores (S3, Azure, GCS) are reached. Each request is retried
/// with exponential backoff on 5xx, throttling, timeouts and dropped
/// connections; a file whose reads still fail is an ERROR left in place
/// (and retried `retries` times more per run first).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Storage {
    /// Retries of one request.
    pub request_retries: usize,
    /// No retry of a request starts later than this after its first attempt.
    pub retry_timeout_seconds: f64,
    /// Longest one request may take.
    pub timeout_seconds: f64,
    /// Longest a connection may take to open.
    pub connect_timeout_seconds: f64,
}

impl Default for Storage {
    fn default() -> Self {
        Self {
            request_retries: 10,
            retry_timeout_seconds: 180.0,
            timeout_seconds: 60.0,
            connect_timeout_seconds: 10.0,
        }
    }
}

/// Where alerts go. Webhook URLs and the signing secret are credentials:
/// prefer the environment (`AIMS_DQ_SLACK_WEBHOOK_URL`,
/// `AIMS_DQ_TEAMS_WEBHOOK_URL`, `AIMS_DQ_WEBHOOK_URL`,
/// `AIMS_DQ_WEBHOOK_SECRET`, which win over the file); they are never logged.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    #[serde(skip_serializing)]
    pub slack_webhook_url: Option<String>,
    #[serde(skip_serializing)]
    pub teams_webhook_url: Option<String>,
    /// `adaptive` (Teams Workflows webhook) or `messagecard` (legacy connector).
    pub teams_format: TeamsFormat,
    /// A receiver of plain JSON.
    #[serde(skip_serializing)]
    pub webhook_url: Option<String>,
    /// When set, the JSON body's HMAC-SHA256 goes in `X-AIMS-DQ-Signature: sha256=<hex>`.
    #[serde(skip_serializing)]
    pub webhook_secret: Option<String>,
    /// An unchanged condition (same kind and subject) is not sent again within this.
    pub repeat_after_hours: f64,
    pub timeout_seconds: f64,
    /// Retries on 429, 5xx, timeouts and connection errors, with doubling backoff.
    pub retries: u32,
    pub retry_backoff_seconds: f64,
}

impl std::fmt::Debug for AlertSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |o: &Option<String>| if o.is_some() { "set" } else { "unset" };
        f.debug_struct("AlertSettings")
            .field("slack_webhook_url", &set(&self.slack_webhook_url))
            .field("teams_webhook_url", &set(&self.teams_webhook_url))
            .field("webhook_url", &set(&self.webhook_url))
            .field("webhook_secret", &set(&self.webhook_secret))
            .field("repeat_after_hours", &self.repeat_after_hours)
            .finish_non_exhaustive()
    }
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            slack_webhook_url: None,
            teams_webhook_url: None,
            teams_format: TeamsFormat::Adaptive,
            webhook_url: None,
            webhook_secret: None,
            repeat_after_hours: 24.0,
            timeout_seconds: 10.0,
            retries: 3,
            retry_backoff_seconds: 1.0,
        }
    }
}

impl AlertSettings {
    /// The environment wins over the file for the URLs and the secret.
    fn with_env(mut self) -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        self.slack_webhook_url = env("AIMS_DQ_SLACK_WEBHOOK_URL").or(self.slack_webhook_url);
        self.teams_webhook_url = env("AIMS_DQ_TEAMS_WEBHOOK_URL").or(self.teams_webhook_url);
        self.webhook_url = env("AIMS_DQ_WEBHOOK_URL").or(self.webhook_url);
        self.webhook_secret = env("AIMS_DQ_WEBHOOK_SECRET").or(self.webhook_secret);
        self
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TeamsFormat {
    #[default]
    Adaptive,
    Messagecard,
}

/// Where metrics go: a Pushgateway, and/or a file for node_exporter's
/// textfile collector.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// e.g. `http://pushgateway:9091` (`AIMS_DQ_PUSHGATEWAY_URL` wins).
    pub pushgateway_url: Option<String>,
    /// Written after each stage (`--metrics-file`, `AIMS_DQ_METRICS_FILE` win).
    pub file: Option<String>,
    /// The Pushgateway job (default `aims-dq`); one per environment, say.
    pub job: Option<String>,
}

/// The configuration file as written by users. Every key is optional; an
/// unknown key is an error so that typos do not silently fall back to defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub bronze: Option<String>,
    pub suites: Option<String>,
    pub state: Option<String>,
    pub quarantine: Option<String>,
    pub silver: Option<String>,
    pub workers: Option<usize>,
    pub threshold: Option<f64>,
    pub on_pass: Option<OnPass>,
    pub sample_rows: Option<u64>,
    pub sample_data: Option<bool>,
    pub fail_on_quarantine: Option<bool>,
    pub log_format: Option<LogFormat>,
    pub retries: Option<u32>,
    pub sentinels: Option<Vec<String>>,
    /// Explicit file → suite mapping: key is a path relative to bronze (or its
    /// stem), value the suite's table name (`<table>_validation.yml`).
    pub suite_map: BTreeMap<String, String>,
    pub freshness: Option<Freshness>,
    pub profile: Option<ProfileSettings>,
    pub limits: Option<Limits>,
    pub storage: Option<Storage>,
    pub alerts: Option<AlertSettings>,
    pub metrics: Option<MetricsSettings>,
}

/// Values given on the command line or in `AIMS_DQ_*` variables.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub bronze: Option<String>,
    pub suites: Option<String>,
    pub state: Option<String>,
    pub quarantine: Option<String>,
    pub silver: Option<String>,
    pub workers: Option<usize>,
    pub threshold: Option<f64>,
    pub on_pass: Option<OnPass>,
    pub sample_rows: Option<u64>,
    pub fail_on_quarantine: bool,
    pub log_format: Option<LogFormat>,
    pub metrics_file: Option<String>,
}

/// The resolved settings every stage runs with.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub bronze: String,
    pub suites: String,
    pub state: String,
    pub quarantine: String,
    pub silver: String,
    pub workers: usize,
    /// Global score threshold from flag/env/file; the suite's own threshold
    /// applies only when this is `None` (DESIGN §5).
    pub threshold_override: Option<f64>,
    /// The file's threshold, used when neither flag nor suite sets one.
    pub default_threshold: f64,
    pub on_pass: OnPass,
    pub sample_rows: u64,
    pub sample_data: bool,
    pub fail_on_quarantine: bool,
    pub log_format: LogFormat,
    pub retries: u32,
    pub sentinels: Vec<String>,
    pub suite_map: BTreeMap<String, String>,
    pub freshness: Freshness,
    pub profile: ProfileSettings,
    pub limits: Limits,
    pub storage: Storage,
    pub alerts: AlertSettings,
    pub metrics: MetricsSettings,
}

/// Strings the real bronze data uses for a missing value.
pub fn default_sentinels() -> Vec<String> {
    ["None", "NaT", "nan", "NaN", "null", "NULL", "", " ", " - "]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

impl FileConfig {
    /// Reads a configuration file. `explicit` says whether the user named it:
    /// a missing default file means "all defaults", a missing named one is an error.
    pub fn load(path: &Path, explicit: bool) -> anyhow::Result<FileConfig> {
        if !path.exists() {
            if explicit {
                return Err(config_err(format!(
                    "configuration file {} does not exist; pass --config with an existing file or unset AIMS_DQ_CONFIG",
                    path.display()
                )));
            }
            return Ok(FileConfig::default());
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading configuration file {}", path.display()))?;
        Self::parse(&text)
            .map_err(|e| config_err(format!("configuration file {}: {e}", path.display())))
    }

    pub fn parse(text: &str) -> Result<FileConfig, String> {
        if text.trim().is_empty() {
            return Ok(FileConfig::default());
        }
        serde_yaml_ng::from_str(text).map_err(|e| e.to_string())
    }
}

impl Settings {
    pub fn resolve(file: FileConfig, over: Overrides) -> anyhow::Result<Settings> {
        let threshold_override = over.threshold.or(file.threshold);
        if let Some(t) = threshold_override {
            if !(0.0..=100.0).contains(&t) {
                return Err(config_err(format!(
                    "threshold {t} is out of range; give a percentage from 0 to 100"
                )));
            }
        }
        let workers = over.workers.or(file.workers).unwrap_or(4);
        if workers == 0 {
            return Err(config_err("workers must be at least 1"));
        }
        Ok(Settings {
            bronze: over
                .bronze
                .or(file.bronze)
                .unwrap_or_else(|| "data/bronze".into()),
            suites: over
                .suites
                .or(file.suites)
                .unwrap_or_else(|| "configs/suites".into()),
            state: over
                .state
                .or(file.state)
                .unwrap_or_else(|| "data/state".into()),
            quarantine: over
                .quarantine
                .or(file.quarantine)
                .unwrap_or_else(|| "data/quarantine".into()),
            silver: over
                .silver
                .or(file.silver)
                .unwrap_or_else(|| "data/silver".into()),
            workers,
            // A threshold from the flag or env wins over every suite's own;
            // one from the file is only the fallback (DESIGN §5).
            threshold_override: over.threshold,
            default_threshold: file.threshold.unwrap_or(100.0),
            on_pass: over.on_pass.or(file.on_pass).unwrap_or_default(),
            sample_rows: over.sample_rows.or(file.sample_rows).unwrap_or(100_000),
            sample_data: file.sample_data.unwrap_or(false),
            fail_on_quarantine: over.fail_on_quarantine || file.fail_on_quarantine.unwrap_or(false),
            log_format: over.log_format.or(file.log_format).unwrap_or_default(),
            retries: file.retries.unwrap_or(3),
            sentinels: file.sentinels.unwrap_or_else(default_sentinels),
            suite_map: file.suite_map,
            freshness: file.freshness.unwrap_or_default(),
            profile: file.profile.unwrap_or_default(),
            limits: file.limits.unwrap_or_default(),
            storage: file.storage.unwrap_or_default(),
            alerts: file.alerts.unwrap_or_default().with_env(),
            metrics: {
                let mut m = file.metrics.unwrap_or_default();
                let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
                m.pushgateway_url = env("AIMS_DQ_PUSHGATEWAY_URL").or(m.pushgateway_url);
                m.file = over.metrics_file.clone().or(m.file);
                m
            },
        })
    }

    /// The threshold a suite is gated with: flag/env, else the suite's own,
    /// else the configuration file's, else 100.
    pub fn threshold_for(&self, suite_threshold: Option<f64>) -> f64 {
        self.threshold_override
            .or(suite_threshold)
            .unwrap_or(self.default_threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let err = FileConfig::parse("bronze: x\nworkerz: 3\n").unwrap_err();
        assert!(err.contains("workerz"), "{err}");
    }

    #[test]
    fn flags_win_over_file_and_file_over_defaults() {
        let file = FileConfig::parse("bronze: from-file\nworkers: 7\nthreshold: 90\n").unwrap();
        let over = Overrides {
            bronze: Some("from-flag".into()),
            ..Default::default()
        };
        let s = Settings::resolve(file, over).unwrap();
        assert_eq!(s.bronze, "from-flag");
        assert_eq!(s.workers, 7);
        assert_eq!(s.state, "data/state");
        assert_eq!(s.threshold_for(Some(80.0)), 80.0);
        assert_eq!(s.threshold_for(None), 90.0);
    }

    #[test]
    fn flag_threshold_beats_suite_threshold() {
        let over = Overrides {
            threshold: Some(50.0),
            ..Default::default()
        };
        let s = Settings::resolve(FileConfig::default(), over).unwrap();
        assert_eq!(s.threshold_for(Some(99.0)), 50.0);
        assert_eq!(
            Settings::resolve(FileConfig::default(), Overrides::default())
                .unwrap()
                .threshold_for(None),
            100.0
        );
    }

    #[test]
    fn threshold_out_of_range_is_a_config_error() {
        let over = Overrides {
            threshold: Some(120.0),
            ..Default::default()
        };
        let err = Settings::resolve(FileConfig::default(), over).unwrap_err();
        assert_eq!(crate::error::exit_code_for(&err), 2);
    }
}
