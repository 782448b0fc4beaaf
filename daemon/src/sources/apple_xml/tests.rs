//! Unit tests of the apple-xml parser: one real-export quirk per test, on
//! small documents built here (never on fixture files).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use trackcache_protocol::{MediaFlags, Track};

use super::Tuning;
use crate::sources::{parse, LibraryError, LibraryFormat, Limits, ParsedLibrary};

pub(super) const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<!DOCTYPE plist PUBLIC \"-//Apple Computer//DTD PLIST 1.0//EN\" \
\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n";

/// A library document with `tracks` (track entries) and `extra` (more
/// top-level key/value pairs after Tracks).
pub(super) fn library(tracks: &str, extra: &str) -> String {
    format!(
        "{PROLOG}<plist version=\"1.0\">\n<dict>\n\
         \t<key>Major Version</key><integer>1</integer>\n\
         \t<key>Minor Version</key><integer>1</integer>\n\
         \t<key>Application Version</key><string>1.0.6.10</string>\n\
         \t<key>Date</key><date>2020-09-09T10:11:28Z</date>\n\
         \t<key>Features</key><integer>5</integer>\n\
         \t<key>Show Content Ratings</key><true/>\n\
         \t<key>Library Persistent ID</key><string>EB907052B9AC8F39</string>\n\
         \t<key>Tracks</key>\n\t<dict>\n{tracks}\t</dict>\n{extra}</dict>\n</plist>\n"
    )
}

/// One Tracks entry keyed `id` whose dict holds `Track ID` and then `body`.
pub(super) fn entry(id: u64, body: &str) -> String {
    format!(
        "\t\t<key>{id}</key>\n\t\t<dict>\n\
         \t\t\t<key>Track ID</key><integer>{id}</integer>\n{body}\t\t</dict>\n"
    )
}

/// A `<key>` line followed by a value element.
pub(super) fn kv(key: &str, value: &str) -> String {
    format!("\t\t\t<key>{key}</key>{value}\n")
}

pub(super) fn parse_xml(doc: &str) -> Result<ParsedLibrary, LibraryError> {
    parse(LibraryFormat::AppleXml, doc.as_bytes())
}

/// Streams `doc` through the parser `chunk` bytes at a time on `threads`
/// threads, collecting every track handed over (duplicates included).
pub(super) fn stream(
    doc: &[u8],
    chunk: usize,
    threads: usize,
) -> Result<ParsedLibrary, LibraryError> {
    stream_with(doc, chunk, threads, Limits::default())
}

/// [`stream`] with other limits.
pub(super) fn stream_with(
    doc: &[u8],
    chunk: usize,
    threads: usize,
    limits: Limits,
) -> Result<ParsedLibrary, LibraryError> {
    let mut tracks = Vec::new();
    let tuning = Tuning {
        chunk,
        threads,
        limits,
    };
    let outcome = super::parse_stream(&mut &doc[..], &mut |t| tracks.push(t), tuning)?;
    Ok(ParsedLibrary {
        tracks,
        meta: outcome.meta,
        warnings: outcome.warnings,
    })
}

/// A chunk bigger than any test document: one window, as a slice parse.
pub(super) const WHOLE: usize = 1 << 20;

/// The only track of `doc`.
pub(super) fn one(doc: &str) -> Track {
    let lib = parse_xml(doc).unwrap();
    assert_eq!(lib.tracks.len(), 1, "{lib:?}");
    lib.tracks.into_iter().next().unwrap()
}

/// Every mapped key of a track, in export order.
fn full_track_pairs() -> Vec<String> {
    vec![
        kv("Name", "<string>Crazy In Love</string>"),
        kv("Artist", "<string>Beyoncé</string>"),
        kv("Album Artist", "<string>Beyoncé</string>"),
        kv(
            "Composer",
            "<string>Rich Harrison &#38; Eugene Record</string>",
        ),
        kv("Album", "<string>HOMECOMING</string>"),
        kv("Genre", "<string>Pop</string>"),
        kv("Kind", "<string>Purchased AAC audio file</string>"),
        kv("Size", "<integer>6291896</integer>"),
        kv("Total Time", "<integer>167347</integer>"),
        kv("Disc Number", "<integer>1</integer>"),
        kv("Disc Count", "<integer>2</integer>"),
        kv("Track Number", "<integer>3</integer>"),
        kv("Track Count", "<integer>40</integer>"),
        kv("Year", "<integer>2019</integer>"),
        kv("Date Modified", "<date>2019-04-17T07:00:00Z</date>"),
        kv("Date Added", "<date>2019-04-18T10:11:12Z</date>"),
        kv("Bit Rate", "<integer>256</integer>"),
        kv("Play Count", "<integer>7</integer>"),
        kv("Play Date", "<integer>3605268499</integer>"),
        kv("Play Date UTC", "<date>2020-01-01T00:00:00Z</date>"),
        kv("Skip Count", "<integer>2</integer>"),
        kv("Release Date", "<date>2019-04-17T07:00:00Z</date>"),
        kv("Rating", "<integer>80</integer>"),
        kv("Compilation", "<true/>"),
        kv("Purchased", "<true/>"),
        kv("Persistent ID", "<string>B563F0DC6BAC1D6A</string>"),
        kv("Track Type", "<string>File</string>"),
        kv("Location", "<string>file:///Music/01%20Crazy.m4a</string>"),
    ]
}

