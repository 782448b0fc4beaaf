//! Policies replaced while the daemon runs (a config reload): bounds shrink
//! by evicting, TTLs apply to entries stored from then on, and persistence
//! never flips live (a namespace's entries would be half on disk), so that
//! change waits for a restart and is reported.

use std::sync::Arc;

use super::names::internal_name;
use super::Caches;
use crate::config::{CachePolicies, ContentPolicies, NamespacePolicy};

/// What `set_policies` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PolicyChange {
    /// Namespaces (client or internal) whose policy changed now.
    pub changed: Vec<String>,
    /// Entries evicted to fit smaller bounds.
    pub evicted: u64,
    /// Namespaces whose `persistent` setting changes only at the next start.
    pub persistence_on_restart: Vec<String>,
}

impl Caches {
    /// The policy `ns` has now (an internal name for a content type).
    pub fn current_policy(&self, ns: &str) -> NamespacePolicy {
        self.policy_of(ns)
    }

    /// The policy of client namespaces that have none of their own.
    pub fn default_policy(&self) -> NamespacePolicy {
        self.policies.read().default.clone()
    }

    /// Namespaces whose configured persistence differs from the one they
    /// run with (it changes at the next start), as `setting (old -> new)`.
    pub fn persistence_pending(&self) -> Vec<String> {
        let map = self.namespaces.lock();
        let mut out: Vec<String> = map
            .iter()
            .filter_map(|(name, n)| {
                let now = n.policy().persistent;
                let configured = self.policy_of(name).persistent;
                (now != configured).then(|| format!("{name} persistent ({now} -> {configured})"))
            })
            .collect();
        out.sort();
        out
    }

    /// Replaces the client-namespace and content-type policies and applies
    /// them to every namespace in memory.
    pub fn set_policies(&self, cache: CachePolicies, content: &ContentPolicies) -> PolicyChange {
        for t in &content.types {
            if let Some(p) = self.internal.get(&internal_name(t.name)) {
                *p.write() = t.policy.clone();
            }
        }
        *self.policies.write() = cache;
        let mut change = PolicyChange::default();
        let mut map = self.namespaces.lock();
        for (name, n) in map.iter_mut() {
            let mut policy = self.policy_of(name);
            if policy.persistent != n.policy().persistent {
                change.persistence_on_restart.push(name.clone());
                policy.persistent = n.policy().persistent;
            }
            if policy == *n.policy() {
                continue;
            }
            let evicted: Vec<Arc<str>> = n.set_policy(policy);
            if n.policy().persistent {
                for k in &evicted {
                    self.forget_on_disk(name, k);
                }
            }
            change.evicted += evicted.len() as u64;
            change.changed.push(name.clone());
        }
        change.changed.sort();
        change.persistence_on_restart.sort();
        change
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileConfig;
    use trackcache_protocol::{KvLookup, KvSetRef};

    fn set(kv: &Caches, ns: &str, key: &str) {
        kv.set(KvSetRef {
            namespace: ns,
            key,
            value: b"v",
            ttl_ms: None,
            negative: false,
            tags: Vec::new(),
        })
        .unwrap();
    }

    fn policies(toml: &str) -> CachePolicies {
        CachePolicies::from_file(&FileConfig::parse(toml).unwrap().cache).unwrap()
    }

    #[test]
    fn smaller_bounds_evict_and_persistence_waits_for_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let content = ContentPolicies::default();
        let kv = Caches::restore(CachePolicies::default(), &content, store).unwrap();
        for k in ["a", "b", "c"] {
            set(&kv, "pages", k);
        }
        let change = kv.set_policies(
            policies("[cache.namespaces.pages]\nmax_entries = 2\npersistent = true\n"),
            &content,
        );
        assert_eq!(change.changed, vec!["pages".to_owned()]);
        assert_eq!(change.evicted, 1);
        assert_eq!(change.persistence_on_restart, vec!["pages".to_owned()]);
        assert_eq!(
            kv.persistence_pending(),
            vec!["pages persistent (false -> true)".to_owned()]
        );
        let stats = kv.namespace_stats("pages");
        assert_eq!((stats.max_entries, stats.entries), (2, 2));
        assert!(!stats.persistent, "persistence does not flip live");
        assert_eq!(
            kv.get("pages", "a").unwrap(),
            KvLookup::Miss,
            "LRU went first"
        );
        assert_eq!(kv.current_policy("pages").max_entries, 2);
        assert_eq!(kv.current_policy("other").max_entries, 10_000);

        let unchanged = kv.set_policies(
            policies("[cache.namespaces.pages]\nmax_entries = 2\n"),
            &content,
        );
        assert!(unchanged.changed.is_empty(), "{unchanged:?}");
    }
}
