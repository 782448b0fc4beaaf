//! The `trackcache` command line: argument parsing and dispatch to one
//! module per command family. Exit codes: 0 success, 1 not found (a miss),
//! 2 any error.

mod admin;
mod batch;
mod cache_ops;
mod config_rows;
mod declare;
mod domain;
mod events;
mod generate;
mod import;
mod kv;
mod library;
mod lookup;
pub mod output;
mod progress;
pub mod service;
mod watch;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::{Client, ClientError, ConnectOptions};
use output::Printer;

/// Command-line client for trackcached, the music-library cache daemon.
#[derive(Parser, Debug)]
#[command(name = "trackcache", version, about, long_about = None)]
pub struct Args {
    /// Daemon socket. Default: $TRACKCACHE_SOCKET, else `socket =` in the
    /// config file ($TRACKCACHE_CONFIG or ~/.config/trackcache/config.toml),
    /// else the daemon's default path.
    #[arg(long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Print one JSON object per result instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Seconds (or a duration: 500ms, 1m) to wait for the daemon before giving
    /// up: for it to come up (the connect is retried) and for each answer.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 10.0, value_parser = parse_secs)]
    pub timeout: f64,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check that the daemon answers, and how fast.
    Ping,
    /// Show version, uptime, paths, connections and cache totals.
    Status,
    /// Show per-namespace cache statistics.
    Stats,
    /// Show the daemon's config file, log level, last reload and pending restarts.
    Config,
    /// Generic key/value cache.
    #[command(subcommand)]
    Kv(kv::KvCommand),
    /// The library snapshot's tracks.
    #[command(subcommand)]
    Tracks(library::TracksCommand),
    /// Albums with their track counts.
    Albums {
        /// Only albums by (or with tracks by) this artist.
        #[arg(long)]
        artist: Option<String>,
    },
    /// Logged events after a sequence number.
    Changes {
        /// Print the events after this seq (0 = all retained).
        #[arg(long, default_value_t = 0)]
        since: u64,
        /// Print at most this many events (the oldest first).
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Stream events as they happen, one line each; across daemon restarts.
    Watch {
        /// First replay the logged events after this seq.
        #[arg(long)]
        since: Option<u64>,
        /// End when the daemon goes away, instead of waiting for it to come
        /// back and resuming after the last event printed.
        #[arg(long)]
        no_reconnect: bool,
    },
    /// The album-year cache.
    #[command(subcommand, name = "album-year")]
    AlbumYear(domain::AlbumYearCommand),
    /// The API answer cache.
    #[command(subcommand)]
    Api(domain::ApiCommand),
    /// Get a value; on a miss, fetch it with --exec CMD while holding the
    /// lease, so concurrent callers wait and print the same answer (without
    /// --exec: exit 1).
    Lookup {
        /// What to look up.
        #[command(subcommand)]
        target: lookup::LookupTarget,
        /// Seconds (or a duration: 90s, 5m) a granted lease lasts.
        #[arg(long, global = true, value_name = "SECS", default_value_t = 30.0, value_parser = parse_secs)]
        lease: f64,
        /// Seconds (or a duration: 90s, 5m) to wait for another caller's lease.
        #[arg(long, global = true, value_name = "SECS", default_value_t = 30.0, value_parser = parse_secs)]
        wait: f64,
    },
    /// Drop cache entries now.
    #[command(subcommand)]
    Invalidate(cache_ops::InvalidateCommand),
    /// Per-client "last incremental run" timestamps.
    #[command(subcommand, name = "last-run")]
    LastRun(cache_ops::LastRunCommand),
    /// Re-read the library now.
    Rescan {
        /// Wait until the re-read has finished and print its outcome.
        #[arg(long)]
        wait: bool,
    },
    /// Ask the daemon to shut down gracefully.
    Shutdown,
    /// Import another tool's caches (album years, API answers).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Run trackcached as your user service (systemd on Linux, launchd on macOS).
    #[command(subcommand)]
    Service(service::ServiceCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages and completion scripts into DIR (for packaging).
    #[command(hide = true)]
    GenerateDocs {
        /// Output directory (man/ and completions/ are created in it).
        dir: PathBuf,
    },
}

/// How a successful command ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done (exit 0).
    Done,
    /// The thing asked for is not there (exit 1).
    NotFound,
    /// The operation failed and the failure has been printed (exit 2).
    Failed,
}

/// Parses a time argument: plain seconds (`90`, `1.5`) or a duration with
/// units (`90s`, `15m`, `2h`, `30d`, `1h 30m`), as seconds.
pub fn parse_secs(s: &str) -> Result<f64, String> {
    if let Ok(n) = s.trim().parse::<f64>() {
        return if n.is_finite() && n >= 0.0 {
            Ok(n)
        } else {
            Err(format!("{s} is not a non-negative number of seconds"))
        };
    }
    humantime::parse_duration(s.trim())
        .map(|d| d.as_secs_f64())
        .map_err(|e| {
            format!("{e}: give seconds (90, 1.5) or a duration with units (90s, 15m, 2h, 30d)")
        })
}

/// Converts `--timeout` / `--ttl` seconds to a duration, refusing nonsense.
pub fn seconds(s: f64, what: &str) -> Result<Duration, ClientError> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        ClientError::Unexpected(format!(
            "{what} must be a non-negative number of seconds, not {s}"
        ))
    })
}

