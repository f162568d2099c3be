//! Rules from statistics. Every rule must hold on the data it came from:
//! a suite generated from a file validates that file with score 100.

use serde_json::{json, Map, Value};

use super::stats::{ColumnStats, ValueKind, PATTERNS};
use crate::config::ProfileSettings;
use crate::suite::{ExpectationConfig, Suite};
use crate::util::floor3;

/// The Python pipeline's pass-rate thresholds per severity.
pub fn default_quality_thresholds() -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in [
        ("critical", 95.0),
        ("high", 95.0),
        ("medium", 80.0),
        ("low", 50.0),
    ] {
        m.insert(k.into(), json!(v));
    }
    m
}

fn expectation(
    kind: &str,
    kwargs: Value,
    severity: &str,
    description: String,
) -> ExpectationConfig {
    let mut meta = Map::new();
    meta.insert("severity".into(), json!(severity));
    meta.insert("description".into(), json!(description));
    ExpectationConfig {
        expectation_type: kind.into(),
        kwargs: kwargs.as_object().cloned().unwrap_or_default(),
        meta,
        extra: Map::new(),
    }
}

fn with_mostly(mut kwargs: Value, mostly: f64) -> Value {
    if mostly < 1.0 {
        kwargs["mostly"] = json!(mostly);
    }
    kwargs
}

pub struct TableFacts<'a> {
    pub table: &'a str,
    pub source: &'a str,
    pub rows: u64,
    pub sampled_rows: u64,
    pub columns: &'a [ColumnStats],
}

/// `mostly` for the share rules (not-null, regex) learned from `n` sampled
/// values: the sampled share less four standard errors, so that the rule
/// holds on the rest of the file too. Exact when the whole file was read.
fn share_mostly(share: f64, n: u64, sampled: bool) -> f64 {
    if !sampled || n == 0 {
        return floor3(share);
    }
    let se = (share * (1.0 - share) / n as f64).sqrt();
    floor3((share - 4.0 * se - 1.0 / n as f64).max(0.0))
}

/// Set, length and range rules learned from a sample allow the rare value
/// the sample did not see.
const SAMPLED_MOSTLY: f64 = 0.999;

pub fn suite_for(facts: &TableFacts, settings: &ProfileSettings) -> Suite {
    let sampled = facts.sampled_rows < facts.rows;
    let mut ex = Vec::new();
    ex.push(expectation(
        "expect_table_row_count_to_be_between",
        // A table that was empty when profiled must not fail for being empty.
        json!({"min_value": if facts.rows > 0 { 1 } else { 0 }, "max_value": null}),
        "critical",
        if facts.rows > 0 {
            "Table should not be empty".into()
        } else {
            "Table was empty when profiled".into()
        },
    ));
    ex.push(expectation(
        "expect_table_column_count_to_equal",
        json!({"value": facts.columns.len()}),
        "high",
        "Detect schema drift - column count should remain stable".into(),
    ));
    let mut seen = std::collections::HashSet::new();
    for c in facts.columns {
        if seen.insert(c.name.as_str()) {
            column_rules(c, settings, sampled, &mut ex);
        } else {
            // A repeated name: checks by name see the first column only.
            let mut e = expectation(
                "expect_column_to_exist",
                json!({"column": c.name}),
                "critical",
                format!(
                    "Column {} must exist in the data (the name appears more than once)",
                    c.name
                ),
            );
            e.meta.insert("duplicate_name".into(), json!(true));
            ex.push(e);
        }
    }
    let mut data_source = Map::new();
    data_source.insert("type".into(), json!("parquet"));
    data_source.insert("source".into(), json!(facts.source));
    data_source.insert("profiled_rows".into(), json!(facts.sampled_rows));
    data_source.insert("profiled_columns".into(), json!(facts.columns.len()));
    data_source.insert("total_rows".into(), json!(facts.rows));
    Suite {
        validation_name: Some(facts.table.to_string()),
        description: Some(format!("Data quality validation for {}", facts.table)),
        generated_at: Some(json!(crate::util::now_rfc3339())),
        data_source: Some(Value::Object(data_source)),
        quality_thresholds: default_quality_thresholds(),
        threshold: None,
        expectations: ex,
        extra: Map::new(),
    }
}

