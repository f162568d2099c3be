//! Column checks as accumulators over record batches, with Great
//! Expectations' semantics: nulls (and float NaN) are skipped, except by the
//! null checks; `success = (non_null - unexpected) / non_null >= mostly`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::column::{Cell, Col};
use super::result::{ExceptionInfo, ResultDetail, ValueCount};
use crate::config::Limits;
use crate::suite::{Bound, CheckKind};

/// GX keeps the first 20 unexpected values in row order.
pub const PARTIAL_LIMIT: usize = 20;

/// What a column check has seen so far.
pub enum Accumulator {
    Map(MapAcc),
    Unique(UniqueAcc),
}

impl Accumulator {
    pub fn new(kind: &CheckKind, limits: &Limits) -> Accumulator {
        match kind {
            CheckKind::Unique => Accumulator::Unique(UniqueAcc {
                max_values: limits.unique_max_values,
                max_value_bytes: limits.max_value_bytes,
                ..Default::default()
            }),
            _ => Accumulator::Map(MapAcc {
                max_value_bytes: limits.max_value_bytes,
                ..Default::default()
            }),
        }
    }

    /// Feeds one batch of the column; `row_offset` is the batch's first row in the file.
    pub fn update(&mut self, kind: &CheckKind, col: &Col, row_offset: u64) {
        match self {
            Accumulator::Map(acc) => acc.update(kind, col, row_offset),
            Accumulator::Unique(acc) => acc.update(col, row_offset),
        }
    }

    pub fn finish(self, kind: &CheckKind, mostly: f64) -> Outcome {
        match self {
            Accumulator::Map(acc) => acc.finish(kind, mostly),
            Accumulator::Unique(acc) => acc.finish(mostly),
        }
    }
}

pub struct Outcome {
    pub success: bool,
    pub result: ResultDetail,
    pub exception: Option<ExceptionInfo>,
}

impl Outcome {
    pub fn exception(message: String) -> Outcome {
        Outcome {
            success: false,
            result: ResultDetail::default(),
            exception: Some(ExceptionInfo {
                raised_exception: true,
                exception_message: message,
            }),
        }
    }
}

#[derive(Default)]
pub struct MapAcc {
    element: u64,
    missing: u64,
    unexpected: u64,
    partial: Vec<Value>,
    error: Option<String>,
    max_value_bytes: u64,
}

/// A value too long to examine, named with its row and the setting to raise.
fn oversized(cell: Cell, row: u64, max: u64) -> Option<String> {
    let (Cell::Str(s) | Cell::Text(s)) = cell else {
        return None;
    };
    (max > 0 && s.len() as u64 > max).then(|| {
        format!(
            "the value in row {row} is {} bytes, more than limits.max_value_bytes ({max}); raise the limit to check it",
            s.len()
        )
    })
}

impl MapAcc {
    fn unexpected(&mut self, cell: Cell) {
        self.unexpected += 1;
        if self.partial.len() < PARTIAL_LIMIT {
            self.partial.push(cell.to_json());
        }
    }

    fn update(&mut self, kind: &CheckKind, col: &Col, row_offset: u64) {
        let n = col.len();
        self.element += n as u64;
        if self.error.is_some() {
            return;
        }
        for i in 0..n {
            let cell = col.cell(i);
            if let Some(e) = oversized(cell, row_offset + i as u64, self.max_value_bytes) {
                self.error = Some(e);
                return;
            }
            match kind {
                CheckKind::NotNull => {
                    if cell.is_null() {
                        self.unexpected(cell)
                    }
                }
                CheckKind::BeNull => {
                    if !cell.is_null() {
                        self.unexpected(cell)
                    }
                }
                _ if cell.is_null() => self.missing += 1,
                _ => match is_expected(kind, cell) {
                    Ok(true) => {}
                    Ok(false) => self.unexpected(cell),
                    Err(e) => {
                        self.error = Some(e);
                        return;
                    }
                },
            }
        }
    }

