//! Validation of one parquet file against one suite: table checks from the
//! footer, column checks streamed batch by batch over only the columns the
//! suite names.

mod aggregates;
mod checks;
pub mod column;
mod fast;
mod footer_stats;
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

pub(crate) use checks::{key_of, FastMap, Key};
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

/// Opens a parquet file: footer only. The reader returned beside the
/// builder reads the same object (more parts of it, the bytes fetched).
pub async fn open(
    store: &Store,
    entry: &Entry,
) -> Result<
    (
        ParquetRecordBatchStreamBuilder<crate::store::StoreReader>,
        crate::store::StoreReader,
    ),
    ReadError,
> {
    open_with(store, entry, Default::default()).await
}

/// Opens a parquet file with reader options (e.g. to load the offset index,
/// with which a reader of a few rows fetches only their pages).
pub async fn open_with(
    store: &Store,
    entry: &Entry,
    options: parquet::arrow::arrow_reader::ArrowReaderOptions,
) -> Result<
    (
        ParquetRecordBatchStreamBuilder<crate::store::StoreReader>,
        crate::store::StoreReader,
    ),
    ReadError,
> {
    if entry.size == 0 {
        return Err(ReadError::corrupt(
            "not a parquet file: the file is empty (0 bytes)",
        ));
    }
    let reader = store.parquet_reader(entry);
    let builder = ParquetRecordBatchStreamBuilder::new_with_options(reader.clone(), options)
        .await
        .map_err(|e| classify(&e))?;
    check_chunks(builder.metadata(), entry.size)?;
    Ok((builder, reader))
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

/// What a scan of the file computes: the value checks of a suite, each over
/// its columns' positions in the projected batches.
#[derive(Clone, Copy)]
struct ScanPlan<'a> {
    suite: &'a CompiledSuite,
    limits: &'a Limits,
    /// Hash partition (i, n) of the uniqueness checks' values.
    partition: (u64, u64),
    /// Bytes each uniqueness check may hold (shared by parallel parts).
    unique_budget: u64,
    /// (check position in the suite, positions of its columns)
    scans: &'a [(usize, Vec<usize>)],
    /// Arrow types of the projected columns.
    types: &'a [arrow_schema::DataType],
}

type ScanOutput = (Vec<Accumulator>, Vec<Option<String>>);

/// The reader's view of the file for scans: string columns that parquet
/// stores wholly as dictionaries come as dictionaries (keys into the
/// distinct values), so that string checks judge each distinct value once.
/// Other string columns are read as they are: the reader would have to
/// build a dictionary from their values, which costs more than it saves.
fn scan_metadata(
    builder: &ParquetRecordBatchStreamBuilder<crate::store::StoreReader>,
) -> Result<parquet::arrow::arrow_reader::ArrowReaderMetadata, ReadError> {
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
    let schema = builder.schema();
    let meta = builder.metadata();
    let all_dictionary = |name: &str| {
        parquet::arrow::parquet_column(builder.parquet_schema(), schema, name).is_some_and(
            |(leaf, _)| {
                meta.row_groups()
                    .iter()
                    .all(|rg| dictionary_encoded(rg.column(leaf)))
            },
        )
    };
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 if all_dictionary(f.name()) => f.as_ref().clone().with_data_type(
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            ),
            _ => f.as_ref().clone(),
        })
        .collect();
    let hinted = std::sync::Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let plain = || {
        ArrowReaderMetadata::try_new(builder.metadata().clone(), ArrowReaderOptions::new())
            .map_err(|e| classify(&e))
    };
    // A file the hint does not fit is read as it is.
    match ArrowReaderMetadata::try_new(
        builder.metadata().clone(),
        ArrowReaderOptions::new().with_schema(hinted),
    ) {
        Ok(m) => Ok(m),
        Err(_) => plain(),
    }
}

