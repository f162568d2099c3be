//! aims-dq: a data-quality gate for bronze parquet data.
//!
//! The data flow reads top to bottom: `store` (where files live) →
//! `discover` (which files, which suite) → `engine` (validate one file
//! against one `suite`) → `gate` (score, pass or fail) → `ingest` (act on the
//! verdict: watermark, quarantine, promote) → `state` (watermarks and the dq
//! log, the only place state is written) → `monitor` (reports). `profile`
//! writes suites; `sample` makes demo and benchmark data; `cli` is the shell
//! the binaries share.

pub mod alert;
pub mod cli;
pub mod config;
pub mod discover;
pub mod engine;
pub mod error;
pub mod fuzzing;
pub mod gate;
pub mod ingest;
pub mod logging;
pub mod metrics;
pub mod monitor;
pub mod profile;
pub mod progress;
pub mod roots;
pub mod sample;
pub mod state;
pub mod store;
pub mod suite;
pub mod summary;
pub mod util;
pub mod validate_cmd;