    fn finish(self, kind: &CheckKind, mostly: f64) -> Outcome {
        if let Some(e) = self.error {
            return Outcome::exception(e);
        }
        let pct = |n: u64, d: u64| {
            if d == 0 {
                None
            } else {
                Some(n as f64 / d as f64 * 100.0)
            }
        };
        let counts = partial_counts(&self.partial);
        if matches!(kind, CheckKind::NotNull | CheckKind::BeNull) {
            // The null checks judge every row: there is no "missing".
            let ratio_ok = self.element == 0
                || (self.element - self.unexpected) as f64 / self.element as f64 >= mostly;
            return Outcome {
                success: ratio_ok,
                result: ResultDetail {
                    element_count: Some(self.element),
                    unexpected_count: Some(self.unexpected),
                    unexpected_percent: pct(self.unexpected, self.element).or(Some(0.0)),
                    unexpected_percent_total: pct(self.unexpected, self.element).or(Some(0.0)),
                    partial_unexpected_list: Some(self.partial),
                    partial_unexpected_counts: Some(counts),
                    ..Default::default()
                },
                exception: None,
            };
        }
        map_outcome(
            self.element,
            self.missing,
            self.unexpected,
            self.partial,
            counts,
            mostly,
        )
    }
}

fn map_outcome(
    element: u64,
    missing: u64,
    unexpected: u64,
    partial: Vec<Value>,
    counts: Vec<ValueCount>,
    mostly: f64,
) -> Outcome {
    let nonmissing = element - missing;
    let pct = |n: u64, d: u64| {
        if d == 0 {
            None
        } else {
            Some(n as f64 / d as f64 * 100.0)
        }
    };
    // An empty or all-null column passes.
    let success = nonmissing == 0 || (nonmissing - unexpected) as f64 / nonmissing as f64 >= mostly;
    Outcome {
        success,
        result: ResultDetail {
            element_count: Some(element),
            missing_count: Some(missing),
            missing_percent: pct(missing, element),
            unexpected_count: Some(unexpected),
            unexpected_percent: pct(unexpected, nonmissing),
            unexpected_percent_total: pct(unexpected, element),
            unexpected_percent_nonmissing: pct(unexpected, nonmissing),
            partial_unexpected_list: Some(partial),
            partial_unexpected_counts: Some(counts),
            ..Default::default()
        },
        exception: None,
    }
}

/// Counts of the partial list, most frequent first, ties by value (as GX sorts them).
fn partial_counts(partial: &[Value]) -> Vec<ValueCount> {
    let mut counts: Vec<ValueCount> = Vec::new();
    for v in partial {
        match counts.iter_mut().find(|c| &c.value == v) {
            Some(c) => c.count += 1,
            None => counts.push(ValueCount {
                value: v.clone(),
                count: 1,
            }),
        }
    }
    counts.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| cmp_json(&a.value, &b.value))
    });
    counts
}

fn cmp_json(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    }
}

fn type_name(cell: Cell) -> &'static str {
    match cell {
        Cell::Null => "NoneType",
        Cell::Str(_) => "str",
        Cell::Int(_) | Cell::UInt(_) => "int",
        Cell::Float(_) => "float",
        Cell::Bool(_) => "bool",
        Cell::Text(_) => "Timestamp",
    }
}

/// Compares a value with a range bound the way Python would, or says why it cannot.
fn compare(cell: Cell, bound: &Bound, op: &str) -> Result<Ordering, String> {
    match (cell, bound) {
        (Cell::Str(s) | Cell::Text(s), Bound::Str(b)) => Ok(s.cmp(b.as_str())),
        (Cell::Bool(v), Bound::Num(b)) => {
            Ok((v as u8 as f64).partial_cmp(b).unwrap_or(Ordering::Equal))
        }
        (c, Bound::Num(b)) if c.as_f64().is_some() => Ok(c
            .as_f64()
            .unwrap_or_default()
            .partial_cmp(b)
            .unwrap_or(Ordering::Equal)),
        (c, b) => Err(format!(
            "TypeError: '{op}' not supported between instances of '{}' and '{}'",
            type_name(c),
            match b {
                Bound::Num(_) => "int",
                Bound::Str(_) => "str",
            }
        )),
    }
}

