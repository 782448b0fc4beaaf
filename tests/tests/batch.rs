//! End-to-end: batch requests answer item by item, in request order, each
//! with its own outcome; an item's error does not fail the others; the
//! writes of a batch are durable when it is answered.
#![allow(clippy::unwrap_used, missing_docs)]

use trackcache_client::protocol::{
    AlbumYearQuery, ApiOutcome, ApiQuery, ErrorCode, KvKey, KvLookup, KvSet, SetAlbumYear,
    SetApiResult,
};
use trackcache_tests::harness::{cli_with_input, json_list, Env};

fn year(artist: &str, album: &str, y: i32, confidence: u8) -> SetAlbumYear {
    SetAlbumYear {
        artist: artist.into(),
        album: album.into(),
        year: y,
        confidence,
        source: "test".into(),
        force: false,
        stored_at_ms: None,
    }
}

fn query(artist: &str, album: &str) -> AlbumYearQuery {
    AlbumYearQuery {
        artist: artist.into(),
        album: album.into(),
        min_confidence: 0,
    }
}

#[test]
fn batch_replies_come_in_order_with_mixed_statuses() {
    let env = Env::new("[cache.namespaces.p]\npersistent = true\n");
    let d = env.start();
    let mut c = env.client();
    c.set_album_year(year("A", "High", 1990, 90)).unwrap();

    let stored = c
        .set_album_years(vec![
            year("A", "One", 2001, 50),
            year("", "Blank", 2002, 50), // refused: blank artist
            year("A", "High", 1991, 10), // kept: lower confidence
            year("A", "Two", 2002, 50),
        ])
        .unwrap();
    assert_eq!(stored.len(), 4);
    assert!(stored[0].as_ref().unwrap().0);
    assert_eq!(stored[1].as_ref().unwrap_err().code, ErrorCode::BAD_REQUEST);
    let kept = stored[2].as_ref().unwrap();
    assert_eq!((kept.0, kept.1.year), (false, 1990));
    assert_eq!(stored[3].as_ref().unwrap().1.year, 2002);

    let got = c
        .get_album_years(vec![
            query("a", "two"),
            query("A", "Missing"),
            query(" ", " "),
            query("A", "One"),
        ])
        .unwrap();
    let years: Vec<Option<i32>> = got
        .iter()
        .map(|r| r.as_ref().ok().and_then(|e| e.as_ref().map(|e| e.year)))
        .collect();
    assert_eq!(years, [Some(2002), None, None, Some(2001)]);
    assert!(got[1].as_ref().unwrap().is_none(), "a miss, not an error");
    assert!(got[2].is_err(), "a blank key is an error");

    let api = |album: &str, outcome| SetApiResult {
        source: "mb".into(),
        artist: "A".into(),
        album: album.into(),
        outcome,
        stored_at_ms: None,
    };
    let set = c
        .set_api_results(vec![
            api("One", ApiOutcome::NotFound),
            api(
                "Two",
                ApiOutcome::Failed {
                    error: "503".into(),
                },
            ),
        ])
        .unwrap();
    assert!(set.iter().all(Result::is_ok));
    let aq = |album: &str| ApiQuery {
        source: "mb".into(),
        artist: "A".into(),
        album: album.into(),
    };
    let got = c
        .get_api_results(vec![aq("Two"), aq("Three"), aq("One")])
        .unwrap();
    let outcomes: Vec<Option<ApiOutcome>> = got
        .into_iter()
        .map(|r| r.unwrap().map(|e| e.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            Some(ApiOutcome::Failed {
                error: "503".into()
            }),
            None,
            Some(ApiOutcome::NotFound)
        ]
    );

    let kv = |ns: &str, key: &str, negative| KvSet {
        namespace: ns.into(),
        key: key.into(),
        value: if negative {
            vec![]
        } else {
            key.as_bytes().to_vec()
        },
        ttl_ms: Some(0),
        negative,
        tags: vec![],
    };
    let set = c
        .kv_set_many(vec![
            kv("p", "a", false),
            kv("bad ns", "b", false),
            kv("p", "n", true),
        ])
        .unwrap();
    assert!(set[0].as_ref().unwrap().persistent);
    assert!(set[1].is_err());
    let key = |k: &str| KvKey {
        namespace: "p".into(),
        key: k.into(),
    };
    let got: Vec<KvLookup> = c
        .kv_get_many(vec![key("n"), key("zz"), key("a")])
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(matches!(got[0], KvLookup::Negative { .. }));
    assert_eq!(got[1], KvLookup::Miss);
    assert!(matches!(&got[2], KvLookup::Hit { value, .. } if value == b"a"));

    // Acknowledged means durable: a kill -9 right after loses nothing.
    d.kill();
    let _d = env.start();
    let mut c = env.client();
    let got = c.kv_get_many(vec![key("a")]).unwrap();
    assert!(matches!(&got[0], Ok(KvLookup::Hit { .. })));
    let got = c.get_album_years(vec![query("A", "Two")]).unwrap();
    assert_eq!(got[0].as_ref().unwrap().as_ref().unwrap().year, 2002);

    // The CLI reads the items on stdin; a bad line is a clear error.
    let out = cli_with_input(
        &env.socket,
        &["--json", "album-year", "get-many"],
        "{\"artist\":\"A\",\"album\":\"Two\"}\n\n{\"artist\":\"A\",\"album\":\"Nope\"}\n",
    );
    let (items, end) = json_list(&out);
    assert_eq!(
        items
            .iter()
            .map(|i| i["status"].clone())
            .collect::<Vec<_>>(),
        ["hit", "miss"]
    );
    assert_eq!(end["count"], 2);
    let out = cli_with_input(&env.socket, &["album-year", "get-many"], "{\"artist\":1}\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}
