//! Generic-cache namespace policies: TTLs, bounds and persistence, with the
//! defaults GenreUpdater's generic cache used (900 s TTL, 10,000 entries).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{file::CacheFile, ConfigError, NamespaceFile, Strategy};

/// Default TTL of generic entries.
pub const DEFAULT_TTL: Duration = Duration::from_secs(900);
/// Default TTL of "known absent" entries.
pub const DEFAULT_NEGATIVE_TTL: Duration = Duration::from_secs(300);
/// Default entry bound per namespace.
pub const DEFAULT_MAX_ENTRIES: u64 = 10_000;
/// Default byte bound per namespace (64 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The policy of one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespacePolicy {
    /// TTL of values when a set names none; `None` = never expire.
    pub ttl: Option<Duration>,
    /// TTL of "known absent" markers when a set names none; `None` = never.
    pub negative_ttl: Option<Duration>,
    /// Entry bound.
    pub max_entries: u64,
    /// Byte bound (keys plus values).
    pub max_bytes: u64,
    /// Written to disk and restored at start-up.
    pub persistent: bool,
    /// Which library changes drop entries (for client namespaces: entries
    /// carrying a matching tag).
    pub strategy: Strategy,
}

impl Default for NamespacePolicy {
    fn default() -> Self {
        Self {
            ttl: Some(DEFAULT_TTL),
            negative_ttl: Some(DEFAULT_NEGATIVE_TTL),
            max_entries: DEFAULT_MAX_ENTRIES,
            max_bytes: DEFAULT_MAX_BYTES,
            persistent: false,
            // GenreUpdater's generic cache: only the TTL.
            strategy: Strategy::TimeBased,
        }
    }
}

fn secs(v: u64) -> Option<Duration> {
    (v > 0).then(|| Duration::from_secs(v))
}

impl NamespacePolicy {
    /// This policy with the fields the file sets replaced.
    pub fn with_file(&self, f: &NamespaceFile) -> Self {
        Self {
            ttl: f.ttl_secs.map_or(self.ttl, secs),
            negative_ttl: f.negative_ttl_secs.map_or(self.negative_ttl, secs),
            max_entries: f.max_entries.unwrap_or(self.max_entries),
            max_bytes: f.max_bytes.unwrap_or(self.max_bytes),
            persistent: f.persistent.unwrap_or(self.persistent),
            strategy: f.strategy.unwrap_or(self.strategy),
        }
    }

    /// `with_file`, refusing bounds of zero.
    fn overlay(&self, f: &NamespaceFile, name: &str) -> Result<Self, ConfigError> {
        let p = self.with_file(f);
        if p.max_entries == 0 || p.max_bytes == 0 {
            return Err(ConfigError::Invalid(format!(
                "cache namespace {name}: max_entries and max_bytes must be at least 1"
            )));
        }
        Ok(p)
    }
}

/// The default policy plus named exceptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CachePolicies {
    /// Policy of every namespace not named below.
    pub default: NamespacePolicy,
    /// Named namespaces; each inherits what it does not set from `default`.
    pub namespaces: BTreeMap<String, NamespacePolicy>,
    /// The named namespaces' sections as written, so that a client's
    /// declaration can be overridden field by field.
    pub sections: BTreeMap<String, NamespaceFile>,
}

impl CachePolicies {
    /// Builds the policies from the `[cache]` section.
    pub fn from_file(f: &CacheFile) -> Result<Self, ConfigError> {
        let default = NamespacePolicy::default().overlay(&f.default, "default")?;
        let mut namespaces = BTreeMap::new();
        for (name, nf) in &f.namespaces {
            namespaces.insert(name.clone(), default.overlay(nf, name)?);
        }
        Ok(Self {
            default,
            namespaces,
            sections: f.namespaces.clone(),
        })
    }

    /// A declared namespace's policy: the declaration's `declared`, with
    /// what the config file sets for the namespace winning.
    pub fn over_declared(&self, namespace: &str, declared: NamespacePolicy) -> NamespacePolicy {
        match self.sections.get(namespace) {
            Some(f) => declared.with_file(f),
            None => declared,
        }
    }

    /// The fields the config file sets for `namespace` (which win over a
    /// declaration), by the names the protocol uses.
    pub fn overridden(&self, namespace: &str) -> Vec<&'static str> {
        let Some(f) = self.sections.get(namespace) else {
            return Vec::new();
        };
        [
            ("ttl", f.ttl_secs.is_some()),
            ("negative_ttl", f.negative_ttl_secs.is_some()),
            ("max_entries", f.max_entries.is_some()),
            ("max_bytes", f.max_bytes.is_some()),
            ("persistent", f.persistent.is_some()),
            ("strategy", f.strategy.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    /// The policy for `namespace`.
    pub fn for_namespace(&self, namespace: &str) -> &NamespacePolicy {
        self.namespaces.get(namespace).unwrap_or(&self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileConfig;

    #[test]
    fn named_namespaces_inherit_from_the_default() {
        let f = FileConfig::parse(
            "[cache.default]\nttl_secs = 60\nmax_entries = 5\n[cache.namespaces.mb]\npersistent = true\nttl_secs = 0\nstrategy = \"hybrid\"\n",
        )
        .unwrap();
        let p = CachePolicies::from_file(&f.cache).unwrap();
        assert_eq!(p.default.ttl, Some(Duration::from_secs(60)));
        let mb = p.for_namespace("mb");
        assert_eq!(mb.ttl, None, "0 means never expire");
        assert_eq!(mb.max_entries, 5, "inherited");
        assert!(mb.persistent);
        assert_eq!(mb.strategy, Strategy::Hybrid);
        assert_eq!(
            p.default.strategy,
            Strategy::TimeBased,
            "generic is time_based"
        );
        assert_eq!(p.for_namespace("other"), &p.default);
    }

    #[test]
    fn zero_bounds_are_refused() {
        let f = FileConfig::parse("[cache.namespaces.x]\nmax_entries = 0\n").unwrap();
        assert!(CachePolicies::from_file(&f.cache).is_err());
    }
}
