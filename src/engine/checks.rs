//! Column checks as accumulators over record batches, with Great
//! Expectations' semantics: nulls (and float NaN) are skipped, except by the
//! null checks; `success = (non_null - unexpected) / non_null >= mostly`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use arrow_array::Array;
use arrow_schema::DataType;

pub use super::aggregates::{DistinctAcc, StatsAcc};
use super::column::{Cell, Col};
use super::result::{ExceptionInfo, ResultDetail, ValueCount};
use super::types::{judge, TypeVerdict};
use crate::config::Limits;
use crate::suite::{Bound, Check, CheckKind, IgnoreRows, PairRule};

/// GX keeps the first 20 unexpected values in row order.
pub const PARTIAL_LIMIT: usize = 20;

/// Distinct values a distinct-value check counts when no limit is set.
const DISTINCT_DEFAULT_MAX: u64 = 50_000_000;

pub(super) const NANOS_PER_DAY: i64 = 86_400_000_000_000;

/// What a column check has seen so far.
pub enum Accumulator {
    Map(MapAcc),
    Unique(UniqueAcc),
    Pair(PairAcc),
    Ordered(OrderedAcc),
    Type(TypeAcc),
    Stats(StatsAcc),
    Distinct(DistinctAcc),
}

impl Accumulator {
    /// `types` are the Arrow types of the check's columns, in order.
    pub fn new(check: &Check, limits: &Limits, types: &[DataType]) -> Accumulator {
        match &check.kind {
            CheckKind::Unique | CheckKind::CompoundUnique(_) => {
                Accumulator::Unique(UniqueAcc::new(check, limits, types))
            }
            CheckKind::Pair { .. } => Accumulator::Pair(PairAcc::default()),
            CheckKind::Ordered { .. } => Accumulator::Ordered(OrderedAcc::default()),
            CheckKind::OfType(_) => Accumulator::Type(TypeAcc {
                data_type: types.first().cloned().unwrap_or(DataType::Null),
                element: 0,
                missing: 0,
                sample: Vec::new(),
            }),
            CheckKind::Stat { .. } | CheckKind::Quantiles { .. } => {
                Accumulator::Stats(StatsAcc::new(&check.kind))
            }
            CheckKind::DistinctInSet(_)
            | CheckKind::DistinctContainSet(_)
            | CheckKind::DistinctEqualSet(_)
            | CheckKind::UniqueValueCount(_)
            | CheckKind::ProportionUnique(_) => {
                // A distinct-value set has no partitioned passes: it keeps a cap.
                let cap = match limits.unique_max_values {
                    0 => DISTINCT_DEFAULT_MAX,
                    n => n,
                };
                Accumulator::Distinct(DistinctAcc::new(cap))
            }
            _ => Accumulator::Map(MapAcc {
                max_value_bytes: limits.max_value_bytes,
                ..Default::default()
            }),
        }
    }

    /// Feeds one batch of the check's columns; `row_offset` is the batch's
    /// first row in the file.
    pub fn update(&mut self, kind: &CheckKind, cols: &[&Col], row_offset: u64) {
        let Some(first) = cols.first() else {
            return;
        };
        match self {
            Accumulator::Map(acc) => acc.update(kind, first, row_offset),
            Accumulator::Unique(acc) => acc.update(kind, cols, row_offset),
            Accumulator::Pair(acc) => acc.update(kind, cols),
            Accumulator::Ordered(acc) => acc.update(kind, first),
            Accumulator::Type(acc) => acc.update(first),
            Accumulator::Stats(acc) => acc.update(first),
            Accumulator::Distinct(acc) => acc.update(first, row_offset),
        }
    }

    /// Keeps only the keys of hash partition `part` of `parts`, within
    /// `budget` bytes (uniqueness checks; other checks ignore it).
    pub fn set_partition(&mut self, part: u64, parts: u64, budget: u64) {
        if let Accumulator::Unique(acc) = self {
            acc.partition = (part, parts);
            acc.budget = budget;
            // The proof is for a pass over every value (one partition).
            acc.bits = (parts <= 1 && acc.ints.is_some())
                .then(|| Box::new(IntBits::new(bits_bound(budget))));
        }
    }

    /// A uniqueness check past its memory budget: (rows seen, bytes held).
    pub fn unique_overflow(&self) -> Option<(u64, u64)> {
        match self {
            Accumulator::Unique(acc) => acc.overflow(),
            _ => None,
        }
    }

    /// Takes in the next hash partition's results and lets go of both maps:
    /// memory holds one partition at a time.
    pub fn absorb_partition(&mut self, other: Accumulator) {
        if let (Accumulator::Unique(a), Accumulator::Unique(b)) = (self, other) {
            a.close_partition();
            a.absorb(b);
        }
    }

    /// Takes in what `other` saw of the rows right after this one's (a later
    /// part of the file, scanned in parallel); as if one had seen them all.
    pub fn merge(&mut self, kind: &CheckKind, other: Accumulator) {
        match (self, other) {
            (Accumulator::Map(a), Accumulator::Map(b)) => a.t.merge(b.t),
            (Accumulator::Unique(a), Accumulator::Unique(b)) => a.merge(b),
            (Accumulator::Pair(a), Accumulator::Pair(b)) => a.t.merge(b.t),
            (Accumulator::Ordered(a), Accumulator::Ordered(b)) => a.merge(kind, b),
            (Accumulator::Type(a), Accumulator::Type(b)) => {
                a.element += b.element;
                a.missing += b.missing;
                let room = PARTIAL_LIMIT.saturating_sub(a.sample.len());
                a.sample.extend(b.sample.into_iter().take(room));
            }
            (Accumulator::Stats(a), Accumulator::Stats(b)) => a.merge(b),
            (Accumulator::Distinct(a), Accumulator::Distinct(b)) => a.merge(b),
            _ => {}
        }
    }

    pub fn finish(self, kind: &CheckKind, mostly: f64) -> Outcome {
        match self {
            Accumulator::Map(acc) => acc.finish(kind, mostly),
            Accumulator::Unique(acc) => acc.finish(mostly),
            Accumulator::Pair(acc) => acc.finish(mostly),
            Accumulator::Ordered(acc) => acc.finish(mostly),
            Accumulator::Type(acc) => acc.finish(kind, mostly),
            Accumulator::Stats(acc) => acc.finish(kind),
            Accumulator::Distinct(acc) => acc.finish(kind),
        }
    }
}

pub struct Outcome {
    pub success: bool,
    pub result: ResultDetail,
    pub exception: Option<ExceptionInfo>,
}

