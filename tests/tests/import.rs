//! End-to-end: `trackcache import genreupdater` into the real daemon's
//! album-year and API caches, checked through the library client.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{SystemTime, UNIX_EPOCH};

use trackcache_client::import::genreupdater::NO_YEAR_ERROR;
use trackcache_protocol::{ApiOutcome, SetAlbumYear};
use trackcache_tests::harness::{json, Env};

const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 86_400_000;

fn code(out: &std::process::Output) -> i32 {
    out.status.code().expect("exit code")
}

fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    u64::try_from(since.as_millis()).unwrap()
}

/// Unix seconds with millisecond precision, as GenreUpdater writes them.
fn secs(ms: u64) -> String {
    format!("{}.{:03}000", ms / 1000, ms % 1000)
}

/// An ISO-8601 date-time without zone (UTC), GenreUpdater's other timestamp form.
fn iso(ms: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// (reason, count) pairs of a `--json` import report, in report order.
fn reasons(v: &serde_json::Value) -> Vec<(String, u64)> {
    v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let reason = r["reason"].as_str().unwrap().to_owned();
            (reason, r["count"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn genreupdater_caches_are_imported_with_their_ages() {
    let env = Env::new("");
    let _d = env.start();
    let mut c = env.client();
    // A better year the import must not replace.
    c.set_album_year(SetAlbumYear {
        artist: "Pink Floyd".into(),
        album: "The Wall".into(),
        year: 1979,
        confidence: 95,
        source: "manual".into(),
        force: false,
        stored_at_ms: None,
    })
    .unwrap();

    let now = now_ms();
    let (recent, old) = (now - DAY_MS, now - 40 * DAY_MS);
    let dir = env.dir.path().join("genreupdater");
    std::fs::create_dir(&dir).unwrap();
    let csv = format!(
        "\u{feff}artist,album,year,confidence,source,timestamp\r\n\
         Pink Floyd,The Wall,1980,50,genreupdater,{r}\r\n\
         Kenji Berg,First Light,2011,90,musicbrainz,{ri}\r\n\
         \"Crosby, Stills & Nash\",Déjà Vu,1970,,,{r}\r\n\
         Old,Album,1970,90,discogs,{o}\r\n\
         Bad,Row,19x9,90,discogs,{r}\r\n",
        r = secs(recent),
        ri = iso(recent),
        o = secs(old),
    );
    std::fs::write(dir.join("album_years.csv"), csv).unwrap();
    let cache = format!(
        r#"{{
          "found": {{"artist": "Kenji Berg", "album": "First Light", "year": "2011",
                     "source": "musicbrainz", "timestamp": {o}, "ttl": null,
                     "metadata": {{"release_id": "abc"}}, "api_response": {{"id": "abc"}}}},
          "failed-old": {{"artist": "A", "album": "Gone", "year": null, "source": "discogs",
                          "timestamp": {fo}, "ttl": null, "metadata": {{}}, "api_response": null}},
          "failed-new": {{"artist": "A", "album": "Fresh", "year": null, "source": "discogs",
                          "timestamp": {fn_}, "ttl": null, "metadata": {{}}, "api_response": null}},
          "broken": 5
        }}"#,
        o = secs(old),
        fo = secs(now - 120 * MINUTE_MS),
        fn_ = secs(now - 10 * MINUTE_MS),
    );
    std::fs::write(dir.join("cache.json"), cache).unwrap();
    let d = dir.to_str().unwrap();

    // A dry run reports what it read and stores nothing.
    let out = env.cli(&["--json", "import", "genreupdater", d, "--dry-run"]);
    assert_eq!(code(&out), 0, "{out:?}");
    let v = json(&out);
    assert_eq!(
        (
            &v["imported"]["album_years"],
            &v["imported"]["api"],
            &v["skipped"]
        ),
        (&4.into(), &3.into(), &2.into())
    );
    assert_eq!(
        c.get_album_year("Kenji Berg", "First Light", 0).unwrap(),
        None
    );

    let out = env.cli(&["--json", "import", "genreupdater", d]);
    assert_eq!(code(&out), 0, "{out:?}");
    let v = json(&out);
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["imported"]["album_years"], 2, "{v}");
    assert_eq!(v["imported"]["api"], 2, "{v}");
    assert_eq!(v["skipped"], 5, "{v}");
    assert_eq!(v["files"]["album_years.csv"]["records"], 5);
    assert_eq!(v["files"]["cache.json"]["records"], 4);
    let got = reasons(&v);
    let count = |needle: &str| -> u64 {
        got.iter()
            .filter(|(r, _)| r.contains(needle))
            .map(|(_, n)| n)
            .sum()
    };
    assert_eq!(
        count("expired"),
        2,
        "old album year, old failed lookup: {got:?}"
    );
    assert_eq!(count("higher confidence is already cached"), 1, "{got:?}");
    assert_eq!(count("year is not a whole number"), 1, "{got:?}");
    assert_eq!(count("not a JSON object"), 1, "{got:?}");

    // Album years: the better entry stays, the others carry the file's age.
    let wall = c
        .get_album_year("Pink Floyd", "The Wall", 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        (wall.year, wall.confidence, &*wall.source),
        (1979, 95, "manual")
    );
    let kenji = c
        .get_album_year("Kenji Berg", "First Light", 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        (kenji.year, kenji.confidence, &*kenji.source),
        (2011, 90, "musicbrainz")
    );
    assert_eq!(kenji.stored_at_ms, recent, "the ISO timestamp is kept");
    let left = kenji.expires_in_ms.unwrap();
    assert!(
        left <= 29 * DAY_MS && left > 28 * DAY_MS,
        "30 days from the file's timestamp: {left}"
    );
    let csn = c
        .get_album_year("Crosby, Stills & Nash", "Déjà Vu", 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        (csn.year, csn.confidence, &*csn.source),
        (1970, 0, "genreupdater")
    );
    assert_eq!(csn.stored_at_ms, recent);
    assert_eq!(c.get_album_year("Old", "Album", 0).unwrap(), None);

    // API answers: found ones never expire, failed ones an hour after their timestamp.
    let found = c
        .get_api_result("musicbrainz", "Kenji Berg", "First Light")
        .unwrap()
        .unwrap();
    assert_eq!((found.stored_at_ms, found.expires_in_ms), (old, None));
    let ApiOutcome::Found { payload, metadata } = &found.outcome else {
        panic!("{found:?}")
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(payload).unwrap(),
        serde_json::json!({"id": "abc"})
    );
    assert!(
        metadata.contains(&("release_id".into(), "abc".into())),
        "{metadata:?}"
    );
    assert!(
        metadata.contains(&("year".into(), "2011".into())),
        "{metadata:?}"
    );
    let fresh = c.get_api_result("discogs", "A", "Fresh").unwrap().unwrap();
    assert_eq!(
        fresh.outcome,
        ApiOutcome::Failed {
            error: NO_YEAR_ERROR.into()
        }
    );
    assert!(fresh.expires_in_ms.unwrap() <= 50 * MINUTE_MS, "{fresh:?}");
    assert_eq!(c.get_api_result("discogs", "A", "Gone").unwrap(), None);

    // Importing again is harmless: the same entries are stored again.
    let v = json(&env.cli(&["--json", "import", "genreupdater", d]));
    assert_eq!(
        (&v["imported"]["album_years"], &v["imported"]["api"]),
        (&2.into(), &2.into())
    );
}
