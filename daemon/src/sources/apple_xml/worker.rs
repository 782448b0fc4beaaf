//! The second thread of the Tracks pipeline: reads the pieces it is sent
//! ahead ([`read_ahead`]) and sends them back, in the order received.
//!
//! It lives inside a `std::thread::scope` for one pass over a Tracks dict.
//! It ends when the pipeline drops its [`Worker`] (the job channel closes);
//! the scope then waits for the piece it may still be reading. Only a
//! panic ends it early, and [`Worker::recv`] passes that panic on.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{Scope, ScopedJoinHandle};

use super::piece::{read_ahead, Parsed};
use crate::sources::Limits;

/// A piece for the worker: its bytes and their file offset.
struct Job {
    bytes: Vec<u8>,
    base: u64,
}

/// The pipeline's handle on its second thread.
pub(super) struct Worker<'scope> {
    jobs: Sender<Job>,
    results: Receiver<Parsed>,
    /// A result taken by [`Self::ready`] and not yet by [`Self::recv`].
    ready: Option<Parsed>,
    /// Pieces sent and not yet received back.
    outstanding: usize,
    handle: Option<ScopedJoinHandle<'scope, ()>>,
}

impl<'scope> Worker<'scope> {
    /// Starts the thread in `scope`; `None` if no thread can be had (the
    /// pipeline then reads everything itself).
    pub(super) fn spawn<'env>(scope: &'scope Scope<'scope, 'env>, limits: Limits) -> Option<Self> {
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (result_tx, results) = mpsc::channel::<Parsed>();
        let handle = std::thread::Builder::new()
            .name("library-parse".into())
            .spawn_scoped(scope, move || {
                for job in job_rx {
                    if result_tx
                        .send(read_ahead(job.bytes, job.base, limits))
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .ok()?;
        Some(Self {
            jobs,
            results,
            ready: None,
            outstanding: 0,
            handle: Some(handle),
        })
    }

    /// Pieces sent and not yet received back.
    pub(super) fn outstanding(&self) -> usize {
        self.outstanding
    }

    /// Sends a piece to be read ahead; gives the bytes back if the thread
    /// is gone (it panicked: [`Self::recv`] will say so).
    pub(super) fn send(&mut self, bytes: Vec<u8>, base: u64) -> Result<(), Vec<u8>> {
        self.jobs
            .send(Job { bytes, base })
            .map_err(|unsent| unsent.0.bytes)?;
        self.outstanding += 1;
        Ok(())
    }

    /// True when the oldest outstanding piece has been read, so that
    /// [`Self::recv`] will not wait.
    pub(super) fn ready(&mut self) -> bool {
        if self.ready.is_none() {
            self.ready = self.results.try_recv().ok();
        }
        self.ready.is_some()
    }

    /// The oldest outstanding piece, read; waits for it if need be. Call
    /// only with pieces outstanding.
    pub(super) fn recv(&mut self) -> Parsed {
        let parsed = match self.ready.take() {
            Some(parsed) => parsed,
            None => match self.results.recv() {
                Ok(parsed) => parsed,
                Err(_) => self.died(),
            },
        };
        self.outstanding -= 1;
        parsed
    }

    /// The thread hung up with pieces outstanding, which only a panic does:
    /// pass it on to this thread.
    #[cold]
    fn died(&mut self) -> ! {
        if let Some(Err(panic)) = self.handle.take().map(ScopedJoinHandle::join) {
            std::panic::resume_unwind(panic);
        }
        panic!("the library parse thread stopped with pieces outstanding");
    }
}