fn column_rules(
    c: &ColumnStats,
    settings: &ProfileSettings,
    sampled: bool,
    ex: &mut Vec<ExpectationConfig>,
) {
    let sampled_mostly = if sampled { SAMPLED_MOSTLY } else { 1.0 };
    let col = &c.name;
    ex.push(expectation(
        "expect_column_to_exist",
        json!({"column": col}),
        "critical",
        format!("Column {col} must exist in the data"),
    ));
    if c.count == 0 {
        return;
    }
    let unique = c.unique == Some(true) && c.non_null() > 0;
    // Sentinels count as missing here: the rule's `mostly` is the share of
    // real values, so it holds (GX counts only true nulls against it).
    let missing = c.nulls + c.sentinels;
    let null_pct = c.nulls as f64 / c.count as f64 * 100.0;
    if c.present() > 0 {
        let mostly = if missing == 0 && !sampled {
            1.0
        } else {
            share_mostly(c.present() as f64 / c.count as f64, c.count, sampled)
        };
        let mut e = expectation(
            "expect_column_values_to_not_be_null",
            with_mostly(json!({"column": col}), mostly),
            if unique { "high" } else { "medium" },
            format!(
                "Column {col} should have minimal nulls (currently {:.1}%)",
                missing as f64 / c.count as f64 * 100.0
            ),
        );
        e.meta
            .insert("observed_null_percent".into(), json!(null_pct));
        ex.push(e);
    }
    if unique {
        ex.push(expectation(
            "expect_column_values_to_be_unique",
            json!({"column": col}),
            "critical",
            format!("ID column {col} must have unique values"),
        ));
    }
    // Value sets only for types GX compares as plain values (not binary,
    // dates or nested values, which it sees as other objects).
    let small_set = matches!(
        c.kind,
        ValueKind::String | ValueKind::Integer | ValueKind::Float | ValueKind::Boolean
    ) && c.infinities == (false, false)
        && c.distinct_known()
        && c.distinct
            .is_some_and(|d| d > 0 && d as usize <= settings.max_set_size)
        && !unique;
    if small_set {
        let values: Vec<Value> = c.top_values.iter().map(|(v, _)| v.clone()).collect();
        ex.push(expectation(
            "expect_column_values_to_be_in_set",
            with_mostly(json!({"column": col, "value_set": values}), sampled_mostly),
            "medium",
            "Values should be one of the known categories".into(),
        ));
    }
    if c.kind == ValueKind::String {
        if let (Some(min), Some(max)) = (c.min_length, c.max_length) {
            ex.push(expectation(
                "expect_column_value_lengths_to_be_between",
                with_mostly(
                    json!({"column": col, "min_value": min, "max_value": max}),
                    sampled_mostly,
                ),
                "low",
                "String length should be within observed range".into(),
            ));
        }
        if !small_set && c.present() > 0 {
            let best = c
                .pattern_matches
                .iter()
                .zip(PATTERNS.iter())
                .find(|((_, hits), _)| {
                    *hits as f64 >= settings.min_pattern_share * c.present() as f64
                });
            if let Some(((name, hits), (_, re))) = best {
                // Sentinels are non-null for GX, so they count against the pattern.
                let mostly =
                    share_mostly(*hits as f64 / c.non_null() as f64, c.non_null(), sampled);
                ex.push(expectation(
                    "expect_column_values_to_match_regex",
                    with_mostly(json!({"column": col, "regex": re.as_str()}), mostly),
                    "medium",
                    format!("Values should look like {name} values"),
                ));
            }
        }
    }
    if matches!(c.kind, ValueKind::Integer | ValueKind::Float) {
        // An infinite value leaves its side of the range open.
        let min = c.min_value.clone().filter(|_| !c.infinities.0);
        let max = c.max_value.clone().filter(|_| !c.infinities.1);
        if min.is_some() || max.is_some() {
            ex.push(expectation(
                "expect_column_values_to_be_between",
                with_mostly(
                    json!({"column": col, "min_value": min, "max_value": max}),
                    sampled_mostly,
                ),
                "medium",
                "Values should stay within the observed range".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_shares_keep_a_margin_whole_files_do_not() {
        assert_eq!(share_mostly(0.95, 1000, false), 0.95);
        let m = share_mostly(0.95, 100_000, true);
        assert!(m < 0.95 && m > 0.94, "{m}");
        assert_eq!(share_mostly(1.0, 100_000, true), 0.999);
    }
}
