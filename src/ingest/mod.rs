//! The ingest stage: discover bronze files, skip processed ones, validate
//! each against its suite, gate it, and act: PASSED files are watermarked
//! (and optionally promoted), FAILED and unreadable files quarantined, every
//! outcome logged.

pub mod actions;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;

use crate::config::{OnPass, Settings};
use crate::discover::{self, Shard, SuiteIndex};
use crate::engine::{self, FileValidation, ReadErrorKind};
use crate::gate::{self, Verdict};
use crate::progress::Progress;
use crate::roots::Roots;
use crate::state::{Lineage, LogDetails, LogFailure, LogRecord, LogSegment, Watermark};
use crate::store::Entry;
use crate::suite::CompiledSuite;
use crate::util::{now_rfc3339, rfc3339};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Passed,
    Failed,
    Error,
    SkippedNoConfig,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "PASSED",
            Status::Failed => "FAILED",
            Status::Error => "ERROR",
            Status::SkippedNoConfig => "SKIPPED_NO_CONFIG",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Watermarked,
    Quarantined,
    Promoted,
    None,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Watermarked => "watermarked",
            Action::Quarantined => "quarantined",
            Action::Promoted => "promoted",
            Action::None => "none",
        }
    }
}

/// Why a file did not get a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// No suite matches the file.
    NoSuite,
    /// The suite is invalid (exit code 2); the file stays in place.
    Suite,
    /// The bytes are not readable parquet: quarantined.
    BadBytes,
    /// The store failed even after retries: left in place.
    Transient,
    /// A bug; the file stays in place.
    Internal,
    /// A per-file limit was hit; the file stays in place.
    Limit,
}

#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub force: bool,
    pub dry_run: bool,
    pub shard: Option<Shard>,
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub entry: Entry,
    pub status: Status,
    pub action: Action,
    pub suite_key: Option<String>,
    pub validation: Option<FileValidation>,
    pub verdict: Option<Verdict>,
    /// Why the file is ERROR or SKIPPED_NO_CONFIG.
    pub error: Option<String>,
    /// What kind of problem `error` is.
    pub problem: Option<Problem>,
    pub duration: Duration,
    /// Where the file went, when it moved.
    pub moved_to: Option<String>,
    /// The dq log line could not be written.
    pub state_error: Option<String>,
}

impl FileOutcome {
    /// The reason in one line, for the console.
    pub fn reason(&self) -> String {
        if let Some(e) = &self.error {
            return e.clone();
        }
        let mut parts = Vec::new();
        if let Some(v) = &self.verdict {
            parts.extend(v.threshold_failures.iter().cloned());
        }
        if let Some(val) = &self.validation {
            for f in val.failures().take(3) {
                parts.push(format!(
                    "{}{}: {}",
                    f.expectation_type,
                    f.column
                        .as_ref()
                        .map(|c| format!("({c})"))
                        .unwrap_or_default(),
                    f.summary()
                ));
            }
            let more = val.failures().count().saturating_sub(3);
            if more > 0 {
                parts.push(format!("and {more} more failed expectations"));
            }
        }
        parts.join("; ")
    }
}

#[derive(Debug, Clone, Default)]
pub struct IngestSummary {
    pub run_id: String,
    pub discovered: usize,
    pub already_processed: usize,
    pub outside_shard: usize,
    pub outcomes: Vec<FileOutcome>,
    pub log_key: Option<String>,
    /// State writes that failed (the run reports them and exits 1).
    pub state_errors: Vec<String>,
    /// The run's alert deliveries.
    pub deliveries: crate::alert::Deliveries,
}

impl IngestSummary {
    pub fn count(&self, status: Status) -> usize {
        self.outcomes.iter().filter(|o| o.status == status).count()
    }
    pub fn quarantined(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.action == Action::Quarantined)
            .count()
    }
    pub fn rows(&self) -> u64 {
        self.outcomes
            .iter()
            .filter_map(|o| o.validation.as_ref().map(|v| v.rows))
            .sum()
    }
}

/// The sidecar next to a quarantined file.
#[derive(Serialize)]
struct Sidecar<'a> {
    file: &'a str,
    status: &'a str,
    quarantined_at: String,
    run_id: &'a str,
    suite: Option<&'a str>,
    reason: String,
    verdict: Option<&'a Verdict>,
    validation: Option<&'a FileValidation>,
    lineage: &'a Lineage,
}

