//! Where logs go and which ones pass. Output: journald's native protocol
//! (priorities kept, so `journalctl -p err` filters, and no timestamp of our
//! own) when stderr is the journal, JSON lines with `--log-format json`,
//! text otherwise. The filter is layered `--log-level` > `RUST_LOG` > the
//! config file's `log_level`, and can be replaced while the daemon runs (a
//! config reload) through `LogControl`.

use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Layer, Registry};

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// journald when stderr is the journal (`JOURNAL_STREAM`), else text.
    #[default]
    Auto,
    /// Human-readable lines on stderr.
    Text,
    /// One JSON object per line on stderr (for log shippers).
    Json,
    /// journald's native protocol (falls back to text without a journal).
    Journald,
}

/// Whether `journal_stream` (`$JOURNAL_STREAM`, "DEVICE:INODE") names the
/// file stderr is (`dev`, `ino`): systemd sets it when it connects stderr
/// to the journal, and a child whose stderr was redirected must not believe it.
pub fn is_journal(journal_stream: Option<&str>, dev: u64, ino: u64) -> bool {
    let Some((d, i)) = journal_stream.and_then(|s| s.split_once(':')) else {
        return false;
    };
    d.parse::<u64>() == Ok(dev) && i.parse::<u64>() == Ok(ino)
}

fn stderr_is_journal() -> bool {
    let Ok(stat) = rustix::fs::fstat(std::io::stderr()) else {
        return false;
    };
    let var = std::env::var("JOURNAL_STREAM").ok();
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    is_journal(var.as_deref(), stat.st_dev as u64, stat.st_ino as u64)
}

type Filtered = Layered<reload::Layer<EnvFilter, Registry>, Registry>;
type Output = Box<dyn Layer<Filtered> + Send + Sync>;

/// The output layer for `format`, and the problem to report once logging works.
fn output(format: LogFormat) -> (Output, Option<String>) {
    use std::io::IsTerminal;
    let journald = match format {
        LogFormat::Journald => true,
        LogFormat::Auto => stderr_is_journal(),
        LogFormat::Text | LogFormat::Json => false,
    };
    let mut problem = None;
    if journald {
        match tracing_journald::layer() {
            Ok(l) => {
                return (
                    Box::new(l.with_syslog_identifier("trackcached".into())),
                    None,
                )
            }
            Err(e) => problem = Some(format!("cannot write to journald ({e}); logging to stderr")),
        }
    }
    let text = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let layer: Output = match format {
        LogFormat::Json => Box::new(text.json()),
        _ => Box::new(text.with_ansi(std::io::stderr().is_terminal())),
    };
    (layer, problem)
}

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

/// Installs the global subscriber: `format` output with `directive` (from
/// `choose_filter`) as its filter. An invalid directive falls back to
/// `info` and says so, rather than starting without logs.
pub fn init(directive: &str, source: FilterSource, format: LogFormat) -> LogControl {
    let (filter, problem) = match parse(directive) {
        Ok(f) => (f, None),
        Err(e) => (EnvFilter::new(quiet_dependencies("info")), Some(e)),
    };
    let (filter, handle) = reload::Layer::new(filter);
    let (output, output_problem) = output(format);
    tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .init();
    if let Some(e) = problem {
        tracing::warn!("{e}; logging at info");
    }
    if let Some(p) = output_problem {
        tracing::warn!("{p}");
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
    fn the_journal_is_recognised_only_by_its_own_device_and_inode() {
        assert!(is_journal(Some("8:12345"), 8, 12345));
        assert!(!is_journal(Some("8:12345"), 8, 99), "stderr was redirected");
        assert!(!is_journal(Some("junk"), 8, 12345));
        assert!(!is_journal(None, 8, 12345));
    }

    #[test]
    fn bad_filters_are_explained() {
        let err = parse("info,=[").unwrap_err().to_string();
        assert!(err.contains("not a valid filter"), "{err}");
    }
}
