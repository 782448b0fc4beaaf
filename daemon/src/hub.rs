//! The hub: one owner for event sequence numbers. An append numbers
//! events, the caller persists them, and only then are they broadcast to
//! subscribed connections, in order. The hub knows nothing of the store:
//! `Append` hands out numbered frames and the log position to persist,
//! and publishes only what the caller says was persisted.
//!
//! Subscribers read a `tokio::sync::broadcast` channel; one that falls more
//! than `CHANNEL_CAPACITY` events behind sees `Lagged` and is sent `Resync`,
//! never a silent gap (unlike mini-redis's pub/sub, which drops).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};
use tokio::sync::broadcast;
use trackcache_protocol::{Event, EventFrame};

/// Events a subscriber may fall behind before it is told to resync.
pub const CHANNEL_CAPACITY: usize = 4096;

/// Where the log stands: the last seq assigned and the oldest one kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogPosition {
    /// Last sequence number assigned (0 = none yet).
    pub seq: u64,
    /// Oldest retained seq (1 while nothing was trimmed).
    pub oldest_seq: u64,
}

/// Events numbered by an `Append`, for the caller to persist.
#[derive(Debug)]
pub struct Numbered {
    /// The events with their seqs.
    pub frames: Vec<EventFrame>,
    /// The log position once they are persisted.
    pub position: LogPosition,
    /// Events below this seq are to be deleted (retention); 0 = none.
    pub trim_below: u64,
}

/// The event hub.
pub struct Hub {
    tx: broadcast::Sender<Arc<EventFrame>>,
    /// Held by an `Append` from numbering to publishing, so seqs reach the
    /// disk and the subscribers in order.
    log: Mutex<LogPosition>,
    current: AtomicU64,
    oldest: AtomicU64,
    retention: u64,
}

impl Hub {
    /// A hub continuing the persisted log.
    pub fn new(log: LogPosition, retention: u64) -> Self {
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

    /// Starts an append; other appends wait until it is published or dropped.
    pub fn begin(&self) -> Append<'_> {
        Append {
            hub: self,
            log: self.log.lock(),
            persisted: Vec::new(),
        }
    }
}

/// An append under way (see `Hub::begin`).
pub struct Append<'h> {
    hub: &'h Hub,
    /// The position after everything persisted so far.
    log: MutexGuard<'h, LogPosition>,
    persisted: Vec<EventFrame>,
}

impl Append<'_> {
    /// Numbers `events` after everything persisted so far (numbers that
    /// were never persisted are handed out again). A `LibrarySynced` gets
    /// its own seq written into it.
    pub fn number(&mut self, events: Vec<Event>) -> Numbered {
        let before = *self.log;
        let mut seq = before.seq;
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
        let oldest = before
            .oldest_seq
            .max(seq.saturating_sub(self.hub.retention) + 1)
            .max(1);
        Numbered {
            trim_below: if oldest > before.oldest_seq {
                oldest
            } else {
                0
            },
            position: LogPosition {
                seq,
                oldest_seq: oldest,
            },
            frames,
        }
    }

    /// The frames of the last `number` are on disk: they will be published.
    pub fn persisted(&mut self, numbered: Numbered) {
        *self.log = numbered.position;
        self.persisted.extend(numbered.frames);
    }

    /// The events persisted by this append so far.
    pub fn frames(&self) -> &[EventFrame] {
        &self.persisted
    }

    /// Makes the persisted events current and broadcasts them, in order.
    /// Numbers handed out but never persisted are handed out again.
    pub fn publish(self) -> Vec<EventFrame> {
        let log = *self.log;
        self.hub.oldest.store(log.oldest_seq, Ordering::Release);
        self.hub.current.store(log.seq, Ordering::Release);
        for f in &self.persisted {
            // No subscribers is not an error: the log has them.
            let _ = self.hub.tx.send(Arc::new(f.clone()));
        }
        self.persisted
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

    fn hub(seq: u64, retention: u64) -> Hub {
        Hub::new(LogPosition { seq, oldest_seq: 1 }, retention)
    }

    #[test]
    fn numbers_in_order_fills_in_synced_seq_and_trims() {
        let hub = hub(10, 12);
        let mut rx = hub.subscribe();
        let mut log = hub.begin();
        let n = log.number(vec![Event::LibraryImported { tracks: 1 }, synced()]);
        assert_eq!(
            n.frames.iter().map(|f| f.seq).collect::<Vec<_>>(),
            vec![11, 12]
        );
        assert!(matches!(
            n.frames[1].event,
            Event::LibrarySynced { seq: 12, .. }
        ));
        assert_eq!(
            (n.trim_below, n.position),
            (
                0,
                LogPosition {
                    seq: 12,
                    oldest_seq: 1
                }
            )
        );
        log.persisted(n);
        assert!(
            rx.try_recv().is_err(),
            "nothing is broadcast before publish"
        );
        assert_eq!(hub_seq_after(log.publish()), 12);
        assert_eq!(rx.try_recv().unwrap().seq, 11);
        assert_eq!(rx.try_recv().unwrap().seq, 12);

        // Two more events: retention 12 now trims seq 1 and 2.
        let mut log = hub.begin();
        let n = log.number(vec![synced(), synced()]);
        assert_eq!((n.trim_below, n.position.oldest_seq), (3, 3));
        log.persisted(n);
        log.publish();
        assert_eq!((hub.current_seq(), hub.oldest_seq()), (14, 3));
    }

    fn hub_seq_after(frames: Vec<EventFrame>) -> u64 {
        frames.last().map_or(0, |f| f.seq)
    }

    #[test]
    fn numbers_not_persisted_are_reused_and_never_broadcast() {
        let hub = hub(0, 100);
        let mut rx = hub.subscribe();
        let mut log = hub.begin();
        let _lost = log.number(vec![synced()]);
        drop(log); // the persist failed
        assert_eq!(hub.current_seq(), 0);
        assert!(rx.try_recv().is_err());
        let mut log = hub.begin();
        let n = log.number(vec![synced()]);
        assert_eq!(n.frames[0].seq, 1, "the failed append's seq is reused");
        log.persisted(n);
        // A second numbering in the same append continues after the first.
        let n = log.number(vec![synced()]);
        assert_eq!(n.frames[0].seq, 2);
        log.persisted(n);
        assert_eq!(log.publish().len(), 2);
        assert_eq!(rx.try_recv().unwrap().seq, 1);
    }
}
