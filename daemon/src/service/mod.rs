//! Running under a service manager: the socket it may pass in
//! (`activation`), the readiness and status it is told about (`notify`),
//! and the one-line status kept current while the daemon runs. Outside a
//! service manager all of it is inert, so `run` behaves as before.

pub mod activation;
pub mod notify;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

pub use activation::{ActivationError, Inherited};
pub use notify::Notifier;

use crate::config::Config;
use crate::reload::{ConfigState, Reloader};
use crate::socket::{self, BindError, BoundSocket};
use crate::state::Daemon;

/// How often the status line is refreshed without an event: library errors
/// and cache totals change without events.
const STATUS_REFRESH: Duration = Duration::from_secs(15);

/// What the embedding program (the `trackcached` binary) hands to `run`
/// beyond the configuration. `Service::default()` is a daemon started by
/// hand: it binds its own socket, notifies nobody and does not reload.
#[derive(Default)]
pub struct Service {
    /// The listening socket from the service manager (socket activation).
    pub inherited: Option<Inherited>,
    /// Where readiness and status go.
    pub notifier: Notifier,
    /// SIGHUP reloads, when the binary wired them.
    pub reloader: Option<Reloader>,
    /// The log filter in force at start, for `status` (else `config.log_level`).
    pub log_level: Option<String>,
}

impl Service {
    /// The socket to serve on: the inherited one, else `path` claimed anew.
    pub fn bind(&mut self, path: &Path) -> Result<BoundSocket, BindError> {
        match self.inherited.take() {
            Some(inherited) => inherited.into_bound(path),
            None => socket::bind(path),
        }
    }

    /// What `status` shows about the configuration at start.
    pub fn config_state(&self, config: &Config) -> ConfigState {
        let file = self
            .reloader
            .as_ref()
            .map_or_else(|| "(none: built in)".to_owned(), Reloader::file);
        let level = self
            .log_level
            .clone()
            .unwrap_or_else(|| config.log_level.clone());
        ConfigState::new(config, file, level)
    }

    /// Called once the daemon answers: sends `READY=1`, then keeps the
    /// status line current and serves reloads until shutdown.
    pub fn start(self, daemon: Arc<Daemon>) -> Running {
        let notifier = self.notifier;
        notifier.ready(&status_line(&daemon));
        let status = notifier
            .enabled()
            .then(|| tokio::spawn(keep_status(daemon.clone(), notifier)));
        let reload = self
            .reloader
            .map(|r| tokio::spawn(r.run(daemon.clone(), notifier)));
        Running {
            tasks: status.into_iter().chain(reload).collect(),
        }
    }
}

/// The service tasks of a running daemon.
pub struct Running {
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Waits for the tasks to end (they watch the shutdown token).
    pub async fn join(self) {
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// `systemctl status`'s one line: tracks, seq and the last error.
pub fn status_line(d: &Daemon) -> String {
    let cache = d.caches.totals();
    let mut line = match d.library.get() {
        None => format!("serving; no library; {} cache entries", cache.entries),
        Some(lib) => {
            let s = lib.status();
            let mut l = format!(
                "serving; {} tracks, seq {}; {} cache entries",
                s.tracks, s.seq, cache.entries
            );
            if let Some(e) = &s.last_error {
                l.push_str(&format!("; library error ({}): {}", e.kind, e.message));
            }
            l
        }
    };
    if let Some(e) = crate::reload::last_error(d) {
        line.push_str(&format!("; config reload failed: {e}"));
    }
    line
}

/// Refreshes the status line after every logged event, and every
/// `STATUS_REFRESH` for what changes without one; says `STOPPING=1` as
/// soon as shutdown begins (before connections drain).
async fn keep_status(daemon: Arc<Daemon>, notifier: Notifier) {
    let mut events = daemon.hub.subscribe();
    let mut last = String::new();
    loop {
        tokio::select! {
            _ = daemon.shutdown.cancelled() => {
                notifier.stopping();
                return;
            }
            e = events.recv() => {
                if let Err(RecvError::Closed) = e {
                    return;
                }
            }
            _ = tokio::time::sleep(STATUS_REFRESH) => {}
        }
        let line = status_line(&daemon);
        if line != last {
            notifier.status(&line);
            last = line;
        }
    }
}
