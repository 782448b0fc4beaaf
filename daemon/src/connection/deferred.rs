//! The requests of a connection that wait or read a lot (`cmd::deferred`).
//! A waiting one is polled once where it arrives; if it is not done at once
//! it becomes a task, and its reply is queued by id when the task ends. A
//! store-reading one runs on the blocking pool, where its reply is encoded
//! too (10,000 tracks take milliseconds to encode). A task that fails
//! without an answer (a bug) is still answered, so no client waits for ever.

use std::collections::HashMap;

use futures_util::FutureExt;
use tokio::task::{Id, JoinError, JoinSet};
use trackcache_protocol::{ErrorCode, ErrorReply, Response};

use super::Connection;
use crate::cmd;

/// A reply ready to queue: an answer, or its bytes already encoded.
pub(super) enum Ready {
    Answer(Result<Response, ErrorReply>),
    Encoded(Vec<u8>),
}

type Answer = (u64, Ready);

/// The waiting requests of one connection, and their request ids.
#[derive(Default)]
pub(super) struct Deferred {
    tasks: JoinSet<Answer>,
    ids: HashMap<Id, u64>,
}

/// A waiting request that ended.
pub(super) type Done = Option<Result<(Id, Answer), JoinError>>;

impl Deferred {
    pub(super) fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The next request to end (`None` when there is none).
    pub(super) async fn next(&mut self) -> Done {
        self.tasks.join_next_with_id().await
    }
}

impl Connection<'_> {
    /// Answers at once if the request does not wait, else starts its task.
    pub(super) fn start_deferred(&mut self, id: u64, mut answer: cmd::Deferred) {
        match (&mut answer).now_or_never() {
            Some(result) => self.queue_reply(id, result),
            None => {
                let task = self
                    .deferred
                    .tasks
                    .spawn(async move { (id, Ready::Answer(answer.await)) });
                self.deferred.ids.insert(task.id(), id);
            }
        }
    }

    /// Runs a store-reading handler, and encodes its reply, off the request threads.
    pub(super) fn start_blocking(&mut self, id: u64, handler: cmd::Blocking) {
        let (daemon, encoder) = (self.daemon.clone(), self.reader.decoder().encoder());
        let task = self.deferred.tasks.spawn(async move {
            let encoded = tokio::task::spawn_blocking(move || {
                let mut out = Vec::new();
                encoder.reply(&mut out, id, handler(&daemon));
                out
            })
            .await;
            match encoded {
                Ok(bytes) => (id, Ready::Encoded(bytes)),
                Err(e) => (
                    id,
                    Ready::Answer(Err(ErrorReply::new(
                        ErrorCode::INTERNAL,
                        format!("the request failed: {e}; this is a bug"),
                    ))),
                ),
            }
        });
        self.deferred.ids.insert(task.id(), id);
    }

    /// Queues the reply of a waiting request that ended.
    pub(super) fn deferred_done(&mut self, done: Done) {
        match done {
            Some(Ok((task, (id, ready)))) => {
                self.deferred.ids.remove(&task);
                match ready {
                    Ready::Answer(result) => self.queue_reply(id, result),
                    Ready::Encoded(bytes) => self.out.extend_from_slice(&bytes),
                }
            }
            Some(Err(e)) => {
                if let Some(id) = self.deferred.ids.remove(&e.id()) {
                    let msg = format!("the request failed: {e}; this is a bug");
                    self.queue_reply(id, Err(ErrorReply::new(ErrorCode::INTERNAL, msg)));
                }
            }
            None => {}
        }
    }
}
