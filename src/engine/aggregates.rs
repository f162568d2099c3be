//! Column aggregate expectations: one observed value per column (min, max,
//! mean, median, standard deviation, sum, quantiles, distinct values), judged
//! as GX judges them: a missing or NaN observation fails.

use std::cmp::Ordering;
use std::collections::HashSet;

use serde_json::{json, Value};

use super::checks::{
    in_range, key_of, set_contains, too_many_values, type_name, Key, Outcome, PARTIAL_LIMIT,
};
use super::column::{Cell, Col};
use super::result::ResultDetail;
use crate::suite::{CheckKind, Range, SetMember, Stat, ValueSet};

/// An observed extreme, kept by value.
#[derive(Clone, Debug)]
enum Extreme {
    Int(i64),
    Num(f64),
    Str(String),
    Time(i64),
    Date(i32),
}

impl Extreme {
    fn of(cell: Cell) -> Option<Extreme> {
        Some(match cell {
            Cell::Null => return None,
            Cell::Int(i) => Extreme::Int(i),
            Cell::Bool(b) => Extreme::Int(b as i64),
            Cell::Str(s) | Cell::Text(s) => Extreme::Str(s.to_string()),
            Cell::Time(t) => Extreme::Time(t),
            Cell::Date(d) => Extreme::Date(d),
            c => Extreme::Num(c.as_f64()?),
        })
    }

    fn cell(&self) -> Cell<'_> {
        match self {
            Extreme::Int(i) => Cell::Int(*i),
            Extreme::Num(f) => Cell::Float(*f),
            Extreme::Str(s) => Cell::Str(s),
            Extreme::Time(t) => Cell::Time(*t),
            Extreme::Date(d) => Cell::Date(*d),
        }
    }

    fn cmp(&self, other: &Extreme) -> Ordering {
        match (self, other) {
            (Extreme::Int(a), Extreme::Int(b)) => a.cmp(b),
            (Extreme::Str(a), Extreme::Str(b)) => a.cmp(b),
            (Extreme::Time(a), Extreme::Time(b)) => a.cmp(b),
            (Extreme::Date(a), Extreme::Date(b)) => a.cmp(b),
            (a, b) => match (a.cell().as_f64(), b.cell().as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => Ordering::Equal,
            },
        }
    }
}

/// Min, max, mean, median, standard deviation, sum and quantiles of a column.
pub struct StatsAcc {
    count: u64,
    min: Option<Extreme>,
    max: Option<Extreme>,
    /// Exact while every value is an integer.
    int_sum: Option<i128>,
    /// Compensated (Neumaier) sum.
    sum: f64,
    compensation: f64,
    /// Welford's running mean and sum of squared deviations.
    mean: f64,
    m2: f64,
    /// Kept only for the median and quantiles: 8 bytes per non-null value.
    values: Option<Vec<f64>>,
    numeric_only: bool,
    error: Option<String>,
}

impl StatsAcc {
    pub fn new(kind: &CheckKind) -> StatsAcc {
        let keeps_values = matches!(
            kind,
            CheckKind::Stat {
                stat: Stat::Median,
                ..
            } | CheckKind::Quantiles { .. }
        );
        let numeric_only = !matches!(
            kind,
            CheckKind::Stat {
                stat: Stat::Min | Stat::Max,
                ..
            }
        );
        StatsAcc {
            count: 0,
            min: None,
            max: None,
            int_sum: Some(0),
            sum: 0.0,
            compensation: 0.0,
            mean: 0.0,
            m2: 0.0,
            values: keeps_values.then(Vec::new),
            numeric_only,
            error: None,
        }
    }

    pub fn update(&mut self, col: &Col) {
        if self.error.is_some() {
            return;
        }
        for i in 0..col.len() {
            let cell = col.cell(i);
            if cell.is_null() {
                continue;
            }
            self.count += 1;
            if let Some(e) = Extreme::of(cell) {
                if self.min.as_ref().is_none_or(|m| e.cmp(m) == Ordering::Less) {
                    self.min = Some(e.clone());
                }
                if self
                    .max
                    .as_ref()
                    .is_none_or(|m| e.cmp(m) == Ordering::Greater)
                {
                    self.max = Some(e);
                }
            }
            if !self.numeric_only {
                continue;
            }
            let x = match cell {
                Cell::Bool(b) => b as u8 as f64,
                c => match c.as_f64() {
                    Some(x) => x,
                    None => {
                        self.error = Some(format!(
                            "TypeError: this statistic needs numbers, the column holds {} values",
                            type_name(cell)
                        ));
                        return;
                    }
                },
            };
            self.int_sum = match (self.int_sum, cell) {
                (Some(s), Cell::Int(v)) => Some(s + v as i128),
                (Some(s), Cell::UInt(v)) => Some(s + v as i128),
                (Some(s), Cell::Bool(b)) => Some(s + b as i128),
                _ => None,
            };
            let t = self.sum + x;
            self.compensation += if self.sum.abs() >= x.abs() {
                (self.sum - t) + x
            } else {
                (x - t) + self.sum
            };
            self.sum = t;
            let delta = x - self.mean;
            self.mean += delta / self.count as f64;
            self.m2 += delta * (x - self.mean);
            if let Some(v) = &mut self.values {
                v.push(x);
            }
        }
    }