fn full_track() -> Track {
    Track {
        id: "B563F0DC6BAC1D6A".into(),
        track_id: Some(252),
        name: Some("Crazy In Love".into()),
        artist: Some("Beyoncé".into()),
        album_artist: Some("Beyoncé".into()),
        album: Some("HOMECOMING".into()),
        genre: Some("Pop".into()),
        composer: Some("Rich Harrison & Eugene Record".into()),
        year: Some(2019),
        release_date: Some(1_555_484_400),
        date_added: Some(1_555_582_272),
        date_modified: Some(1_555_484_400),
        track_number: Some(3),
        track_count: Some(40),
        disc_number: Some(1),
        disc_count: Some(2),
        duration_ms: Some(167_347),
        size: Some(6_291_896),
        location: Some("file:///Music/01%20Crazy.m4a".into()),
        track_type: Some("File".into()),
        kind: Some("Purchased AAC audio file".into()),
        media: MediaFlags {
            compilation: true,
            purchased: true,
            ..MediaFlags::default()
        },
        play_count: Some(7),
        play_date: Some(1_577_836_800),
        skip_count: Some(2),
        rating: Some(80),
    }
}

#[test]
fn maps_every_field() {
    let doc = library(&entry(252, &full_track_pairs().concat()), "");
    let lib = parse_xml(&doc).unwrap();
    assert_eq!(lib.tracks, vec![full_track()]);
    let meta = lib.meta;
    assert_eq!(meta.major_version, Some(1));
    assert_eq!(meta.minor_version, Some(1));
    assert_eq!(meta.application_version.as_deref(), Some("1.0.6.10"));
    assert_eq!(meta.export_date, Some(1_599_646_288));
    assert_eq!(
        meta.library_persistent_id.as_deref(),
        Some("EB907052B9AC8F39")
    );
    assert_eq!(meta.music_folder, None);
}

#[test]
fn keys_in_any_order() {
    let mut pairs = full_track_pairs();
    // Several deterministic permutations: reversed, and rotations.
    pairs.reverse();
    for rotation in 0..pairs.len() {
        pairs.rotate_left(rotation);
        assert_eq!(
            one(&library(&entry(252, &pairs.concat()), "")),
            full_track()
        );
    }
    // Track ID last instead of first.
    let body = format!(
        "{}{}",
        full_track_pairs().concat(),
        kv("Track ID", "<integer>252</integer>")
    );
    let doc = library(
        &format!("\t\t<key>252</key>\n\t\t<dict>\n{body}\t\t</dict>\n"),
        "",
    );
    assert_eq!(one(&doc), full_track());
}

#[test]
fn missing_keys_stay_none_and_id_falls_back() {
    // A radio stream: no Persistent ID, Location, Total Time, Album...
    let t = one(&library(
        &entry(7, &kv("Name", "<string>Radio</string>")),
        "",
    ));
    assert_eq!(t.id, "track-7");
    assert_eq!(t.track_id, Some(7));
    assert_eq!(t.name.as_deref(), Some("Radio"));
    assert_eq!(t.album, None);
    assert_eq!(t.duration_ms, None);
    assert_eq!(t.date_added, None);
    assert_eq!(t.media, MediaFlags::default());
    // No Track ID either: the key in the Tracks dict names it.
    let t = one(&library("\t\t<key>99</key>\n\t\t<dict/>\n", ""));
    assert_eq!((t.id.as_str(), t.track_id), ("track-99", None));
}

#[test]
fn utf8_bom() {
    let doc = format!("\u{feff}{}", library(&entry(1, ""), ""));
    assert_eq!(one(&doc).id, "track-1");
}

#[test]
fn crlf_and_mixed_line_endings() {
    let base = library(&entry(252, &full_track_pairs().concat()), "");
    assert_eq!(one(&base.replace('\n', "\r\n")), full_track());
    // LF, CRLF and lone CR line endings in turn.
    let mixed: String = base
        .split('\n')
        .enumerate()
        .map(|(i, l)| format!("{l}{}", ["\n", "\r\n", "\r"][i % 3]))
        .collect();
    assert_eq!(one(&mixed), full_track());
    // Line breaks inside a value normalise to LF, as XML requires.
    let t = one(&library(
        &entry(1, &kv("Name", "<string>a\r\nb\rc</string>")),
        "",
    ));
    assert_eq!(t.name.as_deref(), Some("a\nb\nc"));
}

