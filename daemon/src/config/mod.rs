//! The daemon's resolved configuration and how it is layered:
//! built-in defaults < TOML file < environment < command-line flags.
//!
//! Environment and flags reach this module already merged (clap reads both,
//! flag beating variable) as `Overrides`; the file is parsed by `file.rs`.
//! Resolution itself is a pure function so that every layer is unit-tested.

mod check;
mod content;
mod file;
mod library;
mod limits;
mod policy;
mod print;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use check::check_file;
pub use content::{types, ContentFile, ContentPolicies, ContentPolicy, Strategy};
pub use file::{FileConfig, NamespaceFile};
pub use library::{
    expand_home, CommandSpec, LibraryConfig, LibraryFile, LibraryOverrides, LibrarySource,
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_POLL, DEFAULT_RETENTION, DEFAULT_SETTLE,
};
pub use limits::{Limits, LimitsFile};
pub use policy::{CachePolicies, NamespacePolicy};
pub use print::{to_file, to_toml, DEFAULT_CONFIG};

use trackcache_protocol::DEFAULT_MAX_FRAME_LEN;

/// Default cap on concurrent client connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// How long a graceful shutdown may take before connections are cut.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(8);

/// Everything the daemon needs to run, fully resolved.
#[derive(Clone, Debug)]
pub struct Config {
    /// Unix socket path to listen on.
    pub socket: PathBuf,
    /// Directory holding the database.
    pub data_dir: PathBuf,
    /// Cap on concurrent connections; the next one is refused with an error.
    pub max_connections: usize,
    /// Largest accepted frame payload in bytes.
    pub max_frame_len: u32,
    /// Log filter used when neither `--log-level` nor `RUST_LOG` is given.
    pub log_level: String,
    /// Budget for finishing in-flight work on shutdown.
    pub shutdown_timeout: Duration,
    /// Generic-cache namespace policies.
    pub cache: CachePolicies,
    /// The library to watch, if any.
    pub library: Option<LibraryConfig>,
    /// Policies of the domain content types.
    pub content: ContentPolicies,
    /// Bound on the store's page cache, bytes.
    pub store_cache_bytes: u64,
    /// Threads serving requests (at least 1).
    pub worker_threads: usize,
    /// What one client, or many, may hold of the daemon.
    pub limits: Limits,
}

/// Values from the environment and the command line (clap merges the two).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--socket` / `TRACKCACHE_SOCKET`.
    pub socket: Option<PathBuf>,
    /// `--data-dir` / `TRACKCACHE_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--max-connections` / `TRACKCACHE_MAX_CONNECTIONS`.
    pub max_connections: Option<usize>,
    /// `--max-frame-bytes` / `TRACKCACHE_MAX_FRAME_BYTES`.
    pub max_frame_len: Option<u32>,
    /// `--worker-threads` / `TRACKCACHE_WORKER_THREADS`.
    pub worker_threads: Option<usize>,
    /// `--log-level`.
    pub log_level: Option<String>,
    /// `--library`, `--library-format`, `--library-command` and their variables.
    pub library: LibraryOverrides,
}

/// Why the configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown / mistyped keys.
    #[error("config file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said (with line and column).
        message: String,
    },
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Request threads when none are configured: half the cores, at least one.
/// The daemon shares the machine with the clients that call it; on two cores
/// one event-loop thread served more requests for less CPU than two, which
/// spent the difference waking each other (BENCHMARKS.md).
pub fn default_worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Platform default locations, computed from the environment.
#[derive(Clone, Debug)]
pub struct Defaults {
    /// Default socket path.
    pub socket: PathBuf,
    /// Default data dir.
    pub data_dir: PathBuf,
}

impl Defaults {
    /// Reads `XDG_*` and `HOME` to find the default locations.
    pub fn from_env() -> Self {
        Self {
            socket: trackcache_protocol::paths::default_socket_path(),
            data_dir: xdg_dir("XDG_DATA_HOME", ".local/share").join("trackcache"),
        }
    }
}

/// The default config file: `$XDG_CONFIG_HOME/trackcache/config.toml`.
pub fn default_config_path() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config")
        .join("trackcache")
        .join("config.toml")
}

fn xdg_dir(var: &str, home_relative: &str) -> PathBuf {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"))
            .join(home_relative),
    }
}

/// Loads the config file. A missing file at the *default* location is not
/// an error (defaults apply); a missing file the user named explicitly is.
pub fn load_file(path: &Path, explicit: bool) -> Result<FileConfig, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => FileConfig::parse(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            Ok(FileConfig::default())
        }
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

