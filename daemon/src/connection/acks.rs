//! Acknowledging durable writes: a reply to a request that wrote
//! persistent data is queued with the journal epoch it waits for, and the
//! batch's replies go out only once that epoch is written. A reply whose
//! write failed is replaced by an error before anything is sent.

use trackcache_protocol::{ErrorCode, ErrorReply, Response};

use super::Connection;
use crate::store::Epoch;

/// A queued reply that waits for a journal write.
pub(super) struct Ack {
    id: u64,
    epoch: Epoch,
    /// Its bytes in `out`.
    range: std::ops::Range<usize>,
}

impl Connection<'_> {
    /// Queues a reply; one to a durable write is remembered until its
    /// epoch is written (`await_durability`).
    pub(super) fn queue_acked(
        &mut self,
        id: u64,
        result: Result<Response, ErrorReply>,
        epoch: Epoch,
    ) {
        let start = self.out.len();
        self.queue_reply(id, result);
        if epoch != Epoch::NONE {
            self.acks.push(Ack {
                id,
                epoch,
                range: start..self.out.len(),
            });
        }
    }

    /// Waits until the batch's durable writes would survive `kill -9`
    /// (concurrent connections share the write: group commit). A reply
    /// whose write failed is replaced by an error: that write was not
    /// stored, and the caches forgot it, so nothing it did stays readable.
    pub(super) async fn await_durability(&mut self) {
        let acks = std::mem::take(&mut self.acks);
        let last = acks.iter().map(|a| a.epoch).max().unwrap_or(Epoch::NONE);
        if self.daemon.caches.sync(last).await.is_ok() {
            return;
        }
        let old = std::mem::take(&mut self.out);
        let mut at = 0;
        for ack in acks {
            self.out.extend_from_slice(&old[at..ack.range.start]);
            at = ack.range.end;
            match self.daemon.caches.epoch_outcome(ack.epoch) {
                Err(e) => {
                    let msg = format!("{e}; nothing of this write was kept, retry it later");
                    self.queue_reply(ack.id, Err(ErrorReply::new(ErrorCode::STORAGE_FULL, msg)));
                }
                Ok(()) => self.out.extend_from_slice(&old[ack.range]),
            }
        }
        self.out.extend_from_slice(&old[at..]);
    }
}
