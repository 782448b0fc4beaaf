//! End-to-end: `trackcache import genreupdater` on each layout GenreUpdater
//! left on disk over its releases, built here the way its writers wrote
//! them (Python's `csv.writer`, `json.dump`, `datetime.isoformat()`), with
//! the report checked file by file and the imported entries read back.
//!
//! | release | files (under GenreUpdater's logs directory) |
//! |---|---|
//! | first (2025-09-10) | `csv/cache_albums.csv` (artist,album,year), `cache/api_results.json`, `cache/cache.json` (the generic cache, `[value, expiry]`), `last_incremental_run.log` |
//! | September 2025 | `cache/album_years.csv` (artist,album,year), `cache/api_responses.json` (API answers; the generic cache in memory only) |
//! | October 2025 | `cache/album_years.csv` (+timestamp), `cache/cache.json` (API answers), `cache/generic_cache.json` (`{value, expires_at}`), `cache/library_snapshot.json` |
//! | December 2025 on | `cache/album_years.csv` (+confidence), snapshot `.json.gz`, `.meta.json`, `library_delta.json`, `csv/pending_year_verification.csv`, logs, reports |
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::{json, Value};
use trackcache_protocol::{ApiOutcome, KvLookup};
use trackcache_tests::genreupdater::{
    api_entry, csv_row, isoformat, now, py_json, py_json_indent, write, DAY, HOUR, TRACKS_ALL,
};
use trackcache_tests::harness::{json as out_json, Env};

/// `trackcache --json import genreupdater ARGS`: the report and exit code.
fn import(env: &Env, args: &[&str]) -> (Value, i32) {
    let mut all = vec!["--json", "import", "genreupdater"];
    all.extend_from_slice(args);
    let out = env.cli(&all);
    let code = out.status.code().unwrap();
    (out_json(&out), code)
}

/// `name -> (holds, records, imported, skipped)` of a report.
fn files(v: &Value) -> Vec<(String, String, u64, u64, u64)> {
    v["files"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, f)| {
            let n = |k: &str| f[k].as_u64().unwrap();
            let holds = f["holds"].as_str().unwrap().to_owned();
            (
                name.clone(),
                holds,
                n("records"),
                n("imported"),
                n("skipped"),
            )
        })
        .collect()
}

fn row(
    name: &str,
    holds: &str,
    records: u64,
    imported: u64,
    skipped: u64,
) -> (String, String, u64, u64, u64) {
    (name.into(), holds.into(), records, imported, skipped)
}

