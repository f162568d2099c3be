//! `watermarks.json`: which bronze files were processed, by content identity.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::Entry;
use crate::util::rfc3339;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Watermark {
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub last_modified: Option<String>,
    pub processed_at: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub run_id: Option<String>,
}

impl Watermark {
    pub fn for_entry(entry: &Entry, status: &str, score: Option<f64>, run_id: &str) -> Watermark {
        Watermark {
            etag: entry.e_tag.clone(),
            size: Some(entry.size),
            last_modified: Some(rfc3339(entry.last_modified)),
            processed_at: crate::util::now_rfc3339(),
            status: Some(status.to_string()),
            score,
            run_id: Some(run_id.to_string()),
        }
    }

    /// Whether this mark describes the file as it is now: same etag where
    /// both have one, else same size and modification time. An entry
    /// upgraded from the flat legacy form has neither: it matches a file not
    /// modified since it was processed.
    pub fn matches(&self, entry: &Entry) -> bool {
        if let (Some(a), Some(b)) = (&self.etag, &entry.e_tag) {
            return a == b;
        }
        match (self.size, &self.last_modified) {
            (Some(size), Some(lm)) => size == entry.size && *lm == rfc3339(entry.last_modified),
            _ => chrono::DateTime::parse_from_rfc3339(&self.processed_at)
                .or_else(|_| {
                    chrono::NaiveDateTime::parse_from_str(
                        &self.processed_at,
                        "%Y-%m-%dT%H:%M:%S%.f",
                    )
                    .map(|n| n.and_utc().fixed_offset())
                })
                .map(|t| entry.last_modified <= t)
                .unwrap_or(true),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Watermarks {
    pub version: u32,
    pub files: BTreeMap<String, Watermark>,
}

impl Default for Watermarks {
    fn default() -> Self {
        Watermarks {
            version: 1,
            files: BTreeMap::new(),
        }
    }
}

impl Watermarks {
    /// Reads the current form, or the Python pipeline's flat
    /// `{"file name": "timestamp"}` form, which is upgraded.
    pub fn parse(bytes: &[u8]) -> Result<Watermarks, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let Value::Object(map) = value else {
            return Err("expected a JSON object".into());
        };
        if map.contains_key("version") && map.contains_key("files") {
            return serde_json::from_value(Value::Object(map)).map_err(|e| e.to_string());
        }
        let mut files = BTreeMap::new();
        for (name, v) in map {
            let Value::String(ts) = v else {
                return Err(format!("legacy watermark for {name:?} is not a timestamp"));
            };
            files.insert(
                name,
                Watermark {
                    etag: None,
                    size: None,
                    last_modified: None,
                    processed_at: ts,
                    status: Some("PASSED".into()),
                    score: None,
                    run_id: None,
                },
            );
        }
        Ok(Watermarks { version: 1, files })
    }

    pub fn to_json(&self) -> anyhow::Result<Vec<u8>> {
        Ok(serde_json::to_vec_pretty(self)?)
    }

    /// Whether the file was already processed as it is now. Legacy keys
    /// were bare file names, so the file name is tried after the full key.
    pub fn is_processed(&self, entry: &Entry) -> bool {
        let name = entry.key.rsplit('/').next().unwrap_or(&entry.key);
        self.files
            .get(&entry.key)
            .or_else(|| {
                self.files
                    .get(name)
                    .filter(|w| w.etag.is_none() && w.size.is_none())
            })
            .is_some_and(|w| w.matches(entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn entry(size: u64, etag: Option<&str>) -> Entry {
        Entry {
            key: "t/a.parquet".into(),
            size,
            last_modified: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            e_tag: etag.map(String::from),
        }
    }

    #[test]
    fn legacy_flat_form_is_upgraded() {
        let w = Watermarks::parse(br#"{"a.parquet": "2026-01-05T00:00:00.123"}"#).unwrap();
        assert_eq!(w.version, 1);
        assert!(
            w.is_processed(&entry(10, Some("x"))),
            "unchanged since processing"
        );
        let older = Watermarks::parse(br#"{"a.parquet": "2026-01-01T00:00:00"}"#).unwrap();
        assert!(
            !older.is_processed(&entry(10, Some("x"))),
            "modified after processing"
        );
    }

    #[test]
    fn changed_file_is_processed_again() {
        let mut w = Watermarks::default();
        w.files.insert(
            "t/a.parquet".into(),
            Watermark::for_entry(&entry(10, Some("e1")), "PASSED", Some(100.0), "r"),
        );
        assert!(w.is_processed(&entry(10, Some("e1"))));
        assert!(!w.is_processed(&entry(10, Some("e2"))));
        w.files.insert(
            "t/a.parquet".into(),
            Watermark::for_entry(&entry(10, None), "PASSED", Some(100.0), "r"),
        );
        assert!(w.is_processed(&entry(10, None)));
        assert!(!w.is_processed(&entry(11, None)));
    }

    #[test]
    fn round_trip() {
        let mut w = Watermarks::default();
        w.files.insert(
            "x.parquet".into(),
            Watermark::for_entry(&entry(1, Some("e")), "FAILED", Some(50.0), "r1"),
        );
        let back = Watermarks::parse(&w.to_json().unwrap()).unwrap();
        assert_eq!(back, w);
    }
}
