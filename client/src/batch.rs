//! Typed methods for the batch requests: many gets or sets of one cache in
//! one round trip. Each returns one outcome per item, in request order; an
//! item's error (a blank artist, a bad namespace) is that item's outcome.

use trackcache_protocol::{
    AlbumYearEntry, AlbumYearQuery, ApiEntry, ApiQuery, ErrorReply, KvKey, KvLookup, KvSet,
    KvStored, Request, Response, SetAlbumYear, SetApiResult,
};

use crate::{Client, ClientError};

/// One outcome per item of a batch.
pub type BatchResult<T> = Result<Vec<Result<T, ErrorReply>>, ClientError>;

impl Client {
    /// Many album years; `None` for a miss.
    pub fn get_album_years(
        &mut self,
        items: Vec<AlbumYearQuery>,
    ) -> BatchResult<Option<AlbumYearEntry>> {
        self.batch(
            "GetAlbumYears",
            Request::GetAlbumYears(items),
            |r| match r {
                Response::AlbumYear(e) => Ok(e),
                other => Err(Box::new(other)),
            },
        )
    }

    /// Stores many album years; per item whether it became current, and the current entry.
    pub fn set_album_years(
        &mut self,
        items: Vec<SetAlbumYear>,
    ) -> BatchResult<(bool, AlbumYearEntry)> {
        self.batch(
            "SetAlbumYears",
            Request::SetAlbumYears(items),
            |r| match r {
                Response::AlbumYearStored { stored, current } => Ok((stored, current)),
                other => Err(Box::new(other)),
            },
        )
    }

    /// Many cached API answers; `None` for a miss.
    pub fn get_api_results(&mut self, items: Vec<ApiQuery>) -> BatchResult<Option<ApiEntry>> {
        self.batch(
            "GetApiResults",
            Request::GetApiResults(items),
            |r| match r {
                Response::ApiResult(e) => Ok(e),
                other => Err(Box::new(other)),
            },
        )
    }

    /// Stores many API answers; per item the milliseconds until it expires.
    pub fn set_api_results(&mut self, items: Vec<SetApiResult>) -> BatchResult<Option<u64>> {
        self.batch(
            "SetApiResults",
            Request::SetApiResults(items),
            |r| match r {
                Response::ApiStored { expires_in_ms } => Ok(expires_in_ms),
                other => Err(Box::new(other)),
            },
        )
    }

    /// Many generic-cache lookups.
    pub fn kv_get_many(&mut self, items: Vec<KvKey>) -> BatchResult<KvLookup> {
        self.batch("KvGetMany", Request::KvGetMany(items), |r| match r {
            Response::KvValue(l) => Ok(l),
            other => Err(Box::new(other)),
        })
    }

    /// Stores many generic-cache values.
    pub fn kv_set_many(&mut self, items: Vec<KvSet>) -> BatchResult<KvStored> {
        self.batch("KvSetMany", Request::KvSetMany(items), |r| match r {
            Response::KvStored(s) => Ok(s),
            other => Err(Box::new(other)),
        })
    }

    fn batch<T>(
        &mut self,
        what: &str,
        request: Request,
        item: impl Fn(Response) -> Result<T, Box<Response>>,
    ) -> BatchResult<T> {
        let items = match self.call(request)? {
            Response::Batch(items) => items,
            r => {
                return Err(ClientError::Unexpected(format!(
                    "{r:?} in answer to {what}"
                )))
            }
        };
        items
            .into_iter()
            .map(|r| match r {
                Ok(r) => item(r)
                    .map(Ok)
                    .map_err(|r| ClientError::Unexpected(format!("{r:?} as an item of {what}"))),
                Err(e) => Ok(Err(e)),
            })
            .collect()
    }
}