/// Whether every data page of a column chunk is dictionary encoded, as its
/// page encoding statistics say (unknown counts as no).
fn dictionary_encoded(chunk: &parquet::file::metadata::ColumnChunkMetaData) -> bool {
    use parquet::basic::{Encoding, PageType};
    let dict = |e: Encoding| matches!(e, Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY);
    if chunk.dictionary_page_offset().is_none() {
        return false;
    }
    if let Some(mask) = chunk.page_encoding_stats_mask() {
        return mask.is_only(Encoding::PLAIN_DICTIONARY) || mask.is_only(Encoding::RLE_DICTIONARY);
    }
    chunk.page_encoding_stats().is_some_and(|stats| {
        stats
            .iter()
            .filter(|s| matches!(s.page_type, PageType::DATA_PAGE | PageType::DATA_PAGE_V2))
            .all(|s| dict(s.encoding))
    })
}

/// Passes a uniqueness check may take before it gives up.
const MAX_UNIQUE_PASSES: u64 = 4096;

/// Partitions for the next go of a uniqueness check that ran out of budget
/// with `parts` partitions: the bytes it held after the rows it saw,
/// extended to the whole file, with a quarter to spare; at least twice as
/// many as before.
fn more_partitions(parts: u64, (seen, held): (u64, u64), rows: u64, budget: u64) -> u64 {
    let whole = held as f64 * rows.max(1) as f64 / seen.max(1) as f64 * 1.25;
    let factor = (whole / budget.max(1) as f64).ceil().max(2.0);
    parts.saturating_mul(factor.min(MAX_UNIQUE_PASSES as f64 + 1.0) as u64)
}

/// Files with fewer rows are scanned by one thread.
const PARALLEL_MIN_ROWS: u64 = 1 << 20;

/// Runs `part` over the whole file: over contiguous runs of row groups, one
/// per core, each on its own thread, when the file is large and has several
/// row groups; else once over all of it. `part` gets a reader builder, the
/// row groups (None: all), their first row and how many parts there are;
/// the outputs come in row order.
pub(crate) async fn in_parts<T, F, Fut>(
    arrow_meta: &parquet::arrow::arrow_reader::ArrowReaderMetadata,
    reader: &crate::store::StoreReader,
    part: F,
) -> Result<Vec<T>, ReadError>
where
    F: Fn(
            ParquetRecordBatchStreamBuilder<crate::store::StoreReader>,
            Option<Vec<usize>>,
            u64,
            usize,
        ) -> Fut
        + Sync,
    Fut: std::future::Future<Output = Result<T, ReadError>>,
    T: Send,
{
    let meta = arrow_meta.metadata().clone();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let handle = tokio::runtime::Handle::current();
    let builder =
        || ParquetRecordBatchStreamBuilder::new_with_metadata(reader.clone(), arrow_meta.clone());
    // At least two parts, so that one core still runs (and tests) the split.
    let parts = split_row_groups(&meta, cores.clamp(2, 16));
    if parts.len() < 2
        || row_count(&meta) < PARALLEL_MIN_ROWS
        || handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread
    {
        return Ok(vec![part(builder(), None, 0, 1).await?]);
    }
    // Borrowing `part` needs scoped threads, which drive the parts' I/O
    // through the runtime's handle.
    let n = parts.len();
    let part = &part;
    let outputs: Vec<Result<T, ReadError>> = tokio::task::block_in_place(|| {
        std::thread::scope(|s| {
            let threads: Vec<_> = parts
                .into_iter()
                .map(|(groups, first_row)| {
                    let (b, handle) = (builder(), handle.clone());
                    s.spawn(move || handle.block_on(part(b, Some(groups), first_row, n)))
                })
                .collect();
            threads
                .into_iter()
                .map(|t| {
                    t.join().unwrap_or_else(|_| {
                        Err(ReadError::corrupt(
                            "internal error: the reader panicked on a part of this file",
                        ))
                    })
                })
                .collect()
        })
    });
    outputs.into_iter().collect()
}

