//! Content types and their policies (`[content_types.NAME]`): the six types
//! of GenreUpdater's cache design with its default TTLs, plus bounds that
//! are enforced here (GenreUpdater declared them and never enforced them).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{ConfigError, NamespacePolicy};

/// What may drop a content type's entries besides its TTL, with
/// GenreUpdater's four names. Which library changes each one reacts to is
/// decided by `invalidation::rules::reacts` (its table is there); manual
/// invalidation (`Invalidate`) is not a library change and drops entries
/// whatever their strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Only the TTL: library changes never drop these entries.
    TimeBased,
    /// Library events (tracks added, removed, renamed, years changed).
    EventDriven,
    /// Fingerprint changes only: a track's file changed, or an album's
    /// tracks or years no longer match the album fingerprint stored with
    /// the entry.
    FingerprintBased,
    /// Both events and fingerprint changes.
    Hybrid,
}

impl Strategy {
    /// Every strategy, in the order of the docs.
    pub const ALL: [Strategy; 4] = [
        Self::TimeBased,
        Self::EventDriven,
        Self::FingerprintBased,
        Self::Hybrid,
    ];

    /// The name used in config files, stats and status (GenreUpdater's spelling).
    pub fn name(self) -> &'static str {
        match self {
            Self::TimeBased => "time_based",
            Self::EventDriven => "event_driven",
            Self::FingerprintBased => "fingerprint_based",
            Self::Hybrid => "hybrid",
        }
    }

    /// The strategy a name stands for; the error lists the names that exist.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == name.trim())
            .ok_or_else(|| {
                format!(
                    "unknown strategy {name:?}: use time_based, event_driven, fingerprint_based or hybrid"
                )
            })
    }
}

/// The content types, with their internal namespace names.
pub mod types {
    /// The library snapshot.
    pub const TRACK_METADATA: &str = "track_metadata";
    /// API answers that found something.
    pub const SUCCESSFUL_API: &str = "successful_api_metadata";
    /// API lookups that failed (retried after the TTL).
    pub const FAILED_API: &str = "failed_api_lookup";
    /// Album release years.
    pub const ALBUM_YEAR: &str = "album_year";
    /// API answers that found nothing.
    pub const NEGATIVE: &str = "negative_result";
    /// Generic key/value entries.
    pub const GENERIC: &str = "generic";
}

/// Defaults: (name, TTL, strategy, max entries, max bytes).
const DEFAULTS: [(&str, Option<u64>, Strategy, u64, u64); 4] = [
    (
        types::SUCCESSFUL_API,
        None,
        Strategy::EventDriven,
        200_000,
        512 << 20,
    ),
    (
        types::FAILED_API,
        Some(3600),
        Strategy::TimeBased,
        100_000,
        64 << 20,
    ),
    (
        types::ALBUM_YEAR,
        Some(30 * 86_400),
        Strategy::Hybrid,
        200_000,
        64 << 20,
    ),
    (
        types::NEGATIVE,
        Some(30 * 86_400),
        Strategy::TimeBased,
        200_000,
        64 << 20,
    ),
];

/// `[content_types.NAME]` as written in the file.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContentFile {
    /// TTL in seconds; 0 = never expires.
    pub ttl_secs: Option<u64>,
    /// Entry bound.
    pub max_entries: Option<u64>,
    /// Byte bound.
    pub max_bytes: Option<u64>,
    /// What may drop entries besides the TTL.
    pub strategy: Option<Strategy>,
}

/// One content type's resolved policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentPolicy {
    /// Name.
    pub name: &'static str,
    /// TTL, bounds, strategy; always persistent.
    pub policy: NamespacePolicy,
}

/// The policies of the four domain content types (`generic` is `[cache]`,
/// `track_metadata` is the library snapshot and has no TTL or bound).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentPolicies {
    /// Policies by name.
    pub types: Vec<ContentPolicy>,
}

impl Default for ContentPolicies {
    fn default() -> Self {
        // Built-in defaults are valid by construction.
        Self::from_file(&BTreeMap::new()).unwrap_or_else(|e| unreachable!("{e}"))
    }
}