#[test]
fn comments_doctype_and_processing_instructions() {
    let tracks = format!(
        "<!-- a comment between tracks -->\n{}",
        entry(
            1,
            &kv(
                "Name",
                "<string>A<!-- inside text -->B</string><!-- after -->"
            )
        )
    );
    let doc = format!(
        "<!-- before everything -->\n{}<!-- trailing -->\n",
        library(&tracks, "")
    )
    .replacen("<plist", "<?app-instruction here?>\n<plist", 1);
    assert_eq!(one(&doc).name.as_deref(), Some("AB"));
}

#[test]
fn less_common_markup() {
    let body = [
        // CDATA, and a comment and a processing instruction inside text.
        kv(
            "Name",
            "<string>a<![CDATA[<b> & c]]>d<!-- x --><?pi?>e</string>",
        ),
        // Whitespace inside end tags, an attribute on a value element.
        kv("Artist", "<string id=\"x>y\">A</string >"),
        kv("Album", "<string\n>B</string\n>"),
    ]
    .concat();
    let doc = library(&entry(1, &body), "")
        .replacen(
            "<plist version=\"1.0\">",
            "<plist version='1.0' note=\"a>b\">",
            1,
        )
        .replacen(".dtd\">", ".dtd\" [ <!ENTITY x \"y\"> ]>", 1);
    let t = one(&doc);
    assert_eq!(t.name.as_deref(), Some("a<b> & cde"));
    assert_eq!(t.artist.as_deref(), Some("A"));
    assert_eq!(t.album.as_deref(), Some("B"));
}

#[test]
fn entities_and_character_references() {
    let name = "<string>Me &#38; You &amp; &#62; &gt; &lt;3 &quot;q&quot; &apos; &#x26;</string>";
    let t = one(&library(&entry(1, &kv("Name", name)), ""));
    assert_eq!(t.name.as_deref(), Some("Me & You & > > <3 \"q\" ' &"));
}

/// A Playlists array like Music.app writes, with items.
pub(super) fn playlists() -> String {
    "\t<key>Playlists</key>\n\t<array>\n\t\t<dict>\n\
     \t\t\t<key>Name</key><string>Library</string>\n\
     \t\t\t<key>Master</key><true/>\n\
     \t\t\t<key>Smart Info</key><data>\n\t\t\tAQEAAwAAAAIAAAAZ\n\t\t\t</data>\n\
     \t\t\t<key>Playlist Items</key>\n\t\t\t<array>\n\
     \t\t\t\t<dict>\n\t\t\t\t\t<key>Track ID</key><integer>1</integer>\n\t\t\t\t</dict>\n\
     \t\t\t</array>\n\t\t</dict>\n\
     \t\t<dict>\n\t\t\t<key>Name</key><string>Empty</string>\n\
     \t\t\t<key>Playlist Items</key><array/>\n\t\t</dict>\n\t</array>\n"
        .to_owned()
}

#[test]
fn header_keys_after_playlists() {
    let extra = format!(
        "{}\t<key>Music Folder</key><string>file:///Users/me/Music/</string>\n",
        playlists()
    );
    let lib = parse_xml(&library(&entry(1, ""), &extra)).unwrap();
    assert_eq!(
        lib.meta.music_folder.as_deref(),
        Some("file:///Users/me/Music/")
    );
    assert_eq!(lib.tracks.len(), 1);
}

#[test]
fn empty_library() {
    let lib = parse_xml(&library("", "")).unwrap();
    assert!(lib.tracks.is_empty());
    let doc = library("", "").replace("\t<dict>\n\t</dict>", "\t<dict/>");
    assert!(parse_xml(&doc).unwrap().tracks.is_empty());
}

#[test]
fn duplicate_ids_keep_the_last() {
    let pid = |name: &str| {
        [
            kv("Name", &format!("<string>{name}</string>")),
            kv("Persistent ID", "<string>AAAAAAAAAAAAAAAA</string>"),
        ]
        .concat()
    };
    let tracks = [
        entry(1, &pid("first")),
        entry(2, ""),
        entry(3, &pid("second")),
    ]
    .concat();
    let lib = parse_xml(&library(&tracks, "")).unwrap();
    let got: Vec<_> = lib
        .tracks
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_deref()))
        .collect();
    assert_eq!(
        got,
        [("track-2", None), ("AAAAAAAAAAAAAAAA", Some("second"))]
    );
}
