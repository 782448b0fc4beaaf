//! Which keys a track dict gets, in Music.app's order: the mapped fields,
//! and the ignored keys (Sort Name, Play Date, ...) that give the
//! file the mix and size of a real export.

use trackcache_protocol::Track;

use super::Val;

/// Mac HFS+ epoch (1904) to Unix epoch, for the integer `Play Date` key.
const HFS_OFFSET: i64 = 2_082_844_800;

/// The keys of a track in Music.app's order, including ignored ones.
pub(super) fn track_fields(t: &Track) -> Vec<(&'static str, Val<'_>)> {
    let mut f: Vec<(&'static str, Val<'_>)> = Vec::with_capacity(40);
    let num = |v: Option<u64>| v.map(|v| Val::Int(v as i64));
    let strs = [
        ("Name", &t.name),
        ("Artist", &t.artist),
        ("Album Artist", &t.album_artist),
        ("Composer", &t.composer),
        ("Album", &t.album),
        ("Genre", &t.genre),
        ("Kind", &t.kind),
    ];
    if let Some(id) = t.track_id {
        f.push(("Track ID", Val::Int(id as i64)));
    }
    f.extend(
        strs.iter()
            .filter_map(|(k, v)| v.as_deref().map(|s| (*k, Val::Str(s)))),
    );
    let nums = [
        ("Size", t.size),
        ("Total Time", t.duration_ms),
        ("Disc Number", t.disc_number.map(u64::from)),
        ("Disc Count", t.disc_count.map(u64::from)),
        ("Track Number", t.track_number.map(u64::from)),
        ("Track Count", t.track_count.map(u64::from)),
    ];
    f.extend(nums.iter().filter_map(|(k, v)| num(*v).map(|v| (*k, v))));
    if let Some(year) = t.year {
        f.push(("Year", Val::Int(i64::from(year))));
    }
    let seed = t.track_id.unwrap_or(7) as i64;
    push_dates_and_plays(&mut f, t, seed);
    push_sort_keys(&mut f, t);
    // Without a Persistent ID the parser names a track `track-<Track ID>`.
    if t.track_id.map(|n| format!("track-{n}")).as_deref() != Some(t.id.as_str()) {
        f.push(("Persistent ID", Val::Str(&t.id)));
    }
    if let Some(tt) = t.track_type.as_deref() {
        f.push(("Track Type", Val::Str(tt)));
    }
    push_flags(&mut f, t);
    if let Some(loc) = t.location.as_deref() {
        f.push(("Location", Val::Str(loc)));
    }
    f
}

/// Dates, plays and rating; `seed` (the Track ID) picks, deterministically,
/// the tracks that also get the legacy integer `Play Date`.
fn push_dates_and_plays<'t>(f: &mut Vec<(&'static str, Val<'t>)>, t: &'t Track, seed: i64) {
    if let Some(d) = t.date_modified {
        f.push(("Date Modified", Val::Date(d)));
    }
    if let Some(d) = t.date_added {
        f.push(("Date Added", Val::Date(d)));
    }
    if let Some(n) = t.play_count {
        f.push(("Play Count", Val::Int(i64::from(n))));
    }
    if let Some(d) = t.play_date {
        if seed % 8 == 0 {
            f.push(("Play Date", Val::Int(d + HFS_OFFSET)));
        }
        f.push(("Play Date UTC", Val::Date(d)));
    }
    if let Some(n) = t.skip_count {
        f.push(("Skip Count", Val::Int(i64::from(n))));
    }
    if let Some(d) = t.release_date {
        f.push(("Release Date", Val::Date(d)));
    }
    if let Some(r) = t.rating {
        f.push(("Rating", Val::Int(i64::from(r))));
    }
}

/// Sort keys Music adds for names with a leading article.
fn push_sort_keys<'t>(f: &mut Vec<(&'static str, Val<'t>)>, t: &'t Track) {
    let keys = [
        ("Sort Album", &t.album),
        ("Sort Artist", &t.artist),
        ("Sort Name", &t.name),
    ];
    for (key, value) in keys {
        if let Some(rest) = value.as_deref().and_then(|v| v.strip_prefix("The ")) {
            f.push((key, Val::Str(rest)));
        }
    }
}

/// Music writes a flag only when it is set.
fn push_flags(f: &mut Vec<(&'static str, Val<'_>)>, t: &Track) {
    let m = &t.media;
    let flags = [
        ("Compilation", m.compilation),
        ("Purchased", m.purchased),
        ("Protected", m.protected),
        ("Apple Music", m.apple_music),
        ("Disabled", m.disabled),
        ("Podcast", m.podcast),
        ("Has Video", m.has_video),
        ("Movie", m.movie),
        ("TV Show", m.tv_show),
        ("Music Video", m.music_video),
        ("Audiobook", m.audiobook),
        ("iTunesU", m.itunes_u),
    ];
    f.extend(
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(k, _)| (*k, Val::True)),
    );
}
