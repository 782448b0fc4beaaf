//! Requests that may wait or read a lot: `Lookup` (it waits for another
//! client's lease), `Rescan { wait: true }` (it waits for a re-read),
//! `ListTracks` and `Changes` (up to 10,000 store reads). The connection
//! polls one once; if it is not done at once, it runs as a task of its own
//! and its reply goes out by id when it is ready, so the requests pipelined
//! behind it, the connection's event stream and every other connection go
//! on meanwhile. Store reads run on the blocking pool, off the request
//! threads, where the connection also encodes their replies. At shutdown a
//! waiting request ends at once with `shutting_down`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use trackcache_protocol::{ErrorCode, ErrorReply, Request, Response};

use super::{domain, library};
use crate::state::Daemon;

/// A request's answer, to be awaited on a task of its own.
pub type Deferred = Pin<Box<dyn Future<Output = Result<Response, ErrorReply>> + Send>>;

/// A handler that reads the store, to run on the blocking pool.
pub type Blocking = Box<dyn FnOnce(&Daemon) -> Result<Response, ErrorReply> + Send>;

/// Where a request is answered.
pub enum Route {
    /// By a future, polled once and run as a task if it waits.
    Deferred(Deferred),
    /// By a handler on the blocking pool (where its reply is also encoded).
    Blocking(Blocking),
    /// By `dispatch`, in line.
    Now(Request),
}

/// The answer to `request` as a future, if it is one of the kinds that may
/// wait; otherwise the request, for `dispatch`.
pub fn deferred(daemon: &Arc<Daemon>, conn_id: u64, request: Request) -> Route {
    let d = daemon.clone();
    let answer: Deferred = match request {
        Request::Lookup {
            key,
            lease_ms,
            wait_ms,
        } => Box::pin(async move {
            domain::lookup(&d, conn_id, key, lease_ms, wait_ms)
                .await
                .map_err(ErrorReply::from)
        }),
        Request::Rescan { wait: true } => {
            Box::pin(async move { library::rescan(&d, true).await.map_err(ErrorReply::from) })
        }
        Request::ListTracks(q) => {
            return Route::Blocking(Box::new(move |d| {
                library::list(d, &q).map_err(ErrorReply::from)
            }))
        }
        Request::Changes { since_seq, limit } => {
            return Route::Blocking(Box::new(move |d| {
                library::changes(d, since_seq, limit).map_err(ErrorReply::from)
            }))
        }
        other => return Route::Now(other),
    };
    let shutdown = daemon.shutdown.clone();
    Route::Deferred(Box::pin(async move {
        // Shutdown first: a lease freed by a connection closing at
        // shutdown must not hand this waiter a lease it cannot use.
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => Err(ErrorReply::new(
                ErrorCode::SHUTTING_DOWN,
                "the daemon is shutting down; retry once it is back",
            )),
            answer = answer => answer,
        }
    }))
}
