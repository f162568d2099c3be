//! Validation of one parquet file against one suite: table checks from the
//! footer, column checks streamed batch by batch over only the columns the
//! suite names.

mod aggregates;
mod checks;
pub mod column;
pub mod result;
pub mod strptime;
pub mod types;

use std::sync::atomic::Ordering;

use arrow_schema::SchemaRef;
use futures::TryStreamExt;
use parquet::arrow::async_reader::ParquetRecordBatchStreamBuilder;
use parquet::arrow::ProjectionMask;
use parquet::errors::ParquetError;
use serde_json::Value;

pub use checks::{Accumulator, Outcome};
pub use column::{Cell, Col};
pub use result::{ExceptionInfo, ExpectationResult, FileValidation, ResultDetail};

use crate::config::Limits;
use crate::store::{Entry, Store, StoreIoError};
use crate::suite::{Check, CheckKind, CompiledSuite};

/// Rows per decoded batch.
pub const BATCH_ROWS: usize = 65_536;

/// Why a file could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The bytes are bad (corrupt, truncated, not parquet, unsupported encoding).
    Corrupt,
    /// The store failed (network, permissions, throttling): worth retrying.
    Transient,
}

#[derive(Debug, Clone)]
pub struct ReadError {
    pub kind: ReadErrorKind,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ReadError {
    pub fn corrupt(message: impl Into<String>) -> Self {
        ReadError {
            kind: ReadErrorKind::Corrupt,
            message: message.into(),
        }
    }
}

/// Store errors wrapped by the reader are transient; everything the parquet
/// decoder says about the bytes means the file is bad.
pub fn classify(e: &ParquetError) -> ReadError {
    if let ParquetError::External(inner) = e {
        if let Some(io) = inner.downcast_ref::<StoreIoError>() {
            return ReadError {
                kind: ReadErrorKind::Transient,
                message: format!("storage error: {}", io.0),
            };
        }
    }
    ReadError::corrupt(format!("not a readable parquet file: {e}"))
}

/// Opens a parquet file: footer only.
pub async fn open(
    store: &Store,
    entry: &Entry,
) -> Result<
    (
        ParquetRecordBatchStreamBuilder<crate::store::StoreReader>,
        std::sync::Arc<std::sync::atomic::AtomicU64>,
    ),
    ReadError,
> {
    if entry.size == 0 {
        return Err(ReadError::corrupt(
            "not a parquet file: the file is empty (0 bytes)",
        ));
    }
    let reader = store.parquet_reader(entry);
    let fetched = reader.fetched_counter();
    let builder = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .map_err(|e| classify(&e))?;
    check_chunks(builder.metadata(), entry.size)?;
    Ok((builder, fetched))
}

/// Column chunk positions must lie inside the file; the parquet reader
/// asserts (panics) on negative ones, so they are refused here as bad bytes.
fn check_chunks(
    meta: &parquet::file::metadata::ParquetMetaData,
    size: u64,
) -> Result<(), ReadError> {
    for (g, rg) in meta.row_groups().iter().enumerate() {
        for (c, cc) in rg.columns().iter().enumerate() {
            let start = cc
                .dictionary_page_offset()
                .unwrap_or_else(|| cc.data_page_offset());
            let len = cc.compressed_size();
            let end = start.checked_add(len);
            if start < 0 || len < 0 || end.is_none_or(|e| e as u64 > size) {
                return Err(ReadError::corrupt(format!(
                    "not a readable parquet file: row group {g} column {c} claims bytes at offset {start} length {len}, outside the file ({size} bytes)"
                )));
            }
        }
    }
    Ok(())
}

/// Rows in a file: the sum over its row groups, which readers trust (some
/// writers leave the footer's total at 0).
pub fn row_count(meta: &parquet::file::metadata::ParquetMetaData) -> u64 {
    let groups: i64 = meta.row_groups().iter().map(|g| g.num_rows().max(0)).sum();
    if meta.num_row_groups() > 0 {
        groups as u64
    } else {
        meta.file_metadata().num_rows().max(0) as u64
    }
}

/// Finds a column by name (the first, if a writer repeated a name).
pub fn column_index(schema: &SchemaRef, name: &str) -> Option<usize> {
    schema.fields().iter().position(|f| f.name() == name)
}

fn column_names(schema: &SchemaRef) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

fn missing_column(column: &str, schema: &SchemaRef) -> Outcome {
    let names = column_names(schema);
    let shown: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
    Outcome::exception(format!(
        "column {column:?} is not in the file (it has {} columns: {}{})",
        names.len(),
        shown.join(", "),
        if names.len() > 20 { ", …" } else { "" }
    ))
}

/// A table-level check, answered from the footer.
fn table_outcome(kind: &CheckKind, column: Option<&str>, rows: u64, schema: &SchemaRef) -> Outcome {
    let names = column_names(schema);
    let ncols = names.len() as u64;
    let in_range = |x: f64, min: &Option<f64>, max: &Option<f64>| {
        min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m)
    };
    let observed = |success: bool, v: Value| Outcome {
        success,
        result: ResultDetail {
            observed_value: Some(v),
            ..Default::default()
        },
        exception: None,
    };
    match kind {
        CheckKind::RowCountBetween { min, max } => {
            observed(in_range(rows as f64, min, max), rows.into())
        }
        CheckKind::RowCountEqual(n) => observed(rows == *n, rows.into()),
        CheckKind::ColumnCountEqual(n) => observed(ncols == *n, ncols.into()),
        CheckKind::ColumnCountBetween { min, max } => {
            observed(in_range(ncols as f64, min, max), ncols.into())
        }
        CheckKind::ColumnsMatchSet { set, exact } => {
            let have: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
            let want: std::collections::HashSet<&str> = set.iter().map(String::as_str).collect();
            let success = if *exact {
                have == want
            } else {
                want.is_subset(&have)
            };
            // GX reports the file's columns sorted.
            let mut sorted = names.clone();
            sorted.sort();
            observed(success, Value::from(sorted))
        }
        CheckKind::ColumnsMatchOrderedList(list) => {
            observed(&names == list, Value::from(names.clone()))
        }
        CheckKind::ColumnExists { index } => {
            let column = column.unwrap_or_default();
            let success = match index {
                Some(i) => names.get(*i).is_some_and(|n| n == column),
                None => names.iter().any(|n| n == column),
            };
            Outcome {
                success,
                result: ResultDetail::default(),
                exception: None,
            }
        }
        _ => Outcome::exception("internal: not a table check".into()),
    }
}

