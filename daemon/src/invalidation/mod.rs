//! The invalidation manager. Library events go through the rules table
//! (`rules`) with the content types' strategies as they are now, the
//! planned drops are carried out on the caches, every dropped entry is
//! counted by content type and reason, and each group becomes an
//! `EntriesInvalidated` notice for the caller to log and publish (the
//! manager knows neither the store nor the hub). One failing rule is logged
//! and does not stop the others. A manual invalidation drops what it names
//! whatever the strategies, and is announced by a `ManualInvalidation`
//! event before its notices.

pub mod rules;

pub use rules::{LibraryView, Strategies};

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;
use trackcache_protocol::{Event, EventFrame, InvalidateTarget};

use crate::cache::album_year::AlbumYears;
use crate::cache::api::{ApiAnswers, API_TYPES};
use crate::cache::{internal_name, CacheError, Caches};
use crate::config::types;
use crate::keys::{self, pairs_of, tags_of, AlbumPair, ApiScope, BadTag, SEP};
use crate::store::{Epoch, WriteFailure};
use rules::{plan, reacts, Action, Reason};

/// Why an invalidation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum InvalidateError {
    /// The target is not something that can be invalidated.
    #[error("{0}")]
    BadTarget(String),
    /// A tag in the target is malformed.
    #[error(transparent)]
    BadTag(#[from] BadTag),
    /// The caches refused (a disk failure while journaling the drops).
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The drops could not be made durable.
    #[error(transparent)]
    NotDurable(#[from] WriteFailure),
}

/// Dropped keys, grouped by (content type, reason).
#[derive(Default)]
struct Drops(BTreeMap<(&'static str, Reason), Vec<String>>);

impl Drops {
    fn add(&mut self, ct: &'static str, reason: Reason, key: &str) {
        self.0
            .entry((ct, reason))
            .or_default()
            .push(key.replace(SEP, "|"));
    }

    fn total(&self) -> u64 {
        self.0.values().map(|v| v.len() as u64).sum()
    }
}

/// The invalidation manager.
pub struct Invalidator {
    caches: Arc<Caches>,
    years: Arc<AlbumYears>,
    api: Arc<ApiAnswers>,
    counts: Mutex<BTreeMap<(&'static str, Reason), u64>>,
}

impl Invalidator {
    /// A manager over the caches.
    pub fn new(caches: Arc<Caches>, years: Arc<AlbumYears>, api: Arc<ApiAnswers>) -> Self {
        Self {
            caches,
            years,
            api,
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    /// Plans and applies what committed library events make stale, and
    /// makes the drops durable (with the watermark that says these events
    /// are done: `Caches::invalidation`). Returns the notices to log and
    /// publish. If the drops cannot be made durable the store is degraded
    /// (and the events are planned again after a restart); the notices are
    /// still returned, since the entries are gone from memory.
    pub fn after_library_change(&self, frames: &[EventFrame], lib: &dyn LibraryView) -> Vec<Event> {
        let Some(last) = frames.last() else {
            return Vec::new();
        };
        let strategies = self.strategies();
        let (drops, epoch) = self.caches.invalidation(last.seq, || {
            let mut drops = Drops::default();
            for f in frames {
                for (action, reason) in plan(&f.event, lib, &strategies) {
                    self.execute(&action, reason, lib, &mut drops);
                }
            }
            drops
        });
        if let Err(e) = self.caches.sync_blocking(epoch) {
            tracing::warn!(error = %e, "invalidations could not be made durable; they are planned again at the next start");
        }
        self.notices(drops)
    }

    /// The domain content types' strategies now (a config reload may change them).
    pub fn strategies(&self) -> Strategies {
        let of = |ct: &str| self.caches.strategy_of(&internal_name(ct));
        Strategies {
            album_year: of(types::ALBUM_YEAR),
            found: of(types::SUCCESSFUL_API),
            not_found: of(types::NEGATIVE),
            failed: of(types::FAILED_API),
        }
    }

    /// `Invalidate`: drops what the target names. Returns how many entries,
    /// the epoch to sync before announcing it, and the events to log: a
    /// `ManualInvalidation`, then the notices.
    pub fn manual(
        &self,
        target: &InvalidateTarget,
        lib: Option<&dyn LibraryView>,
    ) -> Result<(u64, Epoch, Vec<Event>), InvalidateError> {
        let mut drops = Drops::default();
        let r = Reason::Manual;
        match target {
            InvalidateTarget::Track { id } => {
                let track = lib.and_then(|l| l.track(id));
                for p in track.as_ref().map(pairs_of).unwrap_or_default() {
                    self.drop_pair(&p, ApiScope::ALL, r, &mut drops);
                }
                let tags = track
                    .as_ref()
                    .map(tags_of)
                    .unwrap_or_else(|| vec![format!("track:{}", id.trim())]);
                for t in tags {
                    self.drop_tag(&t, r, &mut drops);
                }
            }
            InvalidateTarget::Album { artist, album } => {
                let p = AlbumPair::new(artist, album).ok_or_else(|| {
                    InvalidateError::BadTarget("artist and album must not be blank".into())
                })?;
                self.drop_pair(&p, ApiScope::ALL, r, &mut drops);
                self.drop_tag(&format!("album:{}|{}", p.artist, p.album), r, &mut drops);
            }
            InvalidateTarget::Artist { name } => {
                let tag = keys::normalize_tag(&format!("artist:{name}"))?;
                for k in self.years.invalidate_artist(name) {
                    drops.add(types::ALBUM_YEAR, r, &k);
                }
                for (ct, k) in self.api.invalidate_artist(name) {
                    drops.add(ct, r, &k);
                }
                self.drop_tag(&tag, r, &mut drops);
            }
            InvalidateTarget::ContentType { name } => self.drop_type(name, &mut drops)?,
            InvalidateTarget::All => {
                for ct in [
                    types::ALBUM_YEAR,
                    types::SUCCESSFUL_API,
                    types::NEGATIVE,
                    types::FAILED_API,
                    types::GENERIC,
                ] {
                    self.drop_type(ct, &mut drops)?;
                }
            }
        }
        let n = drops.total();
        // Every delete above joined this epoch or an earlier one.
        let epoch = self.caches.pending_epoch();
        let mut events = vec![crate::event_bound::bounded(Event::ManualInvalidation {
            target: target.clone(),
            dropped: n,
        })];
        events.extend(self.notices(drops));
        Ok((n, epoch, events))
    }

    fn drop_type(&self, name: &str, drops: &mut Drops) -> Result<(), InvalidateError> {
        let r = Reason::Manual;
        let internal = [types::ALBUM_YEAR]
            .into_iter()
            .chain(API_TYPES)
            .find(|t| *t == name);
        if let Some(ct) = internal {
            for k in self.caches.invalidate_namespace(&internal_name(ct))?.0 {
                drops.add(ct, r, &k);
            }
            return Ok(());
        }
        match name {
            types::GENERIC => {
                for ns in self.caches.client_namespaces() {
                    for k in self.caches.invalidate_namespace(&ns)?.0 {
                        drops.add(types::GENERIC, r, &format!("{ns}/{k}"));
                    }
                }
                Ok(())
            }
            types::TRACK_METADATA => Err(InvalidateError::BadTarget(
                "track_metadata is the library snapshot, not a cache; use `trackcache rescan`".into(),
            )),
            other => Err(InvalidateError::BadTarget(format!(
                "unknown content type {other:?}: use album_year, successful_api_metadata, negative_result, \
                 failed_api_lookup or generic"
            ))),
        }
    }

    fn execute(&self, action: &Action, reason: Reason, lib: &dyn LibraryView, drops: &mut Drops) {
        match action {
            Action::AlbumYear(p) => {
                for k in self.years.invalidate(p, None) {
                    drops.add(types::ALBUM_YEAR, reason, &k);
                }
            }
            Action::AlbumYearUnlessYear(p, year) => {
                for k in self.years.invalidate(p, Some(*year)) {
                    drops.add(types::ALBUM_YEAR, reason, &k);
                }
            }
            Action::Api(p, scope) => {
                for (ct, k) in self.api.invalidate(p, *scope) {
                    drops.add(ct, reason, &k);
                }
            }
            Action::Tag(t, trigger) => self.drop_tag_if(t, reason, drops, |s| reacts(s, *trigger)),
            Action::StaleFingerprints => {
                let current = |p: &AlbumPair| (lib.album_fingerprint(p), lib.album_year(p));
                for k in self.years.invalidate_stale(current) {
                    drops.add(types::ALBUM_YEAR, reason, &k);
                }
            }
        }
    }

    fn drop_pair(&self, p: &AlbumPair, scope: ApiScope, reason: Reason, drops: &mut Drops) {
        for k in self.years.invalidate(p, None) {
            drops.add(types::ALBUM_YEAR, reason, &k);
        }
        for (ct, k) in self.api.invalidate(p, scope) {
            drops.add(ct, reason, &k);
        }
    }

    /// A manual drop of a tag: every client namespace, whatever its strategy.
    fn drop_tag(&self, tag: &str, reason: Reason, drops: &mut Drops) {
        self.drop_tag_if(tag, reason, drops, |_| true);
    }

    fn drop_tag_if(
        &self,
        tag: &str,
        reason: Reason,
        drops: &mut Drops,
        reacts: impl Fn(crate::config::Strategy) -> bool,
    ) {
        for (ns, k) in self.caches.invalidate_tag(tag, reacts) {
            drops.add(types::GENERIC, reason, &format!("{ns}/{k}"));
        }
    }

    /// Counts the drops; one notice per (content type, reason).
    fn notices(&self, drops: Drops) -> Vec<Event> {
        let mut events = Vec::new();
        let mut counts = self.counts.lock();
        for ((ct, reason), keys) in drops.0 {
            *counts.entry((ct, reason)).or_default() += keys.len() as u64;
            tracing::info!(
                content_type = ct,
                reason = reason.name(),
                dropped = keys.len(),
                "entries invalidated"
            );
            events.extend(crate::event_bound::notices(ct, reason.name(), keys));
        }
        events
    }

    /// Invalidations of a content type, by reason.
    pub fn counts(&self, ct: &str) -> Vec<(String, u64)> {
        let counts = self.counts.lock();
        counts
            .iter()
            .filter(|((c, _), _)| *c == ct)
            .map(|((_, r), n)| (r.name().to_owned(), *n))
            .collect()
    }
}

#[cfg(test)]
#[path = "strategy_tests.rs"]
mod strategy_tests;
