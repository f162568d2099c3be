//! The command line shared by `aims-dq` and the per-stage binaries: flags
//! (each also read from an `AIMS_DQ_*` variable), dispatch, exit codes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::builder::FalseyValueParser;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{FileConfig, LogFormat, OnPass, Overrides, Settings, DEFAULT_CONFIG_PATH};
use crate::discover::Shard;
use crate::error::{config_err, exit, exit_code_for};
use crate::ingest::{self, Action, IngestOptions, IngestSummary, Problem, Status};
use crate::monitor::{self, MonitorOptions};
use crate::profile::{self, ProfileOptions, ProfileOutcome};
use crate::progress::Progress;
use crate::roots::Roots;
use crate::sample::{self, Scale};

/// Options every stage takes.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Pipeline configuration file (YAML).
    #[arg(long, env = "AIMS_DQ_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Bronze root: a path or URL (file://, s3://, az://, abfss://, gs://).
    #[arg(long, env = "AIMS_DQ_BRONZE", global = true)]
    pub bronze: Option<String>,
    /// Suites root.
    #[arg(long, env = "AIMS_DQ_SUITES", global = true)]
    pub suites: Option<String>,
    /// State root (watermarks, dq logs, profiles, reports).
    #[arg(long, env = "AIMS_DQ_STATE", global = true)]
    pub state: Option<String>,
    /// Quarantine root.
    #[arg(long, env = "AIMS_DQ_QUARANTINE", global = true)]
    pub quarantine: Option<String>,
    /// Silver root (used with --on-pass copy|move).
    #[arg(long, env = "AIMS_DQ_SILVER", global = true)]
    pub silver: Option<String>,
    /// Files validated (or tables profiled) at once.
    #[arg(long, env = "AIMS_DQ_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Score threshold in percent (0-100); wins over every suite's own.
    #[arg(long, env = "AIMS_DQ_THRESHOLD", global = true)]
    pub threshold: Option<f64>,
    /// Reprocess files already watermarked; rewrite existing suites.
    #[arg(long, env = "AIMS_DQ_FORCE", global = true, value_parser = FalseyValueParser::new())]
    pub force: bool,
    /// Write, move and send nothing; print what would happen.
    #[arg(long, env = "AIMS_DQ_DRY_RUN", global = true, value_parser = FalseyValueParser::new())]
    pub dry_run: bool,
    /// Process only shard I of N (e.g. 0/4).
    #[arg(long, env = "AIMS_DQ_SHARD", global = true)]
    pub shard: Option<String>,
    /// Number of shards when the index comes from JOB_COMPLETION_INDEX.
    #[arg(long, env = "AIMS_DQ_SHARDS", global = true)]
    pub shards: Option<u32>,
    /// Rows profiled per file (0 = the whole file).
    #[arg(long, env = "AIMS_DQ_SAMPLE_ROWS", global = true)]
    pub sample_rows: Option<u64>,
    /// What to do with passed files.
    #[arg(long, env = "AIMS_DQ_ON_PASS", value_enum, global = true)]
    pub on_pass: Option<OnPass>,
    /// Exit with code 3 when files were quarantined.
    #[arg(long, env = "AIMS_DQ_FAIL_ON_QUARANTINE", global = true, value_parser = FalseyValueParser::new())]
    pub fail_on_quarantine: bool,
    /// Log format on stderr.
    #[arg(long, env = "AIMS_DQ_LOG_FORMAT", value_enum, global = true)]
    pub log_format: Option<LogFormat>,
    /// Write the stage's Prometheus metrics to this file (node_exporter textfile collector).
    #[arg(long, env = "AIMS_DQ_METRICS_FILE", global = true)]
    pub metrics_file: Option<String>,
    /// Write the stage's outcome as JSON to this file (e.g. /airflow/xcom/return.json).
    #[arg(long, env = "AIMS_DQ_SUMMARY_FILE", global = true)]
    pub summary_file: Option<String>,
}

