//! `Stats`: per-namespace rows for the generic cache, and one row per
//! content type with invalidations by reason and coalesced lookups.

use trackcache_protocol::{ContentTypeStats, NamespaceStats, StatsReport};

use crate::cache::api::API_TYPES;
use crate::cache::internal_name;
use crate::config::{types, Strategy};

/// The library snapshot follows the library's events; it has no TTL.
const TRACK_METADATA_STRATEGY: Strategy = Strategy::EventDriven;
use crate::state::Daemon;

fn row(
    d: &Daemon,
    name: &str,
    strategy: &str,
    ttl: Option<u64>,
    s: &NamespaceStats,
) -> ContentTypeStats {
    ContentTypeStats {
        name: name.to_owned(),
        ttl_secs: ttl,
        strategy: strategy.to_owned(),
        entries: s.entries,
        bytes: s.bytes,
        max_entries: s.max_entries,
        max_bytes: s.max_bytes,
        hits: s.hits + s.negative_hits,
        misses: s.misses,
        expirations: s.expirations,
        evictions: s.evictions,
        invalidations: d.invalidator.counts(name),
        coalesced: d.leases.coalesced(name),
    }
}

/// The whole report.
pub fn report(d: &Daemon) -> StatsReport {
    let mut report = d.caches.stats();
    let mut rows = Vec::new();
    let (tracks, (found, missing)) = d
        .library
        .get()
        .map_or((0, (0, 0)), |l| (l.track_count(), l.lookups()));
    rows.push(ContentTypeStats {
        name: types::TRACK_METADATA.into(),
        strategy: TRACK_METADATA_STRATEGY.name().into(),
        entries: tracks,
        hits: found,
        misses: missing,
        ..ContentTypeStats::default()
    });
    for ct in [types::ALBUM_YEAR].into_iter().chain(API_TYPES) {
        if d.config.content.get(ct).is_none() {
            continue;
        }
        let ns = internal_name(ct);
        let s = d.caches.namespace_stats(&ns);
        // The live policy: a config reload may have changed it.
        let policy = d.caches.current_policy(&ns);
        let ttl = policy.ttl.map(|t| t.as_secs());
        rows.push(row(d, ct, policy.strategy.name(), ttl, &s));
    }
    let mut generic = NamespaceStats::default();
    for n in &report.namespaces {
        generic.entries += n.entries;
        generic.bytes += n.bytes;
        generic.max_entries += n.max_entries;
        generic.max_bytes += n.max_bytes;
        generic.hits += n.hits;
        generic.negative_hits += n.negative_hits;
        generic.misses += n.misses;
        generic.expirations += n.expirations;
        generic.evictions += n.evictions;
    }
    let default = d.caches.default_policy();
    let ttl = default.ttl.map(|t| t.as_secs());
    rows.push(row(
        d,
        types::GENERIC,
        default.strategy.name(),
        ttl,
        &generic,
    ));
    report.content_types = rows;
    report
}

/// Each content type's strategy, for `status`: the same as `stats` shows.
pub fn strategies(d: &Daemon) -> Vec<(String, String)> {
    let mut out = vec![(
        types::TRACK_METADATA.to_owned(),
        TRACK_METADATA_STRATEGY.name().to_owned(),
    )];
    for ct in [types::ALBUM_YEAR].into_iter().chain(API_TYPES) {
        let s = d.caches.strategy_of(&internal_name(ct));
        out.push((ct.to_owned(), s.name().to_owned()));
    }
    out.push((
        types::GENERIC.to_owned(),
        d.caches.default_strategy().name().to_owned(),
    ));
    out
}
