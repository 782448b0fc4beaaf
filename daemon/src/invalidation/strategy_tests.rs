//! Each content type under each strategy, on real caches: which entries a
//! library event and a file change leave, and that a manual invalidation
//! ignores strategies.

use std::collections::BTreeSet;

use trackcache_protocol::{ApiOutcome, KvLookup, KvSetRef, SetAlbumYear, SetApiResult};

use super::*;
use crate::config::{CachePolicies, ContentPolicies, FileConfig, Strategy};
use crate::store::Store;

/// A library with nothing in it: a removed track was the album's last.
struct Empty;

impl LibraryView for Empty {
    fn pair_has_tracks(&self, _: &AlbumPair) -> bool {
        false
    }
    fn album_fingerprint(&self, _: &AlbumPair) -> u64 {
        0
    }
    fn album_year(&self, _: &AlbumPair) -> Option<i32> {
        None
    }
    fn track(&self, _: &str) -> Option<trackcache_protocol::Track> {
        None
    }
}

/// Every content type, and the client namespace `derived`, with `s`.
fn invalidator(dir: &std::path::Path, s: Strategy) -> Invalidator {
    let name = s.name();
    let toml = format!(
        "[cache.namespaces.derived]\nstrategy = \"{name}\"\n\
         [content_types.album_year]\nstrategy = \"{name}\"\n\
         [content_types.successful_api_metadata]\nstrategy = \"{name}\"\n\
         [content_types.negative_result]\nstrategy = \"{name}\"\n\
         [content_types.failed_api_lookup]\nstrategy = \"{name}\"\n"
    );
    let f = FileConfig::parse(&toml).unwrap();
    let caches = Arc::new(
        Caches::restore(
            CachePolicies::from_file(&f.cache).unwrap(),
            &ContentPolicies::from_file(&f.content_types).unwrap(),
            Store::open(dir).unwrap(),
        )
        .unwrap(),
    );
    let years = Arc::new(AlbumYears::new(caches.clone()));
    let api = Arc::new(ApiAnswers::new(caches.clone()));
    Invalidator::new(caches, years, api)
}

fn track() -> trackcache_protocol::Track {
    trackcache_protocol::Track {
        artist: Some("Pink Floyd".into()),
        album: Some("The Wall".into()),
        year: Some(1979),
        ..trackcache_protocol::Track::with_id("T1")
    }
}

/// One entry of every content type, all about track T1's album.
fn fill(inv: &Invalidator) {
    let year = SetAlbumYear {
        artist: "Pink Floyd".into(),
        album: "The Wall".into(),
        year: 1979,
        confidence: 90,
        source: "test".into(),
        force: false,
        stored_at_ms: None,
    };
    inv.years.set(year, 0).unwrap();
    for (source, outcome) in [
        (
            "mb",
            ApiOutcome::Found {
                payload: "{}".into(),
                metadata: Vec::new(),
            },
        ),
        ("discogs", ApiOutcome::NotFound),
        (
            "lastfm",
            ApiOutcome::Failed {
                error: "429".into(),
            },
        ),
    ] {
        let set = SetApiResult {
            source: source.into(),
            artist: "Pink Floyd".into(),
            album: "The Wall".into(),
            outcome,
            stored_at_ms: None,
        };
        inv.api.set(set).unwrap();
    }
    inv.caches
        .set(KvSetRef {
            namespace: "derived",
            key: "page",
            value: b"html",
            ttl_ms: Some(0),
            negative: false,
            tags: vec!["track:T1"],
        })
        .unwrap();
}

/// The content types that still have their entry.
fn left(inv: &Invalidator) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    if inv
        .years
        .get("Pink Floyd", "The Wall", 0)
        .unwrap()
        .is_some()
    {
        out.insert(types::ALBUM_YEAR);
    }
    for (source, ct) in [
        ("mb", types::SUCCESSFUL_API),
        ("discogs", types::NEGATIVE),
        ("lastfm", types::FAILED_API),
    ] {
        if inv
            .api
            .get(source, "Pink Floyd", "The Wall")
            .unwrap()
            .is_some()
        {
            out.insert(ct);
        }
    }
    if inv.caches.get("derived", "page").unwrap() != KvLookup::Miss {
        out.insert(types::GENERIC);
    }
    out
}

fn after(s: Strategy, event: Event) -> BTreeSet<&'static str> {
    let dir = tempfile::tempdir().unwrap();
    let inv = invalidator(dir.path(), s);
    fill(&inv);
    assert_eq!(left(&inv).len(), 5, "every entry is there to begin with");
    inv.after_library_change(&[EventFrame { seq: 1, event }], &Empty);
    left(&inv)
}

#[test]
fn each_content_type_obeys_its_strategy_on_real_caches() {
    let every: BTreeSet<&str> = [
        types::ALBUM_YEAR,
        types::SUCCESSFUL_API,
        types::NEGATIVE,
        types::FAILED_API,
        types::GENERIC,
    ]
    .into();
    let none = BTreeSet::new();
    // (strategy, what a removal of the album's last track leaves, what a file change leaves)
    let table = [
        (Strategy::TimeBased, &every, &every),
        (Strategy::EventDriven, &none, &every),
        (Strategy::FingerprintBased, &every, &none),
        (Strategy::Hybrid, &none, &none),
    ];
    for (strategy, after_event, after_file) in table {
        let removed = Event::TrackRemoved {
            track: Box::new(track()),
        };
        assert_eq!(
            &after(strategy, removed),
            after_event,
            "{strategy:?}: removal"
        );
        let file = Event::FingerprintChanged {
            track: Box::new(track()),
            changes: Vec::new(),
        };
        assert_eq!(
            &after(strategy, file),
            after_file,
            "{strategy:?}: file change"
        );
    }
}

#[test]
fn a_manual_invalidation_drops_whatever_the_strategy_and_says_so_first() {
    let dir = tempfile::tempdir().unwrap();
    let inv = invalidator(dir.path(), Strategy::TimeBased);
    fill(&inv);
    let target = InvalidateTarget::Album {
        artist: "pink floyd".into(),
        album: "the wall".into(),
    };
    let (dropped, _, events) = inv.manual(&target, None).unwrap();
    assert_eq!(
        dropped, 4,
        "the year and three API answers (the page is tagged by track)"
    );
    assert_eq!(events[0], Event::ManualInvalidation { target, dropped: 4 });
    assert!(events[1..]
        .iter()
        .all(|e| matches!(e, Event::EntriesInvalidated { reason, .. } if reason == "manual")));
    let (dropped, _, _) = inv
        .manual(&InvalidateTarget::Track { id: "T1".into() }, None)
        .unwrap();
    assert_eq!(dropped, 1, "the tagged page, in a time_based namespace");
}
