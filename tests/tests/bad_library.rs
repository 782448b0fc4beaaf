//! End-to-end: hostile and broken library files against the running
//! daemon (issue 14's bad-input suite, the library side). Each gets a clear
//! error in `status`, nothing of it is loaded (the last good snapshot stays
//! and keeps being served), and another client's kv gets and sets keep
//! being answered during and after.
#![allow(clippy::unwrap_used, missing_docs)]

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trackcache_client::Client;
use trackcache_protocol::SyncOutcome;
use trackcache_tests::bystander::Bystander;
use trackcache_tests::generator::{write_apple_xml, XmlStyle};
use trackcache_tests::scenario::{library, write_file, LibraryEnv, WriteMode};

const TRACKS: usize = 20;

/// A daemon on a good library of `TRACKS` tracks, a bystander, and a client.
struct Attack {
    lib: LibraryEnv,
    _daemon: trackcache_tests::harness::Daemon,
    client: Client,
    bystander: Bystander,
}

impl Attack {
    fn start() -> Self {
        let lib = LibraryEnv::new(&library(TRACKS, 5), "");
        let daemon = lib.start(TRACKS);
        let client = lib.env.client();
        let bystander = Bystander::start(&lib.env.socket);
        Self {
            lib,
            _daemon: daemon,
            client,
            bystander,
        }
    }

    /// Puts `bytes` at the library path (by rename, as an exporter would).
    fn replace(&self, bytes: &[u8]) {
        write_file(&self.lib.path, bytes, WriteMode::AtomicRename);
    }

    /// Re-reads and checks the refusal: `kind` in status, a message holding
    /// every one of `words`, the old tracks still served, the bystander too.
    fn refused(&mut self, kind: &str, words: &[&str]) {
        let seq = self.client.status().unwrap().library.unwrap().seq;
        let report = self.client.rescan(true).unwrap().unwrap();
        assert!(
            matches!(report.outcome, SyncOutcome::Failed { .. }),
            "{report:?}"
        );
        let st = self.client.status().unwrap().library.unwrap();
        let err = st.last_error.expect("an error in status");
        assert_eq!(err.kind, kind, "{}", err.message);
        for word in words {
            assert!(
                err.message.contains(word),
                "{:?} lacks {word:?}",
                err.message
            );
        }
        assert_eq!(st.tracks, TRACKS as u64, "the last good snapshot is kept");
        assert_eq!(st.seq, seq, "no events");
        assert_eq!(self.client.track_count().unwrap().0, TRACKS as u64);
        self.bystander.still_served(20);
    }

    /// Puts a good library back and checks that it loads and clears the error.
    fn healed(&mut self, tracks: usize) {
        if self.lib.path.is_dir() {
            std::fs::remove_dir(&self.lib.path).unwrap();
        }
        self.replace(&write_apple_xml(&library(tracks, 5), &XmlStyle::quirky()));
        self.client.rescan(true).unwrap();
        let st = self.client.status().unwrap().library.unwrap();
        assert_eq!((st.tracks, st.last_error), (tracks as u64, None));
    }

    fn finish(self) {
        assert!(self.bystander.finish() > 0);
    }
}

fn good_xml() -> String {
    String::from_utf8(write_apple_xml(&library(TRACKS, 5), &XmlStyle::plain())).unwrap()
}

#[test]
fn billion_laughs_are_refused_unexpanded() {
    let mut a = Attack::start();
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE plist [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            String::new()
        } else {
            (i - 1).to_string()
        };
        doc += &format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&lol{prev};").repeat(10)
        );
    }
    doc += "]>\n<plist version=\"1.0\"><dict><key>Tracks</key><dict><key>1</key><dict>\
            <key>Name</key><string>&lol9;</string></dict></dict></dict></plist>\n";
    a.replace(doc.as_bytes());
    a.refused("malformed", &["line 14", "lol9"]);
    a.finish();
}

#[test]
fn deep_nesting_is_refused() {
    let mut a = Attack::start();
    // 100,000 levels in Playlists, and 100,000 in a track.
    let deep = format!(
        "{}{}",
        "<array>".repeat(100_000),
        "</array>".repeat(100_000)
    );
    let doc = good_xml().replacen(
        "<key>Playlists</key>",
        &format!("<key>X</key>{deep}<key>Playlists</key>"),
        1,
    );
    a.replace(doc.as_bytes());
    a.refused("malformed", &["nested more than 512 deep", "\"X\""]);
    let doc = good_xml().replacen(
        "<key>Track ID</key>",
        &format!("<key>X</key>{deep}<key>Track ID</key>"),
        1,
    );
    a.replace(doc.as_bytes());
    a.refused("malformed", &["nested more than 512 deep", "in track"]);
    a.healed(TRACKS + 1);
    a.finish();
}

