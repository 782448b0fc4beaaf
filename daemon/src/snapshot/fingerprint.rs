//! Which changes to a track matter.
//!
//! The *fingerprint* covers the fields caches depend on (identity, name,
//! artist, album artist, album, genre, year, location): a different
//! fingerprint makes a track "modified" and emits an event. The *file
//! fingerprint* is GenreUpdater's: persistent id, location, file size,
//! duration, date modified and date added; when it alone changes, the
//! file was replaced or re-encoded, and a `FingerprintChanged` event says
//! so. Play counts, ratings, play dates and the like are in neither;
//! GenreUpdater once flagged all 36,906 tracks as changed because it
//! compared play timestamps. Those other fields are still kept current in
//! the snapshot, silently.

use trackcache_protocol::{FieldChange, Track};

/// Fields that make up the fingerprint, with their `Track` names.
pub const FINGERPRINT_FIELDS: [&str; 8] = [
    "id",
    "name",
    "artist",
    "album_artist",
    "album",
    "genre",
    "year",
    "location",
];

fn fields(t: &Track) -> [Option<String>; 8] {
    [
        Some(t.id.clone()),
        t.name.clone(),
        t.artist.clone(),
        t.album_artist.clone(),
        t.album.clone(),
        t.genre.clone(),
        t.year.map(|y| y.to_string()),
        t.location.clone(),
    ]
}

thread_local! {
    /// Reused by both hashes: a re-read hashes every track of the library
    /// twice, and one-shot xxh3 over a buffer is several times faster than
    /// the streaming hasher fed field by field.
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn with_buf(fill: impl FnOnce(&mut Vec<u8>)) -> u64 {
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        fill(buf);
        xxhash_rust::xxh3::xxh3_64(buf)
    })
}

/// Appends one optional string: a tag byte and a length make ("ab","c") and
/// ("a","bc") differ, and None differ from Some("").
fn feed(buf: &mut Vec<u8>, v: Option<&str>) {
    match v {
        None => buf.push(0),
        Some(s) => {
            buf.push(1);
            buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
    }
}

/// Hash of the cache-relevant fields. Its byte layout is fixed: a change
/// would make every track of every library "modified" once.
pub fn fingerprint(t: &Track) -> u64 {
    with_buf(|buf| {
        feed(buf, Some(&t.id));
        feed(buf, t.name.as_deref());
        feed(buf, t.artist.as_deref());
        feed(buf, t.album_artist.as_deref());
        feed(buf, t.album.as_deref());
        feed(buf, t.genre.as_deref());
        match t.year {
            None => buf.push(0),
            Some(y) => {
                buf.push(1);
                buf.extend_from_slice(&y.to_le_bytes());
            }
        }
        feed(buf, t.location.as_deref());
    })
}

/// Fields of the file fingerprint, with their `Track` names.
pub const FILE_FIELDS: [&str; 6] = [
    "id",
    "location",
    "size",
    "duration_ms",
    "date_modified",
    "date_added",
];

fn file_fields(t: &Track) -> [Option<String>; 6] {
    let text = |n: Option<i64>| n.map(|n| n.to_string());
    [
        Some(t.id.clone()),
        t.location.clone(),
        t.size.map(|n| n.to_string()),
        t.duration_ms.map(|n| n.to_string()),
        text(t.date_modified),
        text(t.date_added),
    ]
}

fn feed_number(buf: &mut Vec<u8>, v: Option<i128>) {
    match v {
        None => buf.push(0),
        Some(n) => {
            buf.push(1);
            buf.extend_from_slice(&n.to_le_bytes());
        }
    }
}

/// Hash of the file fingerprint's fields. Its byte layout is fixed: a
/// change would report every file of every library as changed once.
pub fn file_fingerprint(t: &Track) -> u64 {
    with_buf(|buf| {
        feed(buf, Some(&t.id));
        feed(buf, t.location.as_deref());
        feed_number(buf, t.size.map(i128::from));
        feed_number(buf, t.duration_ms.map(i128::from));
        feed_number(buf, t.date_modified.map(i128::from));
        feed_number(buf, t.date_added.map(i128::from));
    })
}

/// The file-fingerprint fields that differ, with old and new values as text.
pub fn file_changes(old: &Track, new: &Track) -> Vec<FieldChange> {
    FILE_FIELDS
        .iter()
        .zip(file_fields(old).into_iter().zip(file_fields(new)))
        .filter(|(_, (o, n))| o != n)
        .map(|(name, (old, new))| FieldChange {
            field: (*name).to_owned(),
            old,
            new,
        })
        .collect()
}

/// Collects what `Hash` writes, for one-shot hashing.
struct Collect<'a>(&'a mut Vec<u8>);

impl std::hash::Hasher for Collect<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only the collected bytes are used")
    }
}

