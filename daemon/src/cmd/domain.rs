//! Album-year and API cache requests, `Lookup` (single flight) and `Invalidate`.

use std::time::{Duration, Instant};

use trackcache_protocol::{
    CacheKey, CachedValue, ErrorCode, ErrorReply, InvalidateTarget, KvLookup, LookupOutcome,
    Response, SetAlbumYear, SetApiResult,
};

use super::{cache_error, Ctx};
use crate::cache::lease::Acquire;
use crate::cache::validate_namespace;
use crate::config::types;
use crate::keys::AlbumPair;
use crate::normalize::normalize;
use crate::state::Daemon;

/// Default lease and wait, when the request says 0.
const DEFAULT_LEASE: Duration = Duration::from_secs(30);

fn bad(msg: impl Into<String>) -> ErrorReply {
    ErrorReply::new(ErrorCode::BAD_REQUEST, msg)
}

/// The lease-table key of a cache key, and its content type.
fn lease_key(key: &CacheKey) -> Result<(String, &'static str), ErrorReply> {
    let pair = |a: &str, b: &str| {
        AlbumPair::new(a, b).ok_or_else(|| bad("artist and album must not be blank"))
    };
    Ok(match key {
        CacheKey::AlbumYear { artist, album } => (
            format!("y{}", pair(artist, album)?.key()),
            types::ALBUM_YEAR,
        ),
        CacheKey::Api {
            source,
            artist,
            album,
        } => (
            format!("a{}{}", pair(artist, album)?.prefix(), normalize(source)),
            types::SUCCESSFUL_API,
        ),
        CacheKey::Kv { namespace, key } => {
            validate_namespace(namespace).map_err(cache_error)?;
            (format!("k{namespace}\0{key}"), types::GENERIC)
        }
    })
}

/// `GetAlbumYear`.
pub fn get_year(
    d: &Daemon,
    artist: &str,
    album: &str,
    min_confidence: u8,
) -> Result<Response, ErrorReply> {
    d.years
        .get(artist, album, min_confidence)
        .map(Response::AlbumYear)
        .map_err(cache_error)
}

/// `SetAlbumYear`: stores with the album's current fingerprint, completes any lease.
pub fn set_year(d: &Daemon, ctx: &mut Ctx, req: SetAlbumYear) -> Result<Response, ErrorReply> {
    let lease = lease_key(&CacheKey::AlbumYear {
        artist: req.artist.clone(),
        album: req.album.clone(),
    })?;
    let fingerprint = match (&d.library, AlbumPair::new(&req.artist, &req.album)) {
        (Some(lib), Some(p)) => lib.album(&p).fingerprint,
        _ => 0,
    };
    let (stored, current) = d.years.set(req, fingerprint).map_err(cache_error)?;
    ctx.needs_sync |= stored;
    d.leases.complete(&lease.0);
    Ok(Response::AlbumYearStored { stored, current })
}

/// `DeleteAlbumYear`.
pub fn delete_year(
    d: &Daemon,
    ctx: &mut Ctx,
    artist: &str,
    album: &str,
) -> Result<Response, ErrorReply> {
    ctx.needs_sync = true;
    d.years
        .delete(artist, album)
        .map(|existed| Response::Deleted { existed })
        .map_err(cache_error)
}

/// `GetApiResult`.
pub fn get_api(
    d: &Daemon,
    source: &str,
    artist: &str,
    album: &str,
) -> Result<Response, ErrorReply> {
    d.api
        .get(source, artist, album)
        .map(Response::ApiResult)
        .map_err(cache_error)
}

/// `SetApiResult`: stores, completes any lease.
pub fn set_api(d: &Daemon, ctx: &mut Ctx, req: SetApiResult) -> Result<Response, ErrorReply> {
    let lease = lease_key(&CacheKey::Api {
        source: req.source.clone(),
        artist: req.artist.clone(),
        album: req.album.clone(),
    })?;
    let expires_in_ms = d.api.set(req).map_err(cache_error)?;
    ctx.needs_sync = true;
    d.leases.complete(&lease.0);
    Ok(Response::ApiStored { expires_in_ms })
}

/// `DeleteApiResult`.
pub fn delete_api(
    d: &Daemon,
    ctx: &mut Ctx,
    source: &str,
    artist: &str,
    album: &str,
) -> Result<Response, ErrorReply> {
    ctx.needs_sync = true;
    d.api
        .delete(source, artist, album)
        .map(|existed| Response::Deleted { existed })
        .map_err(cache_error)
}

/// The key's value, if cached.
fn cached(d: &Daemon, key: &CacheKey) -> Result<Option<CachedValue>, ErrorReply> {
    Ok(match key {
        CacheKey::AlbumYear { artist, album } => d
            .years
            .get(artist, album, 0)
            .map_err(cache_error)?
            .map(CachedValue::AlbumYear),
        CacheKey::Api {
            source,
            artist,
            album,
        } => d
            .api
            .get(source, artist, album)
            .map_err(cache_error)?
            .map(CachedValue::Api),
        CacheKey::Kv { namespace, key } => {
            match d.caches.get(namespace, key).map_err(cache_error)? {
                KvLookup::Miss => None,
                hit => Some(CachedValue::Kv(hit)),
            }
        }
    })
}

/// `Lookup`: the value, or the lease to fetch it; waits for another holder.
pub async fn lookup(
    d: &Daemon,
    ctx: &Ctx,
    key: CacheKey,
    lease_ms: u64,
    wait_ms: u64,
) -> Result<Response, ErrorReply> {
    let (lkey, ct) = lease_key(&key)?;
    let lease = if lease_ms == 0 {
        DEFAULT_LEASE
    } else {
        Duration::from_millis(lease_ms)
    };
    let wait = if wait_ms == 0 {
        DEFAULT_LEASE
    } else {
        Duration::from_millis(wait_ms)
    };
    let deadline = Instant::now() + wait;
    let mut counted = false;
    loop {
        if let Some(v) = cached(d, &key)? {
            return Ok(Response::Lookup(LookupOutcome::Hit(v)));
        }
        let (done, expires_at) = match d.leases.acquire(&lkey, ctx.conn_id, lease) {
            Acquire::Granted { id, expires_in } => {
                return Ok(Response::Lookup(LookupOutcome::Lease {
                    lease_id: id,
                    expires_in_ms: expires_in.as_millis() as u64,
                }))
            }
            Acquire::Held { done, expires_at } => (done, expires_at),
        };
        if !counted {
            d.leases.count_coalesced(ct);
            counted = true;
        }
        let woken = done.notified();
        tokio::pin!(woken);
        // Registered before the re-check, so a set in between is not missed.
        woken.as_mut().enable();
        if let Some(v) = cached(d, &key)? {
            return Ok(Response::Lookup(LookupOutcome::Hit(v)));
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(ErrorReply::new(
                ErrorCode::TIMEOUT,
                format!(
                    "waited {} ms for another client's lease on this key; try again",
                    wait.as_millis()
                ),
            ));
        }
        tokio::select! {
            _ = &mut woken => {}
            _ = tokio::time::sleep_until(deadline.min(expires_at).into()) => {}
        }
    }
}

/// `Invalidate`.
pub fn invalidate(
    d: &Daemon,
    ctx: &mut Ctx,
    target: &InvalidateTarget,
) -> Result<Response, ErrorReply> {
    let lib = d
        .library
        .as_deref()
        .map(|l| l as &dyn crate::invalidation::LibraryView);
    let dropped = d.invalidator.manual(target, lib).map_err(bad)?;
    ctx.needs_sync = true;
    Ok(Response::Invalidated { dropped })
}
