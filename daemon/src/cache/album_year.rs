//! The album-year cache: release years keyed by the normalized (artist,
//! album) pair, with confidence, source and the album's fingerprint. A
//! lower-confidence write does not replace a higher-confidence live entry
//! unless forced. Stored in the internal namespace `@album_year`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use trackcache_protocol::{AlbumYearEntry, KvLookup, SetAlbumYear};

use super::generic::{CacheError, Caches};
use super::names::internal_name;
use super::namespace::Entry;
use crate::clock;
use crate::config::types;
use crate::keys::AlbumPair;
use crate::normalize::normalize;
use crate::store::Epoch;

/// What is stored per album.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Record {
    artist: String,
    album: String,
    year: i32,
    confidence: u8,
    source: String,
    fingerprint: u64,
}

fn encode(r: &Record) -> Vec<u8> {
    crate::disk::encode_bare(r)
}

fn decode(bytes: &[u8]) -> Option<Record> {
    crate::disk::decode_bare(bytes)
}

fn entry_of(r: Record, e: &Entry, now: u64) -> AlbumYearEntry {
    AlbumYearEntry {
        artist: r.artist,
        album: r.album,
        year: r.year,
        confidence: r.confidence,
        source: r.source,
        stored_at_ms: e.stored_at_ms,
        album_fingerprint: r.fingerprint,
        expires_in_ms: e.expires_at_ms.map(|t| t.saturating_sub(now)),
    }
}

/// A stored record whose spellings no longer normalize to the pair (the
/// normalization changed since it was stored) is not an answer for it.
fn matches(r: &Record, pair: &AlbumPair) -> bool {
    normalize(&r.artist) == pair.artist && normalize(&r.album) == pair.album
}

fn pair_of(artist: &str, album: &str) -> Result<AlbumPair, CacheError> {
    AlbumPair::new(artist, album)
        .ok_or_else(|| CacheError::BadName("artist and album must not be blank".into()))
}

/// The album-year cache.
pub struct AlbumYears {
    caches: Arc<Caches>,
    ns: String,
}

impl AlbumYears {
    /// The cache over the shared namespaces.
    pub fn new(caches: Arc<Caches>) -> Self {
        Self {
            caches,
            ns: internal_name(types::ALBUM_YEAR),
        }
    }

    /// The internal namespace name.
    pub fn namespace(&self) -> &str {
        &self.ns
    }

    /// The live entry at or above `min_confidence`, else a miss.
    pub fn get(
        &self,
        artist: &str,
        album: &str,
        min_confidence: u8,
    ) -> Result<Option<AlbumYearEntry>, CacheError> {
        let pair = pair_of(artist, album)?;
        let now = clock::now_ms();
        self.caches.with_ns(&self.ns, |n| {
            let accept = |e: &Entry| {
                decode(&e.value)
                    .is_some_and(|r| matches(&r, &pair) && r.confidence >= min_confidence)
            };
            Ok(match n.get_if(&pair.key(), now, accept) {
                KvLookup::Hit { .. } => n
                    .peek(&pair.key())
                    .and_then(|e| decode(&e.value).map(|r| entry_of(r, e, now))),
                _ => None,
            })
        })
    }

