//! Row-by-row checks over typed Arrow arrays without a `Cell` per row: the
//! common checks (null, range, set, length, regex) on the common column
//! types. Each judges exactly as the general path in `checks` does; a
//! combination without a fast path returns `None` and takes that path.

use arrow_array::Array;
use regex::Regex;

use super::checks::FastMap;
use super::column::Col;
use crate::suite::{Bound, CheckKind, Range};

/// Distinct strings a regex verdict is remembered for, per batch.
const REGEX_CACHE: usize = 4096;

/// Judges every row of `col` for `kind`: hands each unexpected row to
/// `unexpected` and returns how many rows were missing. `None` when there
/// is no fast path for the combination. Rows that pass cost no call: most
/// rows of most files pass.
pub fn judge_rows(
    kind: &CheckKind,
    col: &Col,
    regex: Option<&Regex>,
    unexpected: &mut dyn FnMut(usize),
) -> Option<u64> {
    let n = col.len();
    if let Col::Dict(keys, values) = col {
        if values.null_count() > 0 {
            return None;
        }
        if let CheckKind::NotNull | CheckKind::BeNull = kind {
            let want_null = matches!(kind, CheckKind::BeNull);
            if want_null || keys.null_count() > 0 {
                (0..n)
                    .filter(|&i| keys.is_null(i) != want_null)
                    .for_each(&mut *unexpected);
            }
            return Some(0);
        }
        // Judge each distinct value once, then every row by its key.
        let judge = string_judge(kind, regex)?;
        let expected: Vec<bool> = (0..values.len()).map(|v| judge(values.value(v))).collect();
        if expected.iter().all(|&e| e) {
            return Some(keys.null_count() as u64);
        }
        let k = keys.values();
        for i in 0..n {
            if !keys.is_null(i) && !expected.get(k[i] as usize).copied().unwrap_or(false) {
                unexpected(i);
            }
        }
        return Some(keys.null_count() as u64);
    }
    let mut missing = 0u64;
    match (kind, col) {
        (CheckKind::NotNull | CheckKind::BeNull, _) => {
            let want_null = matches!(kind, CheckKind::BeNull);
            if let Col::Float(a) = col {
                for i in 0..n {
                    let null = a.is_null(i) || a.value(i).is_nan();
                    if null != want_null {
                        unexpected(i);
                    }
                }
                return Some(0);
            }
            let array = plain_array(col)?;
            if array.null_count() == 0 && !want_null {
                return Some(0);
            }
            (0..n)
                .filter(|&i| array.is_null(i) != want_null)
                .for_each(&mut *unexpected);
            Some(0)
        }
        (CheckKind::Between(range), Col::Int(_) | Col::UInt(_) | Col::Float(_)) => {
            let (lo, hi) = numeric_bounds(range)?;
            numbers(col, &mut |i, x| match x {
                None => missing += 1,
                Some(x) => {
                    let ok = lo.is_none_or(|m| if range.strict_min { x > m } else { x >= m })
                        && hi.is_none_or(|m| if range.strict_max { x < m } else { x <= m });
                    if !ok {
                        unexpected(i);
                    }
                }
            })?;
            Some(missing)
        }
        (CheckKind::InSet(set) | CheckKind::NotInSet(set), _) => {
            let inside = matches!(kind, CheckKind::InSet(_));
            match col {
                Col::Str(_) => texts(col, &mut |i, s| match s {
                    None => missing += 1,
                    Some(s) if set.contains_str(s) != inside => unexpected(i),
                    Some(_) => {}
                }),
                Col::Int(_) | Col::UInt(_) | Col::Float(_) => numbers(col, &mut |i, x| match x {
                    None => missing += 1,
                    Some(x) if set.contains_num(x) != inside => unexpected(i),
                    Some(_) => {}
                }),
                _ => None,
            }?;
            Some(missing)
        }
        (
            CheckKind::LengthsBetween { .. } | CheckKind::LengthEqual(_),
            Col::Str(a) | Col::Text(a),
        ) => {
            let ok = |len: usize| length_ok(kind, len);
            // GX counts characters (Python's len of the text); in ASCII text
            // that is the bytes between two offsets.
            let ascii = a.value_data().is_ascii();
            let offsets = a.value_offsets();
            for i in 0..n {
                if a.is_null(i) {
                    missing += 1;
                    continue;
                }
                let len = if ascii {
                    (offsets[i + 1] - offsets[i]) as usize
                } else {
                    char_len(a.value(i))
                };
                if !ok(len) {
                    unexpected(i);
                }
            }
            Some(missing)
        }
        (CheckKind::MatchRegex(re) | CheckKind::NotMatchRegex(re), Col::Str(_) | Col::Text(_)) => {
            let re = regex.unwrap_or(re);
            let want = matches!(kind, CheckKind::MatchRegex(_));
            // Bronze columns repeat values: remember the verdict per value,
            // while remembering pays (values seen again).
            let mut seen: FastMap<&str, bool> = FastMap::default();
            let mut hits = 0usize;
            texts(col, &mut |i, s| match s {
                None => missing += 1,
                Some(s) => {
                    let cache = seen.len() < REGEX_CACHE || hits * 4 >= i;
                    let hit = match cache.then(|| seen.get(s)).flatten() {
                        Some(&h) => {
                            hits += 1;
                            h
                        }
                        None => {
                            let h = re.is_match(s);
                            if seen.len() < REGEX_CACHE {
                                seen.insert(s, h);
                            }
                            h
                        }
                    };
                    if hit != want {
                        unexpected(i);
                    }
                }
            })?;
            Some(missing)
        }
        _ => None,
    }
}