#[derive(Debug, Parser)]
#[command(
    name = "aims-dq",
    version,
    about = "Data-quality gate for bronze parquet data"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// profile → ingest → monitor.
    RunAll,
    /// Write a suite for every table that has none.
    Profile,
    /// Validate new bronze files and gate them.
    Ingest,
    /// Build the report from watermarks and dq logs.
    Monitor,
    /// Validate one file against one suite and print the result.
    Validate {
        /// The parquet file.
        file: String,
        /// The suite: our YAML or a Great Expectations suite JSON.
        #[arg(long)]
        suite: String,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Work with suites.
    #[command(subcommand)]
    Suite(SuiteCommand),
    /// Write AIMS-shaped sample data.
    Sample {
        #[arg(long, value_enum, default_value = "demo")]
        scale: Scale,
        /// Output folder (default: the bronze root).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Leave out the later, defective deliveries.
        #[arg(long)]
        no_deliveries: bool,
        /// Only these tables (repeatable); default all 68.
        #[arg(long = "table")]
        tables: Vec<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum SuiteCommand {
    /// Write a suite as Great Expectations 1.x suite JSON.
    Export {
        /// The suite (YAML or GX JSON).
        suite: String,
        /// Write GX JSON (the only export format for now).
        #[arg(long, required = true)]
        gx: bool,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// A per-stage binary: the same options, one command.
#[derive(Debug, Parser)]
#[command(version)]
pub struct StageCli {
    #[command(flatten)]
    pub common: Common,
}

/// Entry point of `aims-dq`. Called as `dq-profile`, `dq-ingest` or
/// `dq-monitor` (a link to it, as in the container image), it is that stage.
pub fn main() -> i32 {
    let called = std::env::args_os()
        .next()
        .map(PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    match called.as_str() {
        "dq-profile" => stage_main(Command::Profile, "dq-profile"),
        "dq-ingest" => stage_main(Command::Ingest, "dq-ingest"),
        "dq-monitor" => stage_main(Command::Monitor, "dq-monitor"),
        _ => {
            let cli = Cli::parse();
            execute(cli.common, cli.command)
        }
    }
}

/// Entry point of `dq-profile`, `dq-ingest`, `dq-monitor`.
pub fn stage_main(command: Command, name: &'static str) -> i32 {
    let matches = StageCli::command().name(name).bin_name(name).get_matches();
    match StageCli::from_arg_matches(&matches) {
        Ok(cli) => execute(cli.common, command),
        Err(e) => e.exit(),
    }
}

fn settings_from(common: &Common) -> anyhow::Result<Settings> {
    let (path, explicit) = match &common.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from(DEFAULT_CONFIG_PATH), false),
    };
    let file = FileConfig::load(&path, explicit)?;
    let over = Overrides {
        bronze: common.bronze.clone(),
        suites: common.suites.clone(),
        state: common.state.clone(),
        quarantine: common.quarantine.clone(),
        silver: common.silver.clone(),
        workers: common.workers,
        threshold: common.threshold,
        on_pass: common.on_pass,
        sample_rows: common.sample_rows,
        fail_on_quarantine: common.fail_on_quarantine,
        log_format: common.log_format,
        metrics_file: common.metrics_file.clone(),
    };
    Settings::resolve(file, over)
}

fn shard_from(common: &Common) -> anyhow::Result<Option<Shard>> {
    if let Some(s) = &common.shard {
        return Shard::parse(s).map(Some).map_err(config_err);
    }
    match (std::env::var("JOB_COMPLETION_INDEX").ok(), common.shards) {
        (Some(i), Some(n)) => Shard::parse(&format!("{i}/{n}"))
            .map(Some)
            .map_err(config_err),
        _ => Ok(None),
    }
}

fn execute(common: Common, command: Command) -> i32 {
    let settings = match settings_from(&common) {
        Ok(s) => s,
        Err(e) => {
            crate::logging::init(common.log_format.unwrap_or_default());
            let msg = crate::util::redact_secrets(&format!("{e:#}"));
            tracing::error!("{msg}");
            eprintln!("error: {msg}");
            return exit_code_for(&e);
        }
    };
    let human = crate::logging::init(settings.log_format);
    crate::store::configure(&settings.storage);
    // A panic in a worker is caught per file (the file stays in place); log
    // it as one line in the run's format instead of a raw backtrace.
    std::panic::set_hook(Box::new(|info| {
        tracing::error!("internal error: {info}; the file being processed was left in place, please report this");
    }));
    let progress = Progress::new(human && std::io::stderr().is_terminal());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::FAILURE;
        }
    };
    let result = runtime.block_on(dispatch(&common, command, &settings, &progress));
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{}", crate::util::redact_secrets(&format!("{e:#}")));
            exit_code_for(&e)
        }
    }
}

/// The worst of several exit codes: configuration errors first, then failures, then quarantines.
fn worst(codes: &[i32]) -> i32 {
    for c in [exit::CONFIG, exit::FAILURE, exit::QUARANTINED] {
        if codes.contains(&c) {
            return c;
        }
    }
    exit::OK
}

