//! The profile stage: read a sample of each table's first delivery, gather
//! column statistics, and write one suite per table (never over an existing
//! one without `--force`) plus the statistics under `state/profiles/`.

mod rules;
pub mod stats;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, RowSelection, RowSelector};
use parquet::arrow::ParquetRecordBatchStreamBuilder;
use serde::Serialize;

pub use rules::default_quality_thresholds;

/// The suite the profiler writes for a profile.
pub fn suite_for(profile: &TableProfile, settings: &crate::config::ProfileSettings) -> Suite {
    let facts = rules::TableFacts {
        table: &profile.table,
        source: &profile.source,
        rows: profile.total_rows,
        sampled_rows: profile.sampled_rows,
        columns: &profile.columns,
    };
    rules::suite_for(&facts, settings)
}
pub use stats::ColumnStats;

use crate::config::Settings;
use crate::discover::{self, SuiteIndex};
use crate::engine::{self, classify, Col, ReadError};
use crate::progress::Progress;
use crate::roots::Roots;
use crate::store::{Entry, Store, StoreReader};
use crate::suite::{suite_file_name, CompiledSuite, Suite};

#[derive(Debug, Clone, Default)]
pub struct ProfileOptions {
    pub force: bool,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableProfile {
    pub table: String,
    pub source: String,
    pub generated_at: String,
    pub total_rows: u64,
    pub sampled_rows: u64,
    pub whole_file: bool,
    pub columns: Vec<ColumnStats>,
}

#[derive(Debug, Clone)]
pub enum ProfileOutcome {
    Written {
        table: String,
        suite_key: String,
        source: String,
        expectations: usize,
        rows: u64,
    },
    WouldWrite {
        table: String,
        suite_key: String,
        source: String,
        expectations: usize,
    },
    Exists {
        table: String,
    },
    Failed {
        table: String,
        error: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct ProfileSummary {
    pub outcomes: Vec<ProfileOutcome>,
}

impl ProfileSummary {
    pub fn written(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| {
                matches!(
                    o,
                    ProfileOutcome::Written { .. } | ProfileOutcome::WouldWrite { .. }
                )
            })
            .count()
    }
    pub fn existing(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, ProfileOutcome::Exists { .. }))
            .count()
    }
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, ProfileOutcome::Failed { .. }))
            .count()
    }
}

/// Row windows spread over the whole file: a sample that sees every part
/// of it, not just the first rows.
fn spread_selection(total: u64, sample: u64) -> RowSelection {
    const WINDOWS: u64 = 20;
    let window = (sample / WINDOWS).max(1);
    let windows = (sample / window).max(1);
    let stride = total / windows;
    let mut selectors = Vec::new();
    let mut pos = 0u64;
    for w in 0..windows {
        let start = w * stride;
        if start > pos {
            selectors.push(RowSelector::skip((start - pos) as usize));
        }
        let take = window.min(total - start);
        selectors.push(RowSelector::select(take as usize));
        pos = start + take;
    }
    if total > pos {
        selectors.push(RowSelector::skip((total - pos) as usize));
    }
    RowSelection::from(selectors)
}