    /// Stores a year unless a live entry with a higher confidence exists and
    /// `force` is off. Returns whether it was stored, the current entry, and
    /// the epoch to sync before acknowledging it.
    pub fn set(
        &self,
        req: SetAlbumYear,
        fingerprint: u64,
    ) -> Result<(bool, AlbumYearEntry, Epoch), CacheError> {
        let pair = pair_of(&req.artist, &req.album)?;
        if req.confidence > 100 {
            return Err(CacheError::BadName(format!(
                "confidence {} is over 100",
                req.confidence
            )));
        }
        let now = clock::now_ms();
        let stored_at = req.stored_at_ms.unwrap_or(now).min(now);
        self.caches.writing_ns(&self.ns, |n| {
            let key = pair.key();
            if let Some(current) = n.peek(&key).filter(|e| e.is_live(now)) {
                if let Some(r) = decode(&current.value).filter(|r| matches(r, &pair)) {
                    if r.confidence > req.confidence && !req.force {
                        return Ok((false, entry_of(r, current, now), Epoch::NONE));
                    }
                }
            }
            let expires_at_ms = n.expiry_for(None, false, stored_at);
            if expires_at_ms.is_some_and(|t| t <= now) {
                // One wording for every such entry, so reports can group them.
                return Err(CacheError::BadName(
                    "the entry is already expired: its album_year TTL ran out before now (raise \
                     [content_types.album_year] ttl_secs to keep older years)"
                        .into(),
                ));
            }
            let record = Record {
                artist: req.artist.trim().to_owned(),
                album: req.album.trim().to_owned(),
                year: req.year,
                confidence: req.confidence,
                source: req.source.clone(),
                fingerprint,
            };
            let entry = Entry {
                value: encode(&record).into(),
                negative: false,
                stored_at_ms: stored_at,
                expires_at_ms,
                tags: Vec::new(),
            };
            let shown = entry_of(record, &entry, now);
            let (_, epoch) = self.caches.put_in(n, &self.ns, &key, entry)?;
            Ok((true, shown, epoch))
        })
    }

    /// Deletes an album's year.
    pub fn delete(&self, artist: &str, album: &str) -> Result<bool, CacheError> {
        let pair = pair_of(artist, album)?;
        let gone = self.caches.with_ns(&self.ns, |n| {
            Ok(self.caches.invalidate_in(n, &self.ns, &[pair.key().into()]))
        })?;
        Ok(!gone.is_empty())
    }

    /// Drops the pair's entry (for invalidation); returns the dropped keys.
    pub fn invalidate(&self, pair: &AlbumPair, unless_year: Option<Option<i32>>) -> Vec<Arc<str>> {
        let key: Arc<str> = pair.key().into();
        let dropped = self.caches.with_ns(&self.ns, |n| {
            let keep = match (unless_year, n.peek(&key).and_then(|e| decode(&e.value))) {
                (Some(year), Some(r)) => year == Some(r.year),
                _ => false,
            };
            Ok(if keep {
                Vec::new()
            } else {
                self.caches
                    .invalidate_in(n, &self.ns, std::slice::from_ref(&key))
            })
        });
        dropped.unwrap_or_default()
    }

    /// Drops every entry whose artist is `artist` (normalized); returns the keys.
    pub fn invalidate_artist(&self, artist: &str) -> Vec<Arc<str>> {
        let prefix = format!("{}{}", normalize(artist), crate::keys::SEP);
        let dropped = self.caches.with_ns(&self.ns, |n| {
            let keys = n.keys_with_prefix(&prefix);
            Ok(self.caches.invalidate_in(n, &self.ns, &keys))
        });
        dropped.unwrap_or_default()
    }

    /// Drops entries whose stored album fingerprint differs from the
    /// album's now, unless the library now agrees with the entry: `current`
    /// gives a pair's fingerprint and the year all its dated tracks carry.
    /// (Decision 0009: a change that brings the album to the cached year
    /// leaves nothing stale. The entry keeps its old fingerprint, so the
    /// next change is checked against the library again.)
    pub fn invalidate_stale(
        &self,
        current: impl Fn(&AlbumPair) -> (u64, Option<i32>),
    ) -> Vec<Arc<str>> {
        let dropped = self.caches.with_ns(&self.ns, |n| {
            let stale: Vec<Arc<str>> = n
                .iter()
                .filter_map(|(k, e)| {
                    let r = decode(&e.value)?;
                    let pair = AlbumPair::new(&r.artist, &r.album)?;
                    let (fingerprint, year) = current(&pair);
                    (fingerprint != r.fingerprint && year != Some(r.year)).then(|| k.clone())
                })
                .collect();
            Ok(self.caches.invalidate_in(n, &self.ns, &stale))
        });
        dropped.unwrap_or_default()
    }
}