impl Outcome {
    /// An aggregate's verdict with its observed value.
    pub fn observed(success: bool, value: Value) -> Outcome {
        Outcome {
            success,
            result: ResultDetail {
                observed_value: Some(value),
                ..Default::default()
            },
            exception: None,
        }
    }

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

/// Arrow integer types read as `Col::Int`.
pub(super) fn is_int_type(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64
    )
}

/// Why a uniqueness or distinct-value check stopped: too many distinct
/// values for `limits.unique_max_values` (at a row, when one is known).
pub(super) fn too_many_values(max: u64, row: Option<u64>) -> String {
    let at = row.map(|r| format!(" at row {r}")).unwrap_or_default();
    format!(
        "stopped after {max} distinct values (limits.unique_max_values){at}; raise the limit to check this column"
    )
}

/// The outcome of a row-by-row check in which every judged row was expected
/// (settled from statistics): `missing` rows were not judged.
pub fn settled(kind: &CheckKind, element: u64, missing: u64, mostly: f64) -> Outcome {
    let acc = MapAcc {
        t: Tally {
            element,
            missing,
            ..Default::default()
        },
        max_value_bytes: 0,
        regex: None,
    };
    acc.finish(kind, mostly)
}

/// The counts of a row-by-row check, and why it could not be evaluated.
#[derive(Default)]
pub struct Tally {
    element: u64,
    missing: u64,
    unexpected: u64,
    partial: Vec<Value>,
    error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.element += other.element;
        self.missing += other.missing;
        self.unexpected += other.unexpected;
        let room = PARTIAL_LIMIT.saturating_sub(self.partial.len());
        self.partial.extend(other.partial.into_iter().take(room));
        if self.error.is_none() {
            self.error = other.error;
        }
    }

    /// An unexpected row; its value is only built while the partial list has room.
    fn unexpected_at(&mut self, col: &Col, i: usize) {
        self.unexpected += 1;
        if self.partial.len() < PARTIAL_LIMIT {
            self.partial.push(col.cell(i).to_json());
        }
    }

    fn unexpected(&mut self, value: Value) {
        self.unexpected += 1;
        if self.partial.len() < PARTIAL_LIMIT {
            self.partial.push(value);
        }
    }

    fn finish(self, mostly: f64) -> Outcome {
        match self.error {
            Some(e) => Outcome::exception(e),
            None => map_outcome(
                self.element,
                self.missing,
                self.unexpected,
                self.partial,
                mostly,
            ),
        }
    }
}

#[derive(Default)]
pub struct MapAcc {
    t: Tally,
    max_value_bytes: u64,
    regex: Option<regex::Regex>,
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
    fn update(&mut self, kind: &CheckKind, col: &Col, row_offset: u64) {
        let n = col.len();
        self.t.element += n as u64;
        if self.t.error.is_some() {
            return;
        }
        // Values over the size limit are refused by the general path below.
        let small = self.max_value_bytes == 0
            || super::fast::longest_text(col) as u64 <= self.max_value_bytes;
        if small {
            // A regex of its own: one shared by threads makes them queue
            // for its matching caches.
            if self.regex.is_none() {
                if let CheckKind::MatchRegex(re) | CheckKind::NotMatchRegex(re) = kind {
                    self.regex = Some(re.clone());
                }
            }
            let t = &mut self.t;
            let judged = super::fast::judge_rows(kind, col, self.regex.as_ref(), &mut |i| {
                t.unexpected_at(col, i)
            });
            if let Some(missing) = judged {
                t.missing += missing;
                return;
            }
        }
        for i in 0..n {
            let cell = col.cell(i);
            if let Some(e) = oversized(cell, row_offset + i as u64, self.max_value_bytes) {
                self.t.error = Some(e);
                return;
            }
            match kind {
                CheckKind::NotNull => {
                    if cell.is_null() {
                        self.t.unexpected(cell.to_json())
                    }
                }
                CheckKind::BeNull => {
                    if !cell.is_null() {
                        self.t.unexpected(cell.to_json())
                    }
                }
                _ if cell.is_null() => self.t.missing += 1,
                _ => match is_expected(kind, cell) {
                    Ok(true) => {}
                    Ok(false) => self.t.unexpected(cell.to_json()),
                    Err(e) => {
                        self.t.error = Some(e);
                        return;
                    }
                },
            }
        }
    }

    fn finish(self, kind: &CheckKind, mostly: f64) -> Outcome {
        if self.t.error.is_some() || !matches!(kind, CheckKind::NotNull | CheckKind::BeNull) {
            return self.t.finish(mostly);
        }
        let pct = |n: u64, d: u64| {
            if d == 0 {
                None
            } else {
                Some(n as f64 / d as f64 * 100.0)
            }
        };
        let counts = partial_counts(&self.t.partial);
        // The null checks judge every row: there is no "missing".
        let ratio_ok = self.t.element == 0
            || (self.t.element - self.t.unexpected) as f64 / self.t.element as f64 >= mostly;
        Outcome {
            success: ratio_ok,
            result: ResultDetail {
                element_count: Some(self.t.element),
                unexpected_count: Some(self.t.unexpected),
                unexpected_percent: pct(self.t.unexpected, self.t.element).or(Some(0.0)),
                unexpected_percent_total: pct(self.t.unexpected, self.t.element).or(Some(0.0)),
                partial_unexpected_list: Some(self.t.partial),
                partial_unexpected_counts: Some(counts),
                ..Default::default()
            },
            exception: None,
        }
    }
}

pub(super) fn map_outcome(
    element: u64,
    missing: u64,
    unexpected: u64,
    partial: Vec<Value>,
    mostly: f64,
) -> Outcome {
    let counts = partial_counts(&partial);
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
pub(super) fn partial_counts(partial: &[Value]) -> Vec<ValueCount> {
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

pub(super) fn cmp_json(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    }
}

pub(super) fn type_name(cell: Cell) -> &'static str {
    match cell {
        Cell::Null => "NoneType",
        Cell::Str(_) => "str",
        Cell::Int(_) | Cell::UInt(_) => "int",
        Cell::Float(_) => "float",
        Cell::Bool(_) => "bool",
        Cell::Time(_) => "Timestamp",
        Cell::Date(_) => "date",
        Cell::Text(_) => "object",
    }
}

