//! End-to-end: what the daemon promised to keep survives kill -9, a full
//! disk, a damaged journal, a damaged database, and years of restarts
//! (issue 11's defects, each reproduced as reported).
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use trackcache_client::{Client, Ttl};
use trackcache_protocol::{
    ErrorCode, InvalidateTarget, KvLookup, KvSet, Request, Response, SetAlbumYear, Track,
};
use trackcache_tests::harness::{is_code, json, wait_until, Env, DEADLINE};
use trackcache_tests::scenario::{library, LibraryEnv, WriteMode};

const PERSISTENT: &str = "[cache.namespaces.p]\npersistent = true\nttl_secs = 0\nmax_entries = 1000000\nmax_bytes = 1073741824\n";

fn year(artist: &str, album: &str, y: i32) -> SetAlbumYear {
    SetAlbumYear {
        artist: artist.into(),
        album: album.into(),
        year: y,
        confidence: 90,
        source: "musicbrainz".into(),
        force: false,
        stored_at_ms: None,
    }
}

fn renamed(tracks: &[Track], album: &str) -> Vec<Track> {
    tracks
        .iter()
        .cloned()
        .map(|mut t| {
            if t.album.as_deref() == Some(album) {
                t.album = Some(format!("{album} (Remastered)"));
            }
            t
        })
        .collect()
}

fn set(key: &str, value: &[u8]) -> Request {
    Request::KvSet(KvSet {
        namespace: "p".into(),
        key: key.into(),
        value: value.to_vec(),
        ttl_ms: None,
        negative: false,
        tags: Vec::new(),
    })
}

/// Defect 1, as reported: the drops of a library change were only in the
/// journal's pending buffer, and kill -9 brought the old year back.
#[test]
fn an_announced_invalidation_survives_kill_9() {
    let tracks = library(40, 7);
    let lib = LibraryEnv::new(&tracks, "");
    let d = lib.start(40);
    let (artist, album) = (
        tracks[0].artist.clone().unwrap(),
        tracks[0].album.clone().unwrap(),
    );
    let mut c = lib.env.client();
    assert!(c.set_album_year(year(&artist, &album, 1979)).unwrap().0);
    let watch = lib.watch(lib.seq());
    lib.write(&renamed(&tracks, &album), WriteMode::AtomicRename);
    let seen =
        watch.until(|e| e["type"] == "entries_invalidated" && e["content_type"] == "album_year");
    assert_eq!(seen.last().unwrap()["reason"], "track_modified");
    d.kill();
    let _d = lib.start(40);
    let mut c = lib.env.client();
    assert!(
        c.get_album_year(&artist, &album, 0).unwrap().is_none(),
        "the old album's year came back after kill -9"
    );
}

/// The same, when the daemon dies between saving the new snapshot and
/// applying its invalidations: the restart must plan them again.
#[test]
fn invalidations_a_crash_interrupted_are_applied_at_the_next_start() {
    let tracks = library(40, 8);
    let lib = LibraryEnv::new(&tracks, "");
    let d = lib.start(40);
    let (artist, album) = (
        tracks[0].artist.clone().unwrap(),
        tracks[0].album.clone().unwrap(),
    );
    lib.env
        .client()
        .set_album_year(year(&artist, &album, 1979))
        .unwrap();
    d.stop();
    let path = lib.path.clone();
    let mut crashing = lib.env.start_with(|c| {
        c.arg("--library")
            .arg(&path)
            .env("TRACKCACHE_CRASH_AT", "after-library-commit");
    });
    lib.write(&renamed(&tracks, &album), WriteMode::AtomicRename);
    let status = crashing.wait_exit(DEADLINE);
    assert!(!status.success(), "it died at the crash point: {status}");
    let _d = lib.start(40);
    let mut c = lib.env.client();
    assert!(c.get_album_year(&artist, &album, 0).unwrap().is_none());
    // A write after the restart is not dropped by a second plan.
    c.set_album_year(year(&artist, &album, 1980)).unwrap();
    drop(_d);
    let _d = lib.start(40);
    let e = lib.env.client().get_album_year(&artist, &album, 0).unwrap();
    assert_eq!(e.map(|e| e.year), Some(1980));
}

