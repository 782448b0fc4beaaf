//! Events the daemon pushes to subscribers and keeps in its event log.
//! Names are past tense. Variant order is wire format: append only.

use serde::{Deserialize, Serialize};

use crate::{InvalidateTarget, Track};

/// Something that happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A track appeared in the library.
    TrackAdded {
        /// The new track.
        track: Box<Track>,
    },
    /// A track disappeared from the library.
    TrackRemoved {
        /// The track as it was.
        track: Box<Track>,
    },
    /// Fields that matter for caches changed on a track.
    TrackModified {
        /// The track as it is now.
        track: Box<Track>,
        /// Old and new values of every field that changed.
        changes: Vec<FieldChange>,
    },
    /// A re-read of the library finished; the counts of the events before it.
    LibrarySynced {
        /// Tracks added.
        added: u64,
        /// Tracks removed.
        removed: u64,
        /// Tracks modified.
        modified: u64,
        /// Sequence number of this event.
        seq: u64,
    },
    /// First import into an empty data dir ("fresh instance"): everything is new.
    LibraryImported {
        /// Tracks imported.
        tracks: u64,
    },
    /// The subscriber fell behind or asked for events older than retention:
    /// forget what you derived and re-read; the stream continues after `seq`.
    Resync {
        /// Current sequence number.
        seq: u64,
    },
    /// Cache entries were dropped.
    EntriesInvalidated {
        /// Content type of the entries (`album_year`, `successful_api_metadata`, ...).
        content_type: String,
        /// The dropped keys, in their display form.
        keys: Vec<String>,
        /// Why (`track_removed`, `track_modified`, `fingerprint_changed`, `manual`, ...).
        reason: String,
    },
    /// A track's file changed (its size, duration, location or dates) while
    /// none of the fields `TrackModified` reports did: the file was
    /// replaced, re-encoded or re-imported.
    FingerprintChanged {
        /// The track as it is now.
        track: Box<Track>,
        /// Old and new values of every file-fingerprint field that changed.
        changes: Vec<FieldChange>,
    },
    /// Someone asked for entries to be dropped (`Invalidate`: a person, or a
    /// client reporting a track it changed itself).
    ManualInvalidation {
        /// What was named.
        target: InvalidateTarget,
        /// Entries dropped.
        dropped: u64,
    },
}

/// One changed field of a modified track.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Field name as in `Track` (`artist`, `year`, ...).
    pub field: String,
    /// Value before, rendered as text; `None` when absent.
    pub old: Option<String>,
    /// Value after, rendered as text; `None` when absent.
    pub new: Option<String>,
}

impl Event {
    /// snake_case name of the event (`track_added`, ...), for logs and JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Self::TrackAdded { .. } => "track_added",
            Self::TrackRemoved { .. } => "track_removed",
            Self::TrackModified { .. } => "track_modified",
            Self::LibrarySynced { .. } => "library_synced",
            Self::LibraryImported { .. } => "library_imported",
            Self::Resync { .. } => "resync",
            Self::EntriesInvalidated { .. } => "entries_invalidated",
            Self::FingerprintChanged { .. } => "fingerprint_changed",
            Self::ManualInvalidation { .. } => "manual_invalidation",
        }
    }

    /// The track id the event is about, if any.
    pub fn track_id(&self) -> Option<&str> {
        match self {
            Self::TrackAdded { track }
            | Self::TrackRemoved { track }
            | Self::TrackModified { track, .. }
            | Self::FingerprintChanged { track, .. } => Some(&track.id),
            _ => None,
        }
    }
}