/// Compares a value with a range bound the way Python would, or says why it cannot.
pub(super) fn compare(cell: Cell, bound: &Bound, op: &str) -> Result<Ordering, String> {
    match (cell, bound) {
        // Strings compare as text (GX 1.x only takes number and date bounds).
        (Cell::Str(s) | Cell::Text(s), Bound::Str(b) | Bound::Time { text: b, .. }) => {
            Ok(s.cmp(b.as_str()))
        }
        (Cell::Time(t), Bound::Time { nanos, .. }) => Ok(t.cmp(nanos)),
        (Cell::Date(d), Bound::Time { nanos, .. }) => Ok((d as i64 * NANOS_PER_DAY).cmp(nanos)),
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
                Bound::Num(_) => "float",
                Bound::Str(_) => "str",
                Bound::Time {
                    date_only: true, ..
                } => "datetime.date",
                Bound::Time { .. } => "datetime.datetime",
            }
        )),
    }
}

fn is_expected(kind: &CheckKind, cell: Cell) -> Result<bool, String> {
    Ok(match kind {
        CheckKind::InSet(set) => set_contains(set, cell),
        CheckKind::NotInSet(set) => !set_contains(set, cell),
        CheckKind::Between(range) => in_range(cell, range)?,
        CheckKind::LengthsBetween { min, max } => {
            let len = cell.text().chars().count() as f64;
            min.is_none_or(|m| len >= m) && max.is_none_or(|m| len <= m)
        }
        CheckKind::LengthEqual(n) => cell.text().chars().count() as u64 == *n,
        CheckKind::MatchRegex(re) => re.is_match(&cell.text()),
        CheckKind::NotMatchRegex(re) => !re.is_match(&cell.text()),
        CheckKind::MatchRegexList { regexes, all } => {
            let text = cell.text();
            if *all {
                regexes.iter().all(|re| re.is_match(&text))
            } else {
                regexes.iter().any(|re| re.is_match(&text))
            }
        }
        CheckKind::MatchStrftime(format) => match cell {
            Cell::Str(s) => format.matches(s),
            _ => return Err(format!(
                "TypeError: values passed to expect_column_values_to_match_strftime_format must be strings, found {}; check the column before it is converted from text",
                type_name(cell)
            )),
        },
        _ => true,
    })
}

/// Whether a value lies in a range, comparing as Python would.
pub(super) fn in_range(cell: Cell, range: &crate::suite::Range) -> Result<bool, String> {
    if let Some(min) = &range.min {
        let o = compare(cell, min, if range.strict_min { ">" } else { ">=" })?;
        if o == Ordering::Less || (range.strict_min && o == Ordering::Equal) {
            return Ok(false);
        }
    }
    if let Some(max) = &range.max {
        let o = compare(cell, max, if range.strict_max { "<" } else { "<=" })?;
        if o == Ordering::Greater || (range.strict_max && o == Ordering::Equal) {
            return Ok(false);
        }
    }
    Ok(true)
}

pub(super) fn set_contains(set: &crate::suite::ValueSet, cell: Cell) -> bool {
    match cell {
        Cell::Str(s) => set.contains_str(s),
        Cell::Bool(b) => set.contains_bool(b),
        // Members that read as dates or date-times match temporal values.
        Cell::Time(t) => set.times.contains(&t),
        Cell::Date(d) => set.times.contains(&(d as i64 * NANOS_PER_DAY)),
        Cell::Text(_) | Cell::Null => false,
        c => c.as_f64().is_some_and(|x| set.contains_num(x)),
    }
}

/// A value as a hash key; floats by their bits (NaN never gets here).
/// Numbers that Python holds equal (1 and 1.0) are one key.
#[derive(Hash, PartialEq, Eq, Clone, Debug)]
pub(crate) enum Key {
    Str(Box<str>),
    Int(i64),
    Float(u64),
    Bool(bool),
    Time(i64),
    Date(i32),
}

impl Key {
    pub(super) fn to_json(&self) -> Value {
        match self {
            Key::Str(s) => Value::String(s.to_string()),
            Key::Int(i) => Value::from(*i),
            Key::Float(b) => Cell::Float(f64::from_bits(*b)).to_json(),
            Key::Bool(b) => Value::Bool(*b),
            Key::Time(t) => Cell::Time(*t).to_json(),
            Key::Date(d) => Cell::Date(*d).to_json(),
        }
    }

    /// Python's sort order within one column's values.
    pub(super) fn cmp_value(&self, other: &Key) -> Ordering {
        let num = |k: &Key| match k {
            Key::Int(i) => Some(*i as f64),
            Key::Float(b) => Some(f64::from_bits(*b)),
            Key::Bool(b) => Some(*b as u8 as f64),
            _ => None,
        };
        match (self, other) {
            (Key::Str(a), Key::Str(b)) => a.cmp(b),
            (Key::Time(a), Key::Time(b)) => a.cmp(b),
            (Key::Date(a), Key::Date(b)) => a.cmp(b),
            (Key::Int(a), Key::Int(b)) => a.cmp(b),
            (a, b) => match (num(a), num(b)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => Ordering::Equal,
            },
        }
    }
}

pub(crate) fn key_of(cell: Cell) -> Option<Key> {
    Some(match cell {
        Cell::Null => return None,
        Cell::Str(s) | Cell::Text(s) => Key::Str(s.into()),
        Cell::Int(i) => Key::Int(i),
        Cell::UInt(u) => match i64::try_from(u) {
            Ok(i) => Key::Int(i),
            Err(_) => Key::Float((u as f64).to_bits()),
        },
        Cell::Float(f) => {
            // Whole floats hash as integers, as in Python (1.0 == 1).
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Key::Int(f as i64)
            } else {
                Key::Float(f.to_bits())
            }
        }
        Cell::Bool(b) => Key::Bool(b),
        Cell::Time(t) => Key::Time(t),
        Cell::Date(d) => Key::Date(d),
    })
}

/// One row's key: a value, or a tuple of values for compound uniqueness
/// (a missing member is part of the tuple, as pandas' `duplicated` sees it).
#[derive(Hash, PartialEq, Eq)]
enum RowKey {
    One(Key),
    Many(Box<[Option<Key>]>),
}

/// A fast, non-cryptographic hasher for the uniqueness maps (the values are
/// the file's own, and speed matters more than flooding resistance here).
#[derive(Default, Clone, Copy)]
pub struct FoldHasher(u64);

impl std::hash::Hasher for FoldHasher {
    fn finish(&self) -> u64 {
        // Final avalanche, so that partitions by `hash % n` are even.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64)
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64)
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64)
    }
    fn write_i32(&mut self, i: i32) {
        self.write_u64(i as u32 as u64)
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64)
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FoldHasher>>;

