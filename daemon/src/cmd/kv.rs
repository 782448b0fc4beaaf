//! Generic-cache requests: `KvGet`, `KvSet`, `KvDelete`, `KvClearNamespace`.

use trackcache_protocol::{ErrorReply, KvSetRef, Response};

use super::{cache_error, Ctx};
use crate::state::Daemon;

/// `KvGet`.
pub fn get(d: &Daemon, ns: &str, key: &str) -> Result<Response, ErrorReply> {
    d.caches
        .get(ns, key)
        .map(Response::KvValue)
        .map_err(cache_error)
}

/// `KvSet`: a set of a key completes any lease on it.
pub fn set(d: &Daemon, ctx: &mut Ctx, set: KvSetRef<'_>) -> Result<Response, ErrorReply> {
    // The lease key is built only when some lease exists: most sets pay nothing.
    let lease = d
        .leases
        .any_held()
        .then(|| format!("k{}\0{}", set.namespace, set.key));
    let stored = d.caches.set(set).map_err(cache_error)?;
    ctx.needs_sync |= stored.persistent;
    if let Some(lease) = lease {
        d.leases.complete(&lease);
    }
    Ok(Response::KvStored(stored))
}

/// `KvDelete`.
pub fn delete(d: &Daemon, ctx: &mut Ctx, ns: &str, key: &str) -> Result<Response, ErrorReply> {
    let existed = d.caches.delete(ns, key).map_err(cache_error)?;
    ctx.needs_sync |= d.caches.is_persistent(ns);
    Ok(Response::KvDeleted { existed })
}

/// `KvClearNamespace`.
pub fn clear(d: &Daemon, ctx: &mut Ctx, ns: &str) -> Result<Response, ErrorReply> {
    let removed = d.caches.clear(ns).map_err(cache_error)?;
    ctx.needs_sync |= d.caches.is_persistent(ns);
    Ok(Response::KvCleared { removed })
}
