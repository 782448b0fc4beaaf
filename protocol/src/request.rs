//! Every request a client can make. Variant order is wire format: append only.

use serde::{Deserialize, Serialize};

/// A request to the daemon. Each is answered by exactly one reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Liveness check; answered with `Response::Pong`.
    Ping,
    /// Daemon status: version, uptime, paths, connections, cache totals.
    Status,
    /// Per-namespace cache statistics.
    Stats,
    /// Look a key up in the generic cache.
    KvGet {
        /// Namespace (1-64 chars of `A-Za-z0-9_.:-`).
        namespace: String,
        /// Key within the namespace (any UTF-8, at most 1024 bytes).
        key: String,
    },
    /// Store a value (or a "known absent" marker) in the generic cache.
    KvSet(KvSet),
    /// Remove one key.
    KvDelete {
        /// Namespace.
        namespace: String,
        /// Key.
        key: String,
    },
    /// Remove every entry of a namespace.
    KvClearNamespace {
        /// Namespace.
        namespace: String,
    },
    /// Ask the daemon to shut down gracefully (as on SIGTERM).
    Shutdown,
}

/// Arguments of `Request::KvSet`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvSet {
    /// Namespace (1-64 chars of `A-Za-z0-9_.:-`).
    pub namespace: String,
    /// Key within the namespace.
    pub key: String,
    /// Opaque value. Ignored (should be empty) when `negative` is set.
    #[serde(with = "serde_bytes")]
    pub value: Vec<u8>,
    /// Time to live in milliseconds; `None` uses the namespace's default
    /// (its negative TTL when `negative`). `Some(0)` means "never expires".
    pub ttl_ms: Option<u64>,
    /// Store "known absent": the lookup was done and found nothing.
    pub negative: bool,
}
