//! Turning a `Request` into a `Response`: one file per family of requests.
//! Handlers never touch sockets; they get the shared state and return data.

mod admin;
mod batch;
mod deferred;
mod domain;
mod kv;
pub mod library;
mod runs;
mod stats;

pub use deferred::{deferred, Blocking, Deferred, Route};

use trackcache_protocol::{ErrorCode, ErrorReply, HotRequest, Request, Response};

use crate::error::Refusal;
use crate::state::Daemon;
use crate::store::Epoch;

/// What a handler knows about the connection it serves, and tells it back.
#[derive(Debug, Default)]
pub struct Ctx {
    /// The connection's id (lease holder identity).
    pub conn_id: u64,
    /// The latest journal epoch a handler wrote persistent data in: the
    /// connection waits for it before sending the replies of this batch.
    pub durable: Epoch,
}

impl Ctx {
    /// A handler wrote persistent data that joined `epoch`.
    pub fn wrote(&mut self, epoch: Epoch) {
        self.durable = self.durable.max(epoch);
    }
}

/// Answers a request decoded borrowing from its frame (`codec::decode_hot`):
/// the same handlers as `dispatch`, without the owned copies.
pub fn dispatch_hot(
    daemon: &Daemon,
    ctx: &mut Ctx,
    request: HotRequest<'_>,
) -> Result<Response, ErrorReply> {
    match request {
        HotRequest::KvGet { namespace, key } => kv::get(daemon, namespace, key),
        HotRequest::KvSet(set) => kv::set(daemon, ctx, set),
    }
    .map_err(ErrorReply::from)
}

/// Answers one request.
pub async fn dispatch(
    daemon: &Daemon,
    ctx: &mut Ctx,
    request: Request,
) -> Result<Response, ErrorReply> {
    answer(daemon, ctx, request).await.map_err(ErrorReply::from)
}

async fn answer(daemon: &Daemon, ctx: &mut Ctx, request: Request) -> Result<Response, Refusal> {
    match request {
        Request::Ping => Ok(Response::Pong),
        Request::Status => Ok(admin::status(daemon)),
        Request::Stats => Ok(Response::Stats(stats::report(daemon))),
        Request::Shutdown => Ok(admin::shutdown(daemon)),
        Request::KvGet { namespace, key } => kv::get(daemon, &namespace, &key),
        Request::KvSet(set) => kv::set(daemon, ctx, set.as_ref()),
        Request::KvDelete { namespace, key } => kv::delete(daemon, ctx, &namespace, &key),
        Request::KvClearNamespace { namespace } => kv::clear(daemon, ctx, &namespace),
        Request::TrackCount => library::count(daemon),
        Request::GetTrack { id } => library::get(daemon, &id),
        Request::ListTracks(q) => library::list(daemon, &q),
        Request::ListAlbums { artist } => library::albums(daemon, artist.as_deref()),
        Request::Changes { since_seq, limit } => library::changes(daemon, since_seq, limit),
        Request::Rescan { wait } => library::rescan(daemon, wait).await,
        Request::GetAlbumYear {
            artist,
            album,
            min_confidence,
        } => domain::get_year(daemon, &artist, &album, min_confidence),
        Request::SetAlbumYear(set) => domain::set_year(daemon, ctx, set),
        Request::DeleteAlbumYear { artist, album } => {
            domain::delete_year(daemon, ctx, &artist, &album)
        }
        Request::GetApiResult {
            source,
            artist,
            album,
        } => domain::get_api(daemon, &source, &artist, &album),
        Request::SetApiResult(set) => domain::set_api(daemon, ctx, set),
        Request::DeleteApiResult {
            source,
            artist,
            album,
        } => domain::delete_api(daemon, ctx, &source, &artist, &album),
        Request::Lookup {
            key,
            lease_ms,
            wait_ms,
        } => domain::lookup(daemon, ctx.conn_id, key, lease_ms, wait_ms).await,
        Request::Invalidate(target) => domain::invalidate(daemon, &target).await,
        Request::GetLastRun { client } => runs::get(daemon, &client),
        Request::SetLastRun { client, at_ms } => runs::set(daemon, ctx, &client, at_ms),
        Request::GetAlbumYears(items) => Ok(batch::get_years(daemon, items)),
        Request::SetAlbumYears(items) => Ok(batch::set_years(daemon, ctx, items)),
        Request::GetApiResults(items) => Ok(batch::get_api(daemon, items)),
        Request::SetApiResults(items) => Ok(batch::set_api(daemon, ctx, items)),
        Request::KvGetMany(items) => Ok(batch::kv_get(daemon, items)),
        Request::KvSetMany(items) => Ok(batch::kv_set(daemon, ctx, items)),
        Request::ConfigStatus => Ok(Response::ConfigStatus(Box::new(
            daemon.config_state.status(),
        ))),
        Request::DeclareNamespace(decl) => kv::declare(daemon, ctx, &decl),
        Request::FailLease { key, error } => domain::fail_lease(daemon, ctx.conn_id, &key, &error),
        Request::Subscribe { .. } => Err(Refusal::new(
            ErrorCode::INTERNAL,
            "Subscribe is handled by the connection; this is a bug",
        )),
    }
}
