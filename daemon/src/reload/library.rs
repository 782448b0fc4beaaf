//! The library service in force and its ingest task, replaceable while the
//! daemon runs: a reload that changes `[library]` stops the ingest (a
//! re-read in progress finishes: it is one atomic commit), saves the index
//! checkpoint, and starts a service for the new configuration on the same
//! store, hub and invalidator. Its first read diffs the new library against
//! the snapshot, so subscribers see the switch as ordinary events.

use std::sync::Arc;

use parking_lot::RwLock;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::LibraryConfig;
use crate::ingest::{self, LibraryService};
use crate::state::Daemon;
use crate::store::StoreError;
use crate::watcher::Trigger;

/// The running ingest of the current service.
struct Ingest {
    task: JoinHandle<()>,
    stop: CancellationToken,
}

/// The current library service (if any) and its ingest task.
#[derive(Default)]
pub struct LibrarySlot {
    current: RwLock<Option<Arc<LibraryService>>>,
    ingest: tokio::sync::Mutex<Option<Ingest>>,
}

fn spawn(
    lib: &Arc<LibraryService>,
    triggers: mpsc::UnboundedReceiver<Trigger>,
    shutdown: &CancellationToken,
) -> Ingest {
    let stop = shutdown.child_token();
    let task = tokio::spawn(ingest::run(lib.clone(), triggers, stop.clone()));
    Ingest { task, stop }
}

impl LibrarySlot {
    /// A slot serving `lib`, whose ingest starts now and stops with
    /// `shutdown` (or a switch).
    pub fn start(
        lib: Arc<LibraryService>,
        triggers: mpsc::UnboundedReceiver<Trigger>,
        shutdown: &CancellationToken,
    ) -> Self {
        let ingest = spawn(&lib, triggers, shutdown);
        Self {
            current: RwLock::new(Some(lib)),
            ingest: tokio::sync::Mutex::new(Some(ingest)),
        }
    }

    /// The library service in force.
    pub fn get(&self) -> Option<Arc<LibraryService>> {
        self.current.read().clone()
    }

    /// Stops the ingest (after a re-read in progress) and saves the index
    /// checkpoint, so the next start (or service) reads one file.
    pub async fn stop(&self) {
        let mut ingest = self.ingest.lock().await;
        stop_ingest(&mut ingest, self.get().as_deref()).await;
    }
}

async fn stop_ingest(ingest: &mut Option<Ingest>, lib: Option<&LibraryService>) {
    if let Some(i) = ingest.take() {
        i.stop.cancel();
        let _ = i.task.await;
    }
    if let Some(lib) = lib {
        if let Err(e) = lib.checkpoint() {
            tracing::warn!(error = %e, "could not save the index checkpoint; the next start rebuilds it");
        }
    }
}

type Opened = (Arc<LibraryService>, mpsc::UnboundedReceiver<Trigger>);

fn open(d: &Daemon, config: LibraryConfig) -> Result<Opened, StoreError> {
    let (lib, triggers) = LibraryService::open(
        config,
        d.store.clone(),
        d.hub.clone(),
        d.invalidator.clone(),
    )?;
    lib.catch_up()?;
    Ok((lib, triggers))
}

/// Replaces the library service with one for `config` (none: library
/// features off). Requests meanwhile are answered by the old service's
/// snapshot. When the new service cannot open, the old configuration is
/// started again and the error returned.
pub async fn switch(d: &Daemon, config: Option<LibraryConfig>) -> Result<(), StoreError> {
    let slot = &d.library;
    let mut ingest = slot.ingest.lock().await;
    let old = slot.get();
    stop_ingest(&mut ingest, old.as_deref()).await;
    let Some(config) = config else {
        *slot.current.write() = None;
        tracing::info!("library removed from the configuration; library features are off");
        return Ok(());
    };
    let path = config.path.display().to_string();
    match open(d, config) {
        Ok((lib, triggers)) => {
            *ingest = Some(spawn(&lib, triggers, &d.shutdown));
            *slot.current.write() = Some(lib);
            tracing::info!(library = %path, "now watching this library");
            Ok(())
        }
        Err(e) => {
            if let Some(old) = old {
                match open(d, old.config.clone()) {
                    Ok((lib, triggers)) => {
                        *ingest = Some(spawn(&lib, triggers, &d.shutdown));
                        *slot.current.write() = Some(lib);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the previous library could not be reopened either")
                    }
                }
            }
            Err(e)
        }
    }
}
