//! Error kinds and the exit codes they map to (DESIGN §7).

/// Process exit codes.
pub mod exit {
    /// The run completed (quarantined files are a normal outcome).
    pub const OK: i32 = 0;
    /// Some file could not be processed, or a store or service failed.
    pub const FAILURE: i32 = 1;
    /// Usage or configuration error.
    pub const CONFIG: i32 = 2;
    /// Files were quarantined (only with `--fail-on-quarantine`), or the
    /// file given to `validate` failed its gate.
    pub const QUARANTINED: i32 = 3;
}

/// Configuration problems (config file, suite files, flags) are exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
}

pub fn config_err(msg: impl Into<String>) -> anyhow::Error {
    ConfigError::Invalid(msg.into()).into()
}

/// Maps an error chain to the exit code: configuration errors anywhere in the
/// chain mean exit 2, everything else exit 1.
pub fn exit_code_for(error: &anyhow::Error) -> i32 {
    if error.chain().any(|e| e.is::<ConfigError>()) {
        exit::CONFIG
    } else {
        exit::FAILURE
    }
}