/// Defect 3, as reported: of 5,000 acknowledged writes, one flipped byte
/// in the journal lost 4,500.
#[test]
fn a_flipped_journal_byte_costs_one_write_and_is_reported() {
    let env = Env::new(PERSISTENT);
    let d = env.start();
    let mut c = env.client();
    let requests: Vec<Request> = (0..5000)
        .map(|i| set(&format!("k{i:05}"), format!("value {i}").as_bytes()))
        .collect();
    for r in c.pipeline(requests).unwrap() {
        assert!(matches!(r, Ok(Response::KvStored(_))), "{r:?}");
    }
    d.kill();
    let seg = newest_segment(&env.data_dir);
    let mut bytes = std::fs::read(&seg).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&seg, &bytes).unwrap();
    let d = env.start();
    let mut c = env.client();
    let gets: Vec<Request> = (0..5000)
        .map(|i| Request::KvGet {
            namespace: "p".into(),
            key: format!("k{i:05}"),
        })
        .collect();
    let found = c
        .pipeline(gets)
        .unwrap()
        .into_iter()
        .filter(|r| matches!(r, Ok(Response::KvValue(KvLookup::Hit { .. }))))
        .count();
    assert_eq!(found, 4999, "only the damaged record is lost");
    let status = json(&env.cli(&["--json", "status"]));
    assert!(status["store"]["journal_damaged_bytes"].as_u64().unwrap() > 0);
    assert!(
        d.log_text().contains("the journal was damaged"),
        "warned in the log"
    );
}

fn newest_segment(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("journal.")
                && std::fs::metadata(p).unwrap().len() > 0
        })
        .max()
        .expect("a journal segment with records")
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_bytes(&e.path())
            } else {
                // Allocated, not apparent, size: what the disk really holds.
                std::os::unix::fs::MetadataExt::blocks(&m) * 512
            }
        })
        .sum()
}

/// Defect 4, as reported: 100,000 live entries overwritten once per run
/// grew the data dir from 38 MB to 146 MB over 5 restarts, and crashes
/// left gigabytes of sled blob files.
#[test]
fn the_data_dir_stays_bounded_over_overwrites_restarts_and_crashes() {
    let env = Env::new(PERSISTENT);
    let value = vec![b'v'; 200];
    let mut sizes = Vec::new();
    let mut live = 0;
    for round in 0..8u32 {
        let d = env.start();
        let mut c = env.client();
        for chunk in 0..20u32 {
            let requests: Vec<Request> = (0..1000u32)
                .map(|i| set(&format!("key-{chunk}-{i:05}"), &value))
                .collect();
            for r in c.pipeline(requests).unwrap() {
                assert!(r.is_ok(), "{r:?}");
            }
        }
        // Live bytes, keys plus values (what status reports as cache bytes).
        live = (0..20u32)
            .flat_map(|chunk| (0..1000u32).map(move |i| format!("key-{chunk}-{i:05}").len() as u64))
            .sum::<u64>()
            + 20_000 * value.len() as u64;
        if round % 2 == 0 {
            d.kill();
        } else {
            d.stop();
        }
        sizes.push(dir_bytes(&env.data_dir));
    }
    let bound = 2 * live + 16 * 1024 * 1024;
    eprintln!("data dir after each round: {sizes:?} bytes; live data {live} bytes");
    assert!(
        sizes.iter().all(|&s| s <= bound),
        "data dir sizes {sizes:?} over {bound} for {live} live bytes"
    );
    let (first, last) = (sizes[1], *sizes.last().unwrap());
    assert!(
        last <= first + first / 4,
        "the data dir keeps growing: {sizes:?}"
    );
}