/// Scans the projected columns of the whole file, in parts (`in_parts`)
/// merged in row order.
async fn scan(
    arrow_meta: &parquet::arrow::arrow_reader::ArrowReaderMetadata,
    reader: &crate::store::StoreReader,
    mask: ProjectionMask,
    plan: &ScanPlan<'_>,
) -> Result<ScanOutput, ReadError> {
    let outputs = in_parts(arrow_meta, reader, |builder, groups, first_row, parts| {
        // The parts share the uniqueness budget.
        let plan = ScanPlan {
            unique_budget: plan.unique_budget / parts as u64,
            ..*plan
        };
        let mask = mask.clone();
        async move { scan_part(builder, mask, groups, first_row, &plan).await }
    })
    .await?;
    let mut merged: Option<ScanOutput> = None;
    for (accs, errors) in outputs {
        match &mut merged {
            None => merged = Some((accs, errors)),
            Some((all, all_errors)) => {
                for ((acc, next), (pos, _)) in all.iter_mut().zip(accs).zip(plan.scans) {
                    acc.merge(&plan.suite.checks[*pos].kind, next);
                }
                for (e, next) in all_errors.iter_mut().zip(errors) {
                    if e.is_none() {
                        *e = next;
                    }
                }
            }
        }
    }
    merged.ok_or_else(|| ReadError::corrupt("internal error: no part of the file was scanned"))
}

/// Contiguous runs of row groups, at most `parts`, of about equal rows, each
/// with its first row number.
fn split_row_groups(
    meta: &parquet::file::metadata::ParquetMetaData,
    parts: usize,
) -> Vec<(Vec<usize>, u64)> {
    let total = row_count(meta).max(1);
    let mut out: Vec<(Vec<usize>, u64)> = Vec::new();
    let mut row = 0u64;
    for (g, rg) in meta.row_groups().iter().enumerate() {
        let part = ((row as u128 * parts as u128) / total as u128) as usize;
        if out.len() <= part {
            out.push((Vec::new(), row));
        }
        if let Some(last) = out.last_mut() {
            last.0.push(g);
        }
        row += rg.num_rows().max(0) as u64;
    }
    out
}

