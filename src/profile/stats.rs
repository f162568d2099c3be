//! Column statistics gathered from a sample of a file.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use crate::engine::{key_of, Cell, Col, FastMap, Key};

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
    /// Distinct values and how often each occurs, until there are too many.
    /// Sentinels and shapes of strings are judged per distinct value when
    /// the counts are complete (at `finish`), row by row after an overflow.
    #[serde(skip)]
    counts: FastMap<Key, (Value, u64)>,
    /// The same for text values, looked up without copying the text.
    #[serde(skip)]
    texts: FastMap<Box<str>, (Value, u64)>,
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
            counts: FastMap::default(),
            texts: FastMap::default(),
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
            if let Cell::Str(s) = cell {
                let len = if s.is_ascii() {
                    s.len() as u64
                } else {
                    s.chars().count() as u64
                };
                self.min_length = Some(self.min_length.map_or(len, |m| m.min(len)));
                self.max_length = Some(self.max_length.map_or(len, |m| m.max(len)));
                if self.overflow {
                    self.judge_text(s, 1, sentinels);
                }
            }
            if let Some(x) = cell.as_f64() {
                if x.is_infinite() {
                    if x < 0.0 {
                        self.infinities.0 = true;
                    } else {
                        self.infinities.1 = true;
                    }
                } else {
                    // On a tie the later value is shown (as -0.0 after 0.0).
                    if self.num_min.is_none_or(|m| x <= m) {
                        self.num_min = Some(x);
                        self.min_value = Some(cell.to_json());
                    }
                    if self.num_max.is_none_or(|m| x >= m) {
                        self.num_max = Some(x);
                        self.max_value = Some(cell.to_json());
                    }
                }
            }
            if !self.overflow {
                let slot = match cell {
                    Cell::Str(s) | Cell::Text(s) => self.texts.get_mut(s),
                    // Numbers Python holds equal (-0.0 and 0.0) are one key.
                    _ => key_of(cell).and_then(|k| self.counts.get_mut(&k)),
                };
                if let Some(slot) = slot {
                    slot.1 += 1;
                } else if self.counts.len() + self.texts.len() < max_distinct {
                    match cell {
                        Cell::Str(s) | Cell::Text(s) => {
                            self.texts.insert(s.into(), (cell.to_json(), 1));
                        }
                        _ => {
                            if let Some(k) = key_of(cell) {
                                self.counts.insert(k, (cell.to_json(), 1));
                            }
                        }
                    }
                } else {
                    // Judge what was counted, then go on row by row.
                    self.overflow = true;
                    self.judge_counted(sentinels);
                    self.counts = FastMap::default();
                    self.texts = FastMap::default();
                    if let Cell::Str(s) = cell {
                        self.judge_text(s, 1, sentinels);
                    }
                }
            }
        }
    }

    /// Takes in the statistics of the rows right after this one's (a later
    /// part of the file, read in parallel): as if one had seen them all.
    pub fn merge(
        &mut self,
        mut other: ColumnStats,
        sentinels: &HashSet<String>,
        max_distinct: usize,
    ) {
        self.count += other.count;
        self.nulls += other.nulls;
        self.min_length = match (self.min_length, other.min_length) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_length = self.max_length.max(other.max_length);
        // On a tie the later value is shown, as `update` does.
        if let Some(x) = other.num_min {
            if self.num_min.is_none_or(|m| x <= m) {
                self.num_min = Some(x);
                self.min_value = other.min_value.take();
            }
        }
        if let Some(x) = other.num_max {
            if self.num_max.is_none_or(|m| x >= m) {
                self.num_max = Some(x);
                self.max_value = other.max_value.take();
            }
        }
        self.infinities.0 |= other.infinities.0;
        self.infinities.1 |= other.infinities.1;
        if !self.overflow && !other.overflow {
            // The earlier part's first value of a key is the one shown.
            for (k, (v, n)) in other.counts.drain() {
                self.counts.entry(k).or_insert((v, 0)).1 += n;
            }
            for (k, (v, n)) in other.texts.drain() {
                self.texts.entry(k).or_insert((v, 0)).1 += n;
            }
            if self.counts.len() + self.texts.len() <= max_distinct {
                return;
            }
        }
        // Too many distinct values together: every value is judged, the
        // counted ones by their counts (as past an overflow in `update`).
        for side in [&mut *self, &mut other] {
            if !side.overflow {
                side.overflow = true;
                side.judge_counted(sentinels);
                side.counts = FastMap::default();
                side.texts = FastMap::default();
            }
        }
        self.sentinels += other.sentinels;
        for (mine, theirs) in self.pattern_matches.iter_mut().zip(&other.pattern_matches) {
            mine.1 += theirs.1;
        }
    }

    /// A string value seen `n` times: a sentinel, or counted per shape.
    fn judge_text(&mut self, s: &str, n: u64, sentinels: &HashSet<String>) {
        if sentinels.contains(s) {
            self.sentinels += n;
        } else {
            for (slot, (_, re)) in self.pattern_matches.iter_mut().zip(PATTERNS.iter()) {
                if re.is_match(s) {
                    slot.1 += n;
                }
            }
        }
    }

    /// Sentinels and shapes of the distinct strings counted so far.
    fn judge_counted(&mut self, sentinels: &HashSet<String>) {
        if self.kind != ValueKind::String {
            return;
        }
        let counted: Vec<(Box<str>, u64)> = self
            .texts
            .iter()
            .map(|(s, (_, n))| (s.clone(), *n))
            .collect();
        for (s, n) in counted {
            self.judge_text(&s, n, sentinels);
        }
    }

    /// Settles the derived figures once the sample is read.
    pub fn finish(&mut self, whole_file: bool, top: usize, sentinels: &HashSet<String>) {
        if !self.overflow {
            self.judge_counted(sentinels);
        }
        if self.overflow {
            self.distinct = None;
            self.unique = None;
            return;
        }
        self.distinct = Some((self.counts.len() + self.texts.len()) as u64);
        let all_distinct = self
            .counts
            .values()
            .chain(self.texts.values())
            .all(|(_, n)| *n == 1);
        // A repeat in the sample settles it; distinct in a sample proves nothing.
        self.unique = if !all_distinct {
            Some(false)
        } else if whole_file {
            Some(true)
        } else {
            None
        };
        let mut values: Vec<(Value, u64)> = self
            .counts
            .values()
            .chain(self.texts.values())
            .cloned()
            .collect();
        // Most frequent first, ties by text; only values frequent enough to
        // make the top are sorted, each shown as text once.
        if top == 0 {
            values.clear();
        } else if values.len() > top {
            let mut counts: Vec<u64> = values.iter().map(|v| v.1).collect();
            let (_, &mut cut, _) = counts.select_nth_unstable_by(top - 1, |a, b| b.cmp(a));
            values.retain(|v| v.1 >= cut);
        }
        values.sort_by_cached_key(|(v, n)| (std::cmp::Reverse(*n), v.to_string()));
        values.truncate(top);
        self.top_values = values;
    }

    /// Whether the distinct values were all tracked (no overflow).
    pub fn distinct_known(&self) -> bool {
        !self.overflow
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, StringArray};

    use super::*;

    #[test]
    fn top_values_are_the_most_frequent_ties_by_text() {
        // d ×4, then b, c, e ×2 (a tie across the cut), then a, f ×1.
        let values = ["d", "e", "a", "d", "c", "b", "d", "e", "c", "f", "b", "d"];
        let array = Arc::new(StringArray::from(values.to_vec())) as ArrayRef;
        let mut stats = ColumnStats::new("c", array.data_type());
        let none = HashSet::new();
        stats.update(&Col::from_array(&array).unwrap(), &none, 100);
        stats.finish(true, 3, &none);
        let top: Vec<(String, u64)> = stats
            .top_values
            .iter()
            .map(|(v, n)| (v.as_str().unwrap().to_string(), *n))
            .collect();
        let want = [("d", 4), ("b", 2), ("c", 2)].map(|(v, n)| (v.to_string(), n));
        assert_eq!(top, want);
        assert_eq!(stats.distinct, Some(6));
    }
}