struct Context {
    settings: Settings,
    roots: Roots,
    run_id: String,
    dry_run: bool,
    host: String,
    /// The run's dq log segment (none in a dry run).
    log: Option<LogWriter>,
}

/// The one writer of the run's dq log segment. A file's line is written
/// before its file moves and rewritten if the move fails, so that every
/// moved file has its line whatever point a crash stops the run at.
struct LogWriter {
    segment: tokio::sync::Mutex<LogSegment>,
}

impl LogWriter {
    /// Records (or replaces) a file's line and rewrites the segment.
    async fn write(&self, ctx: &Context, out: &FileOutcome) -> Result<(), String> {
        let record = log_record(ctx, out);
        let mut segment = self.segment.lock().await;
        segment.upsert(&record).map_err(|e| format!("{e:#}"))?;
        ctx.roots
            .state
            .write_segment(&segment)
            .await
            .map_err(|e| format!("could not write the dq log: {e:#}"))
    }
}

/// Runs ingest. Errors only when the run cannot start (listing bronze or
/// reading watermarks fails); per-file problems are outcomes.
pub async fn run(
    settings: &Settings,
    roots: &Roots,
    opts: &IngestOptions,
    run_id: &str,
    progress: &Progress,
) -> anyhow::Result<IngestSummary> {
    let suites = SuiteIndex::load(&roots.suites).await?;
    let marks = roots.state.watermarks().await?;
    let all = discover::bronze_files(&roots.bronze).await?;
    let mut summary = IngestSummary {
        run_id: run_id.to_string(),
        discovered: all.len(),
        ..Default::default()
    };
    let mut todo = Vec::new();
    for entry in all {
        if opts.shard.is_some_and(|s| !s.owns(&entry.key)) {
            summary.outside_shard += 1;
        } else if !opts.force && marks.is_processed(&entry) {
            summary.already_processed += 1;
        } else {
            todo.push(entry);
        }
    }
    tracing::info!(
        stage = "ingest",
        run_id,
        discovered = summary.discovered,
        already_processed = summary.already_processed,
        to_process = todo.len(),
        "discovered bronze files"
    );

    // Each suite is read and compiled once per run.
    let mut compiled: HashMap<String, Result<Arc<CompiledSuite>, String>> = HashMap::new();
    let mut jobs = Vec::new();
    for entry in todo {
        let suite_key = suites.lookup(&entry.key, &settings.suite_map);
        let suite = match &suite_key {
            None => None,
            Some(key) => {
                if !compiled.contains_key(key) {
                    let loaded = load_suite(roots, key).await;
                    compiled.insert(key.clone(), loaded);
                }
                compiled.get(key).cloned()
            }
        };
        jobs.push((entry, suite_key, suite));
    }

    let ctx = Arc::new(Context {
        settings: settings.clone(),
        roots: roots.clone(),
        run_id: run_id.to_string(),
        dry_run: opts.dry_run,
        host: gethostname::gethostname().to_string_lossy().into_owned(),
        log: (!opts.dry_run).then(|| LogWriter {
            segment: tokio::sync::Mutex::new(LogSegment::new(
                run_id,
                opts.shard.map(|s| s.tag()).as_deref(),
            )),
        }),
    });
    let bar = progress.bar("ingest", jobs.len() as u64);
    let mut results = futures::stream::iter(jobs.into_iter().map(|(entry, suite_key, suite)| {
        let ctx = ctx.clone();
        let fallback = entry.clone();
        let suite_key2 = suite_key.clone();
        async move {
            match tokio::spawn(process(ctx.clone(), entry, suite_key, suite)).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    let mut out = base_outcome(fallback, suite_key2);
                    out.error = Some(format!(
                        "internal error while validating: {e}; the file was left in place"
                    ));
                    out.problem = Some(Problem::Internal);
                    finish(&ctx, out).await
                }
            }
        }
    }))
    .buffer_unordered(settings.workers);

    while let Some(outcome) = results.next().await {
        bar.inc(1);
        report_outcome(&outcome, opts.dry_run);
        if let Some(e) = &outcome.state_error {
            tracing::error!(stage = "ingest", file = %outcome.entry.key, "{e}");
            summary.state_errors.push(e.clone());
        }
        if !opts.dry_run {
            // Last of a file's writes: its watermark (the log line and the
            // move came before, in `process`).
            if let Some(mark) = watermark_for(&ctx, &outcome) {
                if let Err(e) = roots
                    .state
                    .record_watermarks(&[(outcome.entry.key.clone(), mark)])
                    .await
                {
                    let msg = format!(
                        "could not record the watermark of {}: {e:#}",
                        outcome.entry.key
                    );
                    tracing::error!(stage = "ingest", "{msg}");
                    summary.state_errors.push(msg);
                }
            }
        }
        summary.outcomes.push(outcome);
    }
    bar.finish_and_clear();
    summary
        .outcomes
        .sort_by(|a, b| a.entry.key.cmp(&b.entry.key));
    if let Some(log) = &ctx.log {
        let segment = log.segment.lock().await;
        if !segment.is_empty() {
            summary.log_key = Some(segment.key.clone());
        }
    }
    if let Some(alert) = summary_alert(&summary) {
        summary.deliveries =
            crate::alert::deliver(&settings.alerts, &roots.state, &[alert], opts.dry_run).await;
    }
    Ok(summary)
}