async fn dispatch(
    common: &Common,
    command: Command,
    settings: &Settings,
    progress: &Progress,
) -> anyhow::Result<i32> {
    let dry_run = common.dry_run;
    match command {
        Command::Sample {
            scale,
            out,
            no_deliveries,
            tables,
        } => {
            let out = out.unwrap_or_else(|| PathBuf::from(&settings.bronze));
            let start = Instant::now();
            let s = tokio::task::spawn_blocking(move || {
                sample::generate_tables(&out, scale, !no_deliveries, &tables)
            })
            .await??;
            println!(
                "Sample data: {} tables, {} files, {} rows in {:.1}s",
                s.tables,
                s.files.len(),
                s.rows,
                start.elapsed().as_secs_f64()
            );
            Ok(exit::OK)
        }
        Command::Validate {
            file,
            suite,
            format,
        } => crate::validate_cmd::run(&file, &suite, format, settings).await,
        Command::Suite(SuiteCommand::Export { suite, gx: _, out }) => {
            crate::validate_cmd::export_gx(&suite, out.as_deref()).await
        }
        Command::Profile => {
            let roots = Roots::open(settings, dry_run).await?;
            Ok(run_profile(common, settings, &roots, progress).await?)
        }
        Command::Ingest => {
            let roots = Roots::open(settings, dry_run).await?;
            Ok(run_ingest(common, settings, &roots, progress).await?)
        }
        Command::Monitor => {
            let roots = Roots::open(settings, dry_run).await?;
            run_monitor(common, settings, &roots).await
        }
        Command::RunAll => {
            let start = Instant::now();
            seed_sample_data(settings, dry_run).await?;
            let roots = Roots::open(settings, dry_run).await?;
            let p = run_profile(common, settings, &roots, progress).await?;
            let i = run_ingest(common, settings, &roots, progress).await?;
            let m = run_monitor(common, settings, &roots).await?;
            println!("run-all finished in {:.2}s", start.elapsed().as_secs_f64());
            Ok(worst(&[p, i, m]))
        }
    }
}

/// With `sample_data: true` (the bundled demo configuration), an empty
/// local bronze root is filled with the demo sample before the first run.
async fn seed_sample_data(settings: &Settings, dry_run: bool) -> anyhow::Result<()> {
    if !settings.sample_data || settings.bronze.contains("://") {
        return Ok(());
    }
    let dir = PathBuf::from(&settings.bronze);
    let empty = match std::fs::read_dir(&dir) {
        Err(_) => true,
        Ok(mut it) => it.next().is_none(),
    };
    if !empty {
        return Ok(());
    }
    if dry_run {
        println!("Would write the demo sample data to {}", dir.display());
        return Ok(());
    }
    let s =
        tokio::task::spawn_blocking(move || sample::generate(&dir, Scale::Demo, true)).await??;
    println!(
        "Wrote demo sample data: {} files, {} rows into {}",
        s.files.len(),
        s.rows,
        settings.bronze
    );
    Ok(())
}

async fn run_profile(
    common: &Common,
    settings: &Settings,
    roots: &Roots,
    progress: &Progress,
) -> anyhow::Result<i32> {
    let start = Instant::now();
    let opts = ProfileOptions {
        force: common.force,
        dry_run: common.dry_run,
    };
    let summary = profile::run(settings, roots, &opts, progress).await?;
    let verb = if common.dry_run {
        "would write"
    } else {
        "wrote"
    };
    println!(
        "Profile: {verb} {} suites, {} already present, {} failed ({:.2}s)",
        summary.written(),
        summary.existing(),
        summary.failed(),
        start.elapsed().as_secs_f64()
    );
    for o in &summary.outcomes {
        if let ProfileOutcome::Failed { table, error } = o {
            println!("  could not profile {table}: {error}");
        }
    }
    let code = if summary.failed() > 0 {
        exit::FAILURE
    } else {
        exit::OK
    };
    let mut m = crate::metrics::Metrics::new("profile", None);
    m.add(
        "dq_suites_written_total",
        "counter",
        "Suites written in the last run.",
        &[],
        summary.written() as f64,
    );
    m.add(
        "dq_tables_unprofiled_total",
        "counter",
        "Tables that could not be profiled in the last run.",
        &[],
        summary.failed() as f64,
    );
    m.add_run(
        start.elapsed().as_secs_f64(),
        code == exit::OK,
        &Default::default(),
    );
    m.publish(&settings.metrics, common.dry_run).await;
    crate::summary::write(
        common.summary_file.as_deref(),
        "profile",
        crate::summary::profile(
            &summary.outcomes,
            summary.written(),
            summary.existing(),
            code,
        ),
    );
    Ok(code)
}

