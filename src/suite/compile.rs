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
    /// String members that read as ISO dates or date-times, as instants
    /// (nanoseconds): they match temporal values, as in GX.
    pub times: Vec<i64>,
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

/// A bound of a range check. Strings that read as an ISO date or date-time
/// are kept as instants too, as Great Expectations parses them.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Num(f64),
    Str(String),
    /// An ISO date or date-time: nanoseconds since the epoch (UTC for
    /// zoned times), and whether it was a bare date.
    Time {
        text: String,
        nanos: i64,
        date_only: bool,
    },
}

impl Bound {
    /// Reads a string bound: an ISO date or date-time becomes an instant.
    pub fn from_text(s: &str) -> Bound {
        match crate::util::parse_iso_instant(s) {
            Some((nanos, date_only)) => Bound::Time {
                text: s.to_string(),
                nanos,
                date_only,
            },
            None => Bound::Str(s.to_string()),
        }
    }
}

/// `min_value` / `max_value` with GX's `strict_min` / `strict_max`.
#[derive(Debug, Clone, Default)]
pub struct Range {
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub strict_min: bool,
    pub strict_max: bool,
}

/// A `[min, max]` pair of `quantile_ranges.value_ranges`; null is open.
pub type ValueRange = (Option<f64>, Option<f64>);

/// The statistic of `expect_column_<stat>_to_be_between`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    Min,
    Max,
    Mean,
    Median,
    Stdev,
    Sum,
}

/// What a pair of columns must satisfy, row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairRule {
    AGreaterThanB { or_equal: bool },
    Equal,
}

/// Which rows a multi-column check skips (GX's `ignore_row_if`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreRows {
    /// Skip a row when all its values are missing.
    AllMissing,
    /// Skip a row when any of its values is missing.
    AnyMissing,
    Never,
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
    Between(Range),
    LengthsBetween {
        min: Option<f64>,
        max: Option<f64>,
    },
    LengthEqual(u64),
    MatchRegex(Regex),
    NotMatchRegex(Regex),
    MatchRegexList {
        regexes: Vec<Regex>,
        all: bool,
    },
    MatchStrftime(crate::engine::strptime::Format),
    /// `expect_column_values_to_be_of_type` / `_in_type_list`.
    OfType(Vec<String>),
    Ordered {
        increasing: bool,
        strictly: bool,
    },
    // Multi-column map expectations.
    CompoundUnique(IgnoreRows),
    Pair {
        rule: PairRule,
        ignore: IgnoreRows,
    },
    // Column aggregates: one observed value per column.
    DistinctInSet(ValueSet),
    DistinctContainSet(ValueSet),
    DistinctEqualSet(ValueSet),
    Stat {
        stat: Stat,
        range: Range,
    },
    Quantiles {
        quantiles: Vec<f64>,
        ranges: Vec<ValueRange>,
    },
    UniqueValueCount(Range),
    ProportionUnique(Range),
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

    /// Whether GX accepts `mostly` for it: the map expectations, judged row by row.
    pub fn takes_mostly(&self) -> bool {
        self.reads_values() && !self.is_aggregate()
    }

    /// Whether it judges one observed value of the column rather than each row.
    pub fn is_aggregate(&self) -> bool {
        matches!(
            self,
            CheckKind::DistinctInSet(_)
                | CheckKind::DistinctContainSet(_)
                | CheckKind::DistinctEqualSet(_)
                | CheckKind::Stat { .. }
                | CheckKind::Quantiles { .. }
                | CheckKind::UniqueValueCount(_)
                | CheckKind::ProportionUnique(_)
        )
    }
}

