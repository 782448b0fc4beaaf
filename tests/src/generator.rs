//! Synthetic music libraries for tests and benchmarks: [`generate`] makes a
//! deterministic track list for a seed, [`write_apple_xml`], [`write_jsonl`]
//! and [`write_applescript_records`] turn it into what the daemon parses.
//!
//! The shape follows real libraries: artists with several albums of 8-15
//! tracks, compilations, podcasts, videos and Apple Music streams, localized
//! `Kind` text, names with accents, scripts, emoji and `&`, fields left out
//! at random, the 1904 and 2040 sentinel dates now and then, and files over
//! 4 GiB. Everything written parses back to exactly the same tracks.

mod apple_xml;
mod applescript;
mod jsonl;
mod names;

use std::collections::HashSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trackcache_protocol::{MediaFlags, Track};

pub use apple_xml::{
    write_apple_xml, LineEnding, XmlStyle, EXPORT_DATE, LIBRARY_PERSISTENT_ID, MUSIC_FOLDER,
};
pub use applescript::write_applescript_records;
pub use jsonl::write_jsonl;

/// Apple's "no date" sentinel, 1904-01-01T00:00:00Z, in Unix seconds.
pub const SENTINEL_1904: i64 = -2_082_844_800;
/// The far-future sentinel seen in exports, 2040-02-06T04:28:16Z.
pub const SENTINEL_2040: i64 = 2_212_115_296;

/// `count` tracks, the same ones for the same `seed`.
pub fn generate(count: usize, seed: u64) -> Vec<Track> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let next_track_id = rng.random_range(100..2_000);
    let mut g = Generator {
        rng,
        tracks: Vec::with_capacity(count + 32),
        next_track_id,
        persistent_ids: HashSet::with_capacity(count),
    };
    while g.tracks.len() < count {
        match g.rng.random_range(0..100) {
            0..=2 => g.podcast(),
            3..=4 => g.videos(),
            5..=12 => g.compilation(),
            _ => g.artist(),
        }
    }
    g.tracks.truncate(count);
    g.tracks
}

/// What the tracks of one album share.
struct Album {
    artist: String,
    album_artist: Option<String>,
    title: String,
    genre: Option<String>,
    year: Option<i32>,
    kind: String,
    added: i64,
    discs: u32,
    per_disc: u32,
}

struct Generator {
    rng: ChaCha8Rng,
    tracks: Vec<Track>,
    next_track_id: u64,
    persistent_ids: HashSet<String>,
}

impl Generator {
    fn artist(&mut self) {
        let artist = names::artist(&mut self.rng);
        let genre = names::genre(&mut self.rng);
        for _ in 0..self.rng.random_range(1..=5) {
            let album = self.album(artist.clone(), Some(genre.clone()));
            self.album_tracks(&album, |_, _| {});
        }
    }

    fn album(&mut self, artist: String, genre: Option<String>) -> Album {
        let rng = &mut self.rng;
        Album {
            album_artist: rng.random_ratio(6, 10).then(|| artist.clone()),
            artist,
            title: names::title(rng),
            genre: genre.filter(|_| rng.random_ratio(19, 20)),
            year: rng
                .random_ratio(9, 10)
                .then(|| rng.random_range(1955..=2024)),
            kind: names::kind(rng, false),
            added: rng.random_range(1_104_537_600..1_735_603_200),
            discs: if rng.random_ratio(1, 12) { 2 } else { 1 },
            per_disc: rng.random_range(8..=15),
        }
    }

    /// Adds every track of `album`, letting `tweak` adjust each one.
    fn album_tracks(&mut self, album: &Album, mut tweak: impl FnMut(&mut Self, &mut Track)) {
        for disc in 1..=album.discs {
            for number in 1..=album.per_disc {
                let mut track = self.track(album, disc, number);
                tweak(self, &mut track);
                self.tracks.push(track);
            }
        }
    }

    /// A various-artists album: every track by someone else.
    fn compilation(&mut self) {
        let various = if self.rng.random_ratio(1, 4) {
            "Verschiedene Interpreten"
        } else {
            "Various Artists"
        };
        let genre = names::genre(&mut self.rng);
        let mut album = self.album(various.to_owned(), Some(genre));
        album.album_artist = Some(various.to_owned());
        self.album_tracks(&album, |g, t| {
            t.artist = Some(names::artist(&mut g.rng));
            t.media.compilation = true;
        });
    }

    /// A podcast: episodes without track numbers, some only as streams.
    fn podcast(&mut self) {
        let host = names::artist(&mut self.rng);
        let mut show = self.album(host, Some("Podcast".to_owned()));
        show.per_disc = self.rng.random_range(3..=30);
        show.discs = 1;
        show.kind = "MPEG audio file".to_owned();
        self.album_tracks(&show, |g, t| {
            t.media.podcast = true;
            (t.track_number, t.track_count, t.disc_number, t.disc_count) = (None, None, None, None);
            t.duration_ms = Some(g.rng.random_range(1_200_000..5_400_000));
            t.release_date = Some(g.rng.random_range(1_300_000_000..1_730_000_000));
            if g.rng.random_ratio(1, 4) {
                t.track_type = Some("URL".to_owned());
                t.location = Some(format!("https://feeds.example.com/{}.mp3", t.id));
                (t.size, t.duration_ms) = (None, None);
            }
        });
    }