async fn run_ingest(
    common: &Common,
    settings: &Settings,
    roots: &Roots,
    progress: &Progress,
) -> anyhow::Result<i32> {
    let start = Instant::now();
    let opts = IngestOptions {
        force: common.force,
        dry_run: common.dry_run,
        shard: shard_from(common)?,
    };
    let run_id = crate::util::new_run_id();
    let summary = ingest::run(settings, roots, &opts, &run_id, progress).await?;
    print_ingest(&summary, common.dry_run, start.elapsed().as_secs_f64());
    let mut codes = Vec::new();
    if summary
        .outcomes
        .iter()
        .any(|o| o.problem == Some(Problem::Suite))
    {
        codes.push(exit::CONFIG);
    }
    // Unreadable files that reached quarantine were handled; files left in
    // place by a storage or internal failure were not.
    if summary.outcomes.iter().any(|o| {
        o.status == Status::Error && o.action == Action::None && o.problem != Some(Problem::Suite)
    }) || !summary.state_errors.is_empty()
    {
        codes.push(exit::FAILURE);
    }
    if settings.fail_on_quarantine && summary.quarantined() > 0 {
        codes.push(exit::QUARANTINED);
    }
    let code = worst(&codes);
    let shard = opts.shard.map(|s| s.tag());
    let mut m = crate::metrics::ingest(&summary, shard.clone());
    let ok = code != exit::FAILURE && code != exit::CONFIG;
    m.add_run(start.elapsed().as_secs_f64(), ok, &summary.deliveries);
    m.publish(&settings.metrics, common.dry_run).await;
    crate::summary::write(
        common.summary_file.as_deref(),
        "ingest",
        crate::summary::ingest(&summary, shard, common.dry_run, code),
    );
    Ok(code)
}

fn print_ingest(s: &IngestSummary, dry_run: bool, secs: f64) {
    let prefix = if dry_run {
        "Ingest (dry run, nothing written)"
    } else {
        "Ingest"
    };
    println!(
        "{prefix}: {} files found, {} already processed, {} validated: {} passed, {} failed, {} errors, {} without suite; {} quarantined ({:.2}s, {} rows)",
        s.discovered,
        s.already_processed,
        s.outcomes.len() - s.count(Status::SkippedNoConfig),
        s.count(Status::Passed),
        s.count(Status::Failed),
        s.count(Status::Error),
        s.count(Status::SkippedNoConfig),
        s.quarantined(),
        secs,
        s.rows()
    );
    let would = if dry_run { "would be " } else { "" };
    for o in s.outcomes.iter().filter(|o| o.status != Status::Passed) {
        let score = o
            .verdict
            .as_ref()
            .map(|v| format!(" score {:.2}", v.score))
            .unwrap_or_default();
        println!(
            "  {:<17} {}{} [{}{}]: {}",
            o.status.as_str(),
            o.entry.key,
            score,
            would,
            o.action.as_str(),
            o.reason()
        );
    }
    if dry_run {
        for o in s.outcomes.iter().filter(|o| o.status == Status::Passed) {
            println!(
                "  PASSED            {} [{}{}]",
                o.entry.key,
                would,
                o.action.as_str()
            );
        }
    }
    for e in &s.state_errors {
        println!("  state error: {e}");
    }
}

async fn run_monitor(common: &Common, settings: &Settings, roots: &Roots) -> anyhow::Result<i32> {
    let start = Instant::now();
    let out = monitor::run(
        settings,
        roots,
        &MonitorOptions {
            dry_run: common.dry_run,
        },
    )
    .await?;
    print!("{}", monitor::print_summary(&out.report));
    let report = out
        .report_key
        .as_ref()
        .map(|k| roots.state.store.display(k));
    let dashboard = out
        .dashboard_key
        .as_ref()
        .map(|k| roots.state.store.display(k));
    match &report {
        Some(k) => println!("Report: {k}"),
        None => println!("Report: not written (dry run)"),
    }
    if let Some(k) = &dashboard {
        println!("Dashboard: {k}");
    }
    let mut m = crate::metrics::monitor(&out.report);
    m.add_run(start.elapsed().as_secs_f64(), true, &out.deliveries);
    m.publish(&settings.metrics, common.dry_run).await;
    crate::summary::write(
        common.summary_file.as_deref(),
        "monitor",
        crate::summary::monitor(
            &out.report,
            report.as_deref(),
            dashboard.as_deref(),
            exit::OK,
        ),
    );
    Ok(exit::OK)
}
