//! GenreUpdater's generic cache: `cache/generic_cache.json` since October
//! 2025 (`{"KEY": {"value": V, "expires_at": UNIX_SECS}}`), and, in its first
//! release, `cache/cache.json` (`{"KEY": [V, UNIX_SECS]}`). KEY is already
//! GenreUpdater's hash of the key, the one `trackcache.genreupdater` stores
//! under; V is any JSON. Each entry becomes a set in the namespace with the
//! TTL it had left, so it expires when it would have in GenreUpdater; an
//! entry already expired is skipped, as GenreUpdater skips it on load.

use serde_json::{Map, Value};
use trackcache_protocol::KvSet;

use crate::import::fields::short;
use crate::import::{ImportPlan, Origin, Skipped};

/// Skip reason: an entry of neither layout.
const NOT_AN_ENTRY: &str = "entry is neither {\"value\", \"expires_at\"} nor [value, expiry]";
/// Skip reason: an expiry that is not a time.
const BAD_EXPIRY: &str = "the expiry is not Unix seconds";
/// Skip reason: an entry past its expiry.
const EXPIRED: &str = "the entry had expired already";

/// Reads every entry into `plan` as sets into `namespace`; returns the
/// number of entries.
pub(super) fn read(
    map: Map<String, Value>,
    file: &str,
    namespace: &str,
    now_ms: u64,
    plan: &mut ImportPlan,
) -> usize {
    let n = map.len();
    for (key, entry) in map {
        let origin = Origin::Key {
            file: file.to_owned(),
            key: key.clone(),
        };
        match set(namespace, &key, entry, now_ms) {
            Ok(set) => plan.generic.push((origin, set)),
            Err((reason, detail)) => plan.skipped.push(Skipped {
                origin,
                reason: reason.to_owned(),
                detail,
            }),
        }
    }
    n
}

type Refusal = (&'static str, Option<String>);

fn set(namespace: &str, key: &str, entry: Value, now_ms: u64) -> Result<KvSet, Refusal> {
    let (value, expires) = match entry {
        Value::Object(mut e) => match (e.remove("value"), e.remove("expires_at")) {
            (Some(v), Some(x)) => (v, x),
            _ => return Err((NOT_AN_ENTRY, None)),
        },
        Value::Array(pair) if pair.len() == 2 => {
            let mut it = pair.into_iter();
            match (it.next(), it.next()) {
                (Some(v), Some(x)) => (v, x),
                _ => return Err((NOT_AN_ENTRY, None)),
            }
        }
        _ => return Err((NOT_AN_ENTRY, None)),
    };
    let expires_ms = expires
        .as_f64()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| (s * 1000.0).ceil() as u64)
        .ok_or_else(|| {
            (
                BAD_EXPIRY,
                Some(format!("expiry {}", short(&expires.to_string(), 40))),
            )
        })?;
    if expires_ms <= now_ms {
        return Err((
            EXPIRED,
            Some(format!("expired {} s ago", (now_ms - expires_ms) / 1000)),
        ));
    }
    Ok(KvSet {
        namespace: namespace.to_owned(),
        key: key.to_owned(),
        value: value.to_string().into_bytes(),
        ttl_ms: Some(expires_ms - now_ms),
        negative: false,
        tags: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(text: &str, now_ms: u64) -> ImportPlan {
        let Value::Object(map) = serde_json::from_str(text).unwrap() else {
            panic!("object")
        };
        let mut plan = ImportPlan::default();
        let n = read(
            map,
            "cache/generic_cache.json",
            "genreupdater",
            now_ms,
            &mut plan,
        );
        assert_eq!(n, plan.generic.len() + plan.skipped.len());
        plan
    }

    #[test]
    fn both_layouts_keep_the_ttl_they_had_left() {
        let now = 1_700_000_000_000;
        let p = plan_of(
            r#"{"h1": {"value": [{"id": "1"}], "expires_at": 1700000900.5},
                "h2": [{"artist": "A"}, 1700000060],
                "h3": {"value": null, "expires_at": 1700000001}}"#,
            now,
        );
        let mut got: Vec<(&str, String, Option<u64>)> = p
            .generic
            .iter()
            .map(|(_, s)| {
                (
                    s.key.as_str(),
                    String::from_utf8_lossy(&s.value).into_owned(),
                    s.ttl_ms,
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("h1", r#"[{"id":"1"}]"#.to_owned(), Some(900_500)),
                ("h2", r#"{"artist":"A"}"#.to_owned(), Some(60_000)),
                ("h3", "null".to_owned(), Some(1_000)),
            ]
        );
        assert!(p
            .generic
            .iter()
            .all(|(_, s)| s.namespace == "genreupdater" && !s.negative));
    }

    #[test]
    fn expired_and_odd_entries_are_skipped_with_reasons() {
        let now = 1_700_000_000_000;
        let p = plan_of(
            r#"{"old": {"value": 1, "expires_at": 1699999000},
                "odd": {"value": 1},
                "when": [1, "tomorrow"],
                "three": [1, 2, 3]}"#,
            now,
        );
        assert!(p.generic.is_empty());
        let mut reasons: Vec<(&str, &str)> = p
            .skipped
            .iter()
            .map(|s| {
                let Origin::Key { key, .. } = &s.origin else {
                    panic!()
                };
                (key.as_str(), s.reason.as_str())
            })
            .collect();
        reasons.sort();
        assert_eq!(
            reasons,
            [
                ("odd", NOT_AN_ENTRY),
                ("old", EXPIRED),
                ("three", NOT_AN_ENTRY),
                ("when", BAD_EXPIRY),
            ]
        );
    }
}
