//! `Status` and `Shutdown`.

use trackcache_protocol::{Response, StatusInfo, StoreRecovery, StoreStatus, PROTOCOL_VERSION};

use crate::state::Daemon;

/// The daemon's status.
pub fn status(d: &Daemon) -> Response {
    Response::Status(Box::new(StatusInfo {
        daemon_version: env!("CARGO_PKG_VERSION").to_owned(),
        protocol_version: PROTOCOL_VERSION,
        pid: std::process::id(),
        uptime_ms: u64::try_from(d.started_at.elapsed().as_millis()).unwrap_or(u64::MAX),
        socket: d.config.socket.display().to_string(),
        data_dir: d.config.data_dir.display().to_string(),
        connections: d.open_connections(),
        max_connections: u32::try_from(d.config.max_connections).unwrap_or(u32::MAX),
        cache: d.caches.totals(),
        library: d.library.get().map(|l| l.status()),
        store: store_status(d),
        strategies: super::stats::strategies(d),
    }))
}

fn store_status(d: &Daemon) -> StoreStatus {
    let h = d.store.health();
    StoreStatus {
        data_dir_bytes: d.store.size_on_disk(),
        writes_refused: h.degraded,
        recovered: h.recovered.map(|r| StoreRecovery {
            moved_to: r.moved_to.display().to_string(),
            reason: r.reason,
            at_ms: r.at_ms,
        }),
        journal_damaged_bytes: h.journal_damaged_bytes,
        snapshot_damage: h.snapshot_damage,
    }
}

/// Starts a graceful shutdown; the reply goes out before the connection closes.
pub fn shutdown(d: &Daemon) -> Response {
    tracing::info!("shutdown requested by a client");
    d.shutdown.cancel();
    Response::ShuttingDown
}
