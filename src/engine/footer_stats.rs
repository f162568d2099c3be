//! Metadata first: row-by-row checks that the row groups' statistics settle
//! without decoding a page. Only exact cases are taken: a not-null check on
//! a column whose every row group counts 0 nulls, and a numeric range on an
//! integer column whose every row group's exact min and max lie inside it.
//! Floats are left to the scan (a NaN is missing for GX, and statistics do
//! not count NaNs reliably), and so are checks that could fail.

use arrow_schema::DataType;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics;

use super::checks::{settled, Outcome};
use crate::suite::{Bound, Check, CheckKind};

/// The outcome of `check` on `column` from statistics alone, when they settle it.
pub fn settle(
    check: &Check,
    meta: &ParquetMetaData,
    column: &str,
    data_type: &DataType,
    rows: u64,
) -> Option<Outcome> {
    if meta.num_row_groups() == 0 {
        return None;
    }
    let leaf = meta
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .position(|c| c.path().parts() == [column])?;
    let stats: Vec<&Statistics> = meta
        .row_groups()
        .iter()
        .map(|rg| rg.column(leaf).statistics())
        .collect::<Option<_>>()?;
    let nulls: u64 = stats
        .iter()
        .map(|s| s.null_count_opt())
        .sum::<Option<u64>>()?;
    match &check.kind {
        CheckKind::NotNull
            if nulls == 0
                && !matches!(
                    data_type,
                    DataType::Float16 | DataType::Float32 | DataType::Float64
                ) =>
        {
            Some(settled(&check.kind, rows, 0, check.mostly))
        }
        CheckKind::Between(range) => {
            let bound = |b: &Option<Bound>| match b {
                None => Some(None),
                Some(Bound::Num(x)) if !x.is_nan() => Some(Some(*x)),
                Some(_) => None,
            };
            let (lo, hi) = (bound(&range.min)?, bound(&range.max)?);
            for s in &stats {
                if nulls_only(s) {
                    continue;
                }
                let (min, max) = int_extremes(s, data_type)?;
                let low_ok = lo.is_none_or(|m| if range.strict_min { min > m } else { min >= m });
                let high_ok = hi.is_none_or(|m| if range.strict_max { max < m } else { max <= m });
                if !(low_ok && high_ok) {
                    return None;
                }
            }
            Some(settled(&check.kind, rows, nulls, check.mostly))
        }
        _ => None,
    }
}

/// A row group whose column holds only nulls has no min or max to check.
fn nulls_only(s: &Statistics) -> bool {
    s.min_bytes_opt().is_none() && s.max_bytes_opt().is_none() && s.null_count_opt().is_some()
}

/// Exact min and max of an integer column's row group, as GX compares them (as floats).
fn int_extremes(s: &Statistics, data_type: &DataType) -> Option<(f64, f64)> {
    if !(s.min_is_exact() && s.max_is_exact()) || s.is_min_max_deprecated() {
        return None;
    }
    match (s, data_type) {
        (
            Statistics::Int32(v),
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16,
        ) => Some((*v.min_opt()? as f64, *v.max_opt()? as f64)),
        (Statistics::Int32(v), DataType::UInt32) => {
            Some((*v.min_opt()? as u32 as f64, *v.max_opt()? as u32 as f64))
        }
        (Statistics::Int64(v), DataType::Int64) => {
            Some((*v.min_opt()? as f64, *v.max_opt()? as f64))
        }
        (Statistics::Int64(v), DataType::UInt64) => {
            Some((*v.min_opt()? as u64 as f64, *v.max_opt()? as u64 as f64))
        }
        _ => None,
    }
}