#[test]
fn the_first_release_layout() {
    let env = Env::new("");
    let _d = env.start();
    let logs = env.dir.path().join("GenreUpdater");
    let t = now();
    // CacheService._write_csv_data: DictWriter(["artist", "album", "year"]).
    let years = csv_row(&["artist", "album", "year"])
        + &csv_row(&["Pink Floyd", "The Wall", "1979"])
        + &csv_row(&["Crosby, Stills & Nash", "Déjà Vu", "1970"])
        + &csv_row(&["No Year", "Album", ""]);
    write(&logs, "csv/cache_albums.csv", &years);
    // _save_api_cache: model_dump, indent=2; negative results carry the negative TTL.
    let api = json!({
        "a1": api_entry("Radiohead", "OK Computer", Some("1997"), "musicbrainz", t - DAY, None),
        "a2": api_entry("Nobody", "Nothing", None, "discogs", t - HOUR, Some(2_592_000)),
    });
    write(&logs, "cache/api_results.json", &py_json_indent(&api));
    // save_cache: the generic cache, {key: [value, expires_at]}, json.dump without indent.
    let generic = json!({
        TRACKS_ALL: [[{"id": "1", "name": "Hey You"}], t + 600.0],
        "0000000000000000000000000000000000000000000000000000000000000000": ["gone", t - 60.0],
    });
    write(&logs, "cache/cache.json", &py_json(&generic));
    // update_last_incremental_run: datetime.now(tz=UTC).isoformat().
    write(
        &logs,
        "last_incremental_run.log",
        &isoformat(t - 2.0 * HOUR),
    );
    write(
        &logs,
        "main/main.log",
        "2025-09-10 12:00:00 INFO started\n2025-09-10 12:01:00 INFO done\n",
    );

    let (v, code) = import(&env, &[logs.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        files(&v),
        [
            row("cache/api_results.json", "api_answers", 2, 2, 0),
            row("cache/cache.json", "generic_cache", 2, 1, 1),
            row("csv/cache_albums.csv", "album_years", 3, 2, 1),
            row("last_incremental_run.log", "last_run", 1, 1, 0),
            row("main/main.log", "not_understood", 0, 0, 0),
        ]
    );
    let imported = &v["imported"];
    assert_eq!(
        (
            &imported["album_years"],
            &imported["api"],
            &imported["generic"]
        ),
        (&json!(2), &json!(2), &json!(1))
    );
    let mut c = env.client();
    assert_eq!(
        c.get_album_year("Pink Floyd", "The Wall", 0)
            .unwrap()
            .unwrap()
            .year,
        1979
    );
    assert_eq!(
        c.get_album_year("Crosby, Stills & Nash", "Déjà Vu", 0)
            .unwrap()
            .unwrap()
            .year,
        1970
    );
    let nothing = c
        .get_api_result("discogs", "Nobody", "Nothing")
        .unwrap()
        .unwrap();
    assert_eq!(
        nothing.outcome,
        ApiOutcome::NotFound,
        "the negative TTL marks a not-found answer"
    );
    assert!(matches!(
        c.get_api_result("musicbrainz", "Radiohead", "OK Computer")
            .unwrap()
            .unwrap()
            .outcome,
        ApiOutcome::Found { .. }
    ));
    let KvLookup::Hit {
        value,
        expires_in_ms,
    } = c.kv_get("genreupdater", TRACKS_ALL).unwrap()
    else {
        panic!("the generic entry is where trackcache.genreupdater looks")
    };
    assert_eq!(
        serde_json::from_slice::<Value>(&value).unwrap(),
        json!([{"id": "1", "name": "Hey You"}])
    );
    assert!(expires_in_ms.unwrap() <= 600_000, "the TTL it had left");
    let run = c.get_last_run("genreupdater").unwrap().unwrap();
    assert!(((run as f64) / 1000.0 - (t - 2.0 * HOUR)).abs() < 1.0);
}

#[test]
fn the_september_2025_layout() {
    let env = Env::new("");
    let _d = env.start();
    let cache = env.dir.path().join("cache");
    let t = now();
    // AlbumCacheService._write_csv_data: csv.writer, header artist,album,year.
    let years = csv_row(&["artist", "album", "year"]) + &csv_row(&["Björk", "Homogenic", "1997"]);
    write(&cache, "album_years.csv", &years);
    // ApiCacheService.save_to_disk, default api_cache_file "cache/api_responses.json".
    let api = json!({
        "k": api_entry("Björk", "Homogenic", Some("1997"), "discogs", t - DAY, None),
        "f": api_entry("Björk", "Vespertine", None, "lastfm", t - 60.0, None),
    });
    write(&cache, "api_responses.json", &py_json_indent(&api));

    let (v, code) = import(&env, &[cache.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        files(&v),
        [
            row("album_years.csv", "album_years", 1, 1, 0),
            row("api_responses.json", "api_answers", 2, 2, 0),
        ]
    );
    assert_eq!(v["imported"]["last_run_ms"], Value::Null);
    assert_eq!(v["hints"], json!([]));
    // Given GenreUpdater's cache/ while the last run is in the logs directory above it.
    write(env.dir.path(), "last_incremental_run.log", &isoformat(t));
    let (v, _) = import(&env, &[cache.to_str().unwrap(), "--dry-run"]);
    let hint = v["hints"][0].as_str().unwrap();
    assert!(
        hint.contains("last_incremental_run.log is next to") && hint.contains("--last-run"),
        "{hint}"
    );
    let mut c = env.client();
    let failed = c
        .get_api_result("lastfm", "Björk", "Vespertine")
        .unwrap()
        .unwrap();
    assert!(
        matches!(failed.outcome, ApiOutcome::Failed { .. }),
        "no year, no ttl: a failed lookup"
    );
    assert!(
        c.get_album_year("bjork", "homogenic", 0).unwrap().is_none(),
        "normalized, not folded"
    );
    assert!(c.get_album_year("BJÖRK", "homogenic", 0).unwrap().is_some());
}

#[test]
fn the_october_2025_layout() {
    let env = Env::new("");
    let _d = env.start();
    let logs = env.dir.path().join("logs");
    let t = now();
    // From 2025-10-24: a timestamp column, f"{timestamp:.6f}".
    let years = csv_row(&["artist", "album", "year", "timestamp"])
        + &csv_row(&[
            "Kenji Berg",
            "First Light",
            "2011",
            &format!("{:.6}", t - DAY),
        ])
        + &csv_row(&["Old", "Album", "1970", &format!("{:.6}", t - 40.0 * DAY)]);
    write(&logs, "cache/album_years.csv", &years);
    let api = json!({"k": api_entry("Kenji Berg", "First Light", Some("2011"), "musicbrainz", t - DAY, None)});
    write(&logs, "cache/cache.json", &py_json_indent(&api));
    // GenericCacheService.save_to_disk: {key: {"value": V, "expires_at": T}}, indent=2.
    let generic = json!({TRACKS_ALL: {"value": [{"id": "7"}], "expires_at": t + 300.0}});
    write(&logs, "cache/generic_cache.json", &py_json_indent(&generic));
    let snapshot =
        json!([{"id": "7", "name": "Song", "artist": "Kenji Berg", "album": "First Light"}]);
    write(&logs, "cache/library_snapshot.json", &py_json(&snapshot));
    write(&logs, "last_incremental_run.log", &isoformat(t - 600.0));

    let (v, code) = import(&env, &[logs.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        files(&v),
        [
            row("cache/album_years.csv", "album_years", 2, 1, 1),
            row("cache/cache.json", "api_answers", 1, 1, 0),
            row("cache/generic_cache.json", "generic_cache", 1, 1, 0),
            row("cache/library_snapshot.json", "not_a_cache", 0, 0, 0),
            row("last_incremental_run.log", "last_run", 1, 1, 0),
        ]
    );
    assert!(v["files"]["cache/library_snapshot.json"]["what"]
        .as_str()
        .unwrap()
        .contains("reads the library itself"));
    assert!(
        v["reasons"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{v}"
    );
    let mut c = env.client();
    let kenji = c
        .get_album_year("Kenji Berg", "First Light", 0)
        .unwrap()
        .unwrap();
    assert!(
        (kenji.stored_at_ms as f64 / 1000.0 - (t - DAY)).abs() < 1.0,
        "the file's timestamp"
    );
    assert!(matches!(
        c.kv_get("genreupdater", TRACKS_ALL).unwrap(),
        KvLookup::Hit { .. }
    ));
    // The human report names every file.
    let out = env.cli(&[
        "import",
        "genreupdater",
        logs.to_str().unwrap(),
        "--dry-run",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "cache/album_years.csv",
        "cache/cache.json",
        "cache/generic_cache.json",
        "cache/library_snapshot.json",
        "last_incremental_run.log",
    ] {
        assert!(text.contains(name), "{name} in {text}");
    }
}

#[test]
fn the_current_layout_with_files_moved_by_the_config() {
    let env = Env::new("");
    let _d = env.start();
    let logs = env.dir.path().join("logs");
    let t = now();
    // From 2025-12-13: confidence; the config moved album_years_cache_file.
    let years = csv_row(&["artist", "album", "year", "timestamp", "confidence"])
        + &csv_row(&[
            "Pink Floyd",
            "Animals",
            "1977",
            &format!("{:.6}", t - HOUR),
            "85",
        ]);
    let moved = env.dir.path().join("elsewhere/years.csv");
    write(moved.parent().unwrap(), "years.csv", &years);
    let api =
        json!({"k": api_entry("Pink Floyd", "Animals", Some("1977"), "musicbrainz", t, None)});
    write(&logs, "cache/cache.json", &py_json_indent(&api));
    // SnapshotService with compression: gzip bytes.
    let gz = logs.join("cache/library_snapshot.json.gz");
    std::fs::create_dir_all(gz.parent().unwrap()).unwrap();
    std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]).unwrap();
    let meta = json!({"version": "1.0", "last_full_scan": isoformat(t), "library_mtime": isoformat(t), "track_count": 1, "snapshot_hash": "ab"});
    write(&logs, "cache/library_snapshot.meta.json", &py_json(&meta));
    let delta = json!({"last_run": isoformat(t), "processed_track_ids": ["7"], "field_hashes": {}, "tracked_since": isoformat(t)});
    write(&logs, "cache/library_delta.json", &py_json(&delta));
    let pending = csv_row(&[
        "artist",
        "album",
        "timestamp",
        "reason",
        "metadata",
        "attempt_count",
    ]) + &csv_row(&["A", "B", &isoformat(t), "no_year", "{}", "1"]);
    write(&logs, "csv/pending_year_verification.csv", &pending);
    write(
        &logs,
        "csv/track_list.csv",
        &(csv_row(&["id", "name", "artist", "album", "genre", "year"])
            + &csv_row(&["7", "Song", "A", "B", "Rock", "1977"])),
    );
    write(&logs, "csv/track_list_last_verify.txt", &isoformat(t));
    write(
        &logs,
        "reports/dry_run_report.html",
        "<html><body>report</body></html>",
    );
    write(&logs, "cache/cache.json.tmp", "{\"k\": {\"artist\"");
    write(&logs, "last_incremental_run.log", &isoformat(t - 60.0));

    let moved_arg = moved.to_str().unwrap();
    let (v, code) = import(&env, &[logs.to_str().unwrap(), "--album-years", moved_arg]);
    assert_eq!(code, 0, "{v}");
    let got = files(&v);
    let holds: Vec<(&str, &str)> = got
        .iter()
        .map(|(n, h, ..)| (n.as_str(), h.as_str()))
        .collect();
    assert_eq!(
        holds,
        [
            (moved_arg, "album_years"),
            ("cache/cache.json", "api_answers"),
            ("cache/cache.json.tmp", "not_a_cache"),
            ("cache/library_delta.json", "not_a_cache"),
            ("cache/library_snapshot.json.gz", "not_a_cache"),
            ("cache/library_snapshot.meta.json", "not_a_cache"),
            ("csv/pending_year_verification.csv", "not_a_cache"),
            ("csv/track_list.csv", "not_a_cache"),
            ("csv/track_list_last_verify.txt", "not_a_cache"),
            ("last_incremental_run.log", "last_run"),
            ("reports/dry_run_report.html", "not_a_cache"),
        ]
    );
    assert_eq!(v["files"][moved_arg]["given_as"], "--album-years");
    let mut c = env.client();
    let animals = c
        .get_album_year("Pink Floyd", "Animals", 0)
        .unwrap()
        .unwrap();
    assert_eq!((animals.year, animals.confidence), (1977, 85));

    // A last run later in the daemon (the adapter ran since) is kept.
    let later = (t * 1000.0) as u64 - 30_000;
    c.set_last_run("genreupdater", later).unwrap();
    let (v, code) = import(&env, &[logs.to_str().unwrap(), "--album-years", moved_arg]);
    assert_eq!(code, 0);
    assert_eq!(c.get_last_run("genreupdater").unwrap(), Some(later));
    assert_eq!(v["files"]["last_incremental_run.log"]["skipped"], 1);
    assert!(v["reasons"].to_string().contains("later last run"), "{v}");

    // The wrong file for an option is refused, saying what it holds.
    let generic_as_api = env.dir.path().join("g.json");
    std::fs::write(
        &generic_as_api,
        py_json(&json!({"k": {"value": 1, "expires_at": t + 60.0}})),
    )
    .unwrap();
    let out = env.cli(&[
        "import",
        "genreupdater",
        "--api-cache",
        generic_as_api.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("holds the generic cache, not API answers"),
        "{err}"
    );
}

#[test]
fn a_damaged_cache_is_listed_the_rest_imported_and_the_exit_says_so() {
    let env = Env::new("");
    let _d = env.start();
    let cache = env.dir.path().join("cache");
    write(
        &cache,
        "album_years.csv",
        &(csv_row(&["artist", "album", "year"]) + &csv_row(&["A", "B", "1999"])),
    );
    // A cache.json cut short (a crash during GenreUpdater's non-atomic save).
    write(
        &cache,
        "cache.json",
        "{\n  \"k\": {\n    \"artist\": \"A\",\n",
    );
    let (v, code) = import(&env, &[cache.to_str().unwrap()]);
    assert_eq!(code, 2, "a cache that could not be read is an error: {v}");
    assert_eq!(v["imported"]["album_years"], 1, "the rest was imported");
    let what = v["files"]["cache.json"]["what"].as_str().unwrap();
    assert!(
        what.starts_with("damaged (not valid JSON: EOF") && what.contains("line 3"),
        "{what}"
    );
}