/// One runnable expectation.
#[derive(Debug, Clone)]
pub struct Check {
    /// Position in the suite's `expectations` list.
    pub index: usize,
    pub config: ExpectationConfig,
    /// The column a result is reported under (several joined by ", ").
    pub column: Option<String>,
    /// Every column the check reads, in kwarg order.
    pub columns: Vec<String>,
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
        self.named_column("column")
    }

    fn named_column(&self, key: &str) -> Result<String, String> {
        match self.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(format!(
                "kwarg `{key}` must be a column name (string), found {v}"
            )),
            None => Err(format!("missing kwarg `{key}`")),
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
            Some(Value::String(s)) => Ok(Some(Bound::from_text(s))),
            Some(v) => Err(format!(
                "kwarg `{key}` must be a number or a string, found {v}"
            )),
        }
    }

    fn range(&self) -> Result<Range, String> {
        Ok(Range {
            min: self.bound("min_value")?,
            max: self.bound("max_value")?,
            strict_min: self.bool_or("strict_min", false)?,
            strict_max: self.bool_or("strict_max", false)?,
        })
    }

    fn string(&self, key: &str) -> Result<String, String> {
        match self.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(format!("kwarg `{key}` must be a string, found {v}")),
            None => Err(format!("missing kwarg `{key}`")),
        }
    }

    fn ignore_rows(&self, default: IgnoreRows) -> Result<IgnoreRows, String> {
        match self.get("ignore_row_if") {
            None => Ok(default),
            Some(Value::String(s)) => match s.as_str() {
                "all_values_are_missing" | "both_values_are_missing" => Ok(IgnoreRows::AllMissing),
                "any_value_is_missing" | "either_value_is_missing" => Ok(IgnoreRows::AnyMissing),
                "never" | "neither" => Ok(IgnoreRows::Never),
                other => Err(format!(
                    "kwarg `ignore_row_if` {other:?} is not one of all_values_are_missing / both_values_are_missing, any_value_is_missing / either_value_is_missing, never / neither"
                )),
            },
            Some(v) => Err(format!("kwarg `ignore_row_if` must be a string, found {v}")),
        }
    }

    fn quantile_ranges(&self) -> Result<(Vec<f64>, Vec<ValueRange>), String> {
        let Some(Value::Object(q)) = self.get("quantile_ranges") else {
            return Err(match self.get("quantile_ranges") {
                None => "missing kwarg `quantile_ranges`".into(),
                Some(v) => format!("kwarg `quantile_ranges` must be a mapping with `quantiles` and `value_ranges`, found {v}"),
            });
        };
        let quantiles = match q.get("quantiles") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_f64().filter(|x| (0.0..=1.0).contains(x)).ok_or_else(|| {
                        format!("quantile_ranges.quantiles must hold numbers from 0 to 1, found {v}")
                    })
                })
                .collect::<Result<Vec<f64>, String>>()?,
            _ => return Err("quantile_ranges.quantiles must be a list of numbers".into()),
        };
        let ranges = match q.get("value_ranges") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v.as_array().map(Vec::as_slice) {
                    Some([lo, hi]) if (lo.is_null() || lo.is_number()) && (hi.is_null() || hi.is_number()) => {
                        Ok((lo.as_f64(), hi.as_f64()))
                    }
                    _ => Err(format!(
                        "quantile_ranges.value_ranges must hold [min, max] pairs of numbers or null, found {v}"
                    )),
                })
                .collect::<Result<Vec<_>, String>>()?,
            _ => return Err("quantile_ranges.value_ranges must be a list of [min, max] pairs".into()),
        };
        if quantiles.len() != ranges.len() {
            return Err(format!(
                "quantile_ranges has {} quantiles but {} value_ranges; give one range per quantile",
                quantiles.len(),
                ranges.len()
            ));
        }
        Ok((quantiles, ranges))
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
                    if let Some((nanos, _)) = crate::util::parse_iso_instant(s) {
                        set.times.push(nanos);
                    }
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
        compile_regex(&self.string("regex")?)
    }

    fn regex_list(&self) -> Result<Vec<Regex>, String> {
        let list = self.strings("regex_list")?;
        if list.is_empty() {
            return Err("kwarg `regex_list` must list at least one regex".into());
        }
        list.iter().map(|r| compile_regex(r)).collect()
    }
}

fn stat(stat: Stat, k: &Kwargs) -> Result<CheckKind, String> {
    Ok(CheckKind::Stat {
        stat,
        range: k.range()?,
    })
}