/// Profiles one file.
pub async fn profile_file(
    store: &Store,
    entry: &Entry,
    table: &str,
    settings: &Settings,
) -> Result<TableProfile, ReadError> {
    // The sample's pages are found through the offset index, when the file
    // has one, instead of decoding whole row groups to skip rows.
    let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new()
        .with_offset_index_policy(parquet::file::metadata::PageIndexPolicy::Optional);
    let (builder, reader) = engine::open_with(store, entry, options).await?;
    let total = engine::row_count(builder.metadata());
    let whole = settings.sample_rows == 0 || total <= settings.sample_rows;
    let sentinels: HashSet<String> = settings.sentinels.iter().cloned().collect();
    let max_distinct = settings.profile.max_distinct_tracked;
    let read = |builder: ParquetRecordBatchStreamBuilder<StoreReader>,
                groups: Option<Vec<usize>>,
                selection: Option<RowSelection>| {
        let mut builder = builder.with_batch_size(engine::BATCH_ROWS);
        if let Some(groups) = groups {
            builder = builder.with_row_groups(groups);
        }
        if let Some(selection) = selection {
            builder = builder.with_row_selection(selection);
        }
        profile_rows(builder, &sentinels, max_distinct)
    };
    let (mut columns, sampled) = if whole {
        // The whole file, in parts read in parallel, merged in row order.
        let meta = ArrowReaderMetadata::try_new(builder.metadata().clone(), Default::default())
            .map_err(|e| classify(&e))?;
        let parts = engine::in_parts(&meta, &reader, |b, groups, _, _| read(b, groups, None));
        let mut parts = parts.await?.into_iter();
        let (mut columns, mut sampled) = parts.next().unwrap_or_default();
        for (more, rows) in parts {
            sampled += rows;
            for (c, m) in columns.iter_mut().zip(more) {
                c.merge(m, &sentinels, max_distinct);
            }
        }
        (columns, sampled)
    } else {
        read(
            builder,
            None,
            Some(spread_selection(total, settings.sample_rows)),
        )
        .await?
    };
    for c in &mut columns {
        c.finish(whole, settings.profile.max_set_size.max(20), &sentinels);
    }
    if !whole {
        confirm_uniqueness(store, entry, &mut columns, &settings.limits).await?;
    }
    Ok(TableProfile {
        table: table.to_string(),
        source: store.display(&entry.key),
        generated_at: crate::util::now_rfc3339(),
        total_rows: total,
        sampled_rows: sampled,
        whole_file: whole,
        columns,
    })
}

/// Gathers the statistics of every column over the rows a reader yields,
/// and counts them.
async fn profile_rows(
    builder: ParquetRecordBatchStreamBuilder<StoreReader>,
    sentinels: &HashSet<String>,
    max_distinct: usize,
) -> Result<(Vec<ColumnStats>, u64), ReadError> {
    let mut columns: Vec<ColumnStats> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| ColumnStats::new(f.name(), f.data_type()))
        .collect();
    let mut stream = builder.build().map_err(|e| classify(&e))?;
    let mut rows = 0u64;
    while let Some(batch) = stream.try_next().await.map_err(|e| classify(&e))? {
        rows += batch.num_rows() as u64;
        for (stats, array) in columns.iter_mut().zip(batch.columns()) {
            // A column whose values cannot be read gets no value rules.
            if let Ok(col) = Col::from_array(array) {
                stats.update(&col, sentinels, max_distinct);
            }
        }
    }
    Ok((columns, rows))
}

/// A column distinct in the sample is unique only if it is in the whole
/// file: check those columns with the validation engine.
async fn confirm_uniqueness(
    store: &Store,
    entry: &Entry,
    columns: &mut [ColumnStats],
    limits: &crate::config::Limits,
) -> Result<(), ReadError> {
    let candidates: Vec<usize> = (0..columns.len())
        .filter(|i| columns[*i].unique.is_none())
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let expectations: Vec<_> = candidates
        .iter()
        .map(|i| crate::suite::ExpectationConfig {
            expectation_type: "expect_column_values_to_be_unique".into(),
            kwargs: serde_json::json!({"column": columns[*i].name})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            meta: Default::default(),
            extra: Default::default(),
        })
        .collect();
    let suite = Suite {
        expectations,
        ..Default::default()
    };
    let compiled = CompiledSuite::compile(suite, "uniqueness check")
        .map_err(|e| ReadError::corrupt(format!("internal: {e:#}")))?;
    let validation = engine::validate_with(store, entry, &compiled, limits).await?;
    for (i, r) in candidates.iter().zip(&validation.results) {
        columns[*i].unique = Some(r.success && r.exception_info.is_none());
    }
    Ok(())
}