/// One alert per run that quarantined files or could not process some.
fn summary_alert(summary: &IngestSummary) -> Option<crate::alert::Alert> {
    let items: Vec<crate::alert::AlertItem> = summary
        .outcomes
        .iter()
        .filter(|o| o.action == Action::Quarantined || o.status == Status::Error)
        .map(|o| crate::alert::AlertItem {
            file: o.entry.key.clone(),
            status: format!("{} ({})", o.status.as_str(), o.action.as_str()),
            score: o.verdict.as_ref().map(|v| v.score),
            failed: match (&o.validation, &o.error) {
                (_, Some(e)) => vec![e.clone()],
                (Some(v), None) => v
                    .failures()
                    .map(|f| match &f.column {
                        Some(c) => format!("{}({c})", f.expectation_type),
                        None => f.expectation_type.clone(),
                    })
                    .collect(),
                (None, None) => Vec::new(),
            },
        })
        .collect();
    if items.is_empty() {
        return None;
    }
    let errors = summary.count(Status::Error);
    Some(crate::alert::Alert {
        kind: "ingest".into(),
        severity: if errors > 0 { "critical" } else { "warning" }.into(),
        subject: format!("ingest run {}", summary.run_id),
        message: format!(
            "{} of {} files validated were quarantined, {} could not be processed",
            summary.quarantined(),
            summary.outcomes.len(),
            errors
        ),
        items,
        at: crate::util::now_rfc3339(),
    })
}

async fn load_suite(roots: &Roots, key: &str) -> Result<Arc<CompiledSuite>, String> {
    let source = roots.suites.display(key);
    let text = match roots.suites.get(key).await {
        Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        Ok(None) => {
            return Err(format!(
                "suite {source} does not exist; run `aims-dq profile` or fix suite_map"
            ))
        }
        Err(e) => return Err(format!("{e:#}")),
    };
    CompiledSuite::load(&text, &source)
        .map(Arc::new)
        .map_err(|e| format!("{e:#}"))
}

fn base_outcome(entry: Entry, suite_key: Option<String>) -> FileOutcome {
    FileOutcome {
        entry,
        status: Status::Error,
        action: Action::None,
        suite_key,
        validation: None,
        verdict: None,
        error: None,
        problem: None,
        duration: Duration::ZERO,
        moved_to: None,
        state_error: None,
    }
}