/// Hash of the whole track: any change at all. Computed from the fields
/// (no encoding). It may change between versions of the program; the
/// result is one silent refresh of the stored tracks, never an event.
pub fn content_hash(t: &Track) -> u64 {
    use std::hash::Hash;
    with_buf(|buf| t.hash(&mut Collect(buf)))
}

/// The fingerprint fields that differ, with old and new values as text.
pub fn field_changes(old: &Track, new: &Track) -> Vec<FieldChange> {
    FINGERPRINT_FIELDS
        .iter()
        .zip(fields(old).into_iter().zip(fields(new)))
        .filter(|(_, (o, n))| o != n)
        .map(|(name, (old, new))| FieldChange {
            field: (*name).to_owned(),
            old,
            new,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track() -> Track {
        Track {
            name: Some("Hey You".into()),
            artist: Some("Pink Floyd".into()),
            album: Some("The Wall".into()),
            year: Some(1979),
            play_count: Some(3),
            ..Track::with_id("ABCDEF0123456789")
        }
    }

    #[test]
    fn plays_ratings_and_dates_do_not_change_the_fingerprint() {
        let a = track();
        let mut b = a.clone();
        b.play_count = Some(99);
        b.play_date = Some(1_700_000_000);
        b.skip_count = Some(1);
        b.rating = Some(100);
        b.date_modified = Some(1);
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert!(field_changes(&a, &b).is_empty());
    }

    #[test]
    fn every_fingerprint_field_changes_it() {
        let a = track();
        let edits: [fn(&mut Track); 8] = [
            |t| t.id.push('0'),
            |t| t.name = None,
            |t| t.artist = Some("Roger Waters".into()),
            |t| t.album_artist = Some("Pink Floyd".into()),
            |t| t.album = Some("The Wall (Remastered)".into()),
            |t| t.genre = Some("Rock".into()),
            |t| t.year = Some(1980),
            |t| t.location = Some("file:///x.m4a".into()),
        ];
        for (edit, field) in edits.iter().zip(FINGERPRINT_FIELDS) {
            let mut b = a.clone();
            edit(&mut b);
            assert_ne!(fingerprint(&a), fingerprint(&b), "{field}");
            let changes = field_changes(&a, &b);
            assert_eq!(changes.len(), 1, "{field}");
            assert_eq!(changes[0].field, field);
        }
    }

    #[test]
    fn the_file_fingerprint_is_genreupdaters_and_ignores_plays_and_ratings() {
        let a = Track {
            size: Some(5_242_880),
            duration_ms: Some(240_500),
            date_modified: Some(1_700_000_000),
            date_added: Some(1_600_000_000),
            location: Some("file:///a.m4a".into()),
            ..track()
        };
        let mut b = a.clone();
        b.play_count = Some(99);
        b.rating = Some(80);
        b.play_date = Some(1_800_000_000);
        b.genre = Some("Prog".into());
        assert_eq!(file_fingerprint(&a), file_fingerprint(&b));
        assert!(file_changes(&a, &b).is_empty());
        let edits: [fn(&mut Track); 6] = [
            |t| t.id.push('0'),
            |t| t.location = Some("file:///b.m4a".into()),
            |t| t.size = Some(1),
            |t| t.duration_ms = None,
            |t| t.date_modified = Some(1_700_000_001),
            |t| t.date_added = Some(0),
        ];
        for (edit, field) in edits.iter().zip(FILE_FIELDS) {
            let mut b = a.clone();
            edit(&mut b);
            assert_ne!(file_fingerprint(&a), file_fingerprint(&b), "{field}");
            let changes = file_changes(&a, &b);
            assert_eq!(changes.len(), 1, "{field}");
            assert_eq!(changes[0].field, field);
        }
        let mut none = a.clone();
        none.size = None;
        let mut zero = a.clone();
        zero.size = Some(0);
        assert_ne!(file_fingerprint(&none), file_fingerprint(&zero));
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let mut a = track();
        let mut b = track();
        a.artist = Some("ab".into());
        a.album = Some("c".into());
        b.artist = Some("a".into());
        b.album = Some("bc".into());
        assert_ne!(fingerprint(&a), fingerprint(&b));
        a.genre = None;
        b.artist = Some("ab".into());
        b.album = Some("c".into());
        b.genre = Some(String::new());
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn the_content_hash_sees_every_field() {
        let a = track();
        let mut b = a.clone();
        b.play_count = Some(4);
        assert_ne!(content_hash(&a), content_hash(&b));
        assert_eq!(content_hash(&a), content_hash(&a.clone()));
    }

    #[test]
    fn changes_carry_old_and_new_values() {
        let a = track();
        let mut b = a.clone();
        b.year = Some(1980);
        assert_eq!(
            field_changes(&a, &b),
            vec![FieldChange {
                field: "year".into(),
                old: Some("1979".into()),
                new: Some("1980".into())
            }]
        );
    }
}