impl Config {
    /// Layers defaults, file and overrides into one configuration.
    pub fn resolve(
        defaults: Defaults,
        file: FileConfig,
        over: Overrides,
    ) -> Result<Self, ConfigError> {
        let max_connections = over
            .max_connections
            .or(file.max_connections)
            .unwrap_or(DEFAULT_MAX_CONNECTIONS);
        if max_connections == 0 {
            return Err(ConfigError::Invalid(
                "max_connections must be at least 1".into(),
            ));
        }
        let max_frame_len = over
            .max_frame_len
            .or(file.max_frame_bytes)
            .unwrap_or(DEFAULT_MAX_FRAME_LEN);
        if max_frame_len < 1024 {
            return Err(ConfigError::Invalid(format!(
                "max_frame_bytes is {max_frame_len}; it must be at least 1024"
            )));
        }
        let shutdown_timeout = file
            .shutdown_timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT);
        Ok(Self {
            socket: expand_home(&over.socket.or(file.socket).unwrap_or(defaults.socket)),
            data_dir: expand_home(&over.data_dir.or(file.data_dir).unwrap_or(defaults.data_dir)),
            max_connections,
            max_frame_len,
            log_level: over
                .log_level
                .or(file.log_level)
                .unwrap_or_else(|| "info".into()),
            shutdown_timeout,
            cache: CachePolicies::from_file(&file.cache)?,
            library: library::resolve(&file.library, &over.library)?,
            content: ContentPolicies::from_file(&file.content_types)?,
            store_cache_bytes: file
                .store_cache_bytes
                .unwrap_or(crate::store::DEFAULT_CACHE_BYTES),
            limits: Limits::from_file(&file.limits)?,
            worker_threads: match over.worker_threads.or(file.worker_threads) {
                None | Some(0) => default_worker_threads(),
                Some(n) => n,
            },
        })
    }

    /// A configuration for tests and embedding: everything inside `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        let defaults = Defaults {
            socket: dir.join("trackcached.sock"),
            data_dir: dir.join("data"),
        };
        // Resolving built-in defaults with no file cannot fail: every default is valid.
        Self::resolve(defaults, FileConfig::default(), Overrides::default())
            .unwrap_or_else(|e| unreachable!("built-in defaults are valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            socket: "/d/sock".into(),
            data_dir: "/d/data".into(),
        }
    }

    #[test]
    fn built_in_defaults() {
        let c = Config::resolve(defaults(), FileConfig::default(), Overrides::default()).unwrap();
        assert_eq!(c.socket, PathBuf::from("/d/sock"));
        assert_eq!(c.max_connections, 256);
        assert_eq!(c.max_frame_len, 16 * 1024 * 1024);
        assert_eq!(c.cache.default.ttl, Some(Duration::from_secs(900)));
        assert_eq!(c.cache.default.max_entries, 10_000);
    }

    #[test]
    fn file_beats_defaults_and_overrides_beat_file() {
        let file = FileConfig::parse(
            "socket = \"/f/sock\"\ndata_dir = \"/f/data\"\nmax_connections = 5\n",
        )
        .unwrap();
        let c = Config::resolve(defaults(), file.clone(), Overrides::default()).unwrap();
        assert_eq!(c.socket, PathBuf::from("/f/sock"));
        assert_eq!(c.max_connections, 5);
        let over = Overrides {
            socket: Some("/o/sock".into()),
            max_connections: Some(9),
            ..Overrides::default()
        };
        let c = Config::resolve(defaults(), file, over).unwrap();
        assert_eq!(c.socket, PathBuf::from("/o/sock"));
        assert_eq!(c.data_dir, PathBuf::from("/f/data"));
        assert_eq!(c.max_connections, 9);
    }

    #[test]
    fn worker_threads_layer_and_zero_means_the_default() {
        let auto = default_worker_threads();
        assert!(auto >= 1);
        let c = Config::resolve(defaults(), FileConfig::default(), Overrides::default()).unwrap();
        assert_eq!(c.worker_threads, auto);
        let file = FileConfig::parse("worker_threads = 3\n").unwrap();
        let c = Config::resolve(defaults(), file.clone(), Overrides::default()).unwrap();
        assert_eq!(c.worker_threads, 3);
        let over = Overrides {
            worker_threads: Some(5),
            ..Overrides::default()
        };
        assert_eq!(
            Config::resolve(defaults(), file.clone(), over)
                .unwrap()
                .worker_threads,
            5
        );
        let over = Overrides {
            worker_threads: Some(0),
            ..Overrides::default()
        };
        assert_eq!(
            Config::resolve(defaults(), file, over)
                .unwrap()
                .worker_threads,
            auto
        );
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let over = Overrides {
            max_connections: Some(0),
            ..Overrides::default()
        };
        assert!(Config::resolve(defaults(), FileConfig::default(), over).is_err());
        let over = Overrides {
            max_frame_len: Some(10),
            ..Overrides::default()
        };
        assert!(Config::resolve(defaults(), FileConfig::default(), over).is_err());
    }

    #[test]
    fn missing_default_file_is_fine_but_missing_explicit_file_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope.toml");
        assert!(load_file(&p, false).is_ok());
        assert!(matches!(load_file(&p, true), Err(ConfigError::Read { .. })));
        std::fs::write(&p, "max_connections = \"many\"").unwrap();
        let err = load_file(&p, false).unwrap_err().to_string();
        assert!(
            err.contains("nope.toml") && err.contains("max_connections"),
            "{err}"
        );
    }
}
