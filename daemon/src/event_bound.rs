//! Every logged event fits in `MAX_EVENT_BYTES` once encoded, whatever the
//! library holds, so that any one event can always be sent: pushed to a
//! subscriber, or as a `Changes` page of one (the report: an 8 MiB event
//! made `changes --limit 1` fail with `too_large`, and nothing let a client
//! skip past it). Pure: the commit sequence and the invalidator apply it to
//! events before they are numbered.
//!
//! A track event over the bound keeps every field, with each long text
//! value cut to `CLIPPED_BYTES` and marked; an invalidation notice names at
//! most `NOTICE_KEYS` keys (more drops make more notices).

use trackcache_protocol::{codec, Event, FieldChange, InvalidateTarget, Track};

/// The largest encoded event (the default frame maximum is 16 times this).
pub const MAX_EVENT_BYTES: u64 = 1024 * 1024;
/// Text values are cut to this many bytes in an event over the bound.
pub const CLIPPED_BYTES: usize = 4096;
/// Keys named by one `EntriesInvalidated` notice.
pub const NOTICE_KEYS: usize = 1000;

/// `event`, or a copy with long text values cut, so it fits the bound.
pub fn bounded(event: Event) -> Event {
    if codec::encoded_len(&event) <= MAX_EVENT_BYTES {
        return event;
    }
    match event {
        Event::TrackAdded { mut track } => {
            clip_track(&mut track);
            Event::TrackAdded { track }
        }
        Event::TrackRemoved { mut track } => {
            clip_track(&mut track);
            Event::TrackRemoved { track }
        }
        Event::TrackModified {
            mut track,
            mut changes,
        } => {
            clip_track(&mut track);
            changes.iter_mut().for_each(clip_change);
            Event::TrackModified { track, changes }
        }
        Event::ManualInvalidation {
            mut target,
            dropped,
        } => {
            clip_target(&mut target);
            Event::ManualInvalidation { target, dropped }
        }
        other => other,
    }
}

fn clip_target(t: &mut InvalidateTarget) {
    let names: Vec<&mut String> = match t {
        InvalidateTarget::Track { id } => vec![id],
        InvalidateTarget::Album { artist, album } => vec![artist, album],
        InvalidateTarget::Artist { name } | InvalidateTarget::ContentType { name } => vec![name],
        InvalidateTarget::All => Vec::new(),
    };
    for v in names {
        *v = clip(v).into_owned();
    }
}

/// `EntriesInvalidated` notices of at most `NOTICE_KEYS` keys each.
pub fn notices(content_type: &str, reason: &str, keys: Vec<String>) -> Vec<Event> {
    keys.chunks(NOTICE_KEYS)
        .map(|chunk| Event::EntriesInvalidated {
            content_type: content_type.to_owned(),
            keys: chunk.iter().map(|k| clip(k).into_owned()).collect(),
            reason: reason.to_owned(),
        })
        .collect()
}

fn clip_track(t: &mut Track) {
    for v in [
        &mut t.name,
        &mut t.artist,
        &mut t.album_artist,
        &mut t.album,
        &mut t.genre,
        &mut t.composer,
        &mut t.location,
        &mut t.track_type,
        &mut t.kind,
    ]
    .into_iter()
    .flatten()
    {
        *v = clip(v).into_owned();
    }
}

fn clip_change(c: &mut FieldChange) {
    for v in [&mut c.old, &mut c.new].into_iter().flatten() {
        *v = clip(v).into_owned();
    }
}

/// `s` cut at a char boundary to `CLIPPED_BYTES`, saying how much was cut.
fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= CLIPPED_BYTES {
        return s.into();
    }
    let mut end = CLIPPED_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes cut)", &s[..end], s.len() - end).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn huge_track() -> Box<Track> {
        Box::new(Track {
            name: Some("é".repeat(40_000)),
            artist: Some("a".repeat(65_536)),
            album: Some("b".repeat(65_536)),
            genre: Some("g".repeat(65_536)),
            composer: Some("c".repeat(65_536)),
            location: Some("l".repeat(65_536)),
            kind: Some("k".repeat(65_536)),
            album_artist: Some("x".repeat(65_536)),
            track_type: Some("t".repeat(65_536)),
            ..Track::with_id("T1")
        })
    }

    #[test]
    fn an_event_over_the_bound_is_cut_to_fit_and_keeps_its_fields() {
        let changes = (0..8)
            .map(|i| FieldChange {
                field: format!("f{i}"),
                old: Some("o".repeat(65_536)),
                new: Some("n".repeat(65_536)),
            })
            .collect();
        let ev = Event::TrackModified {
            track: huge_track(),
            changes,
        };
        assert!(codec::encoded_len(&ev) > MAX_EVENT_BYTES);
        let cut = bounded(ev);
        assert!(codec::encoded_len(&cut) <= MAX_EVENT_BYTES);
        let Event::TrackModified { track, changes } = cut else {
            panic!("same kind")
        };
        assert_eq!(track.id, "T1");
        assert!(track.name.unwrap().ends_with("bytes cut)"));
        assert_eq!(changes.len(), 8);
        assert!(changes[0].old.as_deref().unwrap().starts_with("ooo"));
    }

    #[test]
    fn a_manual_invalidation_naming_a_huge_artist_is_cut() {
        let ev = Event::ManualInvalidation {
            target: InvalidateTarget::Artist {
                name: "z".repeat(4 << 20),
            },
            dropped: 0,
        };
        assert!(codec::encoded_len(&bounded(ev)) <= MAX_EVENT_BYTES);
    }

    #[test]
    fn small_events_are_untouched_and_notices_are_chunked() {
        let ev = Event::TrackAdded {
            track: Box::new(Track::with_id("x")),
        };
        assert_eq!(bounded(ev.clone()), ev);
        let keys: Vec<String> = (0..2500).map(|i| format!("k{i}")).collect();
        let n = notices("album_year", "manual", keys);
        assert_eq!(n.len(), 3);
        assert!(n.iter().all(|e| codec::encoded_len(e) <= MAX_EVENT_BYTES));
    }
}
