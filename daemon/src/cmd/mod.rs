//! Turning a `Request` into a `Response`: one file per family of requests.
//! Handlers never touch sockets; they get the shared state and return data.

mod admin;
mod kv;
pub mod library;

use trackcache_protocol::{ErrorCode, ErrorReply, Request, Response};

use crate::state::Daemon;

/// Answers one request.
pub async fn dispatch(daemon: &Daemon, request: Request) -> Result<Response, ErrorReply> {
    match request {
        Request::Ping => Ok(Response::Pong),
        Request::Status => Ok(admin::status(daemon)),
        Request::Stats => Ok(Response::Stats(daemon.kv.stats())),
        Request::Shutdown => Ok(admin::shutdown(daemon)),
        Request::KvGet { namespace, key } => kv::get(daemon, &namespace, &key),
        Request::KvSet(set) => kv::set(daemon, set),
        Request::KvDelete { namespace, key } => kv::delete(daemon, &namespace, &key),
        Request::KvClearNamespace { namespace } => kv::clear(daemon, &namespace),
        Request::TrackCount => library::count(daemon),
        Request::GetTrack { id } => library::get(daemon, &id),
        Request::ListTracks(q) => library::list(daemon, &q),
        Request::ListAlbums { artist } => library::albums(daemon, artist.as_deref()),
        Request::Changes { since_seq, limit } => library::changes(daemon, since_seq, limit),
        Request::Rescan { wait } => library::rescan(daemon, wait).await,
        Request::Subscribe { .. } => Err(ErrorReply::new(
            ErrorCode::INTERNAL,
            "Subscribe is handled by the connection; this is a bug",
        )),
    }
}
