//! The API cache: what each source (musicbrainz, discogs, lastfm, ...)
//! answered for an album. Found answers, not-found answers and failed
//! lookups live in three internal namespaces, one per content type, so each
//! has its own TTL and bounds (found: kept until the library says otherwise;
//! not found: 30 days; failed: 1 hour, then retried). Keys start with the
//! album pair, so every source of an album is one prefix query.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use trackcache_protocol::{ApiEntry, ApiOutcome, KvLookup, SetApiResult};

use super::generic::{CacheError, Caches};
use super::names::internal_name;
use super::namespace::Entry;
use crate::clock;
use crate::config::types;
use crate::keys::{AlbumPair, ApiScope, SEP};
use crate::normalize::normalize;
use crate::store::Epoch;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Record {
    source: String,
    artist: String,
    album: String,
    outcome: ApiOutcome,
}

/// The three content types, in lookup order.
pub const API_TYPES: [&str; 3] = [types::SUCCESSFUL_API, types::NEGATIVE, types::FAILED_API];

fn content_type(o: &ApiOutcome) -> &'static str {
    match o {
        ApiOutcome::Found { .. } => types::SUCCESSFUL_API,
        ApiOutcome::NotFound => types::NEGATIVE,
        ApiOutcome::Failed { .. } => types::FAILED_API,
    }
}

fn key(pair: &AlbumPair, source: &str) -> String {
    format!("{}{}", pair.prefix(), normalize(source))
}

fn pair_of(artist: &str, album: &str, source: &str) -> Result<AlbumPair, CacheError> {
    if normalize(source).is_empty() {
        return Err(CacheError::BadName(
            "the source name must not be blank".into(),
        ));
    }
    AlbumPair::new(artist, album)
        .ok_or_else(|| CacheError::BadName("artist and album must not be blank".into()))
}

/// The API cache.
pub struct ApiAnswers {
    caches: Arc<Caches>,
    names: [(String, &'static str); 3],
}

impl ApiAnswers {
    /// The cache over the shared namespaces.
    pub fn new(caches: Arc<Caches>) -> Self {
        Self {
            caches,
            names: API_TYPES.map(|t| (internal_name(t), t)),
        }
    }

    /// Internal namespace names with their content types.
    pub fn namespaces(&self) -> &[(String, &'static str)] {
        &self.names
    }

    /// The cached answer, if any live one.
    pub fn get(
        &self,
        source: &str,
        artist: &str,
        album: &str,
    ) -> Result<Option<ApiEntry>, CacheError> {
        let pair = pair_of(artist, album, source)?;
        let k = key(&pair, source);
        let now = clock::now_ms();
        for (ns, _) in &self.names {
            // Only the namespace that holds the key counts a hit; a miss is
            // counted once, in the first (found) namespace.
            let found = self.caches.with_ns(ns, |n| {
                if n.peek(&k).is_none() {
                    return Ok(None);
                }
                Ok(match n.get(&k, now) {
                    KvLookup::Hit { .. } => n.peek(&k).and_then(|e| shown(e, now)),
                    _ => None,
                })
            })?;
            if found.is_some() {
                return Ok(found);
            }
        }
        self.caches.with_ns(&self.names[0].0, |n| {
            n.get(&k, now);
            Ok(None)
        })
    }

    /// Stores an answer, replacing whatever outcome was cached before;
    /// returns its remaining TTL and the epoch to sync before acknowledging it.
    pub fn set(&self, req: SetApiResult) -> Result<(Option<u64>, Epoch), CacheError> {
        let pair = pair_of(&req.artist, &req.album, &req.source)?;
        let k = key(&pair, &req.source);
        let now = clock::now_ms();
        let stored_at = req.stored_at_ms.unwrap_or(now).min(now);
        let target = internal_name(content_type(&req.outcome));
        for (ns, _) in self.names.iter().filter(|(ns, _)| *ns != target) {
            self.caches.with_ns(ns, |n| {
                Ok(self.caches.invalidate_in(n, ns, &[k.as_str().into()]))
            })?;
        }
        let record = Record {
            source: req.source.trim().to_owned(),
            artist: req.artist.trim().to_owned(),
            album: req.album.trim().to_owned(),
            outcome: req.outcome,
        };
        self.caches.writing_ns(&target, |n| {
            let expires_at_ms = n.expiry_for(None, false, stored_at);
            if expires_at_ms.is_some_and(|t| t <= now) {
                // One wording per content type, so reports can group them.
                return Err(CacheError::BadName(format!(
                    "the entry is already expired: its {} TTL ran out before now",
                    content_type(&record.outcome)
                )));
            }
            let entry = Entry {
                value: crate::disk::encode_bare(&record).into(),
                negative: false,
                stored_at_ms: stored_at,
                expires_at_ms,
                tags: Vec::new(),
            };
            let (out, epoch) = self.caches.put_in(n, &target, &k, entry)?;
            Ok((out.expires_at_ms.map(|t| t.saturating_sub(now)), epoch))
        })
    }

    /// Deletes one source's answer for an album.
    pub fn delete(&self, source: &str, artist: &str, album: &str) -> Result<bool, CacheError> {
        let pair = pair_of(artist, album, source)?;
        let k: Arc<str> = key(&pair, source).into();
        let mut existed = false;
        for (ns, _) in &self.names {
            existed |= !self
                .caches
                .with_ns(ns, |n| {
                    Ok(self.caches.invalidate_in(n, ns, std::slice::from_ref(&k)))
                })?
                .is_empty();
        }
        Ok(existed)
    }

    /// Drops a pair's answers of every source in `scope`; returns (content type, key).
    pub fn invalidate(&self, pair: &AlbumPair, scope: ApiScope) -> Vec<(&'static str, Arc<str>)> {
        self.invalidate_prefix(&pair.prefix(), scope)
    }

    /// Drops every answer about an artist's albums.
    pub fn invalidate_artist(&self, artist: &str) -> Vec<(&'static str, Arc<str>)> {
        self.invalidate_prefix(&format!("{}{SEP}", normalize(artist)), ApiScope::ALL)
    }

    fn invalidate_prefix(&self, prefix: &str, scope: ApiScope) -> Vec<(&'static str, Arc<str>)> {
        let mut out = Vec::new();
        for (ns, ct) in self.names.iter().filter(|(_, ct)| scope.contains(ct)) {
            let dropped = self.caches.with_ns(ns, |n| {
                let keys = n.keys_with_prefix(prefix);
                Ok(self.caches.invalidate_in(n, ns, &keys))
            });
            out.extend(dropped.unwrap_or_default().into_iter().map(|k| (*ct, k)));
        }
        out
    }
}

fn shown(e: &Entry, now: u64) -> Option<ApiEntry> {
    let r: Record = crate::disk::decode_bare(&e.value)?;
    Some(ApiEntry {
        source: r.source,
        artist: r.artist,
        album: r.album,
        outcome: r.outcome,
        stored_at_ms: e.stored_at_ms,
        expires_in_ms: e.expires_at_ms.map(|t| t.saturating_sub(now)),
    })
}
