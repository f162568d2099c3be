//! The dq log: append-only JSON-lines segments, one per run and shard.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogFailure {
    pub expectation: String,
    #[serde(default)]
    pub column: Option<String>,
    pub severity: String,
    pub details: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LogDetails {
    pub failed_count: usize,
    pub failures: Vec<LogFailure>,
    pub threshold_failures: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lineage {
    pub source_path: String,
    #[serde(default)]
    pub config_path: Option<String>,
    #[serde(default)]
    pub etag: Option<String>,
    pub file_size_bytes: u64,
    pub modification_time: String,
    pub host: String,
}

/// One line: one file in one run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogRecord {
    pub timestamp: String,
    pub run_id: String,
    /// The file name.
    pub file: String,
    /// The key relative to the bronze root.
    pub path: String,
    pub status: String,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub rows: Option<u64>,
    pub bytes: u64,
    pub duration_ms: u64,
    #[serde(default)]
    pub suite: Option<String>,
    #[serde(default)]
    pub table: Option<String>,
    pub details: LogDetails,
    pub action: String,
    pub lineage: Lineage,
}

/// The segment of one run (and shard), rewritten whole as lines arrive so
/// that it is complete after every file.
#[derive(Debug, Clone)]
pub struct LogSegment {
    pub key: String,
    lines: Vec<String>,
    /// The file each line is about.
    paths: Vec<String>,
}

impl LogSegment {
    pub fn new(run_id: &str, shard_tag: Option<&str>) -> LogSegment {
        let day = chrono::Utc::now().format("%Y-%m-%d");
        let suffix = shard_tag.map(|t| format!("_{t}")).unwrap_or_default();
        LogSegment {
            key: format!("{}/{day}/dq_log_{run_id}{suffix}.jsonl", super::LOGS_DIR),
            lines: Vec::new(),
            paths: Vec::new(),
        }
    }

    /// Adds a file's line, or replaces the line this run already wrote for
    /// the same file (its outcome changed when the move failed).
    pub fn upsert(&mut self, record: &LogRecord) -> anyhow::Result<()> {
        let line = serde_json::to_string(record)?;
        match self.paths.iter().position(|p| p == &record.path) {
            Some(i) => self.lines[i] = line,
            None => {
                self.lines.push(line);
                self.paths.push(record.path.clone());
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn to_bytes(&self) -> Bytes {
        let mut s = self.lines.join("\n");
        s.push('\n');
        Bytes::from(s)
    }
}
