//! Turns a stored suite into checks the engine can run, rejecting what it
//! cannot run with the file, the expectation's index and the reason.

use std::collections::HashSet;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ExpectationConfig, Suite};
use crate::error::config_err;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

/// A member of a value set. Members are compared without type coercion, as
/// Great Expectations does: the number 1 does not match the string "1".
#[derive(Debug, Clone, PartialEq)]
pub enum SetMember {
    Str(String),
    Num(f64),
    Bool(bool),
}

/// A value set prepared for lookups.
#[derive(Debug, Clone, Default)]
pub struct ValueSet {
    pub strings: HashSet<String>,
    pub numbers: Vec<f64>,
    pub bools: Vec<bool>,
    /// Members in the order the suite lists them.
    pub members: Vec<SetMember>,
}

impl ValueSet {
    pub fn contains_str(&self, s: &str) -> bool {
        self.strings.contains(s)
    }
    pub fn contains_num(&self, x: f64) -> bool {
        self.numbers.contains(&x)
    }
    pub fn contains_bool(&self, b: bool) -> bool {
        self.bools.contains(&b)
    }
}

/// A bound of a range check: numbers compare with numbers, strings with strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Num(f64),
    Str(String),
}

#[derive(Debug, Clone)]
pub enum CheckKind {
    // Table-level, answered from the footer.
    RowCountBetween {
        min: Option<f64>,
        max: Option<f64>,
    },
    RowCountEqual(u64),
    ColumnCountEqual(u64),
    ColumnCountBetween {
        min: Option<f64>,
        max: Option<f64>,
    },
    ColumnsMatchSet {
        set: Vec<String>,
        exact: bool,
    },
    ColumnsMatchOrderedList(Vec<String>),
    ColumnExists {
        index: Option<usize>,
    },
    // Column map expectations: one verdict per non-null value.
    NotNull,
    BeNull,
    Unique,
    InSet(ValueSet),
    NotInSet(ValueSet),
    Between {
        min: Option<Bound>,
        max: Option<Bound>,
        strict_min: bool,
        strict_max: bool,
    },
    LengthsBetween {
        min: Option<f64>,
        max: Option<f64>,
    },
    LengthEqual(u64),
    MatchRegex(Regex),
    NotMatchRegex(Regex),
}

impl CheckKind {
    /// Whether the check reads column values (as opposed to the footer only).
    pub fn reads_values(&self) -> bool {
        !matches!(
            self,
            CheckKind::RowCountBetween { .. }
                | CheckKind::RowCountEqual(_)
                | CheckKind::ColumnCountEqual(_)
                | CheckKind::ColumnCountBetween { .. }
                | CheckKind::ColumnsMatchSet { .. }
                | CheckKind::ColumnsMatchOrderedList(_)
                | CheckKind::ColumnExists { .. }
        )
    }
}

/// One runnable expectation.
#[derive(Debug, Clone)]
pub struct Check {
    /// Position in the suite's `expectations` list.
    pub index: usize,
    pub config: ExpectationConfig,
    pub column: Option<String>,
    pub severity: Severity,
    pub mostly: f64,
    pub kind: CheckKind,
}

/// A suite that loaded and compiled.
#[derive(Debug, Clone)]
pub struct CompiledSuite {
    /// Where it came from (for messages and lineage).
    pub source: String,
    pub name: String,
    pub suite: Suite,
    pub checks: Vec<Check>,
    /// Pass-rate threshold per severity, in percent.
    pub severity_thresholds: Vec<(Severity, f64)>,
}

impl CompiledSuite {
    pub fn compile(suite: Suite, source: &str) -> anyhow::Result<CompiledSuite> {
        let mut severity_thresholds = Vec::new();
        for (key, value) in &suite.quality_thresholds {
            let sev = Severity::parse(key).ok_or_else(|| {
                config_err(format!(
                    "suite {source}: quality_thresholds has unknown severity {key:?}; use critical, high, medium or low"
                ))
            })?;
            let pct = value.as_f64().filter(|p| (0.0..=100.0).contains(p)).ok_or_else(|| {
                config_err(format!(
                    "suite {source}: quality_thresholds.{key} must be a percentage from 0 to 100, found {value}"
                ))
            })?;
            severity_thresholds.push((sev, pct));
        }
        if let Some(t) = suite.threshold {
            if !(0.0..=100.0).contains(&t) {
                return Err(config_err(format!(
                    "suite {source}: threshold {t} must be a percentage from 0 to 100"
                )));
            }
        }
        let checks = suite
            .expectations
            .iter()
            .enumerate()
            .map(|(index, e)| {
                compile_one(index, e).map_err(|reason| {
                    config_err(format!(
                        "suite {source}: expectation #{index} ({}): {reason}",
                        e.expectation_type
                    ))
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let name = suite
            .validation_name
            .clone()
            .unwrap_or_else(|| source.rsplit('/').next().unwrap_or(source).to_string());
        Ok(CompiledSuite {
            source: source.to_string(),
            name,
            suite,
            checks,
            severity_thresholds,
        })
    }

    pub fn load(text: &str, source: &str) -> anyhow::Result<CompiledSuite> {
        Self::compile(Suite::parse(text, source)?, source)
    }
}

/// Reads kwargs with messages that say what was expected.
struct Kwargs<'a>(&'a Map<String, Value>);

impl Kwargs<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn column(&self) -> Result<String, String> {
        match self.get("column") {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(format!(
                "kwarg `column` must be a column name (string), found {v}"
            )),
            None => Err("missing kwarg `column`".into()),
        }
    }

    fn num_opt(&self, key: &str) -> Result<Option<f64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(v) => Err(format!("kwarg `{key}` must be a number, found {v}")),
        }
    }

