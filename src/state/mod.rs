//! All pipeline state lives under the state root, and this module is the
//! only place that writes it: watermarks, dq log segments, profiles,
//! reports. (Quarantine sidecars belong to the quarantine root, written by
//! `ingest::actions`.)

pub mod dq_log;
pub mod watermarks;

use bytes::Bytes;
use serde::Serialize;

use crate::store::Store;

pub use dq_log::{Lineage, LogDetails, LogFailure, LogRecord, LogSegment};
pub use watermarks::{Watermark, Watermarks};

pub const WATERMARKS_KEY: &str = "watermarks.json";
pub const LOGS_DIR: &str = "dq_logs";
pub const PROFILES_DIR: &str = "profiles";
pub const REPORTS_DIR: &str = "reports";

/// The state root.
#[derive(Debug, Clone)]
pub struct State {
    pub store: Store,
}

impl State {
    pub fn new(store: Store) -> State {
        State { store }
    }

    pub async fn watermarks(&self) -> anyhow::Result<Watermarks> {
        match self.store.get(WATERMARKS_KEY).await? {
            None => Ok(Watermarks::default()),
            Some(bytes) => Watermarks::parse(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{} is not a watermark file ({e}); move it aside to start afresh",
                    self.store.display(WATERMARKS_KEY)
                )
            }),
        }
    }

    /// Merges entries into `watermarks.json` without losing entries other
    /// runs wrote meanwhile.
    pub async fn record_watermarks(&self, entries: &[(String, Watermark)]) -> anyhow::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let display = self.store.display(WATERMARKS_KEY);
        self.store
            .update(WATERMARKS_KEY, |current| {
                let mut marks = match current {
                    None => Watermarks::default(),
                    Some(bytes) => Watermarks::parse(&bytes)
                        .map_err(|e| anyhow::anyhow!("{display} is not a watermark file ({e})"))?,
                };
                for (key, mark) in entries {
                    marks.files.insert(key.clone(), mark.clone());
                }
                Ok(Bytes::from(marks.to_json()?))
            })
            .await
    }

    pub async fn write_json<T: Serialize>(&self, key: &str, value: &T) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(value)?;
        self.store.put(key, Bytes::from(bytes)).await
    }

    pub async fn write_profile<T: Serialize>(
        &self,
        table: &str,
        profile: &T,
    ) -> anyhow::Result<String> {
        let key = format!("{PROFILES_DIR}/{table}.json");
        self.write_json(&key, profile).await?;
        Ok(key)
    }

    pub async fn write_report<T: Serialize>(
        &self,
        name: &str,
        report: &T,
    ) -> anyhow::Result<String> {
        let key = format!("{REPORTS_DIR}/{name}");
        self.write_json(&key, report).await?;
        Ok(key)
    }

    /// Writes the HTML dashboard next to the reports; returns its key.
    pub async fn write_dashboard(&self, name: &str, html: String) -> anyhow::Result<String> {
        let key = format!("{REPORTS_DIR}/{name}");
        self.store.put(&key, bytes::Bytes::from(html)).await?;
        Ok(key)
    }

    pub async fn write_segment(&self, segment: &LogSegment) -> anyhow::Result<()> {
        self.store.put(&segment.key, segment.to_bytes()).await
    }

    /// Every log line of every run; lines that do not parse are reported and skipped.
    pub async fn read_logs(&self) -> anyhow::Result<(Vec<LogRecord>, Vec<String>)> {
        let mut records = Vec::new();
        let mut problems = Vec::new();
        for entry in self.store.list(LOGS_DIR).await? {
            if !entry.key.ends_with(".jsonl") {
                continue;
            }
            let Some(bytes) = self.store.get(&entry.key).await? else {
                continue;
            };
            for (n, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<LogRecord>(line) {
                    Ok(r) => records.push(r),
                    Err(e) => problems.push(format!(
                        "{} line {}: {e}",
                        self.store.display(&entry.key),
                        n + 1
                    )),
                }
            }
        }
        records.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        Ok((records, problems))
    }
}
