//! trackcached as a library: `run(config, shutdown)` starts the daemon and
//! returns once it has shut down cleanly. The binary (`main.rs`) only parses
//! flags, sets up logging and signals, and calls `run`.

pub mod cache;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod config;
pub mod connection;
pub mod disk;
pub mod error;
pub mod event_bound;
pub mod hub;
pub mod ingest;
pub mod invalidation;
pub mod keys;
pub mod logging;
pub mod memory;
pub mod normalize;
pub mod reload;
pub mod server;
pub mod service;
pub mod snapshot;
pub mod socket;
pub mod sources;
pub mod state;
pub mod store;
pub mod watcher;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::cache::album_year::AlbumYears;
use crate::cache::api::ApiAnswers;
use crate::cache::lease::Leases;
use crate::cache::Caches;
use crate::config::{Config, DEFAULT_RETENTION};
use crate::connection::budget::PartialBudget;
use crate::hub::{Hub, LogPosition};
use crate::ingest::LibraryService;
use crate::invalidation::Invalidator;
use crate::reload::LibrarySlot;
use crate::service::Service;
use crate::state::Daemon;
use crate::store::{Store, StoreError};

/// Why the daemon could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The socket could not be claimed.
    #[error(transparent)]
    Bind(#[from] socket::BindError),
    /// The store could not be opened or flushed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs the daemon until `shutdown` is cancelled (by a signal, a client's
/// `Shutdown` request, or the embedding program), then finishes in-flight
/// requests, flushes the store and removes the socket file.
///
/// The parts are built in the order data flows through them: the store
/// everything persists to; the caches restored from it (the domain caches
/// live in its namespaces); the invalidator that drops what a library
/// change made stale; the hub that numbers and publishes events; the
/// library service that watches, re-reads and commits (`ingest/commit.rs`
/// is the whole sequence after a re-read); and the server that answers.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), DaemonError> {
    run_service(config, shutdown, Service::default()).await
}

/// `run` under a service manager: serves on the socket `service` may carry
/// (socket activation) and reports readiness and status to it.
pub async fn run_service(
    config: Config,
    shutdown: CancellationToken,
    mut service: Service,
) -> Result<(), DaemonError> {
    // Claim the socket before opening the store, so that a second daemon is
    // told "already running" rather than "database locked".
    let bound = service.bind(&config.socket)?;
    let store = Store::open_with(&config.data_dir, config.store_cache_bytes)?;
    let caches = Arc::new(Caches::restore(
        config.cache.clone(),
        &config.content,
        store.clone(),
    )?);
    let years = Arc::new(AlbumYears::new(caches.clone()));
    let api = Arc::new(ApiAnswers::new(caches.clone()));
    let invalidator = Arc::new(Invalidator::new(caches.clone(), years.clone(), api.clone()));
    let retention = config
        .library
        .as_ref()
        .map_or(DEFAULT_RETENTION, |l| l.retention);
    let log = store.log_meta()?;
    let hub = Arc::new(Hub::new(
        LogPosition {
            seq: log.seq,
            oldest_seq: log.oldest_seq,
        },
        retention,
    ));
    let library = match &config.library {
        Some(lc) => {
            let (lib, triggers) =
                LibraryService::open(lc.clone(), store.clone(), hub.clone(), invalidator.clone())?;
            // Before any client is served: what a crash left uninvalidated.
            lib.catch_up()?;
            LibrarySlot::start(lib, triggers, &shutdown)
        }
        None => LibrarySlot::default(),
    };
    let leases = Leases::new(config.limits.max_leases);
    let daemon = Arc::new(Daemon {
        connections: Arc::new(Semaphore::new(config.max_connections)),
        partial_messages: PartialBudget::new(config.limits.partial_message_bytes),
        presence: Default::default(),
        config_state: service.config_state(&config),
        config,
        started_at: Instant::now(),
        store,
        caches: caches.clone(),
        years,
        api,
        leases,
        invalidator,
        next_conn_id: AtomicU64::new(0),
        hub,
        library,
        shutdown: shutdown.clone(),
    });
    let maintenance = tokio::spawn(caches.run_maintenance(shutdown.clone()));
    tracing::info!(
        socket = %bound.path.display(),
        data_dir = %daemon.config.data_dir.display(),
        version = env!("CARGO_PKG_VERSION"),
        request_threads = tokio::runtime::Handle::current().metrics().num_workers(),
        "trackcached ready"
    );
    let running = service.start(daemon.clone());
    server::serve(bound.listener, daemon.clone()).await;
    running.join().await;
    let _ = maintenance.await;
    // A re-read in progress finishes (it is one atomic commit) before the
    // flush; the index checkpoint makes the next start-up read one file.
    daemon.library.stop().await;
    // A fresh snapshot and an empty journal: the next start replays nothing.
    daemon.caches.compact()?;
    daemon.store.flush()?;
    tracing::info!("store flushed; bye");
    Ok(())
}

/// The library service alone, with the caches and the invalidator it
/// commits into (default policies), on `data_dir`: for benchmarks and tools
/// that measure the ingest path without a socket. Re-reads run with
/// `LibraryService::sync_now`.
pub fn embedded_library(
    config: crate::config::LibraryConfig,
    data_dir: &std::path::Path,
) -> Result<Arc<LibraryService>, DaemonError> {
    let store = Store::open(data_dir)?;
    let caches = Arc::new(Caches::restore(
        crate::config::CachePolicies::default(),
        &crate::config::ContentPolicies::default(),
        store.clone(),
    )?);
    let years = Arc::new(AlbumYears::new(caches.clone()));
    let api = Arc::new(ApiAnswers::new(caches.clone()));
    let invalidator = Arc::new(Invalidator::new(caches, years, api));
    let log = store.log_meta()?;
    let hub = Arc::new(Hub::new(
        LogPosition {
            seq: log.seq,
            oldest_seq: log.oldest_seq,
        },
        config.retention,
    ));
    let (lib, _triggers) = LibraryService::open(config, store, hub, invalidator)?;
    Ok(lib)
}