#[test]
fn files_that_are_not_utf8_are_refused_by_name() {
    let mut a = Attack::start();
    // Latin-1 where UTF-8 text is expected.
    let doc = good_xml().replacen(
        "<key>Name</key><string>",
        "<key>Name</key><string>caf\u{1}",
        1,
    );
    let bytes: Vec<u8> = doc.bytes().map(|b| if b == 1 { 0xE9 } else { b }).collect();
    a.replace(&bytes);
    a.refused("malformed", &["invalid UTF-8"]);
    // UTF-16, with and without a byte order mark.
    let utf16: Vec<u8> = good_xml()
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    a.replace(&[&[0xFF, 0xFE][..], &utf16].concat());
    a.refused("malformed", &["UTF-16", "iconv"]);
    a.replace(&utf16);
    a.refused("malformed", &["UTF-16"]);
    a.finish();
}

#[test]
fn garbage_truncation_and_an_in_place_rewrite() {
    let mut a = Attack::start();
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let mut garbage = vec![0u8; 64 << 10];
    rng.fill_bytes(&mut garbage);
    garbage[0] = b'<';
    a.replace(&garbage);
    a.refused("malformed", &["nothing was loaded"]);
    let doc = write_apple_xml(&library(TRACKS + 3, 5), &XmlStyle::quirky());
    let half = doc.len() / 2;
    a.replace(&doc[..half]);
    a.refused("truncated", &["still being written"]);
    // Rewritten in place: first half, then the rest; only the whole loads.
    write_file(&a.lib.path, &doc[..half], WriteMode::InPlace);
    a.refused("truncated", &[]);
    write_file(&a.lib.path, &doc, WriteMode::InPlace);
    a.lib.wait_tracks(TRACKS + 3);
    a.finish();
}

#[test]
fn a_field_over_the_limit_names_the_line_track_and_key() {
    let mut a = Attack::start();
    let doc = good_xml().replacen(
        "<key>Name</key><string>",
        &format!("<key>Name</key><string>{}", "x".repeat(100 << 10)),
        1,
    );
    a.replace(doc.as_bytes());
    a.refused(
        "too_large",
        &["line ", "in track", "\"Name\"", "65536", "max_field_bytes"],
    );
    a.healed(TRACKS);
    a.finish();
}

#[test]
fn a_directory_a_fifo_or_a_device_at_the_library_path_is_refused() {
    let mut a = Attack::start();
    std::fs::remove_file(&a.lib.path).unwrap();
    std::fs::create_dir(&a.lib.path).unwrap();
    a.refused("unreadable", &["it is a directory"]);
    std::fs::remove_dir(&a.lib.path).unwrap();
    // A FIFO once blocked the re-read (and the shutdown waiting for it)
    // until some writer opened it.
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &a.lib.path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    a.refused("unreadable", &["it is a FIFO"]);
    std::fs::remove_file(&a.lib.path).unwrap();
    // A link to a device that never ends.
    std::os::unix::fs::symlink("/dev/zero", &a.lib.path).unwrap();
    a.refused("unreadable", &["it is a device"]);
    std::fs::remove_file(&a.lib.path).unwrap();
    a.healed(TRACKS + 2);
    a.finish();
}

#[test]
fn an_unreadable_file_is_refused() {
    if rustix::process::geteuid().is_root() {
        // Permissions do not stop root, which CI runs as: nothing to test.
        eprintln!("skipped: running as root, which reads any file");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let mut a = Attack::start();
    std::fs::set_permissions(&a.lib.path, std::fs::Permissions::from_mode(0o000)).unwrap();
    a.refused("unreadable", &["Permission denied"]);
    a.finish();
}

#[test]
fn odd_values_cost_only_themselves_and_status_counts_them() {
    let mut a = Attack::start();
    // What a migration tool wrote: a header date with fractional seconds
    // (refused the whole library before), and one play date that is no date.
    let doc = good_xml()
        .replacen(
            "<key>Date</key><date>",
            "<key>Date</key><date>1970-01-01T00:00:00.000Z</date><key>Was</key><date>",
            1,
        )
        .replacen(
            "<key>Play Date UTC</key><date>",
            "<key>Play Date UTC</key><date>last tuesday</date><key>Was</key><date>",
            1,
        );
    assert!(
        doc.contains("last tuesday"),
        "the generator writes play dates"
    );
    a.replace(doc.as_bytes());
    let report = a.client.rescan(true).unwrap().unwrap();
    assert!(
        !matches!(report.outcome, SyncOutcome::Failed { .. }),
        "{report:?}"
    );
    let st = a.client.status().unwrap().library.unwrap();
    assert_eq!((st.tracks, st.last_error), (TRACKS as u64, None));
    assert_eq!(st.dropped_values, 1);
    let first = st.first_dropped.unwrap();
    for word in ["line ", "in track", "\"Play Date UTC\"", "last tuesday"] {
        assert!(first.contains(word), "{first} lacks {word}");
    }
    let out = a.lib.env.cli(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("dropped values") && text.contains("last tuesday"),
        "{text}"
    );
    a.finish();
}
