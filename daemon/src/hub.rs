//! The hub: one owner for event sequence numbers. It numbers events, has
//! them written durably (together with whatever else the caller commits in
//! the same batch), trims the log to its retention, and only then
//! broadcasts them to subscribed connections, in order.
//!
//! Subscribers read a `tokio::sync::broadcast` channel; one that falls more
//! than `CHANNEL_CAPACITY` events behind sees `Lagged` and is sent `Resync`,
//! never a silent gap (unlike mini-redis's pub/sub, which drops).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::broadcast;
use trackcache_protocol::{Event, EventFrame};

use crate::store::{LogMeta, StoreError, SyncBatch};

/// Events a subscriber may fall behind before it is told to resync.
pub const CHANNEL_CAPACITY: usize = 4096;

/// The event hub.
pub struct Hub {
    tx: broadcast::Sender<Arc<EventFrame>>,
    /// Serializes appends so sequence numbers hit the disk in order.
    log: Mutex<LogMeta>,
    current: AtomicU64,
    oldest: AtomicU64,
    retention: u64,
}

impl Hub {
    /// A hub continuing the persisted log.
    pub fn new(log: LogMeta, retention: u64) -> Self {
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self {
            tx,
            current: AtomicU64::new(log.seq),
            oldest: AtomicU64::new(log.oldest_seq),
            log: Mutex::new(log),
            retention: retention.max(1),
        }
    }

    /// Last seq committed.
    pub fn current_seq(&self) -> u64 {
        self.current.load(Ordering::Acquire)
    }

    /// Oldest seq still in the log.
    pub fn oldest_seq(&self) -> u64 {
        self.oldest.load(Ordering::Acquire)
    }

    /// A receiver of every event broadcast from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<EventFrame>> {
        self.tx.subscribe()
    }

    /// Numbers `events` (in order), puts them and the new log position into
    /// `batch`, lets `commit` write it, then broadcasts. `build` may add
    /// events that need their own seq (a `LibrarySynced` naming its seq).
    pub fn append(
        &self,
        events: Vec<Event>,
        mut batch: SyncBatch,
        commit: impl FnOnce(SyncBatch) -> Result<(), StoreError>,
    ) -> Result<Vec<EventFrame>, StoreError> {
        let mut log = self.log.lock();
        let mut seq = log.seq;
        let frames: Vec<EventFrame> = events
            .into_iter()
            .map(|mut event| {
                seq += 1;
                if let Event::LibrarySynced { seq: s, .. } = &mut event {
                    *s = seq;
                }
                EventFrame { seq, event }
            })
            .collect();
        let oldest = log
            .oldest_seq
            .max(seq.saturating_sub(self.retention) + 1)
            .max(1);
        let next = LogMeta {
            seq,
            oldest_seq: oldest,
        };
        batch.events = frames.clone();
        batch.trim_below = if oldest > log.oldest_seq { oldest } else { 0 };
        batch.log = next;
        commit(batch)?;
        *log = next;
        self.oldest.store(oldest, Ordering::Release);
        self.current.store(seq, Ordering::Release);
        for f in &frames {
            // No subscribers is not an error: the log has them.
            let _ = self.tx.send(Arc::new(f.clone()));
        }
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synced() -> Event {
        Event::LibrarySynced {
            added: 1,
            removed: 0,
            modified: 0,
            seq: 0,
        }
    }

    #[test]
    fn numbers_in_order_fills_in_synced_seq_and_trims() {
        let hub = Hub::new(
            LogMeta {
                seq: 10,
                oldest_seq: 1,
            },
            12,
        );
        let mut rx = hub.subscribe();
        let mut written = None;
        let frames = hub
            .append(
                vec![Event::LibraryImported { tracks: 1 }, synced()],
                SyncBatch::default(),
                |b| {
                    written = Some((b.events.len(), b.trim_below, b.log));
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(
            frames.iter().map(|f| f.seq).collect::<Vec<_>>(),
            vec![11, 12]
        );
        assert!(matches!(
            frames[1].event,
            Event::LibrarySynced { seq: 12, .. }
        ));
        assert_eq!(
            written,
            Some((
                2,
                0,
                LogMeta {
                    seq: 12,
                    oldest_seq: 1
                }
            ))
        );
        assert_eq!(rx.try_recv().unwrap().seq, 11);
        assert_eq!(rx.try_recv().unwrap().seq, 12);

        // Two more events: retention 12 now trims seq 1 and 2.
        hub.append(vec![synced(), synced()], SyncBatch::default(), |b| {
            assert_eq!((b.trim_below, b.log.oldest_seq), (3, 3));
            Ok(())
        })
        .unwrap();
        assert_eq!((hub.current_seq(), hub.oldest_seq()), (14, 3));
    }

    #[test]
    fn a_failed_commit_assigns_nothing_and_broadcasts_nothing() {
        let hub = Hub::new(
            LogMeta {
                seq: 0,
                oldest_seq: 1,
            },
            100,
        );
        let mut rx = hub.subscribe();
        let err = hub.append(vec![synced()], SyncBatch::default(), |_| {
            Err(StoreError::Io("disk full".into()))
        });
        assert!(err.is_err());
        assert_eq!(hub.current_seq(), 0);
        assert!(rx.try_recv().is_err());
        let frames = hub
            .append(vec![synced()], SyncBatch::default(), |_| Ok(()))
            .unwrap();
        assert_eq!(frames[0].seq, 1, "the failed append's seq is reused");
    }
}