/// Defect 6, as reported: a damaged database made the daemon exit 1, and
/// a service manager restart-looped it.
#[test]
fn a_damaged_database_is_moved_aside_and_the_daemon_serves() {
    let tracks = library(30, 9);
    let lib = LibraryEnv::new(&tracks, PERSISTENT);
    let d = lib.start(30);
    let mut c = lib.env.client();
    c.kv_set("p", "kept", b"across the damage", Ttl::Default)
        .unwrap();
    c.set_last_run("genreupdater", 1_700_000_000_000).unwrap();
    let seq_before = lib.seq();
    d.stop();
    let db = lib.env.data_dir.join("db");
    for f in std::fs::read_dir(&db).unwrap().flatten() {
        if f.path().is_file() {
            let len = std::fs::metadata(f.path()).unwrap().len() as usize;
            std::fs::write(f.path(), vec![0xa5; len.max(64)]).unwrap();
        }
    }
    let d = lib.start(30);
    let status = json(&lib.env.cli(&["--json", "status"]));
    let moved = status["store"]["recovered"]["moved_to"].as_str().unwrap();
    assert!(Path::new(moved).exists(), "the damaged database is kept");
    assert!(d.log_text().contains("the database was damaged"));
    let mut c = lib.env.client();
    assert!(
        matches!(c.kv_get("p", "kept").unwrap(), KvLookup::Hit { .. }),
        "the caches come back from their own files"
    );
    assert_eq!(
        c.get_last_run("genreupdater").unwrap(),
        Some(1_700_000_000_000)
    );
    assert!(
        lib.seq() > seq_before,
        "the new event log continues after the old one"
    );
    let human = lib.env.cli(&["status"]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("store recovered"));
}

