//! Which files there are and which suite each one is validated with.
//!
//! A file finds its table's suite when it is `<table>.parquet`,
//! `<table>/<anything>.parquet` or `<table>_<date or timestamp>.parquet`;
//! an explicit `suite_map` entry in the configuration wins.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::store::{Entry, Store};
use crate::suite::{suite_file_name, table_of_suite_file};
use crate::util::stable_hash;

static DATE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(.+?)[_\-.](?:\d{8}(?:[T_\-]?\d{4,6}Z?)?|\d{4}-\d{2}-\d{2}(?:[T_ ]\d{2}[:\-]?\d{2}(?:[:\-]?\d{2})?Z?)?|\d{10,14})$",
    )
    .expect("static regex")
});

/// Names that say nothing about the table, so the folder names it.
static ANONYMOUS_STEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:part|data|chunk|batch|file|delta|snapshot)(?:[-_.].*|\d*)|[0-9a-f\-]{8,}|\d{4}-?\d{2}-?\d{2}.*)$")
        .expect("static regex")
});

/// The file name without folders and without `.parquet`.
pub fn stem(key: &str) -> &str {
    let name = key.rsplit('/').next().unwrap_or(key);
    name.strip_suffix(".parquet")
        .or_else(|| name.strip_suffix(".PARQUET"))
        .unwrap_or(name)
}

fn parent(key: &str) -> Option<&str> {
    let mut parts = key.rsplit('/');
    parts.next();
    parts.next()
}

/// `aims_assets_20260102` → `aims_assets`; a name without a date stays as it is.
pub fn strip_date_suffix(stem: &str) -> &str {
    DATE_SUFFIX
        .captures(stem)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
        .unwrap_or(stem)
}

/// The table a file belongs to, for profiling: the folder when the file
/// name is anonymous (`part-0001`, a date), else the name without its date.
pub fn table_of(key: &str) -> String {
    let stem = stem(key);
    match parent(key) {
        Some(dir) if ANONYMOUS_STEM.is_match(stem) => dir.to_string(),
        _ => strip_date_suffix(stem).to_string(),
    }
}

/// Whether a key is a bronze data file.
pub fn is_parquet(key: &str) -> bool {
    key.to_ascii_lowercase().ends_with(".parquet")
}

/// Bronze parquet files, sorted by key.
pub async fn bronze_files(bronze: &Store) -> anyhow::Result<Vec<Entry>> {
    Ok(bronze
        .list("")
        .await?
        .into_iter()
        .filter(|e| is_parquet(&e.key))
        .collect())
}

/// `--shard I/N`: a file belongs to shard `hash(key) mod N`, so the split
/// does not move files between shards when others arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("shard {text:?} must look like I/N, e.g. 0/4"))?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("shard index {i:?} is not a number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("shard count {n:?} is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count}: the index must be below the count"
            ));
        }
        Ok(Shard { index, count })
    }

    pub fn owns(&self, key: &str) -> bool {
        stable_hash(key) % self.count as u64 == self.index as u64
    }

    /// A name part for per-shard files.
    pub fn tag(&self) -> String {
        format!("s{}of{}", self.index, self.count)
    }
}

/// The suites present in the suites root, by table.
#[derive(Debug, Clone, Default)]
pub struct SuiteIndex {
    by_table: BTreeMap<String, String>,
}

impl SuiteIndex {
    pub async fn load(suites: &Store) -> anyhow::Result<SuiteIndex> {
        let mut by_table = BTreeMap::new();
        for e in suites.list("").await? {
            let name = e.key.rsplit('/').next().unwrap_or(&e.key);
            if let Some(table) = table_of_suite_file(name) {
                by_table.entry(table.to_string()).or_insert(e.key.clone());
            }
        }
        Ok(SuiteIndex { by_table })
    }

    pub fn has(&self, table: &str) -> bool {
        self.by_table.contains_key(table)
    }

    /// The suite key for a bronze file, if any: explicit mapping (by key or
    /// stem), then the file name, the name without its date, the folder.
    pub fn lookup(&self, key: &str, suite_map: &BTreeMap<String, String>) -> Option<String> {
        let stem = stem(key);
        if let Some(table) = suite_map.get(key).or_else(|| suite_map.get(stem)) {
            let table = table_of_suite_file(table).unwrap_or(table);
            return Some(
                self.by_table
                    .get(table)
                    .cloned()
                    .unwrap_or_else(|| suite_file_name(table)),
            );
        }
        let mut candidates = vec![stem, strip_date_suffix(stem)];
        if let Some(dir) = parent(key) {
            candidates.push(dir);
        }
        candidates
            .into_iter()
            .find_map(|t| self.by_table.get(t).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_and_foldered_names_find_their_table() {
        assert_eq!(table_of("aims_assets.parquet"), "aims_assets");
        assert_eq!(table_of("aims_assets_20260102.parquet"), "aims_assets");
        assert_eq!(table_of("aims_assets_2026-01-02.parquet"), "aims_assets");
        assert_eq!(
            table_of("aims_assets_20260102T101500Z.parquet"),
            "aims_assets"
        );
        assert_eq!(
            table_of("aims_assets_2026-01-02T10:15:00.parquet"),
            "aims_assets"
        );
        assert_eq!(table_of("aims_assets/part-0001.parquet"), "aims_assets");
        assert_eq!(table_of("aims_assets/2026-01-02.parquet"), "aims_assets");
        assert_eq!(table_of("aims/aims_links.parquet"), "aims_links");
        assert_eq!(table_of("aims_ua_comments.parquet"), "aims_ua_comments");
    }

    #[test]
    fn lookup_prefers_explicit_mapping() {
        let idx = SuiteIndex {
            by_table: [
                (
                    "aims_assets".to_string(),
                    "aims_assets_validation.yml".to_string(),
                ),
                (
                    "aims_links".to_string(),
                    "aims_links_validation.yml".to_string(),
                ),
            ]
            .into(),
        };
        let none = BTreeMap::new();
        assert_eq!(
            idx.lookup("aims_assets_20260101.parquet", &none).as_deref(),
            Some("aims_assets_validation.yml")
        );
        assert_eq!(
            idx.lookup("aims_assets/x.parquet", &none).as_deref(),
            Some("aims_assets_validation.yml")
        );
        assert_eq!(idx.lookup("other.parquet", &none), None);
        let map = [("other".to_string(), "aims_links".to_string())].into();
        assert_eq!(
            idx.lookup("other.parquet", &map).as_deref(),
            Some("aims_links_validation.yml")
        );
    }

    #[test]
    fn shards_split_every_file_exactly_once() {
        let shards: Vec<Shard> = (0..4)
            .map(|i| Shard::parse(&format!("{i}/4")).unwrap())
            .collect();
        for k in 0..200 {
            let key = format!("t{k}.parquet");
            assert_eq!(shards.iter().filter(|s| s.owns(&key)).count(), 1);
        }
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("x").is_err());
    }
}