    /// Takes in the rows `other` saw, which come after this one's.
    pub fn merge(&mut self, other: StatsAcc) {
        if self.error.is_some() {
            return;
        }
        if other.error.is_some() {
            self.error = other.error;
            return;
        }
        if let Some(m) = other.min {
            if self.min.as_ref().is_none_or(|x| m.cmp(x) == Ordering::Less) {
                self.min = Some(m);
            }
        }
        if let Some(m) = other.max {
            if self
                .max
                .as_ref()
                .is_none_or(|x| m.cmp(x) == Ordering::Greater)
            {
                self.max = Some(m);
            }
        }
        self.int_sum = match (self.int_sum, other.int_sum) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        // Neumaier for the sums, Chan et al. for mean and squared deviations.
        let t = self.sum + other.sum;
        self.compensation += other.compensation
            + if self.sum.abs() >= other.sum.abs() {
                (self.sum - t) + other.sum
            } else {
                (other.sum - t) + self.sum
            };
        self.sum = t;
        let n = self.count + other.count;
        if n > 0 {
            let delta = other.mean - self.mean;
            let (na, nb) = (self.count as f64, other.count as f64);
            self.mean += delta * nb / n as f64;
            self.m2 += other.m2 + delta * delta * na * nb / n as f64;
        }
        self.count = n;
        if let (Some(v), Some(w)) = (&mut self.values, other.values) {
            v.extend(w);
        }
    }

    pub fn finish(self, kind: &CheckKind) -> Outcome {
        if let Some(e) = self.error {
            return Outcome::exception(e);
        }
        match kind {
            CheckKind::Stat { stat, range } => {
                let observed: Option<Extreme> = match stat {
                    Stat::Min => self.min.clone(),
                    Stat::Max => self.max.clone(),
                    Stat::Sum => Some(match self.int_sum {
                        Some(s) if i64::try_from(s).is_ok() => Extreme::Int(s as i64),
                        _ => Extreme::Num(self.sum + self.compensation),
                    }),
                    Stat::Mean => (self.count > 0)
                        .then(|| Extreme::Num((self.sum + self.compensation) / self.count as f64)),
                    Stat::Stdev => (self.count > 1)
                        .then(|| Extreme::Num((self.m2 / (self.count - 1) as f64).sqrt())),
                    Stat::Median => self.values.and_then(median).map(Extreme::Num),
                };
                judge_observed(observed.as_ref().map(Extreme::cell), range)
            }
            CheckKind::Quantiles { quantiles, ranges } => {
                let mut values = self.values.unwrap_or_default();
                values.sort_unstable_by(f64::total_cmp);
                let observed: Vec<Option<f64>> = quantiles
                    .iter()
                    .map(|q| nearest_quantile(&values, *q))
                    .collect();
                let details: Vec<bool> = observed
                    .iter()
                    .zip(ranges)
                    .map(|(v, (lo, hi))| {
                        v.is_some_and(|v| {
                            lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi)
                        })
                    })
                    .collect();
                Outcome {
                    success: details.iter().all(|d| *d),
                    result: ResultDetail {
                        observed_value: Some(json!({
                            "quantiles": quantiles,
                            "values": observed,
                        })),
                        details: Some(json!({ "success_details": details })),
                        ..Default::default()
                    },
                    exception: None,
                }
            }
            _ => Outcome::exception("internal: not a statistic".into()),
        }
    }
}

/// The observed value against its range; nothing observed fails.
fn judge_observed(observed: Option<Cell>, range: &Range) -> Outcome {
    match observed {
        None => Outcome::observed(false, Value::Null),
        Some(cell) => match in_range(cell, range) {
            Ok(ok) => Outcome::observed(ok, cell.to_json()),
            Err(e) => Outcome::exception(e),
        },
    }
}

/// pandas' median: the middle value, or the mean of the two middle values.
fn median(mut values: Vec<f64>) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values[..n / 2]
        .iter()
        .copied()
        .max_by(f64::total_cmp)
        .unwrap_or(upper);
    Some((lower + upper) / 2.0)
}

/// pandas' `quantile(q, interpolation="nearest")` over sorted values: the
/// value at position q·(n−1), halves rounded to the even position.
fn nearest_quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let idx = pos.round_ties_even() as usize;
    sorted.get(idx.min(sorted.len() - 1)).copied()
}

/// Distinct non-null values of a column, up to `limits.unique_max_values`.
pub struct DistinctAcc {
    nonnull: u64,
    seen: HashSet<Key>,
    max_values: u64,
    error: Option<String>,
}

impl DistinctAcc {
    pub fn new(max_values: u64) -> DistinctAcc {
        DistinctAcc {
            nonnull: 0,
            seen: HashSet::new(),
            max_values,
            error: None,
        }
    }

