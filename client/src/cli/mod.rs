//! The `trackcache` command line: argument parsing and dispatch to one
//! module per command family. Exit codes: 0 success, 1 not found (a miss),
//! 2 any error.

mod admin;
mod kv;
pub mod output;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::{Client, ClientError, ConnectOptions};
use output::Printer;

/// Command-line client for trackcached, the music-library cache daemon.
#[derive(Parser, Debug)]
#[command(name = "trackcache", version, about, long_about = None)]
pub struct Args {
    /// Daemon socket. Default: $TRACKCACHE_SOCKET, else the daemon's default path.
    #[arg(long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Print one JSON object per result instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Seconds to wait for the daemon before giving up.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 10.0)]
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
    /// Generic key/value cache.
    #[command(subcommand)]
    Kv(kv::KvCommand),
    /// Ask the daemon to shut down gracefully.
    Shutdown,
}

/// How a successful command ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done (exit 0).
    Done,
    /// The thing asked for is not there (exit 1).
    NotFound,
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
        let socket = self.socket.clone().unwrap_or_else(crate::default_socket);
        let mut opts = ConnectOptions::new(socket);
        opts.client_name = "trackcache-cli".into();
        opts.timeout = Some(seconds(self.timeout, "--timeout")?).filter(|d| !d.is_zero());
        Client::connect_with(opts)
    }
}

/// Runs the parsed command.
pub fn run(args: &Args) -> Result<Outcome, ClientError> {
    let p = Printer::new(args.json);
    let mut client = args.connect()?;
    match &args.command {
        Command::Ping => admin::ping(&mut client, &p),
        Command::Status => admin::status(&mut client, &p),
        Command::Stats => admin::stats(&mut client, &p),
        Command::Shutdown => admin::shutdown(&mut client, &p),
        Command::Kv(cmd) => kv::run(&mut client, &p, cmd),
    }
}
