//! Typed methods for the album-year and API caches, leases, invalidation
//! and run tracking.

use trackcache_protocol::{
    AlbumYearEntry, ApiEntry, CacheKey, InvalidateTarget, LookupOutcome, Request, Response,
    SetAlbumYear, SetApiResult,
};

use crate::{Client, ClientError};

fn unexpected(what: &str, r: Response) -> ClientError {
    ClientError::Unexpected(format!("{r:?} in answer to {what}"))
}

impl Client {
    /// An album's year; `None` on a miss (or below `min_confidence`).
    pub fn get_album_year(
        &mut self,
        artist: &str,
        album: &str,
        min_confidence: u8,
    ) -> Result<Option<AlbumYearEntry>, ClientError> {
        match self.call(Request::GetAlbumYear {
            artist: artist.into(),
            album: album.into(),
            min_confidence,
        })? {
            Response::AlbumYear(e) => Ok(e),
            r => Err(unexpected("GetAlbumYear", r)),
        }
    }

    /// Stores an album's year; returns whether it became current, and the current entry.
    pub fn set_album_year(
        &mut self,
        set: SetAlbumYear,
    ) -> Result<(bool, AlbumYearEntry), ClientError> {
        match self.call(Request::SetAlbumYear(set))? {
            Response::AlbumYearStored { stored, current } => Ok((stored, current)),
            r => Err(unexpected("SetAlbumYear", r)),
        }
    }

    /// Forgets an album's year.
    pub fn delete_album_year(&mut self, artist: &str, album: &str) -> Result<bool, ClientError> {
        match self.call(Request::DeleteAlbumYear {
            artist: artist.into(),
            album: album.into(),
        })? {
            Response::Deleted { existed } => Ok(existed),
            r => Err(unexpected("DeleteAlbumYear", r)),
        }
    }

    /// A cached API answer; `None` on a miss.
    pub fn get_api_result(
        &mut self,
        source: &str,
        artist: &str,
        album: &str,
    ) -> Result<Option<ApiEntry>, ClientError> {
        match self.call(Request::GetApiResult {
            source: source.into(),
            artist: artist.into(),
            album: album.into(),
        })? {
            Response::ApiResult(e) => Ok(e),
            r => Err(unexpected("GetApiResult", r)),
        }
    }

    /// Stores an API answer; returns ms until it expires (`None` = never).
    pub fn set_api_result(&mut self, set: SetApiResult) -> Result<Option<u64>, ClientError> {
        match self.call(Request::SetApiResult(set))? {
            Response::ApiStored { expires_in_ms } => Ok(expires_in_ms),
            r => Err(unexpected("SetApiResult", r)),
        }
    }

    /// Forgets an API answer.
    pub fn delete_api_result(
        &mut self,
        source: &str,
        artist: &str,
        album: &str,
    ) -> Result<bool, ClientError> {
        match self.call(Request::DeleteApiResult {
            source: source.into(),
            artist: artist.into(),
            album: album.into(),
        })? {
            Response::Deleted { existed } => Ok(existed),
            r => Err(unexpected("DeleteApiResult", r)),
        }
    }

    /// A value, or the lease to fetch it; waits up to `wait_ms` for another holder.
    pub fn lookup(
        &mut self,
        key: CacheKey,
        lease_ms: u64,
        wait_ms: u64,
    ) -> Result<LookupOutcome, ClientError> {
        match self.call(Request::Lookup {
            key,
            lease_ms,
            wait_ms,
        })? {
            Response::Lookup(o) => Ok(o),
            r => Err(unexpected("Lookup", r)),
        }
    }

    /// Tells the callers waiting on the lease of `key` (held by this
    /// connection) that fetching failed; true when this connection held it.
    pub fn fail_lease(&mut self, key: CacheKey, error: &str) -> Result<bool, ClientError> {
        match self.call(Request::FailLease {
            key,
            error: error.into(),
        })? {
            Response::LeaseFailed { held } => Ok(held),
            r => Err(unexpected("FailLease", r)),
        }
    }

    /// Drops what `target` names; returns how many entries.
    pub fn invalidate(&mut self, target: InvalidateTarget) -> Result<u64, ClientError> {
        match self.call(Request::Invalidate(target))? {
            Response::Invalidated { dropped } => Ok(dropped),
            r => Err(unexpected("Invalidate", r)),
        }
    }

    /// A client's last run (Unix ms), `None` when there is none.
    pub fn get_last_run(&mut self, client: &str) -> Result<Option<u64>, ClientError> {
        match self.call(Request::GetLastRun {
            client: client.into(),
        })? {
            Response::LastRun(t) => Ok(t),
            r => Err(unexpected("GetLastRun", r)),
        }
    }

    /// Records a client's last run.
    pub fn set_last_run(&mut self, client: &str, at_ms: u64) -> Result<(), ClientError> {
        match self.call(Request::SetLastRun {
            client: client.into(),
            at_ms,
        })? {
            Response::LastRunStored => Ok(()),
            r => Err(unexpected("SetLastRun", r)),
        }
    }
}
