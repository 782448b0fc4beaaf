//! The answer to `Request::ConfigStatus`: which configuration is in force,
//! and how the last reload (SIGHUP) went.

use serde::{Deserialize, Serialize};

/// The configuration in force and the last reload's outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigStatus {
    /// The config file read at start and on every reload.
    pub file: String,
    /// The log filter in force.
    pub log_level: String,
    /// When the configuration in force was read, Unix ms.
    pub loaded_at_ms: u64,
    /// Reloads applied since the daemon started.
    pub reloads: u64,
    /// The last reload, when it failed: the old configuration stayed in force.
    /// Cleared by the next reload that succeeds.
    pub last_error: Option<ReloadError>,
    /// Settings the file changes that take effect only at the next start
    /// (`socket`, `data_dir`, ...), with what to do.
    pub pending_restart: Vec<String>,
}

/// A reload that was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadError {
    /// What was wrong with the file (with line and column when TOML says).
    pub message: String,
    /// When, Unix ms.
    pub at_ms: u64,
}
