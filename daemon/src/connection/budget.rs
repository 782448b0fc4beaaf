//! The budget for half-received messages, shared by every connection: a
//! client that sends the start of a large frame and then nothing makes the
//! daemon hold that frame's buffer (the report: 30 connections holding
//! 15 MiB each raised the RSS from 12 to 474 MB; the worst case was the
//! connection cap times the frame maximum, about 4 GiB). Each connection
//! may hold `FREE_BYTES` without counting; beyond that it reserves from the
//! budget before its buffer grows, and a message that would exceed the
//! budget is refused before anything is allocated for it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes a connection may buffer without reserving (ordinary requests).
pub const FREE_BYTES: u64 = 64 * 1024;

/// Bytes of half-received messages all connections hold, and the bound.
#[derive(Debug)]
pub struct PartialBudget {
    used: AtomicU64,
    max: u64,
}

/// The budget is spent: what to tell the client.
#[derive(Debug, thiserror::Error)]
#[error(
    "the daemon already holds {used} bytes of half-received messages from its clients \
     ([limits] partial_message_bytes = {max}); this {wanted}-byte message was refused \
     before it was read: send it again later, or in smaller requests"
)]
pub struct BudgetSpent {
    used: u64,
    max: u64,
    wanted: u64,
}

impl PartialBudget {
    /// A budget of `max` bytes.
    pub fn new(max: u64) -> Arc<Self> {
        Arc::new(Self {
            used: AtomicU64::new(0),
            max,
        })
    }

    /// Bytes reserved now, all connections together.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Acquire)
    }
}

/// One connection's reservation; given back when dropped.
#[derive(Debug)]
pub struct Hold {
    budget: Arc<PartialBudget>,
    held: u64,
}

impl Hold {
    /// A connection's (empty) hold on `budget`.
    pub fn new(budget: Arc<PartialBudget>) -> Self {
        Self { budget, held: 0 }
    }

    /// The connection is about to buffer up to `bytes`: reserves what that
    /// needs beyond `FREE_BYTES`, or refuses.
    pub fn need(&mut self, bytes: u64) -> Result<(), BudgetSpent> {
        let want = bytes.saturating_sub(FREE_BYTES);
        if want <= self.held {
            return Ok(());
        }
        let more = want - self.held;
        let b = &self.budget;
        let mut used = b.used.load(Ordering::Acquire);
        loop {
            if used + more > b.max {
                return Err(BudgetSpent {
                    used,
                    max: b.max,
                    wanted: bytes,
                });
            }
            match b.used.compare_exchange_weak(
                used,
                used + more,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(now) => used = now,
            }
        }
        self.held = want;
        Ok(())
    }

    /// A message was taken out; `bytes` are still buffered.
    pub fn holding(&mut self, bytes: u64) {
        let want = bytes.saturating_sub(FREE_BYTES);
        if want < self.held {
            self.budget
                .used
                .fetch_sub(self.held - want, Ordering::AcqRel);
            self.held = want;
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.held, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_share_the_budget_and_give_it_back() {
        let budget = PartialBudget::new(10 * FREE_BYTES);
        let mut a = Hold::new(budget.clone());
        let mut b = Hold::new(budget.clone());
        a.need(FREE_BYTES).unwrap();
        assert_eq!(budget.used(), 0, "small messages cost nothing");
        a.need(6 * FREE_BYTES).unwrap();
        assert_eq!(budget.used(), 5 * FREE_BYTES);
        let err = b.need(7 * FREE_BYTES).unwrap_err();
        assert!(err.to_string().contains("partial_message_bytes"), "{err}");
        b.need(6 * FREE_BYTES).unwrap();
        assert_eq!(budget.used(), 10 * FREE_BYTES);
        a.holding(0);
        assert_eq!(
            budget.used(),
            5 * FREE_BYTES,
            "a finished message frees its share"
        );
        drop(b);
        assert_eq!(budget.used(), 0, "a closed connection frees the rest");
    }
}
