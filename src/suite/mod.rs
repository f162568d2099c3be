//! Expectation suites: the YAML format (read and written, unknown keys
//! kept) and its compiled, checked form.

mod compile;

pub use compile::{
    Bound, Check, CheckKind, CompiledSuite, IgnoreRows, PairRule, Range, SetMember, Severity, Stat,
    ValueSet,
};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::config_err;

/// Suite file name for a table: `<table>_validation.yml`.
pub fn suite_file_name(table: &str) -> String {
    format!("{table}_validation.yml")
}

/// The table a suite file name belongs to, if it is one.
pub fn table_of_suite_file(name: &str) -> Option<&str> {
    name.strip_suffix("_validation.yml")
        .or_else(|| name.strip_suffix("_validation.yaml"))
}

/// A suite as stored. Field order follows the Python pipeline's files.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Suite {
    /// GX suite JSON calls it `name` (1.x) or `expectation_suite_name` (0.x).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "name",
        alias = "expectation_suite_name"
    )]
    pub validation_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<Value>,
    #[serde(default)]
    pub quality_thresholds: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub expectations: Vec<ExpectationConfig>,
    /// Keys this version does not know, kept when the suite is rewritten.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One expectation as written in a suite.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExpectationConfig {
    /// GX 1.x suite JSON calls it `type`.
    #[serde(alias = "type")]
    pub expectation_type: String,
    #[serde(default)]
    pub kwargs: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub meta: Map<String, Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Suite {
    /// Parses a suite; `source` names the file in errors.
    pub fn parse(text: &str, source: &str) -> anyhow::Result<Suite> {
        serde_yaml_ng::from_str(text).map_err(|e| {
            config_err(format!(
                "suite {source} is not valid suite YAML: {e}; fix the file or regenerate it with `aims-dq profile --force`"
            ))
        })
    }

    pub fn to_yaml(&self) -> anyhow::Result<String> {
        Ok(serde_yaml_ng::to_string(self)?)
    }

    /// The suite as Great Expectations 1.x suite JSON: `name`, `expectations`
    /// with `type`, `kwargs` and `meta`; our suite-level settings go under `meta`.
    pub fn to_gx_json(&self, fallback_name: &str) -> serde_json::Value {
        let expectations: Vec<Value> = self
            .expectations
            .iter()
            .map(|e| {
                let mut out = Map::new();
                out.insert("type".into(), Value::String(e.expectation_type.clone()));
                out.insert("kwargs".into(), Value::Object(e.kwargs.clone()));
                out.insert("meta".into(), Value::Object(e.meta.clone()));
                for (k, v) in &e.extra {
                    out.entry(k.clone()).or_insert_with(|| v.clone());
                }
                Value::Object(out)
            })
            .collect();
        let mut meta = match self.extra.get("meta") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        meta.insert(
            "exported_by".into(),
            Value::String(format!("aims-dq {}", env!("CARGO_PKG_VERSION"))),
        );
        if !self.quality_thresholds.is_empty() {
            meta.insert(
                "quality_thresholds".into(),
                Value::Object(self.quality_thresholds.clone()),
            );
        }
        if let Some(t) = self.threshold {
            meta.insert("threshold".into(), Value::from(t));
        }
        if let Some(d) = &self.description {
            meta.insert("description".into(), Value::String(d.clone()));
        }
        serde_json::json!({
            "name": self.validation_name.clone().unwrap_or_else(|| fallback_name.to_string()),
            "expectations": expectations,
            "meta": meta,
        })
    }
}
