//! Rendering events and tracks as text lines. (Their JSON form is the
//! protocol's: `protocol::json::event_json`.)

use trackcache_protocol::{Event, EventFrame, FieldChange, InvalidateTarget, Track};

fn describe(t: &Track) -> String {
    let name = t.name.as_deref().unwrap_or("(untitled)");
    let mut s = format!("{} \"{name}\"", t.id);
    if let Some(a) = &t.artist {
        s.push_str(&format!(" by {a}"));
    }
    if let Some(a) = &t.album {
        s.push_str(&format!(" on {a}"));
    }
    s
}

fn show(v: &Option<String>) -> String {
    v.as_deref().map_or("(none)".into(), |s| format!("{s:?}"))
}

fn changed(track: &Track, changes: &[FieldChange]) -> String {
    let what: Vec<String> = changes
        .iter()
        .map(|c| format!("{}: {} -> {}", c.field, show(&c.old), show(&c.new)))
        .collect();
    format!("{} ({})", describe(track), what.join(", "))
}

/// What an `invalidate` named, as the command line says it.
pub fn target_text(t: &InvalidateTarget) -> String {
    match t {
        InvalidateTarget::Track { id } => format!("track {id}"),
        InvalidateTarget::Album { artist, album } => format!("album {artist:?} {album:?}"),
        InvalidateTarget::Artist { name } => format!("artist {name:?}"),
        InvalidateTarget::ContentType { name } => format!("type {name}"),
        InvalidateTarget::All => "all".into(),
    }
}

/// One event as a line of text.
pub fn event_line(f: &EventFrame) -> String {
    let body = match &f.event {
        Event::TrackAdded { track } | Event::TrackRemoved { track } => describe(track),
        Event::TrackModified { track, changes } | Event::FingerprintChanged { track, changes } => {
            changed(track, changes)
        }
        Event::LibrarySynced {
            added,
            removed,
            modified,
            ..
        } => {
            format!("{added} added, {removed} removed, {modified} modified")
        }
        Event::LibraryImported { tracks } => format!("{tracks} tracks imported (fresh instance)"),
        Event::Resync { seq } => format!(
            "fell behind or resumed too late: re-read everything; continuing after seq {seq}"
        ),
        Event::EntriesInvalidated {
            content_type,
            keys,
            reason,
        } => {
            format!(
                "{} {content_type} entries dropped ({reason}): {}",
                keys.len(),
                keys.join("; ")
            )
        }
        Event::ManualInvalidation { target, dropped } => {
            format!("{}: {dropped} entries dropped", target_text(target))
        }
    };
    format!("#{} {} {body}", f.seq, f.event.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackcache_protocol::FieldChange;

    #[test]
    fn events_render_as_lines() {
        let f = EventFrame {
            seq: 7,
            event: Event::TrackModified {
                track: Box::new(Track {
                    name: Some("Song".into()),
                    ..Track::with_id("ABC")
                }),
                changes: vec![FieldChange {
                    field: "album".into(),
                    old: Some("A".into()),
                    new: Some("B".into()),
                }],
            },
        };
        assert_eq!(
            event_line(&f),
            "#7 track_modified ABC \"Song\" (album: \"A\" -> \"B\")"
        );
        let f = EventFrame {
            seq: 8,
            event: Event::ManualInvalidation {
                target: InvalidateTarget::Album {
                    artist: "Pink Floyd".into(),
                    album: "The Wall".into(),
                },
                dropped: 2,
            },
        };
        assert_eq!(
            event_line(&f),
            "#8 manual_invalidation album \"Pink Floyd\" \"The Wall\": 2 entries dropped"
        );
    }
}