fn is_expected(kind: &CheckKind, cell: Cell) -> Result<bool, String> {
    Ok(match kind {
        CheckKind::InSet(set) => set_contains(set, cell),
        CheckKind::NotInSet(set) => !set_contains(set, cell),
        CheckKind::Between {
            min,
            max,
            strict_min,
            strict_max,
        } => {
            if let Some(min) = min {
                let o = compare(cell, min, if *strict_min { ">" } else { ">=" })?;
                if o == Ordering::Less || (*strict_min && o == Ordering::Equal) {
                    return Ok(false);
                }
            }
            if let Some(max) = max {
                let o = compare(cell, max, if *strict_max { "<" } else { "<=" })?;
                if o == Ordering::Greater || (*strict_max && o == Ordering::Equal) {
                    return Ok(false);
                }
            }
            true
        }
        CheckKind::LengthsBetween { min, max } => {
            let len = cell.text().chars().count() as f64;
            min.is_none_or(|m| len >= m) && max.is_none_or(|m| len <= m)
        }
        CheckKind::LengthEqual(n) => cell.text().chars().count() as u64 == *n,
        CheckKind::MatchRegex(re) => re.is_match(&cell.text()),
        CheckKind::NotMatchRegex(re) => !re.is_match(&cell.text()),
        _ => true,
    })
}

fn set_contains(set: &crate::suite::ValueSet, cell: Cell) -> bool {
    match cell {
        Cell::Str(s) => set.contains_str(s),
        Cell::Bool(b) => set.contains_bool(b),
        Cell::Text(_) | Cell::Null => false,
        c => c.as_f64().is_some_and(|x| set.contains_num(x)),
    }
}

/// A value as a hash key; floats by their bits (NaN never gets here).
#[derive(Hash, PartialEq, Eq, Clone)]
enum Key {
    Str(Box<str>),
    Int(i64),
    UInt(u64),
    Float(u64),
    Bool(bool),
}

fn key_of(cell: Cell) -> Option<Key> {
    Some(match cell {
        Cell::Null => return None,
        Cell::Str(s) | Cell::Text(s) => Key::Str(s.into()),
        Cell::Int(i) => Key::Int(i),
        Cell::UInt(u) => Key::UInt(u),
        Cell::Float(f) => Key::Float(if f == 0.0 { 0 } else { f.to_bits() }),
        Cell::Bool(b) => Key::Bool(b),
    })
}

/// Uniqueness: GX counts every non-null row whose value occurs more than
/// once. Memory grows with the number of distinct values.
#[derive(Default)]
pub struct UniqueAcc {
    element: u64,
    missing: u64,
    max_values: u64,
    max_value_bytes: u64,
    error: Option<String>,
    seen: HashMap<Key, (u64, u32)>,
    duplicated_rows: u64,
    /// The lowest row numbers of duplicated values, with their value.
    partial: BTreeMap<u64, Value>,
}

impl UniqueAcc {
    fn note(&mut self, row: u64, value: Value) {
        if self.partial.len() < PARTIAL_LIMIT {
            self.partial.insert(row, value);
        } else if let Some((&last, _)) = self.partial.last_key_value() {
            if row < last {
                self.partial.pop_last();
                self.partial.insert(row, value);
            }
        }
    }

    fn update(&mut self, col: &Col, row_offset: u64) {
        let n = col.len();
        self.element += n as u64;
        if self.error.is_some() {
            return;
        }
        for i in 0..n {
            let cell = col.cell(i);
            let row = row_offset + i as u64;
            if let Some(e) = oversized(cell, row, self.max_value_bytes) {
                self.error = Some(e);
                self.seen = HashMap::new();
                return;
            }
            if self.max_values > 0 && self.seen.len() as u64 >= self.max_values {
                self.error = Some(format!(
                    "stopped after {} distinct values (limits.unique_max_values) at row {row}; raise the limit to check this column",
                    self.seen.len()
                ));
                // Give the memory back at once.
                self.seen = HashMap::new();
                return;
            }
            let Some(key) = key_of(cell) else {
                self.missing += 1;
                continue;
            };
            let entry = self.seen.entry(key).or_insert((row, 0));
            entry.1 += 1;
            let (first, count) = *entry;
            if count == 2 {
                self.duplicated_rows += 2;
                self.note(first, cell.to_json());
                self.note(row, cell.to_json());
            } else if count > 2 {
                self.duplicated_rows += 1;
                self.note(row, cell.to_json());
            }
        }
    }

    fn finish(self, mostly: f64) -> Outcome {
        if let Some(e) = self.error {
            return Outcome::exception(e);
        }
        let partial: Vec<Value> = self.partial.into_values().collect();
        let counts = partial_counts(&partial);
        map_outcome(
            self.element,
            self.missing,
            self.duplicated_rows,
            partial,
            counts,
            mostly,
        )
    }
}
