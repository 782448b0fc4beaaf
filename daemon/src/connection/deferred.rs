//! The requests of a connection that wait (`cmd::deferred`): each is polled
//! once where it arrives; one that is not done at once becomes a task, and
//! its reply is queued by id when the task ends. A task that fails without
//! an answer (a bug) is still answered, so no client waits for ever.

use std::collections::HashMap;

use futures_util::FutureExt;
use tokio::task::{Id, JoinError, JoinSet};
use trackcache_protocol::{ErrorCode, ErrorReply, Response};

use super::Connection;
use crate::cmd;

type Answer = (u64, Result<Response, ErrorReply>);

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
                let task = self.deferred.tasks.spawn(async move { (id, answer.await) });
                self.deferred.ids.insert(task.id(), id);
            }
        }
    }

    /// Queues the reply of a waiting request that ended.
    pub(super) fn deferred_done(&mut self, done: Done) {
        match done {
            Some(Ok((task, (id, result)))) => {
                self.deferred.ids.remove(&task);
                self.queue_reply(id, result);
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
