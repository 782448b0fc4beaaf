//! Namespaces that clients declare (`DeclareNamespace`): a policy a client
//! sets for its own namespace, at run time, kept across restarts. Layers,
//! later ones winning field by field: `[cache.default]` < the declaration <
//! `[cache.namespaces.NAME]` in the config file (the operator has the last
//! word; the reply names the fields the file overrode). A declaration
//! applies at once: bounds evict, TTLs apply to what is stored from then
//! on, and persistence flips live (entries are journaled, or forgotten on
//! disk), so the reply describes the namespace as it now is.

use std::time::Duration;

use trackcache_protocol::{NamespaceDecl, NamespaceStats};

use super::generic::{CacheError, Caches};
use super::names::{validate_namespace, MAX_NAMESPACES};
use super::namespace::Namespace;
use super::persist::fields;
use crate::config::{NamespacePolicy, Strategy};
use crate::store::{Declaration, Epoch};

/// What a declaration did.
#[derive(Debug, PartialEq)]
pub struct Declared {
    /// False when the same declaration was already in force.
    pub changed: bool,
    /// Fields the config file sets, which win over the declaration.
    pub overridden: Vec<String>,
    /// The namespace now.
    pub stats: NamespaceStats,
    /// The epoch to sync before acknowledging it.
    pub epoch: Epoch,
}

/// A client's declaration, checked: what the store keeps.
fn checked(d: &NamespaceDecl) -> Result<Declaration, CacheError> {
    validate_namespace(&d.namespace)?;
    for (name, bound) in [("max_entries", d.max_entries), ("max_bytes", d.max_bytes)] {
        if bound == Some(0) {
            return Err(CacheError::BadName(format!(
                "{name} must be at least 1 (leave it out for the default)"
            )));
        }
    }
    let strategy = match &d.strategy {
        Some(s) => Some(
            Strategy::parse(s)
                .map_err(CacheError::BadName)?
                .name()
                .to_owned(),
        ),
        None => None,
    };
    Ok(Declaration {
        ttl_ms: d.ttl_ms,
        negative_ttl_ms: d.negative_ttl_ms,
        max_entries: d.max_entries,
        max_bytes: d.max_bytes,
        persistent: d.persistent,
        strategy,
    })
}

fn ttl(ms: Option<u64>, default: Option<Duration>) -> Option<Duration> {
    match ms {
        None => default,
        Some(0) => None,
        Some(ms) => Some(Duration::from_millis(ms)),
    }
}

/// A declaration over the default policy.
pub(super) fn declared_policy(default: &NamespacePolicy, d: &Declaration) -> NamespacePolicy {
    NamespacePolicy {
        ttl: ttl(d.ttl_ms, default.ttl),
        negative_ttl: ttl(d.negative_ttl_ms, default.negative_ttl),
        max_entries: d.max_entries.unwrap_or(default.max_entries),
        max_bytes: d.max_bytes.unwrap_or(default.max_bytes),
        persistent: d.persistent.unwrap_or(default.persistent),
        strategy: d
            .strategy
            .as_deref()
            .and_then(|s| Strategy::parse(s).ok())
            .unwrap_or(default.strategy),
    }
}

impl Caches {
    /// `DeclareNamespace`: records the declaration durably and applies the
    /// resulting policy to the namespace (creating it).
    pub fn declare(&self, d: &NamespaceDecl) -> Result<Declared, CacheError> {
        let decl = checked(d)?;
        let ns = d.namespace.as_str();
        let _gate = self.gate.read();
        let mut map = self.namespaces.lock();
        let changed = self.store.declaration(ns).as_ref() != Some(&decl);
        if !map.contains_key(ns) && map.len() >= MAX_NAMESPACES + self.internal.len() {
            return Err(CacheError::BadName(format!(
                "too many namespaces (the limit is {MAX_NAMESPACES}); clear unused ones"
            )));
        }
        // The same declaration again writes nothing; its reply still waits
        // for whatever is pending (an identical declaration in flight).
        let mut epoch = self.store.pending_epoch();
        if changed {
            let policy = {
                let policies = self.policies.read();
                policies.over_declared(ns, declared_policy(&policies.default, &decl))
            };
            if let Some(n) = map.get(ns) {
                // Entries first: if the disk refuses them, nothing is declared.
                if policy.persistent && !n.policy().persistent {
                    for (k, e) in n.iter() {
                        epoch = epoch.max(self.store.put_kv(ns, k, fields(e))?);
                    }
                }
            }
            epoch = epoch.max(self.store.declare(ns, &decl)?);
            let n = map
                .entry(ns.to_owned())
                .or_insert_with(|| Namespace::new(policy.clone()));
            if *n.policy() != policy {
                if n.policy().persistent && !policy.persistent {
                    epoch = epoch.max(self.store.clear_kv_namespace(ns)?);
                }
                let evicted = n.set_policy(policy);
                if n.policy().persistent {
                    for k in &evicted {
                        self.forget_on_disk(ns, k);
                    }
                }
            }
        }
        let n = map
            .entry(ns.to_owned())
            .or_insert_with(|| self.new_namespace(ns));
        Ok(Declared {
            changed,
            overridden: self
                .policies
                .read()
                .overridden(ns)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            stats: NamespaceStats {
                origin: self.origin_of(ns).to_owned(),
                ..n.stats(ns)
            },
            epoch,
        })
    }

    /// At start-up: every declared namespace exists (with its policy), so
    /// `stats` lists it before anything is stored in it.
    pub(super) fn create_declared(&self) {
        let mut map = self.namespaces.lock();
        for ns in self.store.declared_namespaces() {
            let n = self.new_namespace(&ns);
            map.entry(ns).or_insert(n);
        }
    }
}

#[cfg(test)]
#[path = "declare_tests.rs"]
mod tests;
