//! The one result type: per expectation in Great Expectations' shape, and
//! per file.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::suite::Severity;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ValueCount {
    pub value: Value,
    pub count: u64,
}

/// GX's `result` object. Fields that do not apply are left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ResultDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexpected_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexpected_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexpected_percent_total: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexpected_percent_nonmissing: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_unexpected_list: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_unexpected_counts: Option<Vec<ValueCount>>,
    /// Set members the column lacks (the distinct-values expectations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_missing_list: Option<Vec<Value>>,
    /// Per-part verdicts (the quantile expectation's `success_details`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExceptionInfo {
    pub raised_exception: bool,
    pub exception_message: String,
}

/// The outcome of one expectation on one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// Position in the suite.
    pub index: usize,
    pub expectation_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub severity: Severity,
    pub kwargs: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub meta: Map<String, Value>,
    pub success: bool,
    pub result: ResultDetail,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception_info: Option<ExceptionInfo>,
}

impl ExpectationResult {
    /// A one-line reason for logs and the console.
    pub fn summary(&self) -> String {
        if let Some(e) = &self.exception_info {
            return format!("could not be evaluated: {}", e.exception_message);
        }
        let r = &self.result;
        if let Some(n) = r.unexpected_count {
            let mut s = format!("{n} unexpected");
            if let Some(p) = r.unexpected_percent {
                s.push_str(&format!(" ({p:.2}%)"));
            }
            if let Some(list) = &r.partial_unexpected_list {
                let sample: Vec<String> = list.iter().take(3).map(|v| v.to_string()).collect();
                if !sample.is_empty() {
                    s.push_str(&format!(", e.g. {}", sample.join(", ")));
                }
            }
            return s;
        }
        match &r.observed_value {
            Some(v) => format!("observed {v}"),
            None => "failed".into(),
        }
    }
}

/// The outcome of a whole suite on one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileValidation {
    pub suite: String,
    pub rows: u64,
    pub columns: usize,
    pub results: Vec<ExpectationResult>,
    /// Bytes fetched from the store (footer and the column chunks read).
    pub bytes_fetched: u64,
}

impl FileValidation {
    pub fn evaluated(&self) -> usize {
        self.results.len()
    }
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.success).count()
    }
    pub fn failures(&self) -> impl Iterator<Item = &ExpectationResult> {
        self.results.iter().filter(|r| !r.success)
    }
}