    fn uint(&self, key: &str) -> Result<u64, String> {
        match self.get(key) {
            Some(Value::Number(n)) => n
                .as_u64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                        .map(|f| f as u64)
                })
                .ok_or_else(|| format!("kwarg `{key}` must be a whole number ≥ 0, found {n}")),
            Some(v) => Err(format!("kwarg `{key}` must be a whole number, found {v}")),
            None => Err(format!("missing kwarg `{key}`")),
        }
    }

    fn bool_or(&self, key: &str, default: bool) -> Result<bool, String> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(format!("kwarg `{key}` must be true or false, found {v}")),
        }
    }

    fn mostly(&self) -> Result<f64, String> {
        match self.num_opt("mostly")? {
            None => Ok(1.0),
            Some(m) if (0.0..=1.0).contains(&m) => Ok(m),
            Some(m) => Err(format!("kwarg `mostly` must be between 0 and 1, found {m}")),
        }
    }

    fn bound(&self, key: &str) -> Result<Option<Bound>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64().map(Bound::Num)),
            Some(Value::String(s)) => Ok(Some(Bound::Str(s.clone()))),
            Some(v) => Err(format!(
                "kwarg `{key}` must be a number or a string, found {v}"
            )),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, String> {
        match self.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(format!(
                        "kwarg `{key}` must list column names, found {other}"
                    )),
                })
                .collect(),
            Some(v) => Err(format!("kwarg `{key}` must be a list, found {v}")),
            None => Err(format!("missing kwarg `{key}`")),
        }
    }

    fn value_set(&self) -> Result<ValueSet, String> {
        let items = match self.get("value_set") {
            Some(Value::Array(items)) => items,
            Some(v) => return Err(format!("kwarg `value_set` must be a list, found {v}")),
            None => return Err("missing kwarg `value_set`".into()),
        };
        let mut set = ValueSet::default();
        for item in items {
            let member = match item {
                Value::String(s) => {
                    set.strings.insert(s.clone());
                    SetMember::Str(s.clone())
                }
                Value::Number(n) => {
                    let x = n.as_f64().unwrap_or(f64::NAN);
                    set.numbers.push(x);
                    SetMember::Num(x)
                }
                Value::Bool(b) => {
                    set.bools.push(*b);
                    SetMember::Bool(*b)
                }
                // A null member can never match: nulls are skipped by set checks.
                Value::Null => continue,
                other => return Err(format!("value_set members must be scalars, found {other}")),
            };
            set.members.push(member);
        }
        Ok(set)
    }

    fn regex(&self) -> Result<Regex, String> {
        match self.get("regex") {
            Some(Value::String(s)) => {
                Regex::new(s).map_err(|e| format!("invalid regex {s:?}: {e}"))
            }
            Some(v) => Err(format!("kwarg `regex` must be a string, found {v}")),
            None => Err("missing kwarg `regex`".into()),
        }
    }
}

