//! API answers: a JSON object mapping GenreUpdater's hash keys to
//! `{artist, album, year, source, timestamp, ttl, metadata, api_response}`,
//! the same in every release, under three names: `cache/api_results.json`
//! (its first release), `cache/api_responses.json` (September 2025) and
//! `cache/cache.json` (since). An entry with a year is a found answer. One
//! without is, as GenreUpdater read it, a failed lookup (retried after an
//! hour); but the first release wrote its negative results ("the source has
//! nothing") with the negative TTL in `ttl`, so an entry without a year and
//! with a `ttl` is a not-found answer. Otherwise `ttl` is ignored: the
//! daemon's policy for each content type applies, counted from `timestamp`.

use serde_json::{Map, Value};
use trackcache_protocol::{ApiOutcome, SetApiResult};

use super::NO_YEAR_ERROR;
use crate::import::fields::{self, describe};
use crate::import::{ImportPlan, Origin, Skipped};

/// Skip reason: an entry that is not an object.
const NOT_AN_OBJECT: &str = "entry is not a JSON object";
/// Skip reason: an entry without the key fields of an API answer.
const NO_NAMES: &str = "entry has no artist, album or source";
/// Skip reason: metadata that cannot be flattened to pairs.
const BAD_METADATA: &str = "metadata is not a JSON object";

type Refusal = (&'static str, Option<String>);

/// Reads every entry into `plan`; returns the number of entries.
pub(super) fn read(entries: Map<String, Value>, file: &str, plan: &mut ImportPlan) -> usize {
    let n = entries.len();
    for (key, entry) in entries {
        let origin = Origin::Key {
            file: file.to_owned(),
            key,
        };
        match request(&entry) {
            Ok(set) => plan.api.push((origin, set)),
            Err((reason, detail)) => plan.skipped.push(Skipped {
                origin,
                reason: reason.to_owned(),
                detail,
            }),
        }
    }
    n
}

/// One entry as a request, or why not.
fn request(entry: &Value) -> Result<SetApiResult, Refusal> {
    let Value::Object(e) = entry else {
        return Err((NOT_AN_OBJECT, None));
    };
    let text = |k: &str| e.get(k).and_then(Value::as_str).map_or("", str::trim);
    let (artist, album, source) = (text("artist"), text("album"), text("source"));
    if artist.is_empty() || album.is_empty() || source.is_empty() {
        return Err((NO_NAMES, describe(artist, album, None)));
    }
    let bad = |reason, field: &str| {
        let value = e.get(field).map_or(String::new(), as_text);
        (reason, describe(artist, album, Some((field, &value))))
    };
    let stored_at_ms = match e.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_f64()
                .ok_or(fields::BAD_TIMESTAMP)
                .and_then(fields::unix_secs_ms)
                .map_err(|r| bad(r, "timestamp"))?,
        ),
        Some(Value::String(s)) => Some(fields::timestamp_ms(s).map_err(|r| bad(r, "timestamp"))?),
        Some(_) => return Err(bad(fields::BAD_TIMESTAMP, "timestamp")),
    };
    let negative_ttl = e.get("ttl").is_some_and(Value::is_number);
    let outcome = match year(e.get("year")).map_err(|r| bad(r, "year"))? {
        None if negative_ttl => ApiOutcome::NotFound,
        None => ApiOutcome::Failed {
            error: NO_YEAR_ERROR.to_owned(),
        },
        Some(year) => ApiOutcome::Found {
            payload: match e.get("api_response") {
                None | Some(Value::Null) => "{}".to_owned(),
                Some(v) => v.to_string(),
            },
            metadata: metadata(e.get("metadata"), year).map_err(|r| bad(r, "metadata"))?,
        },
    };
    Ok(SetApiResult {
        source: source.to_owned(),
        artist: artist.to_owned(),
        album: album.to_owned(),
        outcome,
        stored_at_ms,
    })
}

/// The year, `None` for "no year" (null, missing or empty), or why it is unusable.
fn year(v: Option<&Value>) -> Result<Option<i32>, &'static str> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => fields::year(s).map(Some),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or(fields::BAD_YEAR)
            .and_then(fields::year_from_int)
            .map(Some),
        Some(_) => Err(fields::BAD_YEAR),
    }
}

/// `metadata` flattened to pairs (strings as they are, anything else as
/// JSON text), with the entry's year last as `("year", year)`, replacing a
/// `year` the metadata may have had so that there is one.
fn metadata(v: Option<&Value>, year: i32) -> Result<Vec<(String, String)>, &'static str> {
    let empty = Map::new();
    let map = match v {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(BAD_METADATA),
    };
    let mut pairs: Vec<(String, String)> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "year")
        .map(|(k, v)| (k.clone(), as_text(v)))
        .collect();
    pairs.push(("year".to_owned(), year.to_string()));
    Ok(pairs)
}