/// Runs the profile stage over the bronze root.
pub async fn run(
    settings: &Settings,
    roots: &Roots,
    opts: &ProfileOptions,
    progress: &Progress,
) -> anyhow::Result<ProfileSummary> {
    let files = discover::bronze_files(&roots.bronze).await?;
    let suites = SuiteIndex::load(&roots.suites).await?;
    // The first delivery of each table (sorted) is its baseline.
    let mut by_table: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for f in files {
        by_table
            .entry(discover::table_of(&f.key))
            .or_default()
            .push(f);
    }
    let mut summary = ProfileSummary::default();
    let mut todo = Vec::new();
    for (table, files) in by_table {
        if suites.has(&table) && !opts.force {
            summary.outcomes.push(ProfileOutcome::Exists { table });
        } else {
            todo.push((table, files));
        }
    }
    let bar = progress.bar("profile", todo.len() as u64);
    let settings = Arc::new(settings.clone());
    let roots = Arc::new(roots.clone());
    let dry_run = opts.dry_run;
    let mut stream = futures::stream::iter(todo.into_iter().map(|(table, files)| {
        let settings = settings.clone();
        let roots = roots.clone();
        let t2 = table.clone();
        async move {
            tokio::spawn(profile_table(settings, roots, table, files, dry_run))
                .await
                .unwrap_or_else(|e| ProfileOutcome::Failed {
                    table: t2,
                    error: format!("internal error: {e}"),
                })
        }
    }))
    .buffer_unordered(settings.workers);
    while let Some(outcome) = stream.next().await {
        bar.inc(1);
        match &outcome {
            ProfileOutcome::Failed { table, error } => {
                tracing::error!(
                    stage = "profile",
                    table,
                    "could not profile {table}: {error}"
                )
            }
            ProfileOutcome::Written {
                table,
                suite_key,
                expectations,
                ..
            } => {
                tracing::info!(stage = "profile", table, suite = %suite_key, expectations, "wrote suite {suite_key}")
            }
            ProfileOutcome::WouldWrite {
                table,
                suite_key,
                expectations,
                ..
            } => {
                tracing::info!(stage = "profile", table, suite = %suite_key, expectations, dry_run = true, "would write suite {suite_key}")
            }
            ProfileOutcome::Exists { .. } => {}
        }
        summary.outcomes.push(outcome);
    }
    bar.finish_and_clear();
    Ok(summary)
}

async fn profile_table(
    settings: Arc<Settings>,
    roots: Arc<Roots>,
    table: String,
    files: Vec<Entry>,
    dry_run: bool,
) -> ProfileOutcome {
    let mut errors = Vec::new();
    // If the first delivery is unreadable, the next one serves as baseline.
    for entry in &files {
        match profile_file(&roots.bronze, entry, &table, &settings).await {
            Err(e) => errors.push(format!(
                "{}: {}",
                roots.bronze.display(&entry.key),
                e.message
            )),
            Ok(profile) => {
                let suite = suite_for(&profile, &settings.profile);
                let suite_key = suite_file_name(&table);
                let expectations = suite.expectations.len();
                let write = async {
                    let yaml = suite.to_yaml()?;
                    // In a dry run the suites root is an in-memory copy.
                    roots.suites.put(&suite_key, Bytes::from(yaml)).await?;
                    if !dry_run {
                        roots.state.write_profile(&table, &profile).await?;
                    }
                    anyhow::Ok(())
                };
                if dry_run {
                    return match write.await {
                        Ok(()) => ProfileOutcome::WouldWrite {
                            table,
                            suite_key,
                            source: profile.source,
                            expectations,
                        },
                        Err(e) => ProfileOutcome::Failed {
                            table,
                            error: format!("{e:#}"),
                        },
                    };
                }
                return match write.await {
                    Ok(()) => ProfileOutcome::Written {
                        table,
                        suite_key: roots.suites.display(&suite_key),
                        source: profile.source,
                        expectations,
                        rows: profile.total_rows,
                    },
                    Err(e) => ProfileOutcome::Failed {
                        table,
                        error: format!("{e:#}"),
                    },
                };
            }
        }
    }
    ProfileOutcome::Failed {
        table,
        error: errors.join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_selection_covers_the_file() {
        let sel = spread_selection(1_000_000, 100_000);
        assert_eq!(sel.row_count(), 100_000);
        let sel = spread_selection(100_001, 100_000);
        assert!(sel.row_count() <= 100_000);
    }
}
