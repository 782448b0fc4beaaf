//! LibraryService requests: `TrackCount`, `GetTrack`, `ListTracks`, `ListAlbums`,
//! `Changes`, `Rescan`. (`Subscribe` changes the connection itself and is
//! handled in `connection`.)

use std::sync::Arc;

use trackcache_protocol::{ErrorCode, Response, SyncOutcome, SyncReport, TrackQuery};

use crate::error::Refusal;
use crate::ingest::LibraryService;
use crate::state::Daemon;

/// The library, or the error telling the user how to configure one.
pub fn library(d: &Daemon) -> Result<Arc<LibraryService>, Refusal> {
    d.library.get().ok_or_else(|| {
        Refusal::new(
            ErrorCode::UNAVAILABLE,
            "no library is configured: start trackcached with --library PATH (or [library] path in the config file)",
        )
    })
}

/// `TrackCount`.
pub fn count(d: &Daemon) -> Result<Response, Refusal> {
    let lib = library(d)?;
    Ok(Response::TrackCount {
        tracks: lib.track_count(),
        seq: lib.hub().current_seq(),
    })
}

/// `GetTrack`.
pub fn get(d: &Daemon, id: &str) -> Result<Response, Refusal> {
    let t = library(d)?.get_track(id)?;
    Ok(Response::Track(t.map(Box::new)))
}

/// `ListTracks`.
pub fn list(d: &Daemon, q: &TrackQuery) -> Result<Response, Refusal> {
    Ok(Response::Tracks(library(d)?.list_tracks(q)?))
}

/// `ListAlbums`.
pub fn albums(d: &Daemon, artist: Option<&str>) -> Result<Response, Refusal> {
    Ok(Response::Albums(library(d)?.albums(artist)))
}

/// `Changes`.
/// A page holds at most a quarter of the frame maximum (JSON may be larger
/// than bincode), and always at least one event: every event fits
/// (`event_bound`), so a client can always step past any one.
pub fn changes(d: &Daemon, since: u64, limit: u32) -> Result<Response, Refusal> {
    let budget = u64::from(d.config.max_frame_len) / 4;
    Ok(Response::Changes(
        library(d)?.changes(since, limit, budget)?,
    ))
}

/// `Rescan`.
pub async fn rescan(d: &Daemon, wait: bool) -> Result<Response, Refusal> {
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
