//! The Playlists section: the master Library playlist with every track,
//! a distinguished one (Podcasts), a folder, a smart playlist with
//! `<data>` blobs and a user playlist, like a real export has.

use trackcache_protocol::Track;

use super::{Val, Writer};

/// One playlist dict.
struct Playlist<'t> {
    name: &'t str,
    /// Keys between the name and the items.
    keys: Vec<(&'static str, Val<'t>)>,
    /// Track IDs; `None` writes no Playlist Items key (folders).
    items: Option<Vec<u64>>,
}

/// Writes the `Playlists` key and its array.
pub(super) fn write(w: &mut Writer<'_>, tracks: &[Track]) {
    let ids = |keep: &dyn Fn(&Track) -> bool| -> Vec<u64> {
        tracks
            .iter()
            .filter(|t| keep(t))
            .filter_map(|t| t.track_id)
            .collect()
    };
    let lists = [
        Playlist {
            name: "Library",
            keys: vec![
                ("Master", Val::True),
                ("Visible", Val::Raw("<false/>")),
                ("All Items", Val::True),
            ],
            items: Some(ids(&|_| true)),
        },
        Playlist {
            name: "Podcasts",
            keys: vec![
                ("Distinguished Kind", Val::Int(10)),
                ("Podcasts", Val::True),
            ],
            items: Some(ids(&|t| t.media.podcast)),
        },
        Playlist {
            name: "Mixes",
            keys: vec![("Folder", Val::True), ("All Items", Val::True)],
            items: None,
        },
        Playlist {
            name: "Recently Added & Loved",
            keys: vec![
                (
                    "Smart Info",
                    Val::Raw("<data>AQEAAwAAAAIAAAAZAAAAAAAAAAcAAAAB</data>"),
                ),
                (
                    "Smart Criteria",
                    Val::Raw("<data>U0xzdAABAAEAAAADAAAAAAAAAAAAAAAA</data>"),
                ),
                ("All Items", Val::True),
            ],
            items: Some(ids(&|t| t.rating.is_some_and(|r| r >= 80))),
        },
        Playlist {
            name: "Empty <Draft>",
            keys: vec![("All Items", Val::True)],
            items: Some(Vec::new()),
        },
    ];
    w.line(1, "<key>Playlists</key>");
    w.line(1, "<array>");
    for (n, list) in lists.iter().enumerate() {
        write_playlist(w, 40_000 + n as i64 * 2, list);
    }
    w.line(1, "</array>");
}

fn write_playlist(w: &mut Writer<'_>, playlist_id: i64, list: &Playlist<'_>) {
    w.line(2, "<dict>");
    w.pair(3, "Name", &Val::Str(list.name));
    w.pair(3, "Description", &Val::Str(""));
    w.pair(3, "Playlist ID", &Val::Int(playlist_id));
    let pid = format!("{:016X}", 0xC0FF_EE00_0000_0000_u64 + playlist_id as u64);
    w.pair(3, "Playlist Persistent ID", &Val::Str(&pid));
    for (key, value) in &list.keys {
        w.pair(3, key, value);
    }
    match &list.items {
        None => {}
        Some(items) if items.is_empty() => w.line(3, "<key>Playlist Items</key><array/>"),
        Some(items) => {
            w.line(3, "<key>Playlist Items</key>");
            w.line(3, "<array>");
            for id in items {
                w.line(4, "<dict>");
                w.pair(5, "Track ID", &Val::Int(*id as i64));
                w.line(4, "</dict>");
            }
            w.line(3, "</array>");
        }
    }
    w.line(2, "</dict>");
}