fn root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Runs `f` with a tmpfs of `mb` megabytes mounted on `dir`, or says why
/// not and skips.
fn with_tmpfs(dir: &Path, mb: u32, f: impl FnOnce()) {
    if !root() {
        eprintln!("skipped: mounting a tmpfs needs root (CI runs as root)");
        return;
    }
    std::fs::create_dir_all(dir).unwrap();
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            &format!("size={mb}m,mode=0700"),
            "tmpfs",
        ])
        .arg(dir)
        .status();
    if !matches!(mounted, Ok(s) if s.success()) {
        eprintln!("skipped: this system refused to mount a tmpfs ({mounted:?})");
        return;
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let _ = Command::new("umount").arg("-l").arg(dir).status();
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// Fills the file system holding `dir` with one file; returns it.
fn fill(dir: &Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    while f.write_all(&block[..512]).is_ok() {}
    path
}

/// Defect 2, as reported: on a full disk, writes were acknowledged that
/// were never in the journal, a torn record was left in the middle of the
/// segment (and the 12,568 writes acknowledged after it were lost at the
/// next start), and refused writes stayed readable.
#[test]
fn a_full_disk_refuses_writes_and_loses_no_acknowledged_one() {
    let mut env = Env::new(PERSISTENT);
    let mount = env.dir.path().join("disk");
    env.data_dir = mount.join("data");
    with_tmpfs(&mount, 24, || {
        let d = env.start();
        let value = vec![b'x'; 2048];
        let mut acked = Vec::new();
        let mut refused = Vec::new();
        let round = |tag: &str, acked: &mut Vec<String>, refused: &mut Vec<String>| {
            let writers: Vec<_> = (0..4)
                .map(|w| {
                    let socket = env.socket.clone();
                    let value = value.clone();
                    let tag = tag.to_owned();
                    std::thread::spawn(move || {
                        let mut c = Client::connect(&socket).unwrap();
                        let keys: Vec<String> =
                            (0..400).map(|i| format!("{tag}-{w}-{i:04}")).collect();
                        let replies = c
                            .pipeline(keys.iter().map(|k| set(k, &value)).collect())
                            .unwrap();
                        keys.into_iter().zip(replies).collect::<Vec<_>>()
                    })
                })
                .collect();
            for w in writers {
                for (k, r) in w.join().unwrap() {
                    match r {
                        Ok(_) => acked.push(k),
                        Err(e) => {
                            assert_eq!(e.code, ErrorCode::STORAGE_FULL, "{}", e.message);
                            refused.push(k);
                        }
                    }
                }
            }
        };
        round("before", &mut acked, &mut refused);
        assert!(refused.is_empty(), "room for these");
        let filler = fill(&mount);
        round("full", &mut acked, &mut refused);
        assert!(!refused.is_empty(), "a full disk refuses writes");
        let mut c = env.client();
        for k in &refused {
            assert_eq!(
                c.kv_get("p", k).unwrap(),
                KvLookup::Miss,
                "a refused write is not readable: {k}"
            );
        }
        // Use up what reserved space is left, then a store failure during
        // an invalidation is a storage error, not a bad request (issue 16).
        for i in 0..10_000 {
            if c.kv_set("p", &format!("t{i}"), b"1", Ttl::Default).is_err() {
                break;
            }
        }
        let err = c
            .invalidate(InvalidateTarget::All)
            .expect_err("an invalidation on a full disk fails");
        assert!(is_code(&err, ErrorCode::STORAGE_FULL), "{err}");
        std::fs::remove_file(&filler).unwrap();
        wait_until("writes to be accepted again", DEADLINE, || {
            c.kv_set("p", "probe", b"1", Ttl::Default).is_ok()
        });
        let n_refused = refused.len();
        round("after", &mut acked, &mut refused);
        assert_eq!(refused.len(), n_refused, "room again: nothing refused");
        d.kill();
        let _d = env.start();
        let mut c = env.client();
        let gets: Vec<Request> = acked
            .iter()
            .map(|k| Request::KvGet {
                namespace: "p".into(),
                key: k.clone(),
            })
            .collect();
        let replies = c.pipeline(gets).unwrap();
        let lost: Vec<&String> = acked
            .iter()
            .zip(&replies)
            .filter(|(_, r)| !matches!(r, Ok(Response::KvValue(KvLookup::Hit { .. }))))
            .map(|(k, _)| k)
            .collect();
        assert!(
            lost.is_empty(),
            "{} acknowledged writes lost: {:?}",
            lost.len(),
            &lost[..lost.len().min(5)]
        );
        for k in &refused {
            assert_eq!(
                c.kv_get("p", k).unwrap(),
                KvLookup::Miss,
                "refused {k} came back"
            );
        }
        eprintln!(
            "full disk: {} writes acknowledged, {} refused with storage_full; after kill -9, \
             0 acknowledged lost, 0 refused readable",
            acked.len(),
            refused.len()
        );
    });
}

/// Defect 5, the client's half: a daemon of another user at our socket
/// path is refused before a single request is sent to it.
#[test]
fn the_client_refuses_a_daemon_of_another_user() {
    if !root() {
        eprintln!("skipped: running a daemon as another user needs root (CI runs as root)");
        return;
    }
    let base = tempfile::Builder::new()
        .prefix("tc-peer")
        .tempdir_in("/tmp")
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let theirs = base.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o755)).unwrap();
    let nobody = 65534;
    let chown = Command::new("chown")
        .arg(format!("{nobody}:{nobody}"))
        .arg(&theirs)
        .status()
        .unwrap();
    assert!(chown.success());
    let socket = theirs.join("trackcached.sock");
    let config = theirs.join("config.toml");
    std::fs::write(&config, "").unwrap();
    let mut daemon = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(trackcache_tests::harness::bin_path("trackcached"))
        .arg("--socket")
        .arg(&socket)
        .arg("--data-dir")
        .arg(theirs.join("data"))
        .arg("--config")
        .arg(&config)
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(child) = daemon.as_mut() else {
        eprintln!("skipped: setpriv is not available ({:?})", daemon.err());
        return;
    };
    wait_until("the other user's daemon to listen", DEADLINE, || {
        std::os::unix::net::UnixStream::connect(&socket).is_ok()
    });
    let out = trackcache_tests::harness::cli(&socket, &["ping"]);
    let lib = Client::connect(&socket);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("runs as uid 65534"), "{err}");
    assert!(
        matches!(
            lib,
            Err(trackcache_client::ClientError::ForeignDaemon { peer: 65534, .. })
        ),
        "the library refuses it too"
    );
}