fn to_result(check: &Check, outcome: Outcome) -> ExpectationResult {
    ExpectationResult {
        index: check.index,
        expectation_type: check.config.expectation_type.clone(),
        column: check.column.clone(),
        severity: check.severity,
        kwargs: check.config.kwargs.clone(),
        meta: check.config.meta.clone(),
        success: outcome.success,
        result: outcome.result,
        exception_info: outcome.exception,
    }
}

/// Validates a whole file with the default limits.
pub async fn validate(
    store: &Store,
    entry: &Entry,
    suite: &CompiledSuite,
) -> Result<FileValidation, ReadError> {
    validate_with(store, entry, suite, &Limits::default()).await
}

/// Validates a whole file. Errors only when the file cannot be read; a check
/// that cannot be evaluated is an unsuccessful result with `exception_info`.
pub async fn validate_with(
    store: &Store,
    entry: &Entry,
    suite: &CompiledSuite,
    limits: &Limits,
) -> Result<FileValidation, ReadError> {
    let (builder, fetched) = open(store, entry).await?;
    let schema = builder.schema().clone();
    let rows = row_count(builder.metadata());

    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(suite.checks.len());
    // (check position, file column indexes it reads)
    let mut scans: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut roots: Vec<usize> = Vec::new();
    for (pos, check) in suite.checks.iter().enumerate() {
        if !check.kind.reads_values() {
            outcomes.push(Some(table_outcome(
                &check.kind,
                check.column.as_deref(),
                rows,
                &schema,
            )));
            continue;
        }
        let found: Result<Vec<usize>, &String> = check
            .columns
            .iter()
            .map(|c| column_index(&schema, c).ok_or(c))
            .collect();
        match found {
            Err(column) => outcomes.push(Some(missing_column(column, &schema))),
            Ok(idxs) => {
                for idx in &idxs {
                    if !roots.contains(idx) {
                        roots.push(*idx);
                    }
                }
                scans.push((pos, idxs));
                outcomes.push(None);
            }
        }
    }

    if !scans.is_empty() {
        roots.sort_unstable();
        // Projected batches keep the file's column order.
        let scans: Vec<(usize, Vec<usize>)> = scans
            .into_iter()
            .map(|(pos, idxs)| {
                let positions = idxs
                    .iter()
                    .map(|idx| roots.binary_search(idx).unwrap_or_default())
                    .collect();
                (pos, positions)
            })
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
        let mut stream = builder
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| classify(&e))?;
        let projected_types: Vec<arrow_schema::DataType> = roots
            .iter()
            .map(|&idx| schema.field(idx).data_type().clone())
            .collect();
        let mut accs: Vec<Accumulator> = scans
            .iter()
            .map(|(pos, colpos)| {
                let types: Vec<arrow_schema::DataType> =
                    colpos.iter().map(|&c| projected_types[c].clone()).collect();
                Accumulator::new(&suite.checks[*pos], limits, &types)
            })
            .collect();
        let mut conversion_errors: Vec<Option<String>> = vec![None; roots.len()];
        let mut offset = 0u64;
        while let Some(batch) = stream.try_next().await.map_err(|e| classify(&e))? {
            let cols: Vec<Result<Col, String>> =
                batch.columns().iter().map(Col::from_array).collect();
            for (acc, (pos, colpos)) in accs.iter_mut().zip(&scans) {
                let mut these: Vec<&Col> = Vec::with_capacity(colpos.len());
                for &c in colpos {
                    match &cols[c] {
                        Ok(col) => these.push(col),
                        Err(e) => conversion_errors[c] = Some(e.clone()),
                    }
                }
                if these.len() == colpos.len() {
                    acc.update(&suite.checks[*pos].kind, &these, offset);
                }
            }
            offset += batch.num_rows() as u64;
        }
        for (acc, (pos, colpos)) in accs.into_iter().zip(&scans) {
            let check = &suite.checks[*pos];
            let error = colpos.iter().find_map(|&c| conversion_errors[c].clone());
            outcomes[*pos] = Some(match error {
                Some(e) => Outcome::exception(e),
                None => acc.finish(&check.kind, check.mostly),
            });
        }
    }

    let results = suite
        .checks
        .iter()
        .zip(outcomes)
        .map(|(check, outcome)| {
            to_result(
                check,
                outcome.unwrap_or_else(|| {
                    Outcome::exception("internal: check was not evaluated".into())
                }),
            )
        })
        .collect();
    Ok(FileValidation {
        suite: suite.name.clone(),
        rows,
        columns: schema.fields().len(),
        results,
        bytes_fetched: fetched.load(Ordering::Relaxed),
    })
}
