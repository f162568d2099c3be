//! Column statistics gathered from a sample of a file.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use crate::engine::{Cell, Col};

/// The shapes a string column is tested for, most specific first. A rule
/// is written with the first shape most present values have.
pub static PATTERNS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("integer", r"^-?\d+$"),
        ("decimal", r"^-?\d+(\.\d+)?$"),
        ("date", r"^\d{4}-\d{2}-\d{2}$"),
        (
            "datetime",
            r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
        ),
        ("time", r"^\d{2}:\d{2}(:\d{2})?$"),
        ("email", r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    ]
    .into_iter()
    .map(|(n, p)| (n, Regex::new(p).expect("static regex")))
    .collect()
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    String,
    Integer,
    Float,
    Boolean,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnStats {
    pub name: String,
    pub data_type: String,
    pub kind: ValueKind,
    pub count: u64,
    pub nulls: u64,
    /// Values equal to one of the configured sentinel strings (`None`, `NaT`, ...).
    pub sentinels: u64,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_value: Option<Value>,
    pub max_value: Option<Value>,
    pub distinct: Option<u64>,
    /// Whether every non-null value of the whole file is distinct (None: not known).
    pub unique: Option<bool>,
    /// Most frequent values first, when there are few of them.
    pub top_values: Vec<(Value, u64)>,
    /// Matches per shape, over present (non-null, non-sentinel) string values.
    pub pattern_matches: Vec<(String, u64)>,
    #[serde(skip)]
    counts: HashMap<String, (Value, u64)>,
    #[serde(skip)]
    overflow: bool,
    #[serde(skip)]
    num_min: Option<f64>,
    #[serde(skip)]
    num_max: Option<f64>,
    /// Infinite values seen (-inf, +inf): a range rule leaves that side open.
    pub infinities: (bool, bool),
}

impl ColumnStats {
    pub fn new(name: &str, data_type: &arrow_schema::DataType) -> ColumnStats {
        use arrow_schema::DataType as D;
        let kind = match data_type {
            D::Utf8 | D::LargeUtf8 | D::Utf8View => ValueKind::String,
            D::Dictionary(_, v) if matches!(**v, D::Utf8 | D::LargeUtf8 | D::Utf8View) => {
                ValueKind::String
            }
            D::Int8
            | D::Int16
            | D::Int32
            | D::Int64
            | D::UInt8
            | D::UInt16
            | D::UInt32
            | D::UInt64 => ValueKind::Integer,
            D::Float16 | D::Float32 | D::Float64 => ValueKind::Float,
            D::Boolean => ValueKind::Boolean,
            _ => ValueKind::Other,
        };
        ColumnStats {
            name: name.to_string(),
            data_type: data_type.to_string(),
            kind,
            count: 0,
            nulls: 0,
            sentinels: 0,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            distinct: None,
            unique: None,
            top_values: Vec::new(),
            pattern_matches: PATTERNS.iter().map(|(n, _)| (n.to_string(), 0)).collect(),
            counts: HashMap::new(),
            overflow: false,
            num_min: None,
            num_max: None,
            infinities: (false, false),
        }
    }

    /// Values that are neither null nor a sentinel.
    pub fn present(&self) -> u64 {
        self.count - self.nulls - self.sentinels
    }

    pub fn non_null(&self) -> u64 {
        self.count - self.nulls
    }

    pub fn update(&mut self, col: &Col, sentinels: &HashSet<String>, max_distinct: usize) {
        for i in 0..col.len() {
            self.count += 1;
            let cell = col.cell(i);
            if cell.is_null() {
                self.nulls += 1;
                continue;
            }
            let text = cell.text();
            if let Cell::Str(s) = cell {
                let len = s.chars().count() as u64;
                self.min_length = Some(self.min_length.map_or(len, |m| m.min(len)));
                self.max_length = Some(self.max_length.map_or(len, |m| m.max(len)));
                if sentinels.contains(s) {
                    self.sentinels += 1;
                } else {
                    for (slot, (_, re)) in self.pattern_matches.iter_mut().zip(PATTERNS.iter()) {
                        if re.is_match(s) {
                            slot.1 += 1;
                        }
                    }
                }
            }
            if let Some(x) = cell.as_f64().filter(|x| x.is_infinite()) {
                if x < 0.0 {
                    self.infinities.0 = true;
                } else {
                    self.infinities.1 = true;
                }
            }
            if let Some(x) = cell.as_f64().filter(|x| x.is_finite()) {
                self.num_min = Some(self.num_min.map_or(x, |m| m.min(x)));
                self.num_max = Some(self.num_max.map_or(x, |m| m.max(x)));
                if self.num_min == Some(x) {
                    self.min_value = Some(cell.to_json());
                }
                if self.num_max == Some(x) {
                    self.max_value = Some(cell.to_json());
                }
            }
            if !self.overflow {
                let tag = match cell {
                    Cell::Str(_) => 's',
                    Cell::Bool(_) => 'b',
                    Cell::Text(_) => 't',
                    _ => 'n',
                };
                // -0.0 and 0.0 are one value, as for Python and the engine.
                let key = match cell {
                    Cell::Float(0.0) => "n:0.0".to_string(),
                    _ => format!("{tag}:{text}"),
                };
                if let Some(slot) = self.counts.get_mut(&key) {
                    slot.1 += 1;
                } else if self.counts.len() < max_distinct {
                    self.counts.insert(key, (cell.to_json(), 1));
                } else {
                    self.overflow = true;
                    self.counts = HashMap::new();
                }
            }
        }
    }

    /// Settles the derived figures once the sample is read.
    pub fn finish(&mut self, whole_file: bool, top: usize) {
        if self.overflow {
            self.distinct = None;
            self.unique = None;
            return;
        }
        self.distinct = Some(self.counts.len() as u64);
        let all_distinct = self.counts.values().all(|(_, n)| *n == 1);
        // A repeat in the sample settles it; distinct in a sample proves nothing.
        self.unique = if !all_distinct {
            Some(false)
        } else if whole_file {
            Some(true)
        } else {
            None
        };
        let mut values: Vec<(Value, u64)> = self.counts.values().cloned().collect();
        values.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.to_string().cmp(&b.0.to_string()))
        });
        values.truncate(top);
        self.top_values = values;
    }

    /// Whether the distinct values were all tracked (no overflow).
    pub fn distinct_known(&self) -> bool {
        !self.overflow
    }
}
