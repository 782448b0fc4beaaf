//! Verdicts by content: the same name holding different caches, and every
//! non-cache file GenreUpdater writes named for what it is.

use super::*;

fn holds(name: &str, text: &str) -> Holds {
    sniff(name, text.as_bytes()).holds
}

#[test]
fn cache_json_is_told_apart_by_its_entries() {
    let api =
        r#"{"h": {"artist": "A", "album": "B", "year": "1999", "source": "mb", "timestamp": 1.0}}"#;
    let early_generic = r#"{"h": [[{"id": "1"}], 1757500000.5], "g": ["x", 1757500000]}"#;
    let generic = "{\n  \"h\": {\n    \"value\": 1,\n    \"expires_at\": 1757500000.5\n  }\n}";
    assert_eq!(holds("cache/cache.json", api), Holds::ApiAnswers);
    assert_eq!(
        holds("cache/cache.json", early_generic),
        Holds::GenericCache
    );
    assert_eq!(holds("cache/cache.json", generic), Holds::GenericCache);
    assert_eq!(
        holds("whatever.txt", api),
        Holds::ApiAnswers,
        "names do not decide"
    );
    // One odd entry does not decide for the file.
    let mostly_api = r#"{"bad": [1], "h": {"artist": "A", "album": "B", "source": "s"}}"#;
    assert_eq!(holds("cache.json", mostly_api), Holds::ApiAnswers);
    assert_eq!(holds("cache.json", "{}"), Holds::Empty);
    assert_eq!(holds("cache.json", " \n"), Holds::Empty);
    assert!(matches!(
        holds("cache.json", r#"{"a": 1}"#),
        Holds::NotUnderstood(_)
    ));
}

#[test]
fn damaged_json_says_where() {
    let Holds::Damaged(why) = holds("cache.json", "{\n  \"k\": {\"artist\": \"A\",}\n}\n") else {
        panic!("damaged")
    };
    assert!(
        why.contains("line 2, column 23") && why.contains("not valid JSON"),
        "{why}"
    );
    assert!(
        !why.contains("at line 2 column"),
        "position said once: {why}"
    );
}

#[test]
fn album_years_and_other_csv() {
    assert_eq!(
        holds("x.csv", "artist,album,year\r\nA,B,1999\r\n"),
        Holds::AlbumYears
    );
    assert_eq!(
        holds("x.csv", "\u{feff}Artist,Album,Year,Timestamp,Confidence\n"),
        Holds::AlbumYears
    );
    assert!(matches!(
        holds("csv/pending_year_verification.csv", "artist,album,timestamp,reason,metadata,attempt_count\n"),
        Holds::NotACache(w) if w.contains("verify")
    ));
    assert!(matches!(
        holds("csv/track_list.csv", "id,name,artist,album,genre,year\n1,a,b,c,d,1999\n"),
        Holds::NotACache(w) if w.contains("tracks")
    ));
    assert!(matches!(
        holds("x.csv", "a,b\n1,2\n"),
        Holds::NotUnderstood(_)
    ));
}

#[test]
fn timestamps_logs_and_the_rest() {
    let run = sniff(
        "last_incremental_run.log",
        b"2025-11-02T10:00:00.123456+00:00",
    );
    assert_eq!(
        (run.holds, run.at_ms),
        (Holds::LastRun, Some(1_762_077_600_123))
    );
    assert!(matches!(
        holds(
            "csv/track_list_last_verify.txt",
            "2025-11-02T10:00:00+00:00"
        ),
        Holds::NotACache(_)
    ));
    assert!(
        matches!(holds("main/main.log", "2025-11-02 INFO a\n2025-11-02 INFO b\n"), Holds::NotUnderstood(w) if w.contains("log"))
    );
    assert!(matches!(
        holds("reports/r.html", "<html><body></body></html>"),
        Holds::NotACache(_)
    ));
    assert!(matches!(
        sniff("x.bin", &[0, 159, 146, 150]).holds,
        Holds::NotUnderstood(_)
    ));
    assert!(matches!(
        sniff("cache/library_snapshot.json.gz", &[0x1f, 0x8b, 8, 0]).holds,
        Holds::NotACache(_)
    ));
    assert!(matches!(holds("a/.DS_Store", "x"), Holds::NotACache(_)));
    assert!(matches!(
        holds("cache/cache.json.tmp", "{\"k\": "),
        Holds::NotACache(_)
    ));
}

#[test]
fn the_library_snapshot_and_its_state_are_not_caches() {
    let tracks = r#"[{"id": "1", "name": "Song", "artist": "A", "album": "B"}]"#;
    assert!(
        matches!(holds("cache/library_snapshot.json", tracks), Holds::NotACache(w) if w.contains("snapshot"))
    );
    let meta = r#"{"version": "1.0", "last_full_scan": "x", "library_mtime": "y", "track_count": 1, "snapshot_hash": "z"}"#;
    assert!(
        matches!(holds("cache/library_snapshot.meta.json", meta), Holds::NotACache(w) if w.contains("metadata"))
    );
    let delta =
        r#"{"last_run": "x", "processed_track_ids": [], "field_hashes": {}, "tracked_since": "x"}"#;
    assert!(matches!(
        holds("cache/library_delta.json", delta),
        Holds::NotACache(_)
    ));
}
