//! Batch requests: many gets or sets of one cache in one request, answered
//! item by item with the single request's handler, in request order. An
//! item's error is that item's answer; the others go on. The writes of a
//! batch share one durable wait (the connection waits once per batch).

use trackcache_protocol::{
    AlbumYearQuery, ApiQuery, ErrorReply, KvKey, KvSet, Response, SetAlbumYear, SetApiResult,
};

use super::{domain, kv, Ctx};
use crate::error::Refusal;
use crate::state::Daemon;

fn each<T>(items: Vec<T>, mut f: impl FnMut(T) -> Result<Response, Refusal>) -> Response {
    Response::Batch(
        items
            .into_iter()
            .map(|item| f(item).map_err(ErrorReply::from))
            .collect(),
    )
}

/// `GetAlbumYears`.
pub fn get_years(d: &Daemon, items: Vec<AlbumYearQuery>) -> Response {
    each(items, |q| {
        domain::get_year(d, &q.artist, &q.album, q.min_confidence)
    })
}

/// `SetAlbumYears`.
pub fn set_years(d: &Daemon, ctx: &mut Ctx, items: Vec<SetAlbumYear>) -> Response {
    each(items, |s| domain::set_year(d, ctx, s))
}

/// `GetApiResults`.
pub fn get_api(d: &Daemon, items: Vec<ApiQuery>) -> Response {
    each(items, |q| {
        domain::get_api(d, &q.source, &q.artist, &q.album)
    })
}

/// `SetApiResults`.
pub fn set_api(d: &Daemon, ctx: &mut Ctx, items: Vec<SetApiResult>) -> Response {
    each(items, |s| domain::set_api(d, ctx, s))
}

/// `KvGetMany`.
pub fn kv_get(d: &Daemon, items: Vec<KvKey>) -> Response {
    each(items, |k| kv::get(d, &k.namespace, &k.key))
}

/// `KvSetMany`.
pub fn kv_set(d: &Daemon, ctx: &mut Ctx, items: Vec<KvSet>) -> Response {
    each(items, |s| kv::set(d, ctx, s.as_ref()))
}
