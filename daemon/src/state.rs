//! The state every connection shares: configuration, store, caches, the
//! connection semaphore and the shutdown token.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::cache::album_year::AlbumYears;
use crate::cache::api::ApiAnswers;
use crate::cache::lease::Leases;
use crate::cache::Caches;
use crate::config::Config;
use crate::hub::Hub;
use crate::invalidation::Invalidator;
use crate::reload::{ConfigState, LibrarySlot};
use crate::store::Store;

/// Shared daemon state, behind an `Arc`.
pub struct Daemon {
    /// Resolved configuration at start (what a reload changes is in `config_state`).
    pub config: Config,
    /// The configuration in force after reloads, and their outcome.
    pub config_state: ConfigState,
    /// When the daemon started.
    pub started_at: Instant,
    /// The persistent store.
    pub store: Store,
    /// The generic key/value cache (hosting the domain caches' namespaces).
    pub caches: Arc<Caches>,
    /// The album-year cache.
    pub years: Arc<AlbumYears>,
    /// The API answer cache.
    pub api: Arc<ApiAnswers>,
    /// Single-flight leases.
    pub leases: Leases,
    /// The invalidation manager.
    pub invalidator: Arc<Invalidator>,
    /// Next connection id.
    pub next_conn_id: AtomicU64,
    /// Event numbering, log and fan-out.
    pub hub: Arc<Hub>,
    /// The library service, when a library is configured (a reload may replace it).
    pub library: LibrarySlot,
    /// Bytes of half-received messages, all connections together.
    pub partial_messages: Arc<crate::connection::budget::PartialBudget>,
    /// Each open connection's presence (idle or not).
    pub presence: crate::connection::presence::Registry,
    /// One permit per allowed connection.
    pub connections: Arc<Semaphore>,
    /// Cancelled when the daemon should stop.
    pub shutdown: CancellationToken,
}

impl Daemon {
    /// A fresh connection id.
    pub fn new_connection_id(&self) -> u64 {
        self.next_conn_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Logs notices (events that change nothing else, such as a manual
    /// invalidation's) and publishes them to subscribers.
    pub fn publish_notices(&self, events: Vec<trackcache_protocol::Event>) {
        if events.is_empty() {
            return;
        }
        let mut log = self.hub.begin();
        let numbered = log.number(events);
        match crate::ingest::log_events(&self.store, &numbered) {
            Ok(()) => log.persisted(numbered),
            Err(e) => {
                tracing::warn!(error = %e, "could not log the notices; the change itself stands")
            }
        }
        log.publish();
    }

    /// Open connections right now.
    pub fn open_connections(&self) -> u32 {
        let max = self.config.max_connections;
        u32::try_from(max.saturating_sub(self.connections.available_permits())).unwrap_or(u32::MAX)
    }
}
