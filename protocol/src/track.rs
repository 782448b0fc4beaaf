//! The track model shared by the daemon, the client and other programs.
//!
//! Field names are also the JSON Lines field names of the `jsonl` library
//! format. Dates are Unix seconds (UTC); the Apple Music export's 1904 and
//! 2040 sentinels are kept as they are.

use serde::{Deserialize, Serialize};

/// One track of the music library.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Track {
    /// Identity that stays stable across exports: the Persistent ID where the
    /// library has one (16 upper-case hex digits), else `track-<Track ID>`.
    pub id: String,
    /// The export's numeric Track ID (not stable across exports).
    pub track_id: Option<u64>,
    /// Title.
    pub name: Option<String>,
    /// Track artist.
    pub artist: Option<String>,
    /// Album artist.
    pub album_artist: Option<String>,
    /// Album title.
    pub album: Option<String>,
    /// Genre.
    pub genre: Option<String>,
    /// Composer.
    pub composer: Option<String>,
    /// Release year as tagged.
    pub year: Option<i32>,
    /// Release date, Unix seconds.
    pub release_date: Option<i64>,
    /// When the track was added to the library, Unix seconds.
    pub date_added: Option<i64>,
    /// When the track's tags were last modified, Unix seconds.
    pub date_modified: Option<i64>,
    /// Track number on its disc.
    pub track_number: Option<u32>,
    /// Tracks on the disc.
    pub track_count: Option<u32>,
    /// Disc number.
    pub disc_number: Option<u32>,
    /// Discs in the set.
    pub disc_count: Option<u32>,
    /// Duration in milliseconds.
    pub duration_ms: Option<u64>,
    /// File size in bytes.
    pub size: Option<u64>,
    /// File URL (`file:///...`) or stream URL.
    pub location: Option<String>,
    /// `File`, `URL` or `Remote` (the export's Track Type).
    pub track_type: Option<String>,
    /// The export's Kind text; localized, informational only.
    pub kind: Option<String>,
    /// Media flags (from the export's boolean keys, not from `kind`).
    pub media: MediaFlags,
    /// Times played.
    pub play_count: Option<u32>,
    /// Last played, Unix seconds.
    pub play_date: Option<i64>,
    /// Times skipped.
    pub skip_count: Option<u32>,
    /// Rating 0-100.
    pub rating: Option<u8>,
}

/// Boolean media flags of a track.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct MediaFlags {
    /// A podcast episode.
    pub podcast: bool,
    /// Has a video stream.
    pub has_video: bool,
    /// A movie.
    pub movie: bool,
    /// A TV show episode.
    pub tv_show: bool,
    /// A music video.
    pub music_video: bool,
    /// An audiobook.
    pub audiobook: bool,
    /// iTunes U material.
    pub itunes_u: bool,
    /// DRM-protected.
    pub protected: bool,
    /// Bought in the store.
    pub purchased: bool,
    /// From the Apple Music subscription.
    pub apple_music: bool,
    /// Unchecked in the library (skipped when playing).
    pub disabled: bool,
    /// Part of a compilation.
    pub compilation: bool,
}

impl Track {
    /// A track with only an id, for building tracks field by field.
    pub fn with_id(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// The artist that owns the album: the album artist, else the track artist.
    pub fn album_owner(&self) -> Option<&str> {
        self.album_artist
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or(self.artist.as_deref())
    }
}