/// A string as it is; any other value as JSON text.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "cache/cache.json";

    fn plan_json(text: &str) -> ImportPlan {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let Value::Object(map) = serde_json::from_str(text).unwrap() else {
            panic!("an object")
        };
        let mut plan = ImportPlan::default();
        read(map, FILE, &mut plan);
        plan
    }

    fn by_key<'a>(p: &'a ImportPlan, key: &str) -> &'a SetApiResult {
        let origin = Origin::Key {
            file: FILE.into(),
            key: key.into(),
        };
        &p.api.iter().find(|(o, _)| *o == origin).unwrap().1
    }

    #[test]
    fn year_as_string_number_or_null() {
        let p = plan_json(
            r#"{
              "s": {"artist": " Pink Floyd ", "album": "The Wall", "year": "1979", "source": "musicbrainz",
                    "timestamp": 1705314600.5, "ttl": null,
                    "metadata": {"release_id": "abc", "score": 95, "year": "1978", "tags": ["rock"]},
                    "api_response": {"releases": [{"id": "abc"}]}},
              "n": {"artist": "A", "album": "B", "year": 2001, "source": "discogs",
                    "timestamp": 1705314600, "ttl": 3600, "metadata": {}, "api_response": null},
              "null": {"artist": "A", "album": "C", "year": null, "source": "lastfm",
                       "timestamp": 1705314600, "ttl": 3600, "metadata": {}, "api_response": null},
              "empty": {"artist": "A", "album": "D", "year": " ", "source": "lastfm"}
            }"#,
        );
        assert!(p.skipped.is_empty(), "{:?}", p.skipped);
        assert_eq!(p.api.len(), 4);
        let s = by_key(&p, "s");
        assert_eq!(
            (&*s.source, &*s.artist, &*s.album, s.stored_at_ms),
            (
                "musicbrainz",
                "Pink Floyd",
                "The Wall",
                Some(1_705_314_600_500)
            )
        );
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            s.outcome,
            ApiOutcome::Found {
                payload: r#"{"releases":[{"id":"abc"}]}"#.into(),
                metadata: vec![
                    pair("release_id", "abc"),
                    pair("score", "95"),
                    pair("tags", r#"["rock"]"#),
                    pair("year", "1979"),
                ],
            }
        );
        assert_eq!(
            by_key(&p, "n").outcome,
            ApiOutcome::Found {
                payload: "{}".into(),
                metadata: vec![pair("year", "2001")],
            }
        );
        let failed = ApiOutcome::Failed {
            error: NO_YEAR_ERROR.into(),
        };
        assert_eq!(
            by_key(&p, "null").outcome,
            ApiOutcome::NotFound,
            "no year and a ttl: the first release's negative result"
        );
        assert_eq!(by_key(&p, "null").stored_at_ms, Some(1_705_314_600_000));
        assert_eq!(
            by_key(&p, "empty").outcome,
            failed,
            "no year, no ttl: a failed lookup"
        );
        assert_eq!(by_key(&p, "empty").stored_at_ms, None);
    }

    #[test]
    fn bad_entries_are_skipped_with_reasons() {
        let p = plan_json(
            r#"{
              "a-not-object": 5,
              "b-no-source": {"artist": "A", "album": "B", "year": 1999},
              "c-bad-year": {"artist": "A", "album": "B", "year": "19x9", "source": "s"},
              "d-bool-year": {"artist": "A", "album": "B", "year": true, "source": "s"},
              "e-big-year": {"artist": "A", "album": "B", "year": 20000, "source": "s"},
              "f-metadata": {"artist": "A", "album": "B", "year": 1999, "source": "s", "metadata": [1]},
              "g-timestamp": {"artist": "A", "album": "B", "year": 1999, "source": "s", "timestamp": "soon"},
              "h-negative": {"artist": "A", "album": "B", "year": 1999, "source": "s", "timestamp": -5},
              "i-fine": {"artist": "A", "album": "B", "year": 1999, "source": "s"}
            }"#,
        );
        assert_eq!(p.api.len(), 1);
        let got: Vec<_> = p
            .skipped
            .iter()
            .map(|s| (s.origin.to_string(), s.reason.as_str(), s.detail.as_deref()))
            .collect();
        let ab = |field: &str, value: &str| format!("\"A\" / \"B\", {field} \"{value}\"");
        let (year, meta, ts) = (
            ab("year", "19x9"),
            ab("metadata", "[1]"),
            ab("timestamp", "soon"),
        );
        let (bool_year, big, neg) = (
            ab("year", "true"),
            ab("year", "20000"),
            ab("timestamp", "-5"),
        );
        assert_eq!(
            got,
            [
                (
                    "cache/cache.json key \"a-not-object\"".into(),
                    NOT_AN_OBJECT,
                    None
                ),
                (
                    "cache/cache.json key \"b-no-source\"".into(),
                    NO_NAMES,
                    Some("\"A\" / \"B\"")
                ),
                (
                    "cache/cache.json key \"c-bad-year\"".into(),
                    fields::BAD_YEAR,
                    Some(&*year)
                ),
                (
                    "cache/cache.json key \"d-bool-year\"".into(),
                    fields::BAD_YEAR,
                    Some(&*bool_year)
                ),
                (
                    "cache/cache.json key \"e-big-year\"".into(),
                    fields::BAD_YEAR,
                    Some(&*big)
                ),
                (
                    "cache/cache.json key \"f-metadata\"".into(),
                    BAD_METADATA,
                    Some(&*meta)
                ),
                (
                    "cache/cache.json key \"g-timestamp\"".into(),
                    fields::BAD_TIMESTAMP,
                    Some(&*ts)
                ),
                (
                    "cache/cache.json key \"h-negative\"".into(),
                    fields::BAD_TIMESTAMP,
                    Some(&*neg)
                ),
            ]
        );
    }

    #[test]
    fn a_bom_is_no_matter() {
        let p =
            plan_json("\u{feff}{\"k\": {\"artist\": \"A\", \"album\": \"B\", \"source\": \"s\"}}");
        assert_eq!(p.api.len(), 1);
    }
}