async fn process(
    ctx: Arc<Context>,
    entry: Entry,
    suite_key: Option<String>,
    suite: Option<Result<Arc<CompiledSuite>, String>>,
) -> FileOutcome {
    let start = Instant::now();
    let mut out = base_outcome(entry.clone(), suite_key);
    let suite = match suite {
        None => {
            out.status = Status::SkippedNoConfig;
            out.problem = Some(Problem::NoSuite);
            out.error = Some(format!(
                "no validation suite for {}; run profile (expected {}) or map it in suite_map",
                entry.key,
                crate::suite::suite_file_name(&discover::table_of(&entry.key))
            ));
            out.duration = start.elapsed();
            return finish(&ctx, out).await;
        }
        Some(Err(e)) => {
            out.error = Some(format!("suite error, file left in place: {e}"));
            out.problem = Some(Problem::Suite);
            out.duration = start.elapsed();
            return finish(&ctx, out).await;
        }
        Some(Ok(s)) => s,
    };

    // Transient store failures are retried with backoff; bad bytes are not.
    let mut attempt = 0;
    let limits = &ctx.settings.limits;
    let result = loop {
        let run = engine::validate_with(&ctx.roots.bronze, &entry, &suite, limits);
        let outcome = if limits.file_timeout_seconds > 0.0 {
            match tokio::time::timeout(Duration::from_secs_f64(limits.file_timeout_seconds), run)
                .await
            {
                Ok(r) => r,
                Err(_) => {
                    out.problem = Some(Problem::Limit);
                    out.error = Some(format!(
                        "validation took longer than limits.file_timeout_seconds ({} s); the file was left in place, raise the limit to validate it",
                        limits.file_timeout_seconds
                    ));
                    out.duration = start.elapsed();
                    return finish(&ctx, out).await;
                }
            }
        } else {
            run.await
        };
        match outcome {
            Err(e) if e.kind == ReadErrorKind::Transient && attempt < ctx.settings.retries => {
                attempt += 1;
                tracing::warn!(stage = "ingest", file = %entry.key, attempt, error = %e, "transient error, retrying");
                tokio::time::sleep(Duration::from_millis(200 * (1 << attempt.min(6)))).await;
            }
            other => break other,
        }
    };

    match result {
        Ok(validation) => {
            let threshold = ctx.settings.threshold_for(suite.suite.threshold);
            let verdict = gate::judge(&validation.results, threshold, &suite.severity_thresholds);
            out.status = if verdict.passed {
                Status::Passed
            } else {
                Status::Failed
            };
            out.validation = Some(validation);
            out.verdict = Some(verdict);
        }
        Err(e) if e.kind == ReadErrorKind::Transient => {
            out.problem = Some(Problem::Transient);
            out.error = Some(format!(
                "{} (after {} retries); the file was left in place for the next run",
                e.message, attempt
            ));
        }
        Err(e) => {
            // Bad bytes: quarantined below like a failed file.
            out.problem = Some(Problem::BadBytes);
            out.error = Some(e.message);
        }
    }
    out.duration = start.elapsed();
    plan(&ctx, &mut out);
    finish(&ctx, out).await
}

/// Writes the file's log line, then applies its action; a failed action
/// rewrites the line. Secrets in error texts are masked first.
async fn finish(ctx: &Context, mut out: FileOutcome) -> FileOutcome {
    out.error = out.error.map(|e| crate::util::redact_secrets(&e));
    let Some(log) = &ctx.log else {
        return out;
    };
    if let Err(e) = log.write(ctx, &out).await {
        // Without its line a move could not be accounted for: leave the file.
        out.state_error = Some(e);
        return out;
    }
    let planned = (out.status, out.action);
    apply(ctx, &mut out).await;
    out.error = out.error.map(|e| crate::util::redact_secrets(&e));
    if (out.status, out.action) != planned {
        if let Err(e) = log.write(ctx, &out).await {
            out.state_error = Some(e);
        }
    }
    out
}

/// Decides what happens to the file, from its verdict.
fn plan(ctx: &Context, out: &mut FileOutcome) {
    out.action = match out.status {
        Status::Passed => match (ctx.settings.on_pass, &ctx.roots.silver) {
            (OnPass::None, _) | (_, None) => Action::Watermarked,
            _ => Action::Promoted,
        },
        Status::Failed => Action::Quarantined,
        _ if out.problem == Some(Problem::BadBytes) => Action::Quarantined,
        _ => Action::None,
    };
}

