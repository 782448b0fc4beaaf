//! Where logs go and which ones pass: the filter is layered
//! `--log-level` > `RUST_LOG` > the config file's `log_level`, and can be
//! replaced while the daemon runs (a config reload) through `LogControl`.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

/// Which layer chose the filter in force. A filter given by the flag or the
/// environment beats the file, on reload as at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterSource {
    /// `--log-level`.
    Flag,
    /// `RUST_LOG`.
    Environment,
    /// The config file's `log_level` (or its default, `info`).
    File,
}

impl std::fmt::Display for FilterSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Flag => "--log-level",
            Self::Environment => "RUST_LOG",
            Self::File => "the config file",
        })
    }
}

/// Replaces the log filter of the running daemon.
pub struct LogControl {
    handle: reload::Handle<EnvFilter, Registry>,
    source: FilterSource,
    directive: parking_lot::Mutex<String>,
}

/// Why a log filter was not applied.
#[derive(Debug, thiserror::Error)]
pub enum LogFilterError {
    /// Not a level nor a tracing directive.
    #[error("log_level {directive:?} is not a valid filter ({reason}); use error, warn, info, debug, trace or a directive such as trackcache_daemon=debug")]
    Invalid {
        /// The filter given.
        directive: String,
        /// What the parser said.
        reason: String,
    },
    /// The flag or `RUST_LOG` chose the filter; the file does not override them.
    #[error("log_level in the file is ignored: {0} sets the filter ({1:?}); remove it to let the file decide")]
    Pinned(FilterSource, String),
    /// The logging system is gone (the daemon is exiting).
    #[error("the log filter cannot be changed any more: {0}")]
    Gone(String),
}

/// The filter in force at start: the flag, else `RUST_LOG`, else the file.
pub fn choose_filter(flag: Option<&str>, file: &str) -> (String, FilterSource) {
    match (flag, std::env::var("RUST_LOG")) {
        (Some(level), _) => (level.to_owned(), FilterSource::Flag),
        (None, Ok(env)) if !env.is_empty() => (env, FilterSource::Environment),
        _ => (file.to_owned(), FilterSource::File),
    }
}

/// sled logs every page write at debug level; keep it at warn unless the
/// user's filter names it.
pub fn quiet_dependencies(directive: &str) -> String {
    if directive.contains("sled") {
        directive.to_owned()
    } else {
        format!("{directive},sled=warn")
    }
}

fn parse(directive: &str) -> Result<EnvFilter, LogFilterError> {
    EnvFilter::try_new(quiet_dependencies(directive)).map_err(|e| LogFilterError::Invalid {
        directive: directive.to_owned(),
        reason: e.to_string(),
    })
}

/// Installs the global subscriber: text on stderr with `directive` (from
/// `choose_filter`) as its filter. An invalid directive falls back to
/// `info` and says so, rather than starting without logs.
pub fn init(directive: &str, source: FilterSource) -> LogControl {
    use std::io::IsTerminal;
    let (filter, problem) = match parse(directive) {
        Ok(f) => (f, None),
        Err(e) => (EnvFilter::new(quiet_dependencies("info")), Some(e)),
    };
    let (filter, handle) = reload::Layer::new(filter);
    let output = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .init();
    if let Some(e) = problem {
        tracing::warn!("{e}; logging at info");
    }
    LogControl {
        handle,
        source,
        directive: parking_lot::Mutex::new(directive.to_owned()),
    }
}

impl LogControl {
    /// The filter in force.
    pub fn directive(&self) -> String {
        self.directive.lock().clone()
    }

    /// Applies the file's `log_level` (a reload). Refused when the flag or
    /// `RUST_LOG` chose the filter, or when it does not parse.
    pub fn set_from_file(&self, directive: &str) -> Result<(), LogFilterError> {
        if self.source != FilterSource::File {
            return Err(LogFilterError::Pinned(self.source, self.directive()));
        }
        let filter = parse(directive)?;
        self.handle
            .reload(filter)
            .map_err(|e| LogFilterError::Gone(e.to_string()))?;
        *self.directive.lock() = directive.to_owned();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sled_is_quiet_unless_named() {
        assert_eq!(quiet_dependencies("debug"), "debug,sled=warn");
        assert_eq!(quiet_dependencies("sled=debug"), "sled=debug");
    }

    #[test]
    fn the_flag_beats_the_file() {
        assert_eq!(
            choose_filter(Some("trace"), "info"),
            ("trace".to_owned(), FilterSource::Flag)
        );
    }

    #[test]
    fn bad_filters_are_explained() {
        let err = parse("info,=[").unwrap_err().to_string();
        assert!(err.contains("not a valid filter"), "{err}");
    }
}