/// Uniqueness of one column or of a tuple of columns: GX counts every row
/// whose value occurs more than once. Memory grows with the number of
/// distinct values; past `budget` bytes the check stops and says how much
/// it would need, and the engine runs it again in hash-partitioned passes.
#[derive(Default)]
pub struct UniqueAcc {
    element: u64,
    missing: u64,
    max_values: u64,
    max_value_bytes: u64,
    names: Vec<String>,
    error: Option<String>,
    seen: FastMap<RowKey, (u64, u32)>,
    /// Bytes of the strings held as keys of `seen`.
    key_bytes: u64,
    duplicated_rows: u64,
    /// Only keys with `hash % n == i` are kept, for (i, n): one of several
    /// passes over the file that together bound the memory.
    partition: (u64, u64),
    /// Distinct values of earlier partitions (their maps are dropped).
    distinct_before: u64,
    /// A single integer column, or a string column while every value is an
    /// integer written canonically ("12", not "012" or "+12"): (value, row)
    /// pairs, sorted when the pass ends (16 bytes a row, no hashing, no
    /// allocation), instead of the map.
    ints: Option<Vec<(i64, u64)>>,
    /// Pairs collected by parallel parts merged into this one, kept apart:
    /// joining them would hold two copies at once.
    int_runs: Vec<Vec<(i64, u64)>>,
    /// `ints` holds strings (shown and hashed as their text).
    ints_text: bool,
    /// The lowest row numbers of duplicated values, with their value.
    partial: BTreeMap<u64, Value>,
    /// Bytes the values may take (0: no bound).
    budget: u64,
    /// Rows fed to this accumulator.
    rows_seen: u64,
    /// Past the budget: (rows seen, bytes held) when it was reached.
    overflow: Option<(u64, u64)>,
    /// The integers seen as bits, while no value has come twice: proof of
    /// uniqueness for the first pass over the file (see `IntBits`).
    bits: Option<Box<IntBits>>,
    /// The pairs went past the budget while `bits` held: the pass goes on
    /// with the bits alone, which settle the check if no value comes twice.
    /// (rows seen, bytes held) when the pairs were let go.
    proof_only: Option<(u64, u64)>,
}

/// Integers as bits, in chunks of 65,536 consecutive values (8 KiB each):
/// ids numbered densely take a bit each, so one pass proves a column of
/// 60 M of them unique in ~8 MB. Sparse values fill the chunk bound soon
/// and the bits are given up.
#[derive(Default)]
pub(super) struct IntBits {
    /// Chunk number (value >> 16) → its place in `chunks`.
    index: FastMap<i64, usize>,
    chunks: Vec<Box<[u64]>>,
    /// The chunk of the last value (ids mostly come in runs).
    last: Option<(i64, usize)>,
    max_chunks: usize,
}

const BITS_CHUNK_WORDS: usize = 1024;
const BITS_CHUNK_BYTES: u64 = BITS_CHUNK_WORDS as u64 * 8;

impl IntBits {
    /// Bits bounded to `max_bytes`.
    fn new(max_bytes: u64) -> IntBits {
        IntBits {
            max_chunks: (max_bytes / BITS_CHUNK_BYTES).max(1) as usize,
            ..Default::default()
        }
    }

    fn bytes(&self) -> u64 {
        self.chunks.len() as u64 * BITS_CHUNK_BYTES
    }

    fn chunk(&mut self, number: i64) -> Option<usize> {
        if let Some((n, at)) = self.last {
            if n == number {
                return Some(at);
            }
        }
        let at = match self.index.get(&number) {
            Some(&at) => at,
            None => {
                if self.chunks.len() >= self.max_chunks {
                    return None;
                }
                self.chunks
                    .push(vec![0u64; BITS_CHUNK_WORDS].into_boxed_slice());
                self.index.insert(number, self.chunks.len() - 1);
                self.chunks.len() - 1
            }
        };
        self.last = Some((number, at));
        Some(at)
    }

    /// Sets the bit of `v`: false if it was set already (a duplicate) or
    /// the bits would outgrow their bound; either way the proof is gone.
    fn insert(&mut self, v: i64) -> bool {
        let Some(at) = self.chunk(v >> 16) else {
            return false;
        };
        let bit = (v & 0xFFFF) as usize;
        let word = &mut self.chunks[at][bit >> 6];
        let mask = 1u64 << (bit & 63);
        let fresh = *word & mask == 0;
        *word |= mask;
        fresh
    }

    /// Takes in another part's bits: false if a value is in both (a
    /// duplicate) or the bound is passed.
    fn join(&mut self, other: IntBits) -> bool {
        for (number, at) in other.index {
            let theirs = &other.chunks[at];
            let Some(mine) = self.chunk(number) else {
                return false;
            };
            for (a, b) in self.chunks[mine].iter_mut().zip(theirs.iter()) {
                if *a & b != 0 {
                    return false;
                }
                *a |= b;
            }
        }
        true
    }

    /// Distinct values set.
    fn count(&self) -> u64 {
        self.chunks
            .iter()
            .flat_map(|c| c.iter())
            .map(|w| w.count_ones() as u64)
            .sum()
    }
}

/// Bytes a uniqueness map holds per distinct value besides a string key's
/// own bytes (entry, boxed key, table slack).
pub(super) const UNIQUE_BYTES_PER_VALUE: u64 = 96;

/// Bytes per collected (value, row) pair.
const INT_PAIR_BYTES: u64 = 16;

/// The most bytes the bits of a proof of uniqueness take: half the check's
/// budget (32 MiB when it has none).
fn bits_bound(budget: u64) -> u64 {
    match budget {
        0 => 32 << 20,
        b => b / 2,
    }
}

