//! Library scenarios: a daemon watching a generated library that the test
//! rewrites (atomically or in place), and a `trackcache --json watch` child
//! whose lines are collected with deadlines.

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Instant;

use serde_json::Value;
use trackcache_protocol::Track;

use crate::generator::{generate, write_apple_xml, XmlStyle};
use crate::harness::{bin_path, json, Env, DEADLINE};

/// How a test replaces the library file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Write a temp file beside it and rename it over (what Music.app does).
    AtomicRename,
    /// Truncate and rewrite the same file.
    InPlace,
}

/// Config for library tests: short settle so tests are quick, and a poll far
/// slower than any test, so that changes are seen through notify.
pub const LIBRARY_CONFIG: &str = "[library]\nsettle_ms = 100\npoll_ms = 600000\n";

/// A daemon environment with a library file.
pub struct LibraryEnv {
    /// The daemon's environment.
    pub env: Env,
    /// The library file.
    pub path: PathBuf,
}

impl LibraryEnv {
    /// An environment whose library holds `tracks` (written before the daemon starts).
    pub fn new(tracks: &[Track], extra_config: &str) -> Self {
        let env = Env::new(&format!("{LIBRARY_CONFIG}{extra_config}"));
        let path = env.dir.path().join("music/Library.xml");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let lib = Self { env, path };
        lib.write(tracks, WriteMode::AtomicRename);
        lib
    }

    /// Starts the daemon on the library and waits until `expect` tracks are loaded.
    pub fn start(&self, expect: usize) -> crate::harness::Daemon {
        let path = self.path.clone();
        let d = self.env.start_with(|c| {
            c.arg("--library").arg(&path);
        });
        self.wait_tracks(expect);
        d
    }

    /// Writes the library file.
    pub fn write(&self, tracks: &[Track], how: WriteMode) {
        self.write_bytes(&write_apple_xml(tracks, &XmlStyle::quirky()), how);
    }

    /// Writes raw bytes as the library file.
    pub fn write_bytes(&self, bytes: &[u8], how: WriteMode) {
        write_file(&self.path, bytes, how);
    }

    /// `status --json`'s library section.
    pub fn library_status(&self) -> Value {
        json(&self.env.cli(&["--json", "status"]))["library"].clone()
    }

    /// Current event seq.
    pub fn seq(&self) -> u64 {
        self.library_status()["seq"].as_u64().expect("seq")
    }

    /// Waits until the snapshot has `n` tracks.
    pub fn wait_tracks(&self, n: usize) {
        crate::harness::wait_until(&format!("{n} tracks"), DEADLINE, || {
            self.library_status()["tracks"].as_u64() == Some(n as u64)
        });
    }

    /// Starts `trackcache --json watch --since SEQ`.
    pub fn watch(&self, since: u64) -> EventStream {
        EventStream::spawn(&self.env.socket, since)
    }
}

/// Writes `bytes` to `path`, by rename from a temp file beside it or in place.
pub fn write_file(path: &Path, bytes: &[u8], how: WriteMode) {
    match how {
        WriteMode::AtomicRename => {
            let tmp = path.with_extension("xml.tmp");
            std::fs::write(&tmp, bytes).expect("write temp");
            std::fs::rename(&tmp, path).expect("rename");
        }
        WriteMode::InPlace => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .create(true)
                .open(path)
                .expect("open");
            f.write_all(bytes).expect("write");
            f.sync_all().expect("sync");
        }
    }
}

/// Writes a generated library of `tracks` tracks to `path`.
pub fn write_library(path: &Path, tracks: &[Track], how: WriteMode) {
    write_file(path, &write_apple_xml(tracks, &XmlStyle::quirky()), how);
}

/// A `trackcache --json watch` child and its parsed lines.
pub struct EventStream {
    child: Child,
    lines: Receiver<Value>,
}

impl EventStream {
    /// Spawns the watcher.
    pub fn spawn(socket: &Path, since: u64) -> Self {
        let mut child = Command::new(bin_path("trackcache"))
            .arg("--socket")
            .arg(socket)
            .args(["--json", "watch", "--since", &since.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn watch");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("watch printed non-JSON {line:?}: {e}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Self { child, lines: rx }
    }

    /// Events up to and including the first one `done` accepts, bounded by a deadline.
    pub fn until(&self, mut done: impl FnMut(&Value) -> bool) -> Vec<Value> {
        let start = Instant::now();
        let mut got = Vec::new();
        loop {
            let left = DEADLINE.checked_sub(start.elapsed()).unwrap_or_default();
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    let stop = done(&v);
                    got.push(v);
                    if stop {
                        return got;
                    }
                }
                Err(e) => {
                    panic!("the awaited event did not come within {DEADLINE:?} ({e}); got {got:#?}")
                }
            }
        }
    }

    /// Events up to and including the next `library_synced`, bounded by a deadline.
    pub fn until_synced(&self) -> Vec<Value> {
        let start = Instant::now();
        let mut got = Vec::new();
        loop {
            let left = DEADLINE.checked_sub(start.elapsed()).unwrap_or_default();
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    let done = v["type"] == "library_synced";
                    got.push(v);
                    if done {
                        return got;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no library_synced within {DEADLINE:?}; got {got:#?}")
                }
                Err(RecvTimeoutError::Disconnected) => panic!("watch ended early; got {got:#?}"),
            }
        }
    }

    /// The next event, waiting at most the deadline.
    pub fn next(&self) -> Value {
        match self.lines.recv_timeout(DEADLINE) {
            Ok(v) => v,
            Err(e) => panic!("no event within {DEADLINE:?}: {e}"),
        }
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `(event, track_id)` pairs of events, sorted, for comparing with expectations.
pub fn summary(events: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["track_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A generated library of `n` tracks whose every track has an artist and an album.
pub fn library(n: usize, seed: u64) -> Vec<Track> {
    let mut tracks = generate(n, seed);
    for (i, t) in tracks.iter_mut().enumerate() {
        t.artist.get_or_insert_with(|| format!("Artist {}", i % 7));
        t.album.get_or_insert_with(|| format!("Album {}", i % 11));
    }
    tracks
}

/// A new track that no generated library has.
pub fn new_track(n: u32) -> Track {
    Track {
        name: Some(format!("New song {n}")),
        artist: Some("New Artist".into()),
        album: Some("New Album".into()),
        year: Some(2024),
        ..Track::with_id(format!("FEED0000000000{n:02X}"))
    }
}