/// Carries out the planned action (never in a dry run); a failure leaves
/// the file in place as an ERROR.
async fn apply(ctx: &Context, out: &mut FileOutcome) {
    let roots = &ctx.roots;
    if ctx.dry_run {
        return;
    }
    if out.action == Action::Promoted {
        if let Some(silver) = &roots.silver {
            let remove = ctx.settings.on_pass == OnPass::Move;
            if let Err(e) = actions::promote(&roots.bronze, &out.entry, silver, remove).await {
                out.status = Status::Error;
                out.action = Action::None;
                out.error = Some(format!(
                    "passed, but promotion to silver failed: {e:#}; left in bronze"
                ));
            }
        }
        return;
    }
    if out.action != Action::Quarantined {
        return;
    }
    let lineage = lineage(ctx, out);
    let sidecar = Sidecar {
        file: &out.entry.key,
        status: out.status.as_str(),
        quarantined_at: now_rfc3339(),
        run_id: &ctx.run_id,
        suite: out.suite_key.as_deref(),
        reason: out.reason(),
        verdict: out.verdict.as_ref(),
        validation: out.validation.as_ref(),
        lineage: &lineage,
    };
    match actions::quarantine(
        &roots.bronze,
        &out.entry,
        &roots.quarantine,
        &ctx.run_id,
        &sidecar,
    )
    .await
    {
        Ok(key) => out.moved_to = Some(roots.quarantine.display(&key)),
        Err(e) => {
            out.action = Action::None;
            out.status = Status::Error;
            out.error = Some(format!(
                "{}; moving it to quarantine failed: {e:#}; the file was left in place",
                out.reason()
            ));
        }
    }
}

fn lineage(ctx: &Context, out: &FileOutcome) -> Lineage {
    Lineage {
        source_path: ctx.roots.bronze.display(&out.entry.key),
        config_path: out.suite_key.as_ref().map(|k| ctx.roots.suites.display(k)),
        etag: out.entry.e_tag.clone(),
        file_size_bytes: out.entry.size,
        modification_time: rfc3339(out.entry.last_modified),
        host: ctx.host.clone(),
    }
}

fn log_record(ctx: &Context, out: &FileOutcome) -> LogRecord {
    let failures: Vec<LogFailure> = out
        .validation
        .iter()
        .flat_map(|v| v.failures())
        .map(|f| LogFailure {
            expectation: f.expectation_type.clone(),
            column: f.column.clone(),
            severity: f.severity.as_str().to_string(),
            details: f.summary(),
        })
        .collect();
    LogRecord {
        timestamp: now_rfc3339(),
        run_id: ctx.run_id.clone(),
        file: out
            .entry
            .key
            .rsplit('/')
            .next()
            .unwrap_or(&out.entry.key)
            .to_string(),
        path: out.entry.key.clone(),
        status: out.status.as_str().to_string(),
        score: out.verdict.as_ref().map(|v| v.score),
        threshold: out.verdict.as_ref().map(|v| v.threshold),
        rows: out.validation.as_ref().map(|v| v.rows),
        bytes: out.entry.size,
        duration_ms: out.duration.as_millis() as u64,
        suite: out.suite_key.clone(),
        table: Some(discover::table_of(&out.entry.key)),
        details: LogDetails {
            failed_count: failures.len(),
            failures,
            threshold_failures: out
                .verdict
                .as_ref()
                .map(|v| v.threshold_failures.clone())
                .unwrap_or_default(),
            error: out.error.clone(),
        },
        action: out.action.as_str().to_string(),
        lineage: lineage(ctx, out),
    }
}

/// Passed and quarantined files get a watermark; files left in place
/// (no suite, transient errors, suite errors) are tried again next run.
fn watermark_for(ctx: &Context, out: &FileOutcome) -> Option<Watermark> {
    match out.action {
        Action::Watermarked | Action::Promoted | Action::Quarantined => Some(Watermark::for_entry(
            &out.entry,
            out.status.as_str(),
            out.verdict.as_ref().map(|v| v.score),
            &ctx.run_id,
        )),
        Action::None => None,
    }
}

fn report_outcome(out: &FileOutcome, dry_run: bool) {
    let would = if dry_run { "would be " } else { "" };
    let score = out.verdict.as_ref().map(|v| v.score);
    match (out.status, out.action) {
        (Status::Passed, action) => tracing::info!(
            stage = "ingest",
            file = %out.entry.key,
            status = "PASSED",
            score,
            action = action.as_str(),
            dry_run,
            "{} passed ({}{})",
            out.entry.key,
            would,
            action.as_str()
        ),
        (Status::SkippedNoConfig, _) => tracing::warn!(
            stage = "ingest",
            file = %out.entry.key,
            status = "SKIPPED_NO_CONFIG",
            "{}",
            out.reason()
        ),
        (status, action) => tracing::warn!(
            stage = "ingest",
            file = %out.entry.key,
            status = status.as_str(),
            score,
            action = action.as_str(),
            dry_run,
            "{} {} ({}{}): {}",
            out.entry.key,
            status.as_str(),
            would,
            action.as_str(),
            out.reason()
        ),
    }
}