impl Args {
    fn connect(&self) -> Result<Client, ClientError> {
        (self.connect_fn())()
    }

    /// A function that connects as these arguments say (for helper threads).
    pub fn connect_fn(&self) -> impl Fn() -> Result<Client, ClientError> + Send + 'static {
        let socket = self.socket.clone().unwrap_or_else(|| {
            crate::config_file::socket(|problem| eprintln!("trackcache: warning: {problem}"))
        });
        let timeout = self.timeout;
        move || {
            let mut opts = ConnectOptions::new(socket.clone());
            opts.client_name = "trackcache-cli".into();
            opts.timeout = Some(seconds(timeout, "--timeout")?).filter(|d| !d.is_zero());
            // A daemon starting with the session (or restarting) is waited for.
            crate::connect_waiting(opts)
        }
    }
}

/// Runs the parsed command.
pub fn run(args: &Args) -> Result<Outcome, ClientError> {
    let p = Printer::new(args.json);
    let mut client = match &args.command {
        // An import reads its files before it needs the daemon, and with
        // --dry-run never needs it: it connects itself, if at all.
        Command::Import(cmd) => return import::run(&p, cmd, || args.connect()),
        // These manage or describe the daemon; they connect themselves, if at all.
        Command::Service(cmd) => return service::run(cmd, args),
        Command::Completions { shell } => {
            generate::completions(*shell, &mut std::io::stdout());
            return Ok(Outcome::Done);
        }
        Command::GenerateDocs { dir } => {
            return generate::docs(dir)
                .map(|()| Outcome::Done)
                .map_err(|source| {
                    service::ServiceError::Io {
                        what: format!("write man pages and completions to {}", dir.display()),
                        source,
                    }
                    .into()
                })
        }
        _ => args.connect()?,
    };
    match &args.command {
        Command::Ping => admin::ping(&mut client, &p),
        Command::Status => admin::status(&mut client, &p),
        Command::Stats => admin::stats(&mut client, &p),
        Command::Config => config_rows::show(&mut client, &p),
        Command::Shutdown => admin::shutdown(&mut client, &p),
        Command::Kv(cmd) => kv::run(&mut client, &p, cmd),
        Command::Tracks(cmd) => library::tracks(&mut client, &p, cmd),
        Command::Albums { artist } => library::albums(&mut client, &p, artist.as_deref()),
        Command::Changes { since, limit } => library::changes(&mut client, &p, *since, *limit),
        Command::Watch {
            since,
            no_reconnect,
        } => watch::watch(&mut client, &p, args, *since, *no_reconnect),
        Command::Rescan { wait } => library::rescan(&mut client, &p, args, *wait),
        Command::AlbumYear(cmd) => domain::album_year(&mut client, &p, cmd),
        Command::Api(cmd) => domain::api(&mut client, &p, cmd),
        Command::Lookup {
            target,
            lease,
            wait,
        } => lookup::lookup(&mut client, &p, target, *lease, *wait),
        Command::Invalidate(cmd) => cache_ops::invalidate(&mut client, &p, cmd),
        Command::LastRun(cmd) => cache_ops::last_run(&mut client, &p, cmd),
        Command::Import(_)
        | Command::Service(_)
        | Command::Completions { .. }
        | Command::GenerateDocs { .. } => unreachable!("returned before connecting"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_secs;

    #[test]
    fn time_arguments_take_seconds_or_units() {
        assert_eq!(parse_secs("90"), Ok(90.0));
        assert_eq!(parse_secs("1.5"), Ok(1.5));
        assert_eq!(parse_secs("0"), Ok(0.0));
        assert_eq!(parse_secs("90s"), Ok(90.0));
        assert_eq!(parse_secs("15m"), Ok(900.0));
        assert_eq!(parse_secs("1h 30m"), Ok(5400.0));
        assert_eq!(parse_secs("30d"), Ok(2_592_000.0));
        assert_eq!(parse_secs("500ms"), Ok(0.5));
        for bad in ["-1", "NaN", "inf", "ten", "15 parsecs", ""] {
            let err = parse_secs(bad).unwrap_err();
            assert!(err.contains("seconds"), "{bad}: {err}");
        }
    }
}