fn compile_regex(s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| format!("invalid regex {s:?}: {e}"))
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
    let mut columns: Vec<String> = Vec::new();
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
        "expect_compound_columns_to_be_unique" => {
            columns = k.strings("column_list")?;
            if columns.is_empty() {
                return Err("kwarg `column_list` must name at least one column".into());
            }
            CheckKind::CompoundUnique(k.ignore_rows(IgnoreRows::AllMissing)?)
        }
        pair @ ("expect_column_pair_values_a_to_be_greater_than_b"
        | "expect_column_pair_values_to_be_equal") => {
            columns = vec![k.named_column("column_A")?, k.named_column("column_B")?];
            let rule = if pair.ends_with("_equal") {
                PairRule::Equal
            } else {
                PairRule::AGreaterThanB {
                    or_equal: k.bool_or("or_equal", false)?,
                }
            };
            CheckKind::Pair {
                rule,
                ignore: k.ignore_rows(IgnoreRows::AllMissing)?,
            }
        }
        other => {
            columns = vec![k.column()?];
            match other {
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
                    let range = k.range()?;
                    if range.min.is_none() && range.max.is_none() {
                        return Err("needs `min_value` or `max_value`".into());
                    }
                    CheckKind::Between(range)
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
                "expect_column_values_to_match_regex_list" => CheckKind::MatchRegexList {
                    regexes: k.regex_list()?,
                    all: match k.get("match_on") {
                        None => false,
                        Some(Value::String(s)) if s == "any" => false,
                        Some(Value::String(s)) if s == "all" => true,
                        Some(v) => return Err(format!("kwarg `match_on` must be \"any\" or \"all\", found {v}")),
                    },
                },
                "expect_column_values_to_match_strftime_format" => CheckKind::MatchStrftime(
                    crate::engine::strptime::Format::parse(&k.string("strftime_format")?)?,
                ),
                "expect_column_values_to_be_of_type" => {
                    let name = k.string("type_")?;
                    crate::engine::types::check_known(std::slice::from_ref(&name))?;
                    CheckKind::OfType(vec![name])
                }
                "expect_column_values_to_be_in_type_list" => {
                    let names = k.strings("type_list")?;
                    crate::engine::types::check_known(&names)?;
                    CheckKind::OfType(names)
                }
                "expect_column_values_to_be_increasing" | "expect_column_values_to_be_decreasing" => {
                    CheckKind::Ordered {
                        increasing: other.ends_with("_increasing"),
                        strictly: k.bool_or("strictly", false)?,
                    }
                }
                "expect_column_distinct_values_to_be_in_set" => {
                    CheckKind::DistinctInSet(k.value_set()?)
                }
                "expect_column_distinct_values_to_contain_set" => {
                    CheckKind::DistinctContainSet(k.value_set()?)
                }
                "expect_column_distinct_values_to_equal_set" => {
                    CheckKind::DistinctEqualSet(k.value_set()?)
                }
                "expect_column_min_to_be_between" => stat(Stat::Min, &k)?,
                "expect_column_max_to_be_between" => stat(Stat::Max, &k)?,
                "expect_column_mean_to_be_between" => stat(Stat::Mean, &k)?,
                "expect_column_median_to_be_between" => stat(Stat::Median, &k)?,
                "expect_column_stdev_to_be_between" => stat(Stat::Stdev, &k)?,
                "expect_column_sum_to_be_between" => stat(Stat::Sum, &k)?,
                "expect_column_quantile_values_to_be_between" => {
                    let (quantiles, ranges) = k.quantile_ranges()?;
                    CheckKind::Quantiles { quantiles, ranges }
                }
                "expect_column_unique_value_count_to_be_between" => {
                    CheckKind::UniqueValueCount(k.range()?)
                }
                "expect_column_proportion_of_unique_values_to_be_between" => {
                    CheckKind::ProportionUnique(k.range()?)
                }
                unknown => {
                    return Err(format!(
                        "unknown expectation type {unknown:?}; see the README for the supported catalogue"
                    ))
                }
            }
        }
    };
    let mostly = if kind.takes_mostly() {
        k.mostly()?
    } else {
        1.0
    };
    let column = (!columns.is_empty()).then(|| columns.join(", "));
    Ok(Check {
        index,
        config: config.clone(),
        column,
        columns,
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
    fn catalogue_kwargs_are_checked() {
        for (ty, kwargs, needle) in [
            ("expect_column_values_to_match_regex_list", "{column: A, regex_list: ['a', '(']}", "invalid regex"),
            ("expect_column_values_to_match_regex_list", "{column: A, regex_list: [a], match_on: some}", "match_on"),
            ("expect_column_values_to_match_strftime_format", "{column: A, strftime_format: '%Y-%e'}", "%e"),
            ("expect_column_values_to_match_strftime_format", "{column: A}", "missing kwarg `strftime_format`"),
            ("expect_column_values_to_be_of_type", "{column: A, type_: varchar2}", "varchar2"),
            ("expect_column_values_to_be_in_type_list", "{column: A, type_list: int64}", "must be a list"),
            ("expect_compound_columns_to_be_unique", "{column_list: []}", "at least one column"),
            ("expect_compound_columns_to_be_unique", "{column_list: [A, B], ignore_row_if: sometimes}", "ignore_row_if"),
            ("expect_column_pair_values_a_to_be_greater_than_b", "{column_A: A}", "missing kwarg `column_B`"),
            ("expect_column_pair_values_a_to_be_greater_than_b", "{column_A: A, column_B: B, or_equal: 'yes'}", "or_equal"),
            ("expect_column_mean_to_be_between", "{column: A, min_value: [1]}", "min_value"),
            ("expect_column_quantile_values_to_be_between", "{column: A, quantile_ranges: {quantiles: [0.5, 2], value_ranges: [[0, 1], [0, 1]]}}", "from 0 to 1"),
            ("expect_column_quantile_values_to_be_between", "{column: A, quantile_ranges: {quantiles: [0.5], value_ranges: []}}", "one range per quantile"),
            ("expect_column_values_to_be_increasing", "{column: A, strictly: 1}", "strictly"),
            ("expect_column_distinct_values_to_contain_set", "{column: A, value_set: a}", "value_set"),
        ] {
            let yaml = format!("expectations:\n- expectation_type: {ty}\n  kwargs: {kwargs}\n");
            let err = load(&yaml).unwrap_err();
            assert_eq!(crate::error::exit_code_for(&err), 2, "{ty} {kwargs}");
            let msg = err.to_string();
            assert!(msg.contains("t_validation.yml") && msg.contains("#0"), "{msg}");
            assert!(msg.contains(needle), "{ty} {kwargs}: {msg} lacks {needle}");
        }
    }

    #[test]
    fn gx_suite_json_is_read_and_written() {
        let json = r#"{"name": "orders", "meta": {"great_expectations_version": "1.24.1"},
            "expectations": [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id", "mostly": 0.9},
                              "meta": {"severity": "critical"}, "id": "1f0c"}]}"#;
        let suite = CompiledSuite::load(json, "orders.json").unwrap();
        assert_eq!(suite.name, "orders");
        assert_eq!(
            suite.checks[0].config.expectation_type,
            "expect_column_values_to_be_unique"
        );
        assert_eq!(suite.checks[0].severity, Severity::Critical);
        assert_eq!(suite.checks[0].mostly, 0.9);
        let out = suite.suite.to_gx_json("fallback");
        assert_eq!(out["name"], "orders");
        assert_eq!(
            out["expectations"][0]["type"],
            "expect_column_values_to_be_unique"
        );
        assert_eq!(out["expectations"][0]["id"], "1f0c");
        assert_eq!(out["meta"]["great_expectations_version"], "1.24.1");
        // And back: the export reads as the same suite.
        let again = CompiledSuite::load(&out.to_string(), "again.json").unwrap();
        assert_eq!(again.checks[0].config, suite.checks[0].config);
        // GX 0.x spelling.
        let old = r#"{"expectation_suite_name": "s", "expectations": [{"expectation_type": "expect_table_row_count_to_equal", "kwargs": {"value": 3}}]}"#;
        assert_eq!(CompiledSuite::load(old, "s.json").unwrap().name, "s");
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
