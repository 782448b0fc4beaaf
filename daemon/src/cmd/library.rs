//! LibraryService requests: `TrackCount`, `GetTrack`, `ListTracks`, `ListAlbums`,
//! `Changes`, `Rescan`. (`Subscribe` changes the connection itself and is
//! handled in `connection`.)

use std::sync::Arc;

use trackcache_protocol::{ErrorCode, ErrorReply, Response, SyncOutcome, SyncReport, TrackQuery};

use crate::ingest::LibraryService;
use crate::state::Daemon;
use crate::store::StoreError;

/// The library, or the error telling the user how to configure one.
pub fn library(d: &Daemon) -> Result<&Arc<LibraryService>, ErrorReply> {
    d.library.as_ref().ok_or_else(|| {
        ErrorReply::new(
            ErrorCode::UNAVAILABLE,
            "no library is configured: start trackcached with --library PATH (or [library] path in the config file)",
        )
    })
}

fn store_error(e: StoreError) -> ErrorReply {
    ErrorReply::new(ErrorCode::UNAVAILABLE, e.to_string())
}

/// `TrackCount`.
pub fn count(d: &Daemon) -> Result<Response, ErrorReply> {
    let lib = library(d)?;
    Ok(Response::TrackCount {
        tracks: lib.track_count(),
        seq: lib.hub().current_seq(),
    })
}

/// `GetTrack`.
pub fn get(d: &Daemon, id: &str) -> Result<Response, ErrorReply> {
    let t = library(d)?.get_track(id).map_err(store_error)?;
    Ok(Response::Track(t.map(Box::new)))
}

/// `ListTracks`.
pub fn list(d: &Daemon, q: &TrackQuery) -> Result<Response, ErrorReply> {
    library(d)?
        .list_tracks(q)
        .map(Response::Tracks)
        .map_err(store_error)
}

/// `ListAlbums`.
pub fn albums(d: &Daemon, artist: Option<&str>) -> Result<Response, ErrorReply> {
    Ok(Response::Albums(library(d)?.albums(artist)))
}

/// `Changes`.
pub fn changes(d: &Daemon, since: u64, limit: u32) -> Result<Response, ErrorReply> {
    library(d)?
        .changes(since, limit)
        .map(Response::Changes)
        .map_err(store_error)
}

/// `Rescan`.
pub async fn rescan(d: &Daemon, wait: bool) -> Result<Response, ErrorReply> {
    let lib = library(d)?;
    match lib.rescan(wait) {
        None => Ok(Response::RescanQueued),
        Some(rx) => match rx.await {
            Ok(report) => Ok(Response::Rescanned(report)),
            Err(_) => Ok(Response::Rescanned(SyncReport {
                outcome: SyncOutcome::Failed {
                    message: "the daemon is shutting down".into(),
                },
                tracks: lib.track_count(),
                duration_ms: 0,
            })),
        },
    }
}
