//! `trackcache import genreupdater` when no daemon answers: `--dry-run`
//! must not need one, and file errors come before connection errors.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

fn trackcache(socket: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trackcache"))
        .arg("--socket")
        .arg(socket)
        .args(args)
        .env_remove("TRACKCACHE_SOCKET")
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

/// A GenreUpdater cache dir with two good and two bad entries.
fn genreupdater_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("album_years.csv"),
        "artist,album,year,timestamp\r\nPink Floyd,The Wall,1979,1705314600.5\r\nA,B,19x9,1705314600\r\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cache.json"),
        r#"{"k": {"artist": "A", "album": "B", "year": null, "source": "discogs",
                  "timestamp": 1705314600.0, "ttl": 3600, "metadata": {}, "api_response": null},
            "bad": [1]}"#,
    )
    .unwrap();
    dir
}

#[test]
fn dry_run_reports_without_a_daemon() {
    let dir = genreupdater_dir();
    let sock = dir.path().join("nobody.sock");
    let d = dir.path().to_str().unwrap();
    let out = trackcache(&sock, &["--json", "import", "genreupdater", d, "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json(&out);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["imported"]["album_years"], 1);
    assert_eq!(v["imported"]["api"], 1);
    assert_eq!(v["skipped"], 2);
    assert_eq!(v["files"]["album_years.csv"]["records"], 2);
    assert_eq!(v["files"]["album_years.csv"]["holds"], "album_years");
    assert_eq!(v["files"]["cache.json"]["holds"], "api_answers");
    assert_eq!(
        (
            v["files"]["cache.json"]["imported"].as_u64(),
            v["files"]["cache.json"]["skipped"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let reasons: Vec<_> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reason"].as_str().unwrap(), r["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("year is not a whole number from 1 to 9999", 1),
            ("entry is not a JSON object", 1)
        ]
    );
    assert_eq!(
        v["reasons"][0]["examples"][0],
        "album_years.csv line 3: \"A\" / \"B\", year \"19x9\""
    );

    let out = trackcache(&sock, &["import", "genreupdater", d, "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("dry run"), "{text}");
    assert!(
        text.contains(
            "would import 1 album year, 1 API answer, 0 generic entries and no last run; skipped 2"
        ),
        "{text}"
    );
    assert!(
        text.contains("cache.json       API answers, 2 entries: 1 to import, 1 skipped"),
        "{text}"
    );
}

#[test]
fn without_dry_run_it_needs_the_daemon() {
    let dir = genreupdater_dir();
    let sock = dir.path().join("nobody.sock");
    let out = trackcache(
        &sock,
        &[
            "--timeout",
            "200ms",
            "import",
            "genreupdater",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no trackcached is answering"), "{err}");
}

#[test]
fn file_errors_exit_2_before_any_connection() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("nobody.sock");
    let d = dir.path().to_str().unwrap();
    let out = trackcache(&sock, &["--json", "import", "genreupdater", d]);
    assert_eq!(out.status.code(), Some(2));
    let msg = json(&out)["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        msg.contains(d) && msg.contains("no GenreUpdater cache") && msg.contains("holds no files"),
        "{msg}"
    );

    std::fs::write(dir.path().join("cache.json"), "{\"k\": ").unwrap();
    let out = trackcache(&sock, &["import", "genreupdater", d, "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cache.json: damaged (not valid JSON") && err.contains("line 1, column"),
        "{err}"
    );
}
