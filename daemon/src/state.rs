//! The state every connection shares: configuration, store, caches, the
//! connection semaphore and the shutdown token.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::cache::GenericCache;
use crate::config::Config;
use crate::hub::Hub;
use crate::ingest::Library;
use crate::store::Store;

/// Shared daemon state, behind an `Arc`.
pub struct Daemon {
    /// Resolved configuration.
    pub config: Config,
    /// When the daemon started.
    pub started_at: Instant,
    /// The persistent store.
    pub store: Store,
    /// The generic key/value cache.
    pub kv: Arc<GenericCache>,
    /// Event numbering, log and fan-out.
    pub hub: Arc<Hub>,
    /// The library service, when a library is configured.
    pub library: Option<Arc<Library>>,
    /// One permit per allowed connection.
    pub connections: Arc<Semaphore>,
    /// Cancelled when the daemon should stop.
    pub shutdown: CancellationToken,
}

impl Daemon {
    /// Open connections right now.
    pub fn open_connections(&self) -> u32 {
        let max = self.config.max_connections;
        u32::try_from(max.saturating_sub(self.connections.available_permits())).unwrap_or(u32::MAX)
    }
}
