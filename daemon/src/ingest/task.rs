//! When to re-read: at start-up, after a settled burst of file-system
//! events, when the safety-net poll sees a new stamp, and on `Rescan`.
//! A re-read that finds the file changing under it is retried after the
//! settle period.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use trackcache_protocol::{SyncOutcome, SyncReport};

use super::source;
use super::sync::{error_info, Attempt};
use super::LibraryService;
use crate::watcher::{Trigger, Watcher};

/// Reads that find the file changing under them before giving up for now.
pub(super) const MAX_CHANGING_RETRIES: u32 = 20;

/// Quiet time after a rename delivered a complete file (coalesces a burst,
/// without waiting out the full settle period meant for in-place writes).
const RENAME_SETTLE: Duration = Duration::from_millis(50);

/// The ingest loop. Returns on shutdown, after finishing a re-read in progress.
pub async fn run(
    lib: Arc<LibraryService>,
    mut rx: mpsc::UnboundedReceiver<Trigger>,
    shutdown: CancellationToken,
) {
    let mut watcher = Watcher::start(&lib.config.path, &lib.config.format, lib.triggers.clone());
    let mut poll = tokio::time::interval(lib.config.poll);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_stamp = source::stamp(&lib.config.path).ok();
    let mut pending = Some(Vec::new()); // the start-up read, immediate
    loop {
        let mut waiters = match pending.take() {
            Some(w) => w,
            None => tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = poll.tick() => {
                    watcher.retry_if_needed();
                    let now = source::stamp(&lib.config.path).ok();
                    if now == last_stamp {
                        continue;
                    }
                    match settle(&lib, &mut rx, &shutdown, false).await { Some(w) => w, None => return }
                }
                t = rx.recv() => match t {
                    None => return,
                    Some(Trigger::Rescan(w)) => { let mut ws = Vec::new(); ws.extend(w); drain(&mut rx, &mut ws); ws }
                    Some(Trigger::Changed { complete }) => match settle(&lib, &mut rx, &shutdown, complete).await {
                        Some(w) => w,
                        None => return,
                    },
                },
            },
        };
        // Triggers queued before the read starts are answered by it. Those
        // that come during it stay queued for another read: the file may
        // have been replaced after this one read it. And the stamp is the
        // one seen before reading, so the poll also notices such a change.
        drain(&mut rx, &mut waiters);
        last_stamp = source::stamp(&lib.config.path).ok();
        let report = sync_until_stable(&lib, &shutdown).await;
        for w in waiters.drain(..) {
            let _ = w.send(report.clone());
        }
    }
}

/// Waits for a quiet period: the settle period, or the short rename one
/// while every change so far delivered a complete file. Collects rescan
/// waiters meanwhile. `None` on shutdown.
async fn settle(
    lib: &LibraryService,
    rx: &mut mpsc::UnboundedReceiver<Trigger>,
    shutdown: &CancellationToken,
    mut complete: bool,
) -> Option<Vec<oneshot::Sender<SyncReport>>> {
    let mut waiters = Vec::new();
    loop {
        let quiet = if complete {
            lib.config.settle.min(RENAME_SETTLE)
        } else {
            lib.config.settle
        };
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = tokio::time::sleep(quiet) => return Some(waiters),
            t = rx.recv() => match t {
                None => return None,
                Some(Trigger::Changed { complete: c }) => complete &= c,
                // A rescan does not wait for quiet.
                Some(Trigger::Rescan(w)) => { waiters.extend(w); return Some(waiters); }
            },
        }
    }
}

/// Takes queued triggers without waiting: they are answered by the read
/// that is about to start.
fn drain(
    rx: &mut mpsc::UnboundedReceiver<Trigger>,
    waiters: &mut Vec<oneshot::Sender<SyncReport>>,
) {
    while let Ok(t) = rx.try_recv() {
        if let Trigger::Rescan(Some(w)) = t {
            waiters.push(w);
        }
    }
}

async fn sync_until_stable(lib: &Arc<LibraryService>, shutdown: &CancellationToken) -> SyncReport {
    for _ in 0..MAX_CHANGING_RETRIES {
        let l = lib.clone();
        let attempt = tokio::task::spawn_blocking(move || l.sync_once()).await;
        match attempt {
            Ok(Ok(Attempt::Done(report))) => {
                log_report(&report);
                return report;
            }
            Ok(Ok(Attempt::Changing)) => {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(lib.config.settle) => {}
                }
            }
            Ok(Err(info)) => return failed_report(lib, info),
            Err(join) => {
                return failed_report(
                    lib,
                    error_info("internal", format!("the re-read crashed: {join}")),
                );
            }
        }
    }
    let info = error_info(
        "changing",
        "the library kept changing while it was read; it will be read again once it settles".into(),
    );
    failed_report(lib, info)
}

pub(super) fn failed_report(
    lib: &LibraryService,
    info: trackcache_protocol::LibraryErrorInfo,
) -> SyncReport {
    let message = info.message.clone();
    lib.record_error(info);
    SyncReport {
        outcome: SyncOutcome::Failed { message },
        tracks: lib.track_count(),
        duration_ms: 0,
    }
}

fn log_report(r: &SyncReport) {
    match &r.outcome {
        SyncOutcome::Unchanged => tracing::debug!(tracks = r.tracks, "library unchanged"),
        SyncOutcome::Imported { tracks, seq } => {
            tracing::info!(tracks, seq, ms = r.duration_ms, "library imported")
        }
        SyncOutcome::Synced {
            added,
            removed,
            modified,
            seq,
        } => {
            tracing::info!(
                added,
                removed,
                modified,
                seq,
                ms = r.duration_ms,
                "library synced"
            )
        }
        SyncOutcome::Failed { message } => tracing::warn!("{message}"),
    }
}
