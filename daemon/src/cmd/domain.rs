//! Album-year and API cache requests, `Lookup` (single flight) and `Invalidate`.

use std::time::{Duration, Instant};

use trackcache_protocol::{
    CacheKey, CachedValue, ErrorCode, InvalidateTarget, KvLookup, LookupOutcome, Response,
    SetAlbumYear, SetApiResult,
};

use super::Ctx;
use crate::cache::lease::Acquire;
use crate::cache::validate_namespace;
use crate::config::types;
use crate::error::Refusal;
use crate::keys::{AlbumPair, LeaseKey};
use crate::state::Daemon;

/// Default lease and wait, when the request says 0.
const DEFAULT_LEASE: Duration = Duration::from_secs(30);

fn pair(artist: &str, album: &str) -> Result<AlbumPair, Refusal> {
    AlbumPair::new(artist, album)
        .ok_or_else(|| Refusal::bad_request("artist and album must not be blank"))
}

/// The lease of a cache key, and its content type.
fn lease_key(key: &CacheKey) -> Result<(LeaseKey, &'static str), Refusal> {
    Ok(match key {
        CacheKey::AlbumYear { artist, album } => {
            (LeaseKey::AlbumYear(pair(artist, album)?), types::ALBUM_YEAR)
        }
        CacheKey::Api {
            source,
            artist,
            album,
        } => (
            LeaseKey::api(pair(artist, album)?, source),
            types::SUCCESSFUL_API,
        ),
        CacheKey::Kv { namespace, key } => {
            validate_namespace(namespace).map_err(Refusal::from)?;
            (LeaseKey::kv(namespace, key), types::GENERIC)
        }
    })
}

/// `GetAlbumYear`.
pub fn get_year(
    d: &Daemon,
    artist: &str,
    album: &str,
    min_confidence: u8,
) -> Result<Response, Refusal> {
    Ok(Response::AlbumYear(d.years.get(
        artist,
        album,
        min_confidence,
    )?))
}

/// `SetAlbumYear`: stores with the album's current fingerprint, completes any lease.
pub fn set_year(d: &Daemon, ctx: &mut Ctx, req: SetAlbumYear) -> Result<Response, Refusal> {
    let p = pair(&req.artist, &req.album)?;
    let fingerprint = d.library.get().map_or(0, |lib| lib.album(&p).fingerprint);
    let (stored, current, epoch) = d.years.set(req, fingerprint)?;
    ctx.wrote(epoch);
    d.leases.complete(&LeaseKey::AlbumYear(p));
    Ok(Response::AlbumYearStored { stored, current })
}

/// `DeleteAlbumYear`.
pub fn delete_year(
    d: &Daemon,
    ctx: &mut Ctx,
    artist: &str,
    album: &str,
) -> Result<Response, Refusal> {
    let existed = d.years.delete(artist, album)?;
    ctx.wrote(d.caches.pending_epoch());
    Ok(Response::Deleted { existed })
}

/// `GetApiResult`.
pub fn get_api(d: &Daemon, source: &str, artist: &str, album: &str) -> Result<Response, Refusal> {
    Ok(Response::ApiResult(d.api.get(source, artist, album)?))
}

/// `SetApiResult`: stores, completes any lease.
pub fn set_api(d: &Daemon, ctx: &mut Ctx, req: SetApiResult) -> Result<Response, Refusal> {
    let lease = LeaseKey::api(pair(&req.artist, &req.album)?, &req.source);
    let (expires_in_ms, epoch) = d.api.set(req)?;
    ctx.wrote(epoch);
    d.leases.complete(&lease);
    Ok(Response::ApiStored { expires_in_ms })
}

/// `DeleteApiResult`.
pub fn delete_api(
    d: &Daemon,
    ctx: &mut Ctx,
    source: &str,
    artist: &str,
    album: &str,
) -> Result<Response, Refusal> {
    let existed = d.api.delete(source, artist, album)?;
    ctx.wrote(d.caches.pending_epoch());
    Ok(Response::Deleted { existed })
}

/// The key's value, if cached.
fn cached(d: &Daemon, key: &CacheKey) -> Result<Option<CachedValue>, Refusal> {
    Ok(match key {
        CacheKey::AlbumYear { artist, album } => {
            d.years.get(artist, album, 0)?.map(CachedValue::AlbumYear)
        }
        CacheKey::Api {
            source,
            artist,
            album,
        } => d.api.get(source, artist, album)?.map(CachedValue::Api),
        CacheKey::Kv { namespace, key } => match d.caches.get(namespace, key)? {
            KvLookup::Miss => None,
            hit => Some(CachedValue::Kv(hit)),
        },
    })
}

/// `Lookup`: the value, or the lease to fetch it; waits for another holder.
pub async fn lookup(
    d: &Daemon,
    conn_id: u64,
    key: CacheKey,
    lease_ms: u64,
    wait_ms: u64,
) -> Result<Response, Refusal> {
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
        let (done, expires_at) = match d.leases.acquire(&lkey, conn_id, lease) {
            Acquire::Granted { id, expires_in } => {
                return Ok(Response::Lookup(LookupOutcome::Lease {
                    lease_id: id,
                    expires_in_ms: expires_in.as_millis() as u64,
                }))
            }
            Acquire::Held { done, expires_at } => (done, expires_at),
            Acquire::Full { max } => {
                return Err(Refusal::new(
                    ErrorCode::UNAVAILABLE,
                    format!(
                        "{max} leases are held already ([limits] max_leases); fetch without \
                         one, or retry when some are done"
                    ),
                ))
            }
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
            return Err(Refusal::new(
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
        if let Some(error) = done.failure() {
            return Ok(Response::Lookup(LookupOutcome::Failed { error }));
        }
    }
}

/// `FailLease`: the caller's fetch failed; its waiters get the error.
pub fn fail_lease(
    d: &Daemon,
    conn_id: u64,
    key: &CacheKey,
    error: &str,
) -> Result<Response, Refusal> {
    let (lkey, _) = lease_key(key)?;
    Ok(Response::LeaseFailed {
        held: d.leases.fail(&lkey, conn_id, error),
    })
}

/// `Invalidate`: drops, waits until the drops are durable, then logs and
/// publishes the notices (an announced invalidation is a durable one).
pub async fn invalidate(d: &Daemon, target: &InvalidateTarget) -> Result<Response, Refusal> {
    let current = d.library.get();
    let lib = current
        .as_deref()
        .map(|l| l as &dyn crate::invalidation::LibraryView);
    let (dropped, epoch, notices) = d.invalidator.manual(target, lib)?;
    d.caches.sync(epoch).await?;
    d.publish_notices(notices);
    Ok(Response::Invalidated { dropped })
}
