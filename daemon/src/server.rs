//! The accept loop: admits or refuses each connection (connection cap, peer
//! user), runs one task per connection, and on shutdown stops accepting,
//! waits (bounded by the shutdown budget) for the connections to finish
//! what they have read, and then closes those still open.

use std::sync::Arc;
use std::time::Duration;

use interprocess::local_socket::{
    tokio::{Listener, Stream},
    traits::{tokio::Listener as _, StreamCommon},
};
use tokio::task::JoinSet;
use trackcache_protocol::{ErrorCode, ErrorReply};

use crate::connection::Connection;
use crate::state::Daemon;

/// Whether a peer with effective uid `peer` may talk to a daemon run by `own`.
pub fn peer_allowed(peer: Option<u32>, own: u32) -> bool {
    peer == Some(own)
}

/// Serves until `daemon.shutdown` is cancelled, then drops the listener
/// (removing the socket file), waits up to the shutdown budget for open
/// connections, and closes the ones still open.
pub async fn serve(listener: Listener, daemon: Arc<Daemon>) {
    let mut connections = JoinSet::new();
    let own_uid = trackcache_protocol::paths::current_uid();
    let mut backoff = Duration::from_millis(10);
    loop {
        tokio::select! {
            _ = daemon.shutdown.cancelled() => break,
            // Reap finished connections, so the set holds only open ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok(stream) => {
                    backoff = Duration::from_millis(10);
                    connections.spawn(handle(stream, daemon.clone(), own_uid));
                }
                Err(e) => {
                    // Usually EMFILE: back off instead of spinning on the error.
                    tracing::warn!(error = %e, "accept failed; retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
    }
    drop(listener);
    let open = connections.len();
    if open > 0 {
        tracing::info!(open, "waiting for open connections to finish");
    }
    let finished = tokio::time::timeout(daemon.config.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open after the shutdown budget; closing them"
        );
        // Dropping a connection's task closes its socket.
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

async fn handle(stream: Stream, daemon: Arc<Daemon>, own_uid: u32) {
    let peer_uid = stream.peer_creds().ok().and_then(|c| c.euid());
    let conn_id = daemon.new_connection_id();
    // On Unix a local socket is always a Unix domain socket.
    let Stream::UdSocket(stream) = stream;
    let mut stream = tokio::net::UnixStream::from(stream);
    let registered = daemon.presence.register(conn_id);
    let conn = Connection::new(
        &mut stream,
        daemon.clone(),
        conn_id,
        registered.presence.clone(),
    );
    if !peer_allowed(peer_uid, own_uid) {
        tracing::warn!(?peer_uid, own_uid, "refused a connection from another user");
        let msg = format!(
            "this trackcached belongs to uid {own_uid}; connections from uid {} are refused",
            peer_uid.map_or_else(|| "unknown".to_owned(), |u| u.to_string())
        );
        conn.refuse(ErrorReply::new(ErrorCode::PERMISSION_DENIED, msg))
            .await;
        return;
    }
    let Some(_permit) = admit(&daemon).await else {
        let msg = format!(
            "the daemon already serves its maximum of {} connections, none of them idle; \
             retry later or raise max_connections",
            daemon.config.max_connections
        );
        conn.refuse(ErrorReply::new(ErrorCode::TOO_MANY_CONNECTIONS, msg))
            .await;
        return;
    };
    conn.serve().await;
    // Leases die with their holder: waiters take over at once.
    daemon.leases.release_connection(conn_id);
}

/// A connection slot: a free one, or the one the longest-idle connection
/// gives up when the cap is reached (it is closed to make room).
async fn admit(daemon: &Daemon) -> Option<tokio::sync::OwnedSemaphorePermit> {
    /// How long the closed connection may take to let go of its slot.
    const HANDOVER: Duration = Duration::from_secs(2);
    let slots = daemon.connections.clone();
    if let Ok(permit) = slots.clone().try_acquire_owned() {
        return Some(permit);
    }
    if !daemon.presence.close_longest_idle() {
        return None;
    }
    tokio::time::timeout(HANDOVER, slots.acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_user_is_allowed() {
        assert!(peer_allowed(Some(1000), 1000));
        assert!(!peer_allowed(Some(0), 1000));
        assert!(!peer_allowed(None, 1000), "unknown credentials are refused");
    }
}
