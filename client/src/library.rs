//! Typed methods for the library requests and subscriptions.

use trackcache_protocol::{
    AlbumSummary, ChangesPage, Request, Response, SyncReport, Track, TrackPage, TrackQuery,
};

use crate::{Client, ClientError};

fn unexpected(what: &str, r: Response) -> ClientError {
    ClientError::Unexpected(format!("{r:?} in answer to {what}"))
}

/// Where a subscription started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscribed {
    /// Current seq when it started.
    pub current_seq: u64,
    /// Oldest seq still in the log.
    pub oldest_seq: u64,
}

impl Client {
    /// Tracks in the snapshot, and the current seq.
    pub fn track_count(&mut self) -> Result<(u64, u64), ClientError> {
        match self.call(Request::TrackCount)? {
            Response::TrackCount { tracks, seq } => Ok((tracks, seq)),
            r => Err(unexpected("TrackCount", r)),
        }
    }

    /// One track; `None` when no track has that id.
    pub fn get_track(&mut self, id: &str) -> Result<Option<Track>, ClientError> {
        match self.call(Request::GetTrack { id: id.into() })? {
            Response::Track(t) => Ok(t.map(|b| *b)),
            r => Err(unexpected("GetTrack", r)),
        }
    }

    /// A page of tracks.
    pub fn list_tracks(&mut self, q: TrackQuery) -> Result<TrackPage, ClientError> {
        match self.call(Request::ListTracks(q))? {
            Response::Tracks(p) => Ok(p),
            r => Err(unexpected("ListTracks", r)),
        }
    }

    /// Albums with track counts.
    pub fn list_albums(&mut self, artist: Option<&str>) -> Result<Vec<AlbumSummary>, ClientError> {
        match self.call(Request::ListAlbums {
            artist: artist.map(Into::into),
        })? {
            Response::Albums(a) => Ok(a),
            r => Err(unexpected("ListAlbums", r)),
        }
    }

    /// Logged events after `since_seq` (one page).
    pub fn changes(&mut self, since_seq: u64, limit: u32) -> Result<ChangesPage, ClientError> {
        match self.call(Request::Changes { since_seq, limit })? {
            Response::Changes(p) => Ok(p),
            r => Err(unexpected("Changes", r)),
        }
    }

    /// Re-reads the library; with `wait`, returns the outcome once done.
    pub fn rescan(&mut self, wait: bool) -> Result<Option<SyncReport>, ClientError> {
        match self.call(Request::Rescan { wait })? {
            Response::Rescanned(r) => Ok(Some(r)),
            Response::RescanQueued => Ok(None),
            r => Err(unexpected("Rescan", r)),
        }
    }

    /// Starts receiving events on this connection (read them with
    /// `next_event`); with `since_seq`, the logged events after it come first.
    pub fn subscribe(&mut self, since_seq: Option<u64>) -> Result<Subscribed, ClientError> {
        match self.call(Request::Subscribe { since_seq })? {
            Response::Subscribed {
                current_seq,
                oldest_seq,
            } => Ok(Subscribed {
                current_seq,
                oldest_seq,
            }),
            r => Err(unexpected("Subscribe", r)),
        }
    }
}
