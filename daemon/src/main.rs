//! `trackcached`: parses flags (merged with the environment by clap), loads
//! the config file, sets up logging and signal handling, and runs the daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use futures_util::StreamExt;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook_tokio::Signals;
use tokio_util::sync::CancellationToken;
use trackcache_daemon::config::{self, Config, Defaults, LibraryOverrides, Overrides};
use trackcache_daemon::service::{Inherited, Notifier, Service};

/// mimalloc returns freed memory to the system: after a library import's
/// transient buffers are freed, glibc's allocator kept hundreds of MB
/// resident (measured in BENCHMARKS.md). Built with `no_thp`: mimalloc
/// otherwise asks for transparent huge pages, and every 2 MiB page it
/// touches stays resident whole (an idle daemon measured 47 MB instead of
/// 7 MB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The trackcache daemon: a persistent, correct cache for music-library tools.
#[derive(Parser, Debug)]
#[command(name = "trackcached", version, about, long_about = None)]
struct Args {
    /// Config file (TOML). Default: $XDG_CONFIG_HOME/trackcache/config.toml.
    #[arg(long, env = "TRACKCACHE_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Unix socket to listen on.
    #[arg(long, env = "TRACKCACHE_SOCKET", value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Directory for the database. Default: $XDG_DATA_HOME/trackcache.
    #[arg(long, env = "TRACKCACHE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Maximum concurrent client connections (default 256).
    #[arg(long, env = "TRACKCACHE_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<usize>,
    /// Largest accepted frame payload in bytes (default 16 MiB).
    #[arg(long, env = "TRACKCACHE_MAX_FRAME_BYTES", value_name = "BYTES")]
    max_frame_bytes: Option<u32>,
    /// Threads serving requests (default: half the cores, at least one).
    #[arg(long, env = "TRACKCACHE_WORKER_THREADS", value_name = "N")]
    worker_threads: Option<usize>,
    /// Library to watch: an Apple Music / iTunes XML file, a JSON Lines file,
    /// or (with --library-format command) the path whose changes trigger the exporter.
    #[arg(long, env = "TRACKCACHE_LIBRARY", value_name = "PATH")]
    library: Option<PathBuf>,
    /// Library format: apple-xml (default), jsonl or command.
    #[arg(long, env = "TRACKCACHE_LIBRARY_FORMAT", value_name = "FORMAT")]
    library_format: Option<String>,
    /// Exporter for --library-format command, run with /bin/sh -c; it must
    /// print the library as JSON Lines on standard output.
    #[arg(long, env = "TRACKCACHE_LIBRARY_COMMAND", value_name = "SHELL COMMAND")]
    library_command: Option<String>,
    /// Log filter: error, warn, info, debug, trace, or a tracing directive.
    /// Beats RUST_LOG, which beats the config file.
    #[arg(long, value_name = "LEVEL")]
    log_level: Option<String>,
    /// Print the resolved configuration and exit.
    #[arg(long)]
    print_config: bool,
}

fn load_config(args: &Args) -> anyhow::Result<Config> {
    let (path, explicit) = match &args.config {
        Some(p) => (p.clone(), true),
        None => (config::default_config_path(), false),
    };
    let file = config::load_file(&path, explicit)?;
    let over = Overrides {
        socket: args.socket.clone(),
        data_dir: args.data_dir.clone(),
        max_connections: args.max_connections,
        max_frame_len: args.max_frame_bytes,
        worker_threads: args.worker_threads,
        log_level: args.log_level.clone(),
        library: LibraryOverrides {
            path: args.library.clone(),
            format: args.library_format.clone(),
            command: args.library_command.clone(),
        },
    };
    Ok(Config::resolve(Defaults::from_env(), file, over)?)
}

fn init_logging(args: &Args, config: &Config) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let directive = match (&args.log_level, std::env::var("RUST_LOG")) {
        (Some(level), _) => level.clone(),
        (None, Ok(env)) if !env.is_empty() => env,
        _ => config.log_level.clone(),
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(quiet_dependencies(&directive)))
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

/// sled logs every page write at debug level; keep it at warn unless the
/// user's filter names it.
fn quiet_dependencies(directive: &str) -> String {
    if directive.contains("sled") {
        directive.to_owned()
    } else {
        format!("{directive},sled=warn")
    }
}

/// First SIGTERM/SIGINT starts a graceful shutdown; a second one exits at once.
fn watch_signals(shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut signals = Signals::new([SIGTERM, SIGINT]).context("cannot install signal handlers")?;
    tokio::spawn(async move {
        if let Some(sig) = signals.next().await {
            tracing::info!(signal = sig, "signal received; shutting down");
            shutdown.cancel();
        }
        if let Some(sig) = signals.next().await {
            tracing::warn!(signal = sig, "second signal; exiting without waiting");
            std::process::exit(130);
        }
    });
    Ok(())
}

async fn run(config: Config, service: Service) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    watch_signals(shutdown.clone())?;
    trackcache_daemon::run_service(config, shutdown, service).await?;
    Ok(())
}

/// Makes mimalloc return freed pages now rather than after its purge delay.
#[allow(unsafe_code)] // the one FFI call; see the SAFETY note
fn release_memory() {
    // SAFETY: mi_collect has no preconditions; it may be called from any
    // thread at any time, and only affects mimalloc's own bookkeeping.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

fn main() -> ExitCode {
    trackcache_daemon::memory::set_release_hook(release_memory);
    let args = Args::parse();
    let config = match load_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("trackcached: {e:#}");
            return ExitCode::from(2);
        }
    };
    if args.print_config {
        println!("{config:#?}");
        return ExitCode::SUCCESS;
    }
    // Before any thread starts: taking the socket unsets LISTEN_FDS/LISTEN_PID.
    let inherited = match Inherited::from_env() {
        Ok(i) => i,
        Err(e) => {
            eprintln!("trackcached: {e}");
            return ExitCode::from(2);
        }
    };
    let service = Service {
        inherited,
        notifier: Notifier::from_env(),
    };
    init_logging(&args, &config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trackcached: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config, service)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trackcached: {e:#}");
            ExitCode::FAILURE
        }
    }
}
