//! Subscriptions of one connection: `Subscribe` replays the log after the
//! requested seq, then live events are forwarded from the hub; a lag or a
//! request for history the log no longer has becomes `Resync`.

use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};
use trackcache_protocol::{ErrorCode, ErrorReply, Event, EventFrame, Response};

use super::{Connection, Flow};

/// Events replayed per store read when a subscriber resumes.
const BACKLOG_CHUNK: usize = 1000;

/// Why the log could not be replayed to a subscriber.
#[derive(Debug, thiserror::Error)]
enum ReplayError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the read stopped: {0}")]
    Read(#[from] tokio::task::JoinError),
    #[error("the subscriber went away: {0}")]
    Write(#[from] std::io::Error),
}

/// A subscribed connection's position in the event stream.
pub(crate) struct Subscription {
    pub(crate) rx: broadcast::Receiver<Arc<EventFrame>>,
    /// Last seq sent; live events at or below it were already replayed.
    last_seq: u64,
}

impl Connection<'_> {
    /// Starts pushing events: replies `Subscribed`, replays the log after
    /// `since` (or sends `Resync` when the log no longer reaches back that
    /// far), then live events follow from the select loop.
    pub(crate) async fn subscribe(&mut self, id: u64, since: Option<u64>) -> Flow {
        let hub = self.daemon.hub.clone();
        // Subscribe before reading the position: every event after `current`
        // is then certain to arrive on `rx` (the hub commits, then updates
        // `current`, then broadcasts).
        let rx = hub.subscribe();
        let (current, oldest) = (hub.current_seq(), hub.oldest_seq());
        self.queue_reply(
            id,
            Ok(Response::Subscribed {
                current_seq: current,
                oldest_seq: oldest,
            }),
        );
        if let Some(since) = since {
            if since.saturating_add(1) < oldest || since > current {
                self.queue_event(&resync(current));
            } else if let Err(e) = self.replay(since, current).await {
                let err = ErrorReply::new(
                    ErrorCode::UNAVAILABLE,
                    format!("cannot replay the event log: {e}"),
                );
                self.fatal(err).await;
                return Flow::Close;
            }
        }
        self.sub = Some(Subscription {
            rx,
            last_seq: current,
        });
        Flow::Continue
    }

    async fn replay(&mut self, mut after: u64, upto: u64) -> Result<(), ReplayError> {
        while after < upto {
            let store = self.daemon.store.clone();
            let chunk =
                tokio::task::spawn_blocking(move || store.events_after(after, BACKLOG_CHUNK))
                    .await??;
            let Some(last) = chunk.last().map(|f| f.seq) else {
                break;
            };
            for f in chunk.iter().filter(|f| f.seq <= upto) {
                self.queue_event(f);
            }
            after = last;
            self.flush().await?;
        }
        Ok(())
    }

    pub(crate) fn push_event(&mut self, ev: Result<Arc<EventFrame>, RecvError>) {
        let Some(sub) = self.sub.as_mut() else { return };
        match ev {
            Ok(frame) if frame.seq > sub.last_seq => {
                sub.last_seq = frame.seq;
                self.queue_event(&frame);
            }
            Ok(_) => {}
            Err(RecvError::Lagged(missed)) => {
                let current = self.daemon.hub.current_seq();
                tracing::info!(missed, current, "subscriber fell behind; sending Resync");
                sub.last_seq = current;
                self.queue_event(&resync(current));
            }
            Err(RecvError::Closed) => self.sub = None,
        }
    }

    fn queue_event(&mut self, frame: &EventFrame) {
        let wire = self.reader.decoder();
        if !wire.event(&mut self.out, frame) {
            tracing::warn!(seq = frame.seq, "event too large to push; sending Resync");
            wire.event(&mut self.out, &resync(frame.seq));
        }
    }
}

fn resync(seq: u64) -> EventFrame {
    EventFrame {
        seq,
        event: Event::Resync { seq },
    }
}

/// Waits for the next event of a subscription (never called without one).
pub(crate) async fn recv_event(
    sub: &mut Option<Subscription>,
) -> Result<Arc<EventFrame>, RecvError> {
    match sub {
        Some(s) => s.rx.recv().await,
        None => std::future::pending().await,
    }
}