/// The integer a string spells when it is written as Rust (and Python)
/// print that integer, so that value ↔ text is one to one.
fn canonical_int(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty()
        || digits.len() > 19
        || (digits[0] == b'0' && (digits.len() > 1 || negative))
    {
        return None;
    }
    // 19 digits fit in a u64.
    let mut v = 0u64;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    if negative {
        (v <= 1 << 63).then(|| (v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

fn hash_of<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    std::hash::BuildHasher::hash_one(
        &std::hash::BuildHasherDefault::<FoldHasher>::default(),
        value,
    )
}

/// The hash that places a single string in a partition: a canonical
/// integer hashes as that integer whether it is collected as one or as a
/// map key, so that all rows of a value meet in one partition.
fn text_hash(s: &str) -> u64 {
    match canonical_int(s) {
        Some(v) => hash_of(&v),
        None => hash_of(s),
    }
}

/// Partition `part` of `parts` keeps the keys whose hash falls in its share
/// of the hash range.
fn in_partition(hash: u64, (part, parts): (u64, u64)) -> bool {
    parts <= 1 || ((hash as u128 * parts as u128) >> 64) as u64 == part
}

/// Sorted runs of (value, row) pairs, walked together in (value, row) order.
struct IntGroups {
    runs: Vec<Vec<(i64, u64)>>,
    pos: Vec<usize>,
}

impl IntGroups {
    /// The lowest pair not yet taken, and its run.
    fn head(&self) -> Option<((i64, u64), usize)> {
        self.runs
            .iter()
            .zip(&self.pos)
            .enumerate()
            .filter_map(|(r, (run, &p))| run.get(p).map(|&pair| (pair, r)))
            .min()
    }

    /// The next value and how many rows have it; `rows` gets its lowest
    /// rows (up to the partial list's length).
    fn next_group(&mut self, rows: &mut Vec<u64>) -> Option<(i64, u64)> {
        rows.clear();
        if let ([run], [p]) = (self.runs.as_slice(), self.pos.as_mut_slice()) {
            // One run (one part): a plain walk.
            let &(value, _) = run.get(*p)?;
            let start = *p;
            while run.get(*p).is_some_and(|&(v, _)| v == value) {
                *p += 1;
            }
            let group = &run[start..*p];
            rows.extend(group.iter().take(PARTIAL_LIMIT).map(|&(_, row)| row));
            return Some((value, group.len() as u64));
        }
        let ((value, _), _) = self.head()?;
        let mut count = 0u64;
        while let Some(((v, row), r)) = self.head() {
            if v != value {
                break;
            }
            self.pos[r] += 1;
            count += 1;
            if rows.len() < PARTIAL_LIMIT {
                rows.push(row);
            }
        }
        Some((value, count))
    }
}

impl UniqueAcc {
    fn new(check: &Check, limits: &Limits, types: &[DataType]) -> UniqueAcc {
        let is_text =
            |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
        let text = match types {
            [DataType::Dictionary(_, v)] => is_text(v),
            [t] => is_text(t),
            _ => false,
        };
        let ints = types.len() == 1 && is_int_type(&types[0]);
        UniqueAcc {
            max_values: limits.unique_max_values,
            max_value_bytes: limits.max_value_bytes,
            names: check.columns.clone(),
            ints: (ints || text).then(Vec::new),
            ints_text: text,
            ..Default::default()
        }
    }

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

    /// A key's value as the partial list shows it.
    fn key_value(&self, key: &RowKey) -> Value {
        match key {
            RowKey::One(k) => k.to_json(),
            RowKey::Many(keys) => Value::Object(
                self.names
                    .iter()
                    .zip(keys.iter())
                    .map(|(n, k)| {
                        (
                            n.clone(),
                            k.as_ref().map(Key::to_json).unwrap_or(Value::Null),
                        )
                    })
                    .collect(),
            ),
        }
    }

    fn int_value(&self, v: i64) -> Value {
        if self.ints_text {
            Value::String(v.to_string())
        } else {
            Value::from(v)
        }
    }

    /// What the values held take, by estimate.
    fn held_bytes(&self) -> u64 {
        let ints = self.ints.as_ref().map_or(0, |v| v.capacity() as u64)
            + self
                .int_runs
                .iter()
                .map(|r| r.capacity() as u64)
                .sum::<u64>();
        ints * INT_PAIR_BYTES
            + self.seen.len() as u64 * UNIQUE_BYTES_PER_VALUE
            + self.key_bytes
            + self.bits.as_ref().map_or(0, |b| b.bytes())
    }

    /// Past the budget: (rows seen, bytes held then), so that the engine can
    /// size the partitions of another go.
    pub fn overflow(&self) -> Option<(u64, u64)> {
        self.overflow
    }

    fn check_budget(&mut self) {
        if self.budget == 0
            || self.overflow.is_some()
            || self.proof_only.is_some()
            || self.held_bytes() <= self.budget
        {
            return;
        }
        let pressure = (self.rows_seen, self.held_bytes());
        if self.bits.is_some() && self.seen.is_empty() {
            // No value has come twice yet: go on with the bits alone.
            self.proof_only = Some(pressure);
            self.release_pairs();
        } else {
            self.overflow = Some(pressure);
            self.release();
        }
    }

    /// The bits proving uniqueness are gone (a value came twice, or they
    /// outgrew their bound): without the pairs too, the check goes again.
    fn lose_proof(&mut self) {
        self.bits = None;
        if let Some(pressure) = self.proof_only.take() {
            self.overflow = Some(pressure);
            self.release();
        }
    }

    /// Lets go of the values held (the result is not going to be used).
    fn release(&mut self) {
        self.release_pairs();
        self.bits = None;
    }

    /// Lets go of everything but the bits.
    fn release_pairs(&mut self) {
        self.seen = FastMap::default();
        self.key_bytes = 0;
        if let Some(v) = &mut self.ints {
            *v = Vec::new();
        }
        self.int_runs = Vec::new();
        self.partial.clear();
    }

    fn close_partition(&mut self) {
        self.settle_ints();
        self.distinct_before += self.seen.len() as u64;
        self.seen = FastMap::default();
        self.key_bytes = 0;
    }

    /// Takes the collected pairs, every run of them sorted, to be walked in
    /// (value, row) order.
    fn int_groups(&mut self) -> Option<IntGroups> {
        let mut runs = std::mem::take(&mut self.int_runs);
        runs.push(self.ints.take()?);
        for run in &mut runs {
            run.sort_unstable();
        }
        let pos = vec![0; runs.len()];
        Some(IntGroups { runs, pos })
    }

    /// Counts the duplicates among the collected integers and lets them go.
    fn settle_ints(&mut self) {
        let Some(mut groups) = self.int_groups() else {
            return;
        };
        let mut distinct = 0u64;
        let mut rows = Vec::new();
        while let Some((v, count)) = groups.next_group(&mut rows) {
            distinct += 1;
            if count >= 2 {
                self.duplicated_rows += count;
                // Rows come sorted: only the lowest can enter the partial list.
                for &row in &rows {
                    let value = self.int_value(v);
                    self.note(row, value);
                }
            }
        }
        drop(groups);
        self.distinct_before += distinct;
        if self.max_values > 0 && self.distinct_before > self.max_values && self.error.is_none() {
            self.error = Some(too_many_values(self.max_values, None));
        }
        self.ints = Some(Vec::new());
    }

    /// A string column met a value that is not a canonical integer: the
    /// collected values move into the map, which goes on from there.
    fn ints_into_map(&mut self) {
        let Some(mut groups) = self.int_groups() else {
            return;
        };
        let mut rows = Vec::new();
        while let Some((v, count)) = groups.next_group(&mut rows) {
            let first = rows.first().copied().unwrap_or_default();
            let text = v.to_string();
            self.key_bytes += text.len() as u64;
            if count >= 2 {
                self.duplicated_rows += count;
                for &row in &rows {
                    self.note(row, Value::String(text.clone()));
                }
            }
            self.seen.insert(
                RowKey::One(Key::Str(text.into())),
                (first, u32::try_from(count).unwrap_or(u32::MAX)),
            );
        }
    }

    /// Takes in a later partition's results (its keys are disjoint from
    /// this one's) and drops its map.
    fn absorb(&mut self, mut other: UniqueAcc) {
        other.settle_ints();
        self.element += other.element;
        self.missing += other.missing;
        if self.error.is_some() {
            return;
        }
        if other.error.is_some() {
            self.error = other.error;
            return;
        }
        if other.overflow.is_some() {
            self.overflow = other.overflow;
            return;
        }
        self.distinct_before += other.distinct_before + other.seen.len() as u64;
        self.duplicated_rows += other.duplicated_rows;
        for (row, value) in other.partial {
            self.note(row, value);
        }
    }

    fn merge(&mut self, mut other: UniqueAcc) {
        self.element += other.element;
        self.missing += other.missing;
        if self.error.is_some() {
            return;
        }
        if other.error.is_some() {
            self.error = other.error;
            self.release();
            return;
        }
        let (ra, ba) = self
            .overflow
            .or(self.proof_only)
            .unwrap_or((self.rows_seen, self.held_bytes()));
        let (rb, bb) = other
            .overflow
            .or(other.proof_only)
            .unwrap_or((other.rows_seen, other.held_bytes()));
        let pressure = Some((ra + rb, ba + bb));
        self.rows_seen += other.rows_seen;
        // A value in both parts' bits is a duplicate: the proof is gone.
        self.bits = match (self.bits.take(), other.bits.take()) {
            (Some(mut a), Some(b)) => a.join(*b).then_some(a),
            _ => None,
        };
        if self.overflow.is_some() || other.overflow.is_some() {
            self.overflow = pressure;
            self.release();
            return;
        }
        if self.proof_only.is_some() || other.proof_only.is_some() {
            // One side kept only its bits: the whole rests on them.
            self.release_pairs();
            self.proof_only = pressure;
            if self.bits.is_none() {
                self.lose_proof();
            }
            return;
        }
        match (&mut self.ints, other.ints.take()) {
            (Some(_), Some(b)) => {
                self.int_runs.push(b);
                self.int_runs.append(&mut other.int_runs);
                return;
            }
            (Some(_), None) => self.ints_into_map(),
            (None, Some(b)) => {
                other.ints = Some(b);
                other.ints_into_map();
            }
            (None, None) => {}
        }
        // Every row of a value seen more than once is unexpected: a value
        // seen once on each side makes both its rows duplicates.
        for (row, value) in other.partial {
            self.note(row, value);
        }
        self.key_bytes += other.key_bytes;
        for (key, (first_b, count_b)) in other.seen {
            match self.seen.get_mut(&key) {
                None => {
                    if count_b >= 2 {
                        self.duplicated_rows += count_b as u64;
                    }
                    self.seen.insert(key, (first_b, count_b));
                }
                Some(entry) => {
                    let (first_a, count_a) = *entry;
                    entry.1 = count_a + count_b;
                    // This side already counted its own rows of the value.
                    let counted = if count_a >= 2 { count_a as u64 } else { 0 };
                    self.duplicated_rows += (count_a + count_b) as u64 - counted;
                    if count_a == 1 || count_b == 1 {
                        let value = self.key_value(&key);
                        if count_a == 1 {
                            self.note(first_a, value.clone());
                        }
                        if count_b == 1 {
                            self.note(first_b, value);
                        }
                    }
                }
            }
        }
        if self.max_values > 0 && self.seen.len() as u64 > self.max_values {
            self.error = Some(too_many_values(self.max_values, None));
            self.release();
        }
    }

    fn row_value(&self, cols: &[&Col], i: usize) -> Value {
        if cols.len() == 1 {
            return cols[0].cell(i).to_json();
        }
        let map: serde_json::Map<String, Value> = self
            .names
            .iter()
            .zip(cols)
            .map(|(n, c)| (n.clone(), c.cell(i).to_json()))
            .collect();
        Value::Object(map)
    }

    /// Makes room in `ints` for the pairs of `rows` more rows (this
    /// partition's share of them) without growing past the budget.
    fn reserve_ints(&mut self, rows: usize) {
        let budget_pairs = (self.budget / INT_PAIR_BYTES) as usize;
        let share = rows.div_ceil(self.partition.1.max(1) as usize);
        if let Some(values) = &mut self.ints {
            let want = values.len() + share;
            if want > values.capacity() {
                let mut cap = (values.capacity() * 2).max(want).max(1024);
                if budget_pairs > 0 {
                    cap = cap.min(budget_pairs.max(want));
                }
                values.reserve_exact(cap - values.len());
            }
        }
    }

    /// Collects the rows of a batch as integers while they are; returns the
    /// row the map has to go on from (`n` when all were collected).
    fn collect_ints(&mut self, col: &Col, row_offset: u64, counts: bool) -> usize {
        let n = col.len();
        let (part, parts) = self.partition;
        // With the pairs let go, values only go into the bits.
        let pairs = self.proof_only.is_none();
        if pairs {
            self.reserve_ints(n);
        }
        let Some(values) = &mut self.ints else {
            return 0;
        };
        let bits = &mut self.bits;
        let mut proof = true;
        let mut keep = |v: i64, row: u64| {
            if let Some(b) = bits {
                proof &= b.insert(v);
            }
            if pairs {
                values.push((v, row));
            }
        };
        if let Col::Int(a) = col {
            for i in 0..n {
                if a.is_null(i) {
                    self.missing += counts as u64;
                    continue;
                }
                let v = a.value(i);
                if !in_partition(hash_of(&v), (part, parts)) {
                    continue;
                }
                keep(v, row_offset + i as u64);
            }
        } else if self.ints_text {
            for i in 0..n {
                let v = match col.cell(i) {
                    Cell::Null => {
                        self.missing += counts as u64;
                        continue;
                    }
                    Cell::Str(s) => canonical_int(s),
                    _ => None,
                };
                let Some(v) = v else {
                    // Not an integer: the values go on in the map.
                    self.bits = None;
                    if pairs {
                        self.ints_into_map();
                        return i;
                    }
                    self.lose_proof();
                    return n;
                };
                if !in_partition(hash_of(&v), (part, parts)) {
                    continue;
                }
                keep(v, row_offset + i as u64);
            }
        } else {
            return 0;
        }
        if !proof {
            self.lose_proof();
        }
        n
    }

    fn update(&mut self, kind: &CheckKind, cols: &[&Col], row_offset: u64) {
        let n = cols[0].len();
        // Rows and missing rows are counted by the first partition only.
        let counts = self.partition.0 == 0;
        if counts {
            self.element += n as u64;
        }
        self.rows_seen += n as u64;
        if self.error.is_some() || self.overflow.is_some() {
            return;
        }
        let ignore = match kind {
            CheckKind::CompoundUnique(ignore) => *ignore,
            _ => IgnoreRows::AllMissing,
        };
        let start = match (&self.ints, cols) {
            (Some(_), [col]) => self.collect_ints(col, row_offset, counts),
            _ => 0,
        };
        if self.ints.is_none() {
            self.update_map(cols, ignore, start, row_offset, counts);
        }
        self.check_budget();
    }

    fn update_map(
        &mut self,
        cols: &[&Col],
        ignore: IgnoreRows,
        start: usize,
        row_offset: u64,
        counts: bool,
    ) {
        let n = cols[0].len();
        let (part, parts) = self.partition;
        for i in start..n {
            let row = row_offset + i as u64;
            for col in cols {
                if let Some(e) = oversized(col.cell(i), row, self.max_value_bytes) {
                    self.error = Some(e);
                    self.release();
                    return;
                }
            }
            if self.max_values > 0
                && self.distinct_before + self.seen.len() as u64 >= self.max_values
            {
                self.error = Some(too_many_values(self.seen.len() as u64, Some(row)));
                // Give the memory back at once.
                self.release();
                return;
            }
            let key = if cols.len() == 1 {
                let cell = cols[0].cell(i);
                // A string outside this partition is skipped before it is copied.
                if let (Cell::Str(s) | Cell::Text(s), true) = (cell, parts > 1) {
                    if !in_partition(text_hash(s), (part, parts)) {
                        continue;
                    }
                }
                let key = match key_of(cell) {
                    Some(k) => RowKey::One(k),
                    None => {
                        self.missing += counts as u64;
                        continue;
                    }
                };
                if !matches!(key, RowKey::One(Key::Str(_)))
                    && !in_partition(hash_of(&key), (part, parts))
                {
                    continue;
                }
                key
            } else {
                let keys: Box<[Option<Key>]> = cols.iter().map(|c| key_of(c.cell(i))).collect();
                let skip = match ignore {
                    IgnoreRows::AllMissing => keys.iter().all(Option::is_none),
                    IgnoreRows::AnyMissing => keys.iter().any(Option::is_none),
                    IgnoreRows::Never => false,
                };
                if skip {
                    self.missing += counts as u64;
                    continue;
                }
                let key = RowKey::Many(keys);
                if !in_partition(hash_of(&key), (part, parts)) {
                    continue;
                }
                key
            };
            let key_len = match &key {
                RowKey::One(Key::Str(s)) => s.len() as u64,
                _ => 0,
            };
            let entry = self.seen.entry(key).or_insert((row, 0));
            entry.1 += 1;
            let (first, count) = *entry;
            if count == 1 {
                self.key_bytes += key_len;
            } else if count == 2 {
                self.duplicated_rows += 2;
                // The first occurrence may be in an earlier batch; its value is this one.
                let value = self.row_value(cols, i);
                self.note(first, value.clone());
                self.note(row, value);
            } else {
                self.duplicated_rows += 1;
                let value = self.row_value(cols, i);
                self.note(row, value);
            }
        }
    }

    fn finish(mut self, mostly: f64) -> Outcome {
        self.settle_ints();
        if let Some(e) = self.error {
            return Outcome::exception(e);
        }
        if self.overflow.is_some() {
            return Outcome::exception(
                "internal: the uniqueness check went past its memory budget".into(),
            );
        }
        if let (Some(bits), Some(_)) = (&self.bits, self.proof_only) {
            // Settled by the bits: no value came twice.
            if self.max_values > 0 && bits.count() > self.max_values {
                return Outcome::exception(too_many_values(self.max_values, None));
            }
        }
        let partial: Vec<Value> = self.partial.into_values().collect();
        map_outcome(
            self.element,
            self.missing,
            self.duplicated_rows,
            partial,
            mostly,
        )
    }
}

/// Column pair expectations, row by row. A row is skipped as GX's
/// `ignore_row_if` says; a row with one value missing is unexpected.
#[derive(Default)]
pub struct PairAcc {
    t: Tally,
}

impl PairAcc {
    fn update(&mut self, kind: &CheckKind, cols: &[&Col]) {
        let CheckKind::Pair { rule, ignore } = kind else {
            return;
        };
        let (Some(a), Some(b)) = (cols.first(), cols.get(1)) else {
            return;
        };
        self.t.element += a.len() as u64;
        if self.t.error.is_some() {
            return;
        }
        for i in 0..a.len() {
            let (x, y) = (a.cell(i), b.cell(i));
            let skip = match ignore {
                IgnoreRows::AllMissing => x.is_null() && y.is_null(),
                IgnoreRows::AnyMissing => x.is_null() || y.is_null(),
                IgnoreRows::Never => false,
            };
            if skip {
                self.t.missing += 1;
                continue;
            }
            let ok = if x.is_null() || y.is_null() {
                false
            } else {
                match rule {
                    PairRule::Equal => values_equal(x, y),
                    PairRule::AGreaterThanB { or_equal } => match order(x, y) {
                        Some(o) => o == Ordering::Greater || (*or_equal && o == Ordering::Equal),
                        None => {
                            self.t.error = Some(format!(
                                "TypeError: '>' not supported between instances of '{}' and '{}'",
                                type_name(x),
                                type_name(y)
                            ));
                            return;
                        }
                    },
                }
            };
            if !ok {
                self.t
                    .unexpected(Value::Array(vec![x.to_json(), y.to_json()]));
            }
        }
    }

    fn finish(self, mostly: f64) -> Outcome {
        self.t.finish(mostly)
    }
}

/// Python's `==` between two non-null values.
fn values_equal(x: Cell, y: Cell) -> bool {
    match (x, y) {
        (Cell::Str(a) | Cell::Text(a), Cell::Str(b) | Cell::Text(b)) => a == b,
        _ => order(x, y) == Some(Ordering::Equal),
    }
}

/// Python's ordering between two non-null values, `None` where Python raises.
fn order(x: Cell, y: Cell) -> Option<Ordering> {
    let num = |c: Cell| match c {
        Cell::Bool(b) => Some(b as u8 as f64),
        c => c.as_f64(),
    };
    match (x, y) {
        (Cell::Str(a), Cell::Str(b)) => Some(a.cmp(b)),
        (Cell::Time(a), Cell::Time(b)) => Some(a.cmp(&b)),
        (Cell::Date(a), Cell::Date(b)) => Some(a.cmp(&b)),
        (Cell::Int(a), Cell::Int(b)) => Some(a.cmp(&b)),
        (a, b) => num(a)?.partial_cmp(&num(b)?),
    }
}

/// `expect_column_values_to_be_increasing` / `_decreasing`: each non-null
/// value against the one before it (GX takes differences, so only numbers
/// and timestamps can be ordered).
#[derive(Default)]
pub struct OrderedAcc {
    t: Tally,
    prev: Option<Prev>,
    /// The first non-null value seen, for joining parts scanned in parallel.
    first: Option<(Prev, Value)>,
}

#[derive(Clone, Copy)]
enum Prev {
    Int(i64),
    Num(f64),
    Time(i64),
}

impl OrderedAcc {
    fn update(&mut self, kind: &CheckKind, col: &Col) {
        let CheckKind::Ordered {
            increasing,
            strictly,
        } = kind
        else {
            return;
        };
        self.t.element += col.len() as u64;
        if self.t.error.is_some() {
            return;
        }
        for i in 0..col.len() {
            let cell = col.cell(i);
            let cur = match cell {
                Cell::Null => {
                    self.t.missing += 1;
                    continue;
                }
                Cell::Int(v) => Prev::Int(v),
                Cell::UInt(v) => Prev::Num(v as f64),
                Cell::Float(v) => Prev::Num(v),
                Cell::Time(t) => Prev::Time(t),
                other => {
                    self.t.error = Some(format!(
                        "TypeError: unsupported operand type(s) for -: '{0}' and '{0}' (only numbers and timestamps can be ordered)",
                        type_name(other)
                    ));
                    return;
                }
            };
            match self.prev {
                Some(prev) => {
                    if !in_order(prev, cur, *increasing, *strictly) {
                        self.t.unexpected(cell.to_json());
                    }
                }
                None => self.first = Some((cur, cell.to_json())),
            }
            self.prev = Some(cur);
        }
    }

    fn merge(&mut self, kind: &CheckKind, other: OrderedAcc) {
        let CheckKind::Ordered {
            increasing,
            strictly,
        } = kind
        else {
            return;
        };
        // The first value of the later part follows the last of this one.
        if let (Some(prev), Some((first, value))) = (self.prev, &other.first) {
            if !in_order(prev, *first, *increasing, *strictly) {
                self.t.unexpected(value.clone());
            }
        }
        if self.first.is_none() {
            self.first = other.first;
        }
        if other.prev.is_some() {
            self.prev = other.prev;
        }
        self.t.merge(other.t);
    }

    fn finish(self, mostly: f64) -> Outcome {
        self.t.finish(mostly)
    }
}

/// Whether `cur` may follow `prev` in an increasing (or decreasing) column.
fn in_order(prev: Prev, cur: Prev, increasing: bool, strictly: bool) -> bool {
    let o = match (prev, cur) {
        (Prev::Int(a), Prev::Int(b)) => b.cmp(&a),
        (Prev::Time(a), Prev::Time(b)) => b.cmp(&a),
        (Prev::Int(a), Prev::Num(b)) => b.total_cmp(&(a as f64)),
        (Prev::Num(a), Prev::Int(b)) => (b as f64).total_cmp(&a),
        (Prev::Num(a), Prev::Num(b)) => b.total_cmp(&a),
        _ => Ordering::Equal,
    };
    let want = if increasing {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    o == want || (!strictly && o == Ordering::Equal)
}

/// Type checks: judged on the column's type; object columns (strings,
/// dates, decimals, nested values) value by value, as GX does.
pub struct TypeAcc {
    data_type: DataType,
    element: u64,
    missing: u64,
    sample: Vec<Value>,
}

impl TypeAcc {
    fn update(&mut self, col: &Col) {
        self.element += col.len() as u64;
        for i in 0..col.len() {
            let cell = col.cell(i);
            if cell.is_null() {
                self.missing += 1;
            } else if self.sample.len() < PARTIAL_LIMIT {
                self.sample.push(cell.to_json());
            }
        }
    }

    fn finish(self, kind: &CheckKind, mostly: f64) -> Outcome {
        let CheckKind::OfType(names) = kind else {
            return Outcome::exception("internal: not a type check".into());
        };
        match judge(names, &self.data_type) {
            TypeVerdict::Dtype(success, observed) => Outcome::observed(success, observed.into()),
            TypeVerdict::Values(hit) => {
                let (unexpected, partial) = if hit {
                    (0, Vec::new())
                } else {
                    (self.element - self.missing, self.sample)
                };
                map_outcome(self.element, self.missing, unexpected, partial, mostly)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integers_are_one_to_one_with_their_text() {
        for s in [
            "0",
            "7",
            "-7",
            "12",
            "9223372036854775807",
            "-9223372036854775808",
        ] {
            let v = canonical_int(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(v.to_string(), s);
        }
        for s in [
            "",
            "-",
            "-0",
            "00",
            "07",
            "+7",
            " 7",
            "7 ",
            "1e3",
            "1.0",
            "٣",
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999",
        ] {
            assert_eq!(canonical_int(s), None, "{s:?}");
        }
    }

    #[test]
    fn partitions_cover_the_hash_range_once() {
        for parts in [1u64, 2, 3, 7, 64] {
            for h in [0u64, 1, u64::MAX / 3, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
                let owners = (0..parts).filter(|&p| in_partition(h, (p, parts))).count();
                assert_eq!(owners, 1, "hash {h} in {parts} partitions");
            }
        }
    }
}