    /// Music videos, a movie or a TV season; movies are often over 4 GiB.
    fn videos(&mut self) {
        let what = self.rng.random_range(0..3);
        let artist = names::artist(&mut self.rng);
        let mut album = self.album(artist, None);
        album.kind = names::kind(&mut self.rng, true);
        if what == 1 {
            (album.discs, album.per_disc) = (1, 1);
        }
        self.album_tracks(&album, |g, t| {
            t.media.has_video = true;
            match what {
                0 => t.media.music_video = true,
                1 => {
                    t.media.movie = true;
                    t.duration_ms = Some(g.rng.random_range(5_000_000..9_000_000));
                    t.size = Some(g.rng.random_range(1_500_000_000..8_000_000_000));
                }
                _ => t.media.tv_show = true,
            }
        });
    }

    fn track(&mut self, album: &Album, disc: u32, number: u32) -> Track {
        let track_id = self.next_track_id;
        self.next_track_id += if self.rng.random_ratio(1, 10) {
            self.rng.random_range(3..40)
        } else {
            2
        };
        let id = self
            .persistent_id()
            .unwrap_or_else(|| format!("track-{track_id}"));
        let rng = &mut self.rng;
        let name = names::title(rng);
        let duration_ms = rng.random_range(90_000..600_000);
        let remote = rng.random_ratio(1, 30);
        let mut t = Track {
            id,
            track_id: Some(track_id),
            artist: Some(album.artist.clone()).filter(|_| rng.random_ratio(49, 50)),
            album_artist: album.album_artist.clone(),
            album: Some(album.title.clone()),
            genre: album.genre.clone(),
            composer: rng.random_ratio(3, 20).then(|| names::artist(rng)),
            year: album.year,
            track_number: Some(number).filter(|_| rng.random_ratio(19, 20)),
            track_count: Some(album.per_disc).filter(|_| rng.random_ratio(7, 10)),
            disc_number: (album.discs > 1 || rng.random_ratio(1, 3)).then_some(disc),
            disc_count: (album.discs > 1 || rng.random_ratio(1, 4)).then_some(album.discs),
            duration_ms: Some(duration_ms),
            size: Some(file_size(rng, duration_ms, &album.kind)),
            location: (!remote)
                .then(|| names::file_url("Music", &album.artist, &album.title, number, &name)),
            track_type: Some(if remote { "Remote" } else { "File" }.to_owned()),
            kind: Some(album.kind.clone()),
            media: flags(rng, &album.kind, remote),
            name: Some(name),
            ..Track::default()
        };
        self.dates_and_plays(&mut t, album);
        t
    }

    /// 16 upper-case hex digits, unique; about 1 track in 200 has none, so
    /// its id falls back to `track-<Track ID>`.
    fn persistent_id(&mut self) -> Option<String> {
        if self.rng.random_ratio(1, 200) {
            return None;
        }
        loop {
            let pid = format!("{:016X}", self.rng.random::<u64>());
            if self.persistent_ids.insert(pid.clone()) {
                return Some(pid);
            }
        }
    }

    fn dates_and_plays(&mut self, t: &mut Track, album: &Album) {
        let rng = &mut self.rng;
        let added = album.added + rng.random_range(0..600);
        t.date_added = Some(added).filter(|_| rng.random_ratio(99, 100));
        t.date_modified = match rng.random_range(0..100) {
            0 => Some(SENTINEL_1904),
            1 => Some(SENTINEL_2040),
            2..=15 => None,
            _ => Some(added - rng.random_range(0..86_400 * 30)),
        };
        t.release_date = match (album.year, rng.random_range(0..30)) {
            (_, 0) => Some(SENTINEL_1904),
            (Some(year), 1..=6) => {
                Some((i64::from(year) - 1970) * 31_556_952 + rng.random_range(0..31_000_000))
            }
            _ => None,
        };
        let plays = rng.random_range(0..60u32);
        if rng.random_ratio(6, 10) {
            t.play_count = Some(plays);
            t.play_date = (plays > 0).then(|| added + rng.random_range(0..200_000_000));
        }
        t.skip_count = rng.random_ratio(1, 5).then(|| rng.random_range(0..20));
        t.rating = rng
            .random_ratio(1, 5)
            .then(|| 20 * rng.random_range(0..=5u8));
    }
}

/// Bytes of a file of `duration_ms`: bit rate by kind, and now and then a
/// high-resolution recording over 4 GiB.
fn file_size(rng: &mut ChaCha8Rng, duration_ms: u64, kind: &str) -> u64 {
    if rng.random_ratio(1, 500) {
        return rng.random_range(4_294_967_296..6_000_000_000);
    }
    let kbps = if kind.contains("Lossless") {
        1_000
    } else {
        [128, 256, 320][rng.random_range(0..3)]
    };
    duration_ms * kbps / 8 + rng.random_range(20_000..300_000)
}

/// Store flags follow the `Kind` text, as they do in Music.
fn flags(rng: &mut ChaCha8Rng, kind: &str, remote: bool) -> MediaFlags {
    MediaFlags {
        purchased: kind.starts_with("Purchased"),
        protected: kind.starts_with("Protected"),
        apple_music: remote || kind.starts_with("Apple Music"),
        disabled: rng.random_ratio(1, 100),
        audiobook: rng.random_ratio(1, 400),
        itunes_u: rng.random_ratio(1, 800),
        ..MediaFlags::default()
    }
}
