//! `trackcached`'s command line (flags merged with the environment by clap).
//! In the library rather than `main.rs` so that the man page and the shell
//! completions are generated from these definitions.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{self, Defaults, LibraryOverrides, Overrides};
use crate::logging::LogFormat;
use crate::reload::ConfigSource;

/// The trackcache daemon: a persistent, correct cache for music-library tools.
#[derive(Parser, Debug)]
#[command(name = "trackcached", version, about, long_about = None)]
pub struct Args {
    /// Config file (TOML). Default: $XDG_CONFIG_HOME/trackcache/config.toml.
    #[arg(long, env = "TRACKCACHE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Unix socket to listen on.
    #[arg(long, env = "TRACKCACHE_SOCKET", value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Directory for the database. Default: $XDG_DATA_HOME/trackcache.
    #[arg(long, env = "TRACKCACHE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Maximum concurrent client connections (default 256).
    #[arg(long, env = "TRACKCACHE_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,
    /// Largest accepted frame payload in bytes (default 16 MiB).
    #[arg(long, env = "TRACKCACHE_MAX_FRAME_BYTES", value_name = "BYTES")]
    pub max_frame_bytes: Option<u32>,
    /// Threads serving requests (default: half the cores, at least one).
    #[arg(long, env = "TRACKCACHE_WORKER_THREADS", value_name = "N")]
    pub worker_threads: Option<usize>,
    /// Library to watch: an Apple Music / iTunes XML file, a JSON Lines file,
    /// or (with --library-format command) the path whose changes trigger the exporter.
    #[arg(long, env = "TRACKCACHE_LIBRARY", value_name = "PATH")]
    pub library: Option<PathBuf>,
    /// Library format: apple-xml (default), jsonl or command.
    #[arg(long, env = "TRACKCACHE_LIBRARY_FORMAT", value_name = "FORMAT")]
    pub library_format: Option<String>,
    /// Exporter for --library-format command, run with /bin/sh -c; it must
    /// print the library as JSON Lines on standard output.
    #[arg(long, env = "TRACKCACHE_LIBRARY_COMMAND", value_name = "SHELL COMMAND")]
    pub library_command: Option<String>,
    /// Log filter: error, warn, info, debug, trace, or a tracing directive.
    /// Beats RUST_LOG, which beats the config file.
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Log output: auto (journald when stderr is the journal, else text),
    /// text, json (one object per line) or journald.
    #[arg(long, value_enum, env = "TRACKCACHE_LOG_FORMAT", default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,
    /// Print the configuration in force (defaults, file, environment and
    /// flags resolved) as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Print a commented config file with every default and exit.
    #[arg(long)]
    pub print_default_config: bool,
    /// A subcommand instead of running the daemon.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do instead of running the daemon.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a config file and explain each problem (exit 0 valid, 2 not).
    CheckConfig {
        /// The file to check.
        file: PathBuf,
    },
    /// Write the man pages and completion scripts into DIR (for packaging).
    #[command(hide = true)]
    GenerateDocs {
        /// Output directory (man/ and completions/ are created in it).
        dir: PathBuf,
    },
}

/// Writes `man/trackcached.1` (and a page per visible subcommand) and
/// `completions/` (bash, zsh, fish) under `dir`, from these definitions.
pub fn generate_docs(dir: &std::path::Path) -> std::io::Result<()> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let man = dir.join("man");
    let scripts = dir.join("completions");
    std::fs::create_dir_all(&man)?;
    std::fs::create_dir_all(&scripts)?;
    clap_mangen::generate_to(Args::command(), &man)?;
    for (shell, name) in [
        (Shell::Bash, "trackcached.bash"),
        (Shell::Zsh, "_trackcached"),
        (Shell::Fish, "trackcached.fish"),
    ] {
        let mut f = std::fs::File::create(scripts.join(name))?;
        clap_complete::generate(shell, &mut Args::command(), "trackcached", &mut f);
    }
    Ok(())
}

impl Args {
    /// Where the configuration comes from, for start-up and for reloads.
    pub fn config_source(&self) -> ConfigSource {
        let (path, explicit) = match &self.config {
            Some(p) => (p.clone(), true),
            None => (config::default_config_path(), false),
        };
        ConfigSource {
            path,
            explicit,
            defaults: Defaults::from_env(),
            overrides: Overrides {
                socket: self.socket.clone(),
                data_dir: self.data_dir.clone(),
                max_connections: self.max_connections,
                max_frame_len: self.max_frame_bytes,
                worker_threads: self.worker_threads,
                log_level: self.log_level.clone(),
                library: LibraryOverrides {
                    path: self.library.clone(),
                    format: self.library_format.clone(),
                    command: self.library_command.clone(),
                },
            },
        }
    }
}