/// Whether a length (in characters) passes a length check.
fn length_ok(kind: &CheckKind, len: usize) -> bool {
    match kind {
        CheckKind::LengthEqual(want) => len as u64 == *want,
        CheckKind::LengthsBetween { min, max } => {
            let len = len as f64;
            min.is_none_or(|m| len >= m) && max.is_none_or(|m| len <= m)
        }
        _ => true,
    }
}

/// The verdict of a string check on one value, for checks that judge
/// strings by their text alone.
type StrJudge<'a> = Box<dyn Fn(&str) -> bool + 'a>;

fn string_judge<'a>(kind: &'a CheckKind, regex: Option<&'a Regex>) -> Option<StrJudge<'a>> {
    Some(match kind {
        CheckKind::InSet(set) => Box::new(move |s| set.contains_str(s)),
        CheckKind::NotInSet(set) => Box::new(move |s| !set.contains_str(s)),
        CheckKind::LengthEqual(want) => Box::new(move |s| char_len(s) as u64 == *want),
        CheckKind::LengthsBetween { min, max } => Box::new(move |s| {
            let len = char_len(s) as f64;
            min.is_none_or(|m| len >= m) && max.is_none_or(|m| len <= m)
        }),
        CheckKind::MatchRegex(re) => {
            let re = regex.unwrap_or(re);
            Box::new(move |s| re.is_match(s))
        }
        CheckKind::NotMatchRegex(re) => {
            let re = regex.unwrap_or(re);
            Box::new(move |s| !re.is_match(s))
        }
        _ => return None,
    })
}

/// Python's `len` of a string: characters, not bytes.
fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// The Arrow array of a column whose nulls are simply Arrow's (not floats:
/// NaN is missing too).
fn plain_array(col: &Col) -> Option<&dyn Array> {
    Some(match col {
        Col::Str(a) | Col::Text(a) => a,
        Col::Int(a) | Col::Time(a) => a,
        Col::UInt(a) => a,
        Col::Bool(a) => a,
        Col::Date(a) => a,
        Col::Float(_) | Col::Dict(..) => return None,
    })
}

/// Both bounds when each is a number or absent.
fn numeric_bounds(range: &Range) -> Option<(Option<f64>, Option<f64>)> {
    let num = |b: &Option<Bound>| match b {
        None => Some(None),
        Some(Bound::Num(x)) if !x.is_nan() => Some(Some(*x)),
        Some(_) => None,
    };
    Some((num(&range.min)?, num(&range.max)?))
}

/// Each row of a numeric column as f64, `None` when missing (null or NaN).
fn numbers(col: &Col, f: &mut dyn FnMut(usize, Option<f64>)) -> Option<()> {
    match col {
        Col::Int(a) => {
            let values = a.values();
            if a.null_count() == 0 {
                values
                    .iter()
                    .enumerate()
                    .for_each(|(i, &v)| f(i, Some(v as f64)));
            } else {
                (0..a.len()).for_each(|i| f(i, (!a.is_null(i)).then(|| values[i] as f64)));
            }
        }
        Col::UInt(a) => {
            let values = a.values();
            (0..a.len()).for_each(|i| f(i, (!a.is_null(i)).then(|| values[i] as f64)));
        }
        Col::Float(a) => {
            let values = a.values();
            (0..a.len()).for_each(|i| {
                let v = values[i];
                f(i, (!a.is_null(i) && !v.is_nan()).then_some(v))
            });
        }
        _ => return None,
    }
    Some(())
}

/// Each row of a text column, `None` when null.
fn texts<'a>(col: &'a Col, f: &mut dyn FnMut(usize, Option<&'a str>)) -> Option<()> {
    let (Col::Str(a) | Col::Text(a)) = col else {
        return None;
    };
    if a.null_count() == 0 {
        (0..a.len()).for_each(|i| f(i, Some(a.value(i))));
    } else {
        (0..a.len()).for_each(|i| f(i, (!a.is_null(i)).then(|| a.value(i))));
    }
    Some(())
}

/// The longest value of a text column, in bytes (0 for other columns).
pub fn longest_text(col: &Col) -> usize {
    match col {
        Col::Str(a) | Col::Text(a) | Col::Dict(_, a) => a
            .offsets()
            .windows(2)
            .map(|w| (w[1] - w[0]) as usize)
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}