/// Scans some row groups (all when `groups` is `None`) whose first row is
/// `first_row`, feeding every check's accumulator batch by batch.
async fn scan_part(
    builder: ParquetRecordBatchStreamBuilder<crate::store::StoreReader>,
    mask: ProjectionMask,
    groups: Option<Vec<usize>>,
    first_row: u64,
    plan: &ScanPlan<'_>,
) -> Result<ScanOutput, ReadError> {
    let mut builder = builder.with_projection(mask).with_batch_size(BATCH_ROWS);
    if let Some(groups) = groups {
        builder = builder.with_row_groups(groups);
    }
    let mut stream = builder.build().map_err(|e| classify(&e))?;
    let mut accs: Vec<Accumulator> = plan
        .scans
        .iter()
        .map(|(pos, colpos)| {
            let types: Vec<arrow_schema::DataType> =
                colpos.iter().map(|&c| plan.types[c].clone()).collect();
            let mut acc = Accumulator::new(&plan.suite.checks[*pos], plan.limits, &types);
            acc.set_partition(plan.partition.0, plan.partition.1, plan.unique_budget);
            acc
        })
        .collect();
    let mut conversion_errors: Vec<Option<String>> = vec![None; plan.types.len()];
    let mut offset = first_row;
    while let Some(batch) = stream.try_next().await.map_err(|e| classify(&e))? {
        let cols: Vec<Result<Col, String>> = batch.columns().iter().map(Col::from_array).collect();
        for (acc, (pos, colpos)) in accs.iter_mut().zip(plan.scans) {
            let mut these: Vec<&Col> = Vec::with_capacity(colpos.len());
            for &c in colpos {
                match &cols[c] {
                    Ok(col) => these.push(col),
                    Err(e) => conversion_errors[c] = Some(e.clone()),
                }
            }
            if these.len() == colpos.len() {
                acc.update(&plan.suite.checks[*pos].kind, &these, offset);
            }
        }
        offset += batch.num_rows() as u64;
    }
    Ok((accs, conversion_errors))
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
    let (builder, reader) = open(store, entry).await?;
    let fetched = reader.fetched_counter();
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
        if let (Some(column), [_]) = (&check.column, check.columns.as_slice()) {
            if let Some(idx) = column_index(&schema, column) {
                let data_type = schema.field(idx).data_type();
                if let Some(o) =
                    footer_stats::settle(check, builder.metadata(), column, data_type, rows)
                {
                    outcomes.push(Some(o));
                    continue;
                }
            }
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
        let arrow_meta = scan_metadata(&builder)?;
        let budget = limits.unique_memory_mb.max(1) << 20;
        let roots: &[usize] = &roots;
        // One pass over the file for every check; a uniqueness check that
        // outgrows its memory budget on the way goes again, alone, in
        // passes that each keep one hash partition of its values.
        let mut conversion_errors: Vec<Option<String>> = vec![None; roots.len()];
        let pass = |these: Vec<(usize, Vec<usize>)>, partition: (u64, u64)| {
            // The file columns this pass reads, in file order.
            let mut wanted: Vec<usize> = these
                .iter()
                .flat_map(|(_, cols)| cols.iter().map(|&c| roots[c]))
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            let (arrow_meta, reader, schema) = (&arrow_meta, &reader, &schema);
            async move {
                let mask =
                    ProjectionMask::roots(arrow_meta.parquet_schema(), wanted.iter().copied());
                // Positions in this pass's projection.
                let local: Vec<(usize, Vec<usize>)> = these
                    .iter()
                    .map(|(pos, cols)| {
                        let p = cols
                            .iter()
                            .map(|&c| wanted.binary_search(&roots[c]).unwrap_or_default())
                            .collect();
                        (*pos, p)
                    })
                    .collect();
                let types: Vec<arrow_schema::DataType> = wanted
                    .iter()
                    .map(|&idx| schema.field(idx).data_type().clone())
                    .collect();
                let plan = ScanPlan {
                    suite,
                    limits,
                    partition,
                    unique_budget: budget,
                    scans: &local,
                    types: &types,
                };
                let (accs, errors) = scan(arrow_meta, reader, mask, &plan).await?;
                Ok::<_, ReadError>((accs, errors, wanted))
            }
        };
        let mut note_errors = |errors: Vec<Option<String>>, wanted: &[usize]| {
            for (e, idx) in errors.into_iter().zip(wanted) {
                let at = roots.binary_search(idx).unwrap_or_default();
                if conversion_errors[at].is_none() {
                    conversion_errors[at] = e;
                }
            }
        };
        let (first, errors, wanted) = pass(scans.clone(), (0, 1)).await?;
        note_errors(errors, &wanted);
        let mut accs: Vec<Result<Accumulator, String>> = first.into_iter().map(Ok).collect();
        for (slot, one) in scans.iter().enumerate() {
            let Some(mut pressure) = accs[slot].as_ref().ok().and_then(|a| a.unique_overflow())
            else {
                continue;
            };
            let mut parts = 1u64;
            accs[slot] = loop {
                parts = more_partitions(parts, pressure, rows, budget);
                if parts > MAX_UNIQUE_PASSES {
                    break Err(format!(
                        "uniqueness of these values needs more than {MAX_UNIQUE_PASSES} passes within limits.unique_memory_mb ({} MiB); raise the limit",
                        limits.unique_memory_mb
                    ));
                }
                let mut merged: Option<Accumulator> = None;
                for p in 0..parts {
                    let (mut out, errors, wanted) = pass(vec![one.clone()], (p, parts)).await?;
                    note_errors(errors, &wanted);
                    let Some(acc) = out.pop() else {
                        break;
                    };
                    match &mut merged {
                        None => merged = Some(acc),
                        Some(m) => m.absorb_partition(acc),
                    }
                    if let Some(o) = merged.as_ref().and_then(Accumulator::unique_overflow) {
                        pressure = o;
                        break;
                    }
                }
                match merged {
                    Some(acc) if acc.unique_overflow().is_none() => break Ok(acc),
                    Some(_) => continue,
                    None => break Err("internal: check was not scanned".into()),
                }
            };
        }

        for (acc, (pos, colpos)) in accs.into_iter().zip(&scans) {
            let check = &suite.checks[*pos];
            let error = colpos.iter().find_map(|&c| conversion_errors[c].clone());
            outcomes[*pos] = Some(match (error, acc) {
                (Some(e), _) | (None, Err(e)) => Outcome::exception(e),
                (None, Ok(acc)) => acc.finish(&check.kind, check.mostly),
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