impl ContentPolicies {
    /// Resolves the `[content_types]` section.
    pub fn from_file(f: &BTreeMap<String, ContentFile>) -> Result<Self, ConfigError> {
        if let Some(unknown) = f
            .keys()
            .find(|k| !DEFAULTS.iter().any(|d| d.0 == k.as_str()))
        {
            let known: Vec<&str> = DEFAULTS.iter().map(|d| d.0).collect();
            let hint = if unknown == types::TRACK_METADATA {
                "track_metadata is the library snapshot: it follows the library (event_driven) \
                 and has no TTL or bound to set"
            } else {
                "generic entries are configured under [cache]"
            };
            return Err(ConfigError::Invalid(format!(
                "unknown content type [content_types.{unknown}]; configurable ones are {} ({hint})",
                known.join(", ")
            )));
        }
        let mut types = Vec::new();
        for (name, ttl, strategy, max_entries, max_bytes) in DEFAULTS {
            let over = f.get(name).cloned().unwrap_or_default();
            let ttl = over
                .ttl_secs
                .map_or(ttl, |s| (s > 0).then_some(s))
                .map(Duration::from_secs);
            let policy = NamespacePolicy {
                ttl,
                negative_ttl: ttl,
                max_entries: over.max_entries.unwrap_or(max_entries),
                max_bytes: over.max_bytes.unwrap_or(max_bytes),
                persistent: true,
                strategy: over.strategy.unwrap_or(strategy),
            };
            if policy.max_entries == 0 || policy.max_bytes == 0 {
                return Err(ConfigError::Invalid(format!(
                    "[content_types.{name}]: max_entries and max_bytes must be at least 1"
                )));
            }
            types.push(ContentPolicy { name, policy });
        }
        Ok(Self { types })
    }

    /// The policy of a content type.
    pub fn get(&self, name: &str) -> Option<&ContentPolicy> {
        self.types.iter().find(|t| t.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genreupdater_defaults() {
        let p = ContentPolicies::default();
        let ttl = |n: &str| p.get(n).unwrap().policy.ttl.map(|d| d.as_secs());
        assert_eq!(ttl(types::SUCCESSFUL_API), None);
        assert_eq!(ttl(types::FAILED_API), Some(3600));
        assert_eq!(ttl(types::ALBUM_YEAR), Some(2_592_000));
        assert_eq!(ttl(types::NEGATIVE), Some(2_592_000));
        let strategy = |n: &str| p.get(n).unwrap().policy.strategy;
        assert_eq!(strategy(types::ALBUM_YEAR), Strategy::Hybrid);
        assert_eq!(strategy(types::SUCCESSFUL_API), Strategy::EventDriven);
        assert_eq!(strategy(types::FAILED_API), Strategy::TimeBased);
        assert_eq!(strategy(types::NEGATIVE), Strategy::TimeBased);
        assert!(p.types.iter().all(|t| t.policy.persistent));
    }

    #[test]
    fn overrides_and_unknown_types() {
        let mut f = BTreeMap::new();
        f.insert(
            "failed_api_lookup".to_owned(),
            ContentFile {
                ttl_secs: Some(2),
                max_entries: Some(5),
                max_bytes: None,
                strategy: Some(Strategy::EventDriven),
            },
        );
        let p = ContentPolicies::from_file(&f).unwrap();
        let failed = &p.get(types::FAILED_API).unwrap().policy;
        assert_eq!(
            (failed.ttl, failed.max_entries, failed.strategy),
            (Some(Duration::from_secs(2)), 5, Strategy::EventDriven)
        );
        f.insert("album_years".to_owned(), ContentFile::default());
        let err = ContentPolicies::from_file(&f).unwrap_err().to_string();
        assert!(
            err.contains("album_years") && err.contains("album_year,"),
            "{err}"
        );
    }

    #[test]
    fn strategies_are_spelled_as_in_genreupdater() {
        let f = crate::config::FileConfig::parse(
            "[content_types.album_year]\nstrategy = \"fingerprint_based\"\n",
        )
        .unwrap();
        let p = ContentPolicies::from_file(&f.content_types).unwrap();
        assert_eq!(
            p.get(types::ALBUM_YEAR).unwrap().policy.strategy,
            Strategy::FingerprintBased
        );
        let err = crate::config::FileConfig::parse(
            "[content_types.album_year]\nstrategy = \"event-driven\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("event_driven"), "{err}");
        for s in Strategy::ALL {
            assert_eq!(Strategy::parse(s.name()), Ok(s));
        }
        assert!(Strategy::parse("ttl")
            .unwrap_err()
            .contains("fingerprint_based"));
        let mut f = BTreeMap::new();
        f.insert(types::TRACK_METADATA.to_owned(), ContentFile::default());
        let err = ContentPolicies::from_file(&f).unwrap_err().to_string();
        assert!(err.contains("library snapshot"), "{err}");
    }
}
