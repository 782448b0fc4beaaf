//! `trackcache import genreupdater` against a stand-in daemon that follows
//! the album-year and API caches' documented rules (30-day album-year TTL
//! counted from `stored_at_ms`, failed lookups expire after 1 hour, a lower
//! confidence does not replace a higher one). It checks the sending side
//! (pipelined chunks, replies matched to entries, refusals as skips) while
//! the real daemon's domain caches are still being written; the end-to-end
//! test against the real daemon is `tests/tests/import.rs`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashMap;
use std::io::BufReader;
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use trackcache_protocol::{
    codec, frame, AlbumYearEntry, ApiOutcome, ClientMessage, ErrorCode, ErrorReply, Request,
    Response, ServerMessage, Welcome, DEFAULT_MAX_FRAME_LEN, PROTOCOL_VERSION,
};

const DAY_MS: u64 = 86_400_000;
const EXPIRED: &str = "the entry is already expired (its TTL ran out before now)";

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Serves one connection: handshake, then one reply per request.
fn serve(stream: UnixStream) -> usize {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut years: HashMap<(String, String), AlbumYearEntry> = HashMap::new();
    let mut requests = 0;
    let send = |w: &mut UnixStream, m: &ServerMessage| {
        frame::write_frame(w, m, DEFAULT_MAX_FRAME_LEN).unwrap();
    };
    while let Some(payload) = frame::read_frame(&mut reader, DEFAULT_MAX_FRAME_LEN).unwrap() {
        let (id, request) = match codec::decode_client(&payload).unwrap() {
            ClientMessage::Hello(_) => {
                let welcome = Welcome {
                    daemon_version: "fake".into(),
                    protocol_version: PROTOCOL_VERSION,
                    capabilities: vec![],
                    max_frame_len: DEFAULT_MAX_FRAME_LEN,
                };
                send(&mut writer, &ServerMessage::Welcome(welcome));
                continue;
            }
            ClientMessage::Request { id, request } => (id, request),
        };
        requests += 1;
        let result = answer(&mut years, request);
        send(&mut writer, &ServerMessage::Reply { id, result });
    }
    requests
}

fn answer(
    years: &mut HashMap<(String, String), AlbumYearEntry>,
    request: Request,
) -> Result<Response, ErrorReply> {
    let expired = || Err(ErrorReply::new(ErrorCode::BAD_REQUEST, EXPIRED));
    let now = now_ms();
    match request {
        Request::SetAlbumYear(s) => {
            let at = s.stored_at_ms.unwrap_or(now);
            if at + 30 * DAY_MS <= now {
                return expired();
            }
            let key = (s.artist.to_lowercase(), s.album.to_lowercase());
            if let Some(current) = years.get(&key).filter(|c| c.confidence > s.confidence) {
                let current = current.clone();
                return Ok(Response::AlbumYearStored {
                    stored: false,
                    current,
                });
            }
            let entry = AlbumYearEntry {
                artist: s.artist,
                album: s.album,
                year: s.year,
                confidence: s.confidence,
                source: s.source,
                stored_at_ms: at,
                album_fingerprint: 0,
                expires_in_ms: Some(at + 30 * DAY_MS - now),
            };
            years.insert(key, entry.clone());
            Ok(Response::AlbumYearStored {
                stored: true,
                current: entry,
            })
        }
        Request::SetApiResult(s) => match s.outcome {
            ApiOutcome::Failed { .. } if s.stored_at_ms.unwrap_or(now) + 3_600_000 <= now => {
                expired()
            }
            _ => Ok(Response::ApiStored {
                expires_in_ms: None,
            }),
        },
        other => Err(ErrorReply::new(
            ErrorCode::BAD_REQUEST,
            format!("{other:?}"),
        )),
    }
}

#[test]
fn import_sends_everything_and_reports_refusals_as_skips() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("fake.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    // Two imports, one connection each; the stand-in forgets between them.
    let server = std::thread::spawn(move || {
        let first = serve(listener.accept().unwrap().0);
        serve(listener.accept().unwrap().0);
        first
    });

    let secs = |ms: u64| format!("{:.6}", ms as f64 / 1000.0);
    let (recent, old) = (secs(now_ms() - DAY_MS), secs(now_ms() - 40 * DAY_MS));
    // 1,200 fresh rows (three pipelined chunks), one old one, and the same
    // album twice: the lower-confidence second row must lose.
    let mut csv = String::from("artist,album,year,confidence,source,timestamp\r\n");
    for i in 0..1200 {
        csv.push_str(&format!(
            "Artist {i},Album {i},1990,80,musicbrainz,{recent}\r\n"
        ));
    }
    csv.push_str(&format!("Old,Album,1970,90,discogs,{old}\r\n"));
    csv.push_str(&format!("Artist 7,Album 7,1991,20,lastfm,{recent}\r\n"));
    std::fs::write(dir.path().join("album_years.csv"), csv).unwrap();
    let json = format!(
        r#"{{"found": {{"artist": "A", "album": "B", "year": 1999, "source": "discogs", "timestamp": {old}}},
            "failed-old": {{"artist": "A", "album": "C", "year": null, "source": "discogs", "timestamp": {old}}},
            "failed-new": {{"artist": "A", "album": "D", "year": null, "source": "discogs"}}}}"#
    );
    std::fs::write(dir.path().join("cache.json"), json).unwrap();

    let import = |json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trackcache"));
        cmd.arg("--socket").arg(&socket);
        if json {
            cmd.arg("--json");
        }
        let out = cmd
            .args(["import", "genreupdater"])
            .arg(dir.path())
            .output();
        let out = out.unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        out
    };
    let out = import(true);
    let human = import(false);
    assert_eq!(server.join().unwrap(), 1202 + 3, "every entry sent once");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("imported 1200 album years, 2 API answers, 0 generic entries and no last run; skipped 3"),
        "{text}"
    );
    assert!(
        text.contains("album_years.csv  album years, 1202 rows: 1200 imported, 2 skipped"),
        "{text}"
    );
    assert!(
        text.contains("fake.sock        not understood (a socket"),
        "listed, not read: {text}"
    );
    assert!(
        text.contains("e.g. album_years.csv line 1202: \"Old\" / \"Album\""),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["imported"]["album_years"], 1200);
    assert_eq!(v["imported"]["api"], 2);
    assert_eq!(v["skipped"], 3);
    let reasons = v["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0]["reason"], EXPIRED);
    assert_eq!(reasons[0]["count"], 2);
    assert_eq!(
        reasons[0]["examples"],
        serde_json::json!([
            "album_years.csv line 1202: \"Old\" / \"Album\"",
            "cache.json key \"failed-old\": \"A\" / \"C\""
        ])
    );
    assert_eq!(
        reasons[1]["reason"],
        "a year with a higher confidence is already cached"
    );
    assert_eq!(
        reasons[1]["examples"][0],
        "album_years.csv line 1203: \"Artist 7\" / \"Album 7\": year 1991 at confidence 20, \
         cached 1990 at confidence 80 (musicbrainz)"
    );
}