    /// Takes in the rows `other` saw, which come after this one's.
    pub fn merge(&mut self, other: DistinctAcc) {
        if self.error.is_some() {
            return;
        }
        if other.error.is_some() {
            self.error = other.error;
            self.seen = HashSet::new();
            return;
        }
        self.nonnull += other.nonnull;
        self.seen.extend(other.seen);
        if self.max_values > 0 && self.seen.len() as u64 > self.max_values {
            self.error = Some(too_many_values(self.max_values, None));
            self.seen = HashSet::new();
        }
    }

    pub fn update(&mut self, col: &Col, row_offset: u64) {
        if self.error.is_some() {
            return;
        }
        for i in 0..col.len() {
            let Some(key) = key_of(col.cell(i)) else {
                continue;
            };
            self.nonnull += 1;
            self.seen.insert(key);
            if self.max_values > 0 && self.seen.len() as u64 > self.max_values {
                self.error = Some(too_many_values(
                    self.max_values,
                    Some(row_offset + i as u64),
                ));
                self.seen = HashSet::new();
                return;
            }
        }
    }

    /// Distinct values outside the set, sorted, and how many there are.
    fn outside(&self, set: &ValueSet) -> (u64, Vec<Value>) {
        let mut out: Vec<&Key> = self
            .seen
            .iter()
            .filter(|k| !set_contains(set, key_cell(k)))
            .collect();
        out.sort_by(|a, b| a.cmp_value(b));
        let n = out.len() as u64;
        (
            n,
            out.into_iter()
                .take(PARTIAL_LIMIT)
                .map(Key::to_json)
                .collect(),
        )
    }

    /// Set members the column never holds, in the suite's order.
    fn absent(&self, set: &ValueSet) -> (u64, Vec<Value>) {
        let absent: Vec<Value> = set
            .members
            .iter()
            .filter(|m| !member_keys(m).iter().any(|k| self.seen.contains(k)))
            .map(|m| match m {
                SetMember::Str(s) => Value::String(s.clone()),
                SetMember::Num(x) => Cell::Float(*x).to_json(),
                SetMember::Bool(b) => Value::Bool(*b),
            })
            .collect();
        (
            absent.len() as u64,
            absent.into_iter().take(PARTIAL_LIMIT).collect(),
        )
    }

    pub fn finish(self, kind: &CheckKind) -> Outcome {
        if let Some(e) = self.error {
            return Outcome::exception(e);
        }
        // GX 1.x reports no observed value for the set expectations.
        let sets = |unexpected: Option<(u64, Vec<Value>)>, missing: Option<(u64, Vec<Value>)>| {
            let success = unexpected.as_ref().is_none_or(|u| u.0 == 0)
                && missing.as_ref().is_none_or(|m| m.0 == 0);
            let (unexpected_count, partial_unexpected_list) = unexpected.unzip();
            let (missing_count, partial_missing_list) = missing.unzip();
            Outcome {
                success,
                result: ResultDetail {
                    observed_value: Some(Value::Null),
                    unexpected_count,
                    partial_unexpected_list,
                    missing_count,
                    partial_missing_list,
                    ..Default::default()
                },
                exception: None,
            }
        };
        match kind {
            CheckKind::DistinctInSet(set) => sets(Some(self.outside(set)), None),
            CheckKind::DistinctContainSet(set) => sets(None, Some(self.absent(set))),
            CheckKind::DistinctEqualSet(set) => {
                sets(Some(self.outside(set)), Some(self.absent(set)))
            }
            CheckKind::UniqueValueCount(range) => {
                judge_observed(Some(Cell::Int(self.seen.len() as i64)), range)
            }
            CheckKind::ProportionUnique(range) => {
                let p = if self.nonnull == 0 {
                    0.0
                } else {
                    self.seen.len() as f64 / self.nonnull as f64
                };
                judge_observed(Some(Cell::Float(p)), range)
            }
            _ => Outcome::exception("internal: not a distinct-values check".into()),
        }
    }
}

fn key_cell(k: &Key) -> Cell<'_> {
    match k {
        Key::Str(s) => Cell::Str(s),
        Key::Int(i) => Cell::Int(*i),
        Key::Float(b) => Cell::Float(f64::from_bits(*b)),
        Key::Bool(b) => Cell::Bool(*b),
        Key::Time(t) => Cell::Time(*t),
        Key::Date(d) => Cell::Date(*d),
    }
}

/// The keys a set member may appear under: a string that reads as a date or
/// date-time also matches temporal values.
fn member_keys(m: &SetMember) -> Vec<Key> {
    match m {
        SetMember::Str(s) => {
            let mut keys = vec![Key::Str(s.as_str().into())];
            if let Some((nanos, _)) = crate::util::parse_iso_instant(s) {
                keys.push(Key::Time(nanos));
                if nanos % super::checks::NANOS_PER_DAY == 0 {
                    keys.push(Key::Date((nanos / super::checks::NANOS_PER_DAY) as i32));
                }
            }
            keys
        }
        SetMember::Num(x) => key_of(Cell::Float(*x)).into_iter().collect(),
        SetMember::Bool(b) => vec![Key::Bool(*b)],
    }
}
