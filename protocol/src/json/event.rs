//! Events, tracks and sync reports as JSON. Events are `{"seq":N,"type":...}`;
//! track dates are milliseconds (`*_date_ms`), absent track fields left out.

use serde::Serialize;

use super::args::TargetJson;
use crate::{Event, EventFrame, FieldChange, MediaFlags, SyncOutcome, SyncReport, Track};

/// One event with its position in the log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventJson {
    /// Position in the event log (for `resync` and `fresh_instance`: the seq
    /// to continue after).
    pub seq: u64,
    /// What happened, tagged by `type`.
    #[serde(flatten)]
    pub body: EventBody,
}

/// What happened, tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)] // the variants are documented on `Event`
pub enum EventBody {
    TrackAdded {
        track_id: String,
        track: Box<TrackJson>,
    },
    TrackRemoved {
        track_id: String,
        track: Box<TrackJson>,
    },
    TrackModified {
        track_id: String,
        track: Box<TrackJson>,
        changes: Vec<FieldChange>,
    },
    LibrarySynced {
        added: u64,
        removed: u64,
        modified: u64,
    },
    LibraryImported {
        tracks: u64,
    },
    Resync,
    EntriesInvalidated {
        content_type: String,
        keys: Vec<String>,
        reason: String,
    },
    /// `changes` only: the asked-for seq is no longer in the log (or is from
    /// another history): re-read everything, then continue after `seq`.
    FreshInstance,
    FingerprintChanged {
        track_id: String,
        track: Box<TrackJson>,
        changes: Vec<FieldChange>,
    },
    ManualInvalidation {
        /// What was named, as `invalidate` takes it (`"target":"album",...`).
        #[serde(flatten)]
        target: TargetJson,
        dropped: u64,
    },
}

/// An event frame as JSON.
pub fn event_json(f: &EventFrame) -> EventJson {
    let track = |t: &Track| Box::new(TrackJson::from(t));
    let body = match &f.event {
        Event::TrackAdded { track: t } => EventBody::TrackAdded {
            track_id: t.id.clone(),
            track: track(t),
        },
        Event::TrackRemoved { track: t } => EventBody::TrackRemoved {
            track_id: t.id.clone(),
            track: track(t),
        },
        Event::TrackModified { track: t, changes } => EventBody::TrackModified {
            track_id: t.id.clone(),
            track: track(t),
            changes: changes.clone(),
        },
        Event::LibrarySynced {
            added,
            removed,
            modified,
            ..
        } => EventBody::LibrarySynced {
            added: *added,
            removed: *removed,
            modified: *modified,
        },
        Event::LibraryImported { tracks } => EventBody::LibraryImported { tracks: *tracks },
        Event::Resync { .. } => EventBody::Resync,
        Event::EntriesInvalidated {
            content_type,
            keys,
            reason,
        } => EventBody::EntriesInvalidated {
            content_type: content_type.clone(),
            keys: keys.clone(),
            reason: reason.clone(),
        },
        Event::FingerprintChanged { track: t, changes } => EventBody::FingerprintChanged {
            track_id: t.id.clone(),
            track: track(t),
            changes: changes.clone(),
        },
        Event::ManualInvalidation { target, dropped } => EventBody::ManualInvalidation {
            target: TargetJson::from(target),
            dropped: *dropped,
        },
    };
    EventJson { seq: f.seq, body }
}

/// A track as JSON: the model's field names, dates in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // the fields are documented on `Track`
pub struct TrackJson {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_artist: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_date_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_added_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_modified_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disc_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disc_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub media: MediaFlags,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_date_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

/// Unix seconds to Unix milliseconds (saturating: the export's sentinels are
/// far from the edges).
fn ms(secs: Option<i64>) -> Option<i64> {
    secs.map(|s| s.saturating_mul(1000))
}

impl From<&Track> for TrackJson {
    fn from(t: &Track) -> Self {
        Self {
            id: t.id.clone(),
            track_id: t.track_id,
            name: t.name.clone(),
            artist: t.artist.clone(),
            album_artist: t.album_artist.clone(),
            album: t.album.clone(),
            genre: t.genre.clone(),
            composer: t.composer.clone(),
            year: t.year,
            release_date_ms: ms(t.release_date),
            date_added_ms: ms(t.date_added),
            date_modified_ms: ms(t.date_modified),
            track_number: t.track_number,
            track_count: t.track_count,
            disc_number: t.disc_number,
            disc_count: t.disc_count,
            duration_ms: t.duration_ms,
            size: t.size,
            location: t.location.clone(),
            track_type: t.track_type.clone(),
            kind: t.kind.clone(),
            media: t.media,
            play_count: t.play_count,
            play_date_ms: ms(t.play_date),
            skip_count: t.skip_count,
            rating: t.rating,
        }
    }
}

/// What a `rescan` with `wait` did, tagged by `outcome`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[allow(missing_docs)] // the variants are documented on `SyncOutcome`
pub enum SyncJson {
    Unchanged {
        tracks: u64,
        duration_ms: u64,
    },
    Synced {
        tracks: u64,
        duration_ms: u64,
        added: u64,
        removed: u64,
        modified: u64,
        seq: u64,
    },
    Imported {
        tracks: u64,
        duration_ms: u64,
        imported: u64,
        seq: u64,
    },
    Failed {
        tracks: u64,
        duration_ms: u64,
        message: String,
    },
}

/// A sync report as JSON.
pub fn sync_json(r: &SyncReport) -> SyncJson {
    let (tracks, duration_ms) = (r.tracks, r.duration_ms);
    match &r.outcome {
        SyncOutcome::Unchanged => SyncJson::Unchanged {
            tracks,
            duration_ms,
        },
        SyncOutcome::Synced {
            added,
            removed,
            modified,
            seq,
        } => SyncJson::Synced {
            tracks,
            duration_ms,
            added: *added,
            removed: *removed,
            modified: *modified,
            seq: *seq,
        },
        SyncOutcome::Imported { tracks: n, seq } => SyncJson::Imported {
            tracks,
            duration_ms,
            imported: *n,
            seq: *seq,
        },
        SyncOutcome::Failed { message } => SyncJson::Failed {
            tracks,
            duration_ms,
            message: message.clone(),
        },
    }
}