fn compile_one(index: usize, config: &ExpectationConfig) -> Result<Check, String> {
    let k = Kwargs(&config.kwargs);
    let severity = match config.meta.get("severity") {
        None | Some(Value::Null) => Severity::Medium,
        Some(Value::String(s)) => Severity::parse(s).ok_or_else(|| {
            format!("meta.severity {s:?} is not one of critical, high, medium, low")
        })?,
        Some(v) => return Err(format!("meta.severity must be a string, found {v}")),
    };
    let mut column = None;
    let mut mostly = 1.0;
    let kind = match config.expectation_type.as_str() {
        "expect_table_row_count_to_be_between" => CheckKind::RowCountBetween {
            min: k.num_opt("min_value")?,
            max: k.num_opt("max_value")?,
        },
        "expect_table_row_count_to_equal" => CheckKind::RowCountEqual(k.uint("value")?),
        "expect_table_column_count_to_equal" => CheckKind::ColumnCountEqual(k.uint("value")?),
        "expect_table_column_count_to_be_between" => CheckKind::ColumnCountBetween {
            min: k.num_opt("min_value")?,
            max: k.num_opt("max_value")?,
        },
        "expect_table_columns_to_match_set" => CheckKind::ColumnsMatchSet {
            set: k.strings("column_set")?,
            exact: k.bool_or("exact_match", true)?,
        },
        "expect_table_columns_to_match_ordered_list" => {
            CheckKind::ColumnsMatchOrderedList(k.strings("column_list")?)
        }
        other => {
            column = Some(k.column()?);
            let kind = match other {
                "expect_column_to_exist" => CheckKind::ColumnExists {
                    index: match k.get("column_index") {
                        None => None,
                        Some(_) => Some(k.uint("column_index")? as usize),
                    },
                },
                "expect_column_values_to_not_be_null" => CheckKind::NotNull,
                "expect_column_values_to_be_null" => CheckKind::BeNull,
                "expect_column_values_to_be_unique" => CheckKind::Unique,
                "expect_column_values_to_be_in_set" => CheckKind::InSet(k.value_set()?),
                "expect_column_values_to_not_be_in_set" => CheckKind::NotInSet(k.value_set()?),
                "expect_column_values_to_be_between" => {
                    let (min, max) = (k.bound("min_value")?, k.bound("max_value")?);
                    if min.is_none() && max.is_none() {
                        return Err("needs `min_value` or `max_value`".into());
                    }
                    CheckKind::Between {
                        min,
                        max,
                        strict_min: k.bool_or("strict_min", false)?,
                        strict_max: k.bool_or("strict_max", false)?,
                    }
                }
                "expect_column_value_lengths_to_be_between" => {
                    let (min, max) = (k.num_opt("min_value")?, k.num_opt("max_value")?);
                    if min.is_none() && max.is_none() {
                        return Err("needs `min_value` or `max_value`".into());
                    }
                    CheckKind::LengthsBetween { min, max }
                }
                "expect_column_value_lengths_to_equal" => CheckKind::LengthEqual(k.uint("value")?),
                "expect_column_values_to_match_regex" => CheckKind::MatchRegex(k.regex()?),
                "expect_column_values_to_not_match_regex" => CheckKind::NotMatchRegex(k.regex()?),
                unknown => {
                    return Err(format!(
                        "unknown expectation type {unknown:?}; see the README for the supported catalogue"
                    ))
                }
            };
            if kind.reads_values() {
                mostly = k.mostly()?;
            }
            kind
        }
    };
    Ok(Check {
        index,
        config: config.clone(),
        column,
        severity,
        mostly,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str) -> anyhow::Result<CompiledSuite> {
        CompiledSuite::load(yaml, "t_validation.yml")
    }

    #[test]
    fn unknown_type_names_file_index_and_type() {
        let err = load(
            "expectations:\n- expectation_type: expect_table_row_count_to_equal\n  kwargs: {value: 3}\n- expectation_type: expect_nonsense\n  kwargs: {column: A}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("t_validation.yml"), "{err}");
        assert!(err.contains("#1"), "{err}");
        assert!(err.contains("expect_nonsense"), "{err}");
    }

    #[test]
    fn bad_regex_missing_kwarg_and_wrong_type_are_config_errors() {
        for (yaml, needle) in [
            ("expectations:\n- expectation_type: expect_column_values_to_match_regex\n  kwargs: {column: A, regex: '(['}\n", "invalid regex"),
            ("expectations:\n- expectation_type: expect_column_values_to_be_in_set\n  kwargs: {column: A}\n", "missing kwarg `value_set`"),
            ("expectations:\n- expectation_type: expect_column_values_to_not_be_null\n  kwargs: {column: 5}\n", "must be a column name"),
            ("expectations:\n- expectation_type: expect_column_values_to_not_be_null\n  kwargs: {column: A, mostly: 2}\n", "mostly"),
            ("expectations:\n- expectation_type: expect_column_values_to_not_be_null\n  kwargs: {column: A}\n  meta: {severity: urgent}\n", "severity"),
        ] {
            let err = load(yaml).unwrap_err();
            assert_eq!(crate::error::exit_code_for(&err), 2);
            assert!(err.to_string().contains(needle), "{err} lacks {needle}");
        }
    }

    #[test]
    fn unknown_keys_survive_a_rewrite() {
        let yaml = "validation_name: v\nowner: data-team\nexpectations:\n- expectation_type: expect_column_to_exist\n  kwargs: {column: A, custom: 1}\n  meta: {severity: low}\n  notes: keep me\n";
        let suite = Suite::parse(yaml, "x").unwrap();
        let out = suite.to_yaml().unwrap();
        assert!(out.contains("owner: data-team"), "{out}");
        assert!(out.contains("notes: keep me"), "{out}");
        assert!(out.contains("custom: 1"), "{out}");
    }

    #[test]
    fn value_set_keeps_types_apart() {
        let s = load("expectations:\n- expectation_type: expect_column_values_to_be_in_set\n  kwargs: {column: A, value_set: ['1', 2, true, null]}\n").unwrap();
        let CheckKind::InSet(set) = &s.checks[0].kind else {
            panic!()
        };
        assert!(set.contains_str("1") && !set.contains_str("2"));
        assert!(set.contains_num(2.0) && !set.contains_num(1.0));
        assert!(set.contains_bool(true));
        assert_eq!(set.members.len(), 3);
    }
}
