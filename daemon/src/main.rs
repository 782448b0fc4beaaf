//! `trackcached`: parses flags (merged with the environment by clap), loads
//! the config file, sets up logging and signal handling, and runs the daemon.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use futures_util::StreamExt;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook_tokio::Signals;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use trackcache_daemon::cli::{Args, Command};
use trackcache_daemon::config::{self, Config};
use trackcache_daemon::logging;
use trackcache_daemon::reload::Reloader;
use trackcache_daemon::service::{Inherited, Notifier, Service};

/// mimalloc returns freed memory to the system: after a library import's
/// transient buffers are freed, glibc's allocator kept hundreds of MB
/// resident (measured in BENCHMARKS.md). Built with `no_thp`: mimalloc
/// otherwise asks for transparent huge pages, and every 2 MiB page it
/// touches stays resident whole (an idle daemon measured 47 MB instead of
/// 7 MB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// First SIGTERM/SIGINT starts a graceful shutdown; a second one exits at
/// once. SIGHUP asks for a config reload (it no longer kills the daemon).
fn watch_signals(
    shutdown: CancellationToken,
    reload_tx: mpsc::UnboundedSender<()>,
) -> anyhow::Result<()> {
    let mut signals =
        Signals::new([SIGTERM, SIGINT, SIGHUP]).context("cannot install signal handlers")?;
    tokio::spawn(async move {
        let mut stopping = false;
        while let Some(sig) = signals.next().await {
            if sig == SIGHUP {
                tracing::info!("SIGHUP received; reloading the configuration");
                let _ = reload_tx.send(());
            } else if !stopping {
                tracing::info!(signal = sig, "signal received; shutting down");
                shutdown.cancel();
                stopping = true;
            } else {
                tracing::warn!(signal = sig, "second signal; exiting without waiting");
                std::process::exit(130);
            }
        }
    });
    Ok(())
}

async fn run(
    config: Config,
    service: Service,
    reload_tx: mpsc::UnboundedSender<()>,
) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    watch_signals(shutdown.clone(), reload_tx)?;
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

/// `trackcached check-config FILE`.
fn check_config(file: &Path) -> ExitCode {
    let errors = config::check_file(file);
    if errors.is_empty() {
        println!("{}: ok", file.display());
        return ExitCode::SUCCESS;
    }
    eprintln!("{}: {} problem(s)", file.display(), errors.len());
    for e in &errors {
        eprintln!("  - {e}");
    }
    ExitCode::from(2)
}

fn main() -> ExitCode {
    trackcache_daemon::memory::set_release_hook(release_memory);
    let args = Args::parse();
    match &args.command {
        Some(Command::CheckConfig { file }) => return check_config(file),
        Some(Command::GenerateDocs { dir }) => {
            return match trackcache_daemon::cli::generate_docs(dir) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("trackcached: cannot write docs to {}: {e}", dir.display());
                    ExitCode::FAILURE
                }
            }
        }
        None => {}
    }
    if args.print_default_config {
        print!("{}", config::DEFAULT_CONFIG);
        return ExitCode::SUCCESS;
    }
    let source = args.config_source();
    let config = match source.load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("trackcached: {e:#}");
            return ExitCode::from(2);
        }
    };
    if args.print_config {
        return match config::to_toml(&config) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("trackcached: cannot print the configuration: {e}");
                ExitCode::FAILURE
            }
        };
    }
    // Before any thread starts: taking the socket unsets LISTEN_FDS/LISTEN_PID.
    let inherited = match Inherited::from_env() {
        Ok(i) => i,
        Err(e) => {
            eprintln!("trackcached: {e}");
            return ExitCode::from(2);
        }
    };
    let (directive, filter_source) =
        logging::choose_filter(args.log_level.as_deref(), &config.log_level);
    let log = Arc::new(logging::init(&directive, filter_source, args.log_format));
    let (reload_tx, reload_rx) = mpsc::unbounded_channel();
    let service = Service {
        inherited,
        notifier: Notifier::from_env(),
        reloader: Some(Reloader::new(source, Some(log), reload_rx)),
        log_level: Some(directive),
    };
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
    match runtime.block_on(run(config, service, reload_tx)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trackcached: {e:#}");
            ExitCode::FAILURE
        }
    }
}
