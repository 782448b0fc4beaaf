//! Rendering events and tracks, as text lines and as JSON objects. JSON
//! events always have `seq` and `event` (snake_case name), plus `track_id`
//! when the event is about a track.

use serde_json::{json, Value};
use trackcache_protocol::{Event, EventFrame, Track};

/// One event as a JSON object.
pub fn event_json(f: &EventFrame) -> Value {
    let mut v = json!({"seq": f.seq, "event": f.event.name()});
    if let Some(id) = f.event.track_id() {
        v["track_id"] = id.into();
    }
    match &f.event {
        Event::TrackAdded { track } | Event::TrackRemoved { track } => {
            v["track"] = track_json(track)
        }
        Event::TrackModified { track, changes } => {
            v["track"] = track_json(track);
            v["changes"] = changes
                .iter()
                .map(|c| json!({"field": c.field, "old": c.old, "new": c.new}))
                .collect();
        }
        Event::LibrarySynced {
            added,
            removed,
            modified,
            ..
        } => {
            v["added"] = (*added).into();
            v["removed"] = (*removed).into();
            v["modified"] = (*modified).into();
        }
        Event::LibraryImported { tracks } => v["tracks"] = (*tracks).into(),
        Event::Resync { seq } => v["resync_seq"] = (*seq).into(),
        Event::EntriesInvalidated {
            content_type,
            keys,
            reason,
        } => {
            v["content_type"] = content_type.as_str().into();
            v["keys"] = keys.clone().into();
            v["reason"] = reason.as_str().into();
        }
    }
    v
}

/// A track as a JSON object (the model's field names).
pub fn track_json(t: &Track) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

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

/// One event as a line of text.
pub fn event_line(f: &EventFrame) -> String {
    let body = match &f.event {
        Event::TrackAdded { track } | Event::TrackRemoved { track } => describe(track),
        Event::TrackModified { track, changes } => {
            let what: Vec<String> = changes
                .iter()
                .map(|c| format!("{}: {} -> {}", c.field, show(&c.old), show(&c.new)))
                .collect();
            format!("{} ({})", describe(track), what.join(", "))
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
    };
    format!("#{} {} {body}", f.seq, f.event.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackcache_protocol::FieldChange;

    #[test]
    fn json_events_carry_seq_name_and_track_id() {
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
        let v = event_json(&f);
        assert_eq!(
            (
                v["seq"].as_u64(),
                v["event"].as_str(),
                v["track_id"].as_str()
            ),
            (Some(7), Some("track_modified"), Some("ABC"))
        );
        assert_eq!(v["changes"][0]["new"], "B");
        assert_eq!(
            event_line(&f),
            "#7 track_modified ABC \"Song\" (album: \"A\" -> \"B\")"
        );
        let s = EventFrame {
            seq: 8,
            event: Event::LibrarySynced {
                added: 1,
                removed: 2,
                modified: 3,
                seq: 8,
            },
        };
        assert_eq!(event_json(&s)["removed"], 2);
        assert!(event_json(&s).get("track_id").is_none());
    }
}
