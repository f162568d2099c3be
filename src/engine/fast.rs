//! Row-by-row checks over typed Arrow arrays without a `Cell` per row: the
//! common checks (null, range, set, length, regex) on the common column
//! types. Each judges exactly as the general path in `checks` does; a
//! combination without a fast path returns `None` and takes that path.

use std::collections::HashMap;

use arrow_array::{Array, StringArray};

use super::column::Col;
use crate::suite::{Bound, CheckKind, Range};

/// One row's verdict.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Missing,
    Expected,
    Unexpected,
}

/// Distinct strings a regex verdict is remembered for, per batch.
const REGEX_CACHE: usize = 4096;

/// Judges every row of `col` for `kind` and hands each verdict to `visit`
/// (row, verdict). `None` when there is no fast path for the combination.
pub fn judge_rows(
    kind: &CheckKind,
    col: &Col,
    visit: &mut dyn FnMut(usize, Verdict),
) -> Option<()> {
    use Verdict::*;
    let n = col.len();
    if let Col::Dict(keys, values) = col {
        if values.null_count() > 0 {
            return None;
        }
        // Judge each distinct value once, then every row by its key.
        let expected: Vec<bool> = match kind {
            CheckKind::NotNull | CheckKind::BeNull => {
                let want_null = matches!(kind, CheckKind::BeNull);
                for i in 0..n {
                    if keys.is_null(i) != want_null {
                        visit(i, Unexpected);
                    }
                }
                return Some(());
            }
            _ => {
                let judge = string_judge(kind)?;
                (0..values.len()).map(|v| judge(values.value(v))).collect()
            }
        };
        let k = keys.values();
        for i in 0..n {
            if keys.is_null(i) {
                visit(i, Missing);
            } else {
                let ok = expected.get(k[i] as usize).copied().unwrap_or(false);
                visit(i, if ok { Expected } else { Unexpected });
            }
        }
        return Some(());
    }
    match (kind, col) {
        (CheckKind::NotNull | CheckKind::BeNull, _) => {
            let want_null = matches!(kind, CheckKind::BeNull);
            if let Col::Float(a) = col {
                for i in 0..n {
                    let null = a.is_null(i) || a.value(i).is_nan();
                    visit(
                        i,
                        if null == want_null {
                            Expected
                        } else {
                            Unexpected
                        },
                    );
                }
                return Some(());
            }
            let nulls = null_mask(col)?;
            match nulls {
                None if !want_null => {}
                None => (0..n).for_each(|i| visit(i, Unexpected)),
                Some(is_null) => {
                    for (i, null) in is_null.into_iter().enumerate() {
                        if null != want_null {
                            visit(i, Unexpected);
                        }
                    }
                }
            }
            Some(())
        }
        (CheckKind::Between(range), Col::Int(_) | Col::UInt(_) | Col::Float(_)) => {
            let (lo, hi) = numeric_bounds(range)?;
            numbers(col, &mut |i, x| match x {
                None => visit(i, Missing),
                Some(x) => {
                    let ok = lo.is_none_or(|m| if range.strict_min { x > m } else { x >= m })
                        && hi.is_none_or(|m| if range.strict_max { x < m } else { x <= m });
                    visit(i, if ok { Expected } else { Unexpected });
                }
            })
        }
        (CheckKind::InSet(set) | CheckKind::NotInSet(set), _) => {
            let inside = matches!(kind, CheckKind::InSet(_));
            let judge = |hit: bool| if hit == inside { Expected } else { Unexpected };
            match col {
                Col::Str(a) => strings(a, &mut |i, s| match s {
                    None => visit(i, Missing),
                    Some(s) => visit(i, judge(set.contains_str(s))),
                }),
                Col::Int(_) | Col::UInt(_) | Col::Float(_) => numbers(col, &mut |i, x| match x {
                    None => visit(i, Missing),
                    Some(x) => visit(i, judge(set.contains_num(x))),
                }),
                _ => None,
            }
        }
        (
            CheckKind::LengthsBetween { .. } | CheckKind::LengthEqual(_),
            Col::Str(a) | Col::Text(a),
        ) => {
            strings(a, &mut |i, s| match s {
                None => visit(i, Missing),
                Some(s) => {
                    // GX counts characters (Python's len of the text).
                    let len = if s.is_ascii() {
                        s.len()
                    } else {
                        s.chars().count()
                    };
                    let ok = match kind {
                        CheckKind::LengthEqual(want) => len as u64 == *want,
                        CheckKind::LengthsBetween { min, max } => {
                            let len = len as f64;
                            min.is_none_or(|m| len >= m) && max.is_none_or(|m| len <= m)
                        }
                        _ => true,
                    };
                    visit(i, if ok { Expected } else { Unexpected });
                }
            })
        }
        (CheckKind::MatchRegex(re) | CheckKind::NotMatchRegex(re), Col::Str(a) | Col::Text(a)) => {
            let want = matches!(kind, CheckKind::MatchRegex(_));
            // Bronze columns repeat values: remember the verdict per value.
            let mut seen: HashMap<&str, bool> = HashMap::new();
            strings(a, &mut |i, s| match s {
                None => visit(i, Missing),
                Some(s) => {
                    let hit = match seen.get(s) {
                        Some(&h) => h,
                        None => {
                            let h = re.is_match(s);
                            if seen.len() < REGEX_CACHE {
                                seen.insert(s, h);
                            }
                            h
                        }
                    };
                    visit(i, if hit == want { Expected } else { Unexpected });
                }
            })
        }
        _ => None,
    }
}

/// The verdict of a string check on one value, for checks that judge
/// strings by their text alone.
type StrJudge<'a> = Box<dyn Fn(&str) -> bool + 'a>;

fn string_judge(kind: &CheckKind) -> Option<StrJudge<'_>> {
    Some(match kind {
        CheckKind::InSet(set) => Box::new(move |s| set.contains_str(s)),
        CheckKind::NotInSet(set) => Box::new(move |s| !set.contains_str(s)),
        CheckKind::LengthEqual(want) => Box::new(move |s| char_len(s) as u64 == *want),
        CheckKind::LengthsBetween { min, max } => Box::new(move |s| {
            let len = char_len(s) as f64;
            min.is_none_or(|m| len >= m) && max.is_none_or(|m| len <= m)
        }),
        CheckKind::MatchRegex(re) => Box::new(move |s| re.is_match(s)),
        CheckKind::NotMatchRegex(re) => Box::new(move |s| !re.is_match(s)),
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

/// Which rows are null; `Some(None)` when none is. `None` for columns
/// where a null is not simply Arrow's (floats: NaN is missing too).
fn null_mask(col: &Col) -> Option<Option<Vec<bool>>> {
    let array: &dyn Array = match col {
        Col::Str(a) | Col::Text(a) => a,
        Col::Int(a) | Col::Time(a) => a,
        Col::UInt(a) => a,
        Col::Bool(a) => a,
        Col::Date(a) => a,
        Col::Float(_) | Col::Dict(..) => return None,
    };
    if array.null_count() == 0 {
        return Some(None);
    }
    Some(Some((0..array.len()).map(|i| array.is_null(i)).collect()))
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

fn strings<'a>(a: &'a StringArray, f: &mut dyn FnMut(usize, Option<&'a str>)) -> Option<()> {
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
