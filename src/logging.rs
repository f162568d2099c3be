//! Logs go to stderr: human text on a terminal, JSON lines otherwise (or
//! with `--log-format json`). `RUST_LOG` filters as usual (e.g.
//! `RUST_LOG=info` shows every file on a terminal too).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber; returns whether output is human text.
pub fn init(format: LogFormat) -> bool {
    let human = match format {
        LogFormat::Text => true,
        LogFormat::Json => false,
        LogFormat::Auto => std::io::stderr().is_terminal(),
    };
    // On a terminal the stages print their own summary (every failed file
    // with its reason) under a progress bar, so per-file log lines would only
    // repeat it; machines get every event.
    let default = if human {
        "warn,aims_dq::ingest=error,aims_dq::profile=error"
    } else {
        "info"
    };
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if human {
        builder.with_target(false).compact().try_init()
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_target(false)
            .try_init()
    };
    // A second init (tests, run-all) keeps the first subscriber.
    let _ = result;
    human
}
