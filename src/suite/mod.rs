//! Expectation suites: the YAML format (read and written, unknown keys
//! kept) and its compiled, checked form.

mod compile;

pub use compile::{Bound, Check, CheckKind, CompiledSuite, SetMember, Severity, ValueSet};

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
}
