//! SIGHUP: re-read the config file and apply what can change while clients
//! stay connected (policies, the log filter, the library; `plan.rs` has the
//! table). A file that does not load changes nothing: the error goes to the
//! log and to `status`, and the old configuration stays in force.

mod library;
mod plan;
mod state;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

pub use library::{switch as switch_library, LibrarySlot};
pub use plan::{plan, Plan};
pub use state::ConfigState;

use crate::config::{self, Config, ConfigError, Defaults, Overrides};
use crate::logging::LogControl;
use crate::service::{status_line, Notifier};
use crate::state::Daemon;

/// How the configuration was built at start, so a reload builds it the
/// same way: the same file, defaults and command-line overrides (flags and
/// environment keep beating the file).
#[derive(Clone, Debug)]
pub struct ConfigSource {
    /// The config file.
    pub path: PathBuf,
    /// Named with `--config` / `TRACKCACHE_CONFIG` (then it must exist).
    pub explicit: bool,
    /// Platform defaults.
    pub defaults: Defaults,
    /// Flags and environment.
    pub overrides: Overrides,
}

impl ConfigSource {
    /// Reads and resolves the file.
    pub fn load(&self) -> Result<Config, ConfigError> {
        let file = config::load_file(&self.path, self.explicit)?;
        Config::resolve(self.defaults.clone(), file, self.overrides.clone())
    }
}

/// Applies reloads when asked (the binary sends one request per SIGHUP).
pub struct Reloader {
    source: ConfigSource,
    log: Option<Arc<LogControl>>,
    requests: mpsc::UnboundedReceiver<()>,
}

impl Reloader {
    /// A reloader reading `source`, steering `log`, woken by `requests`.
    pub fn new(
        source: ConfigSource,
        log: Option<Arc<LogControl>>,
        requests: mpsc::UnboundedReceiver<()>,
    ) -> Self {
        Self {
            source,
            log,
            requests,
        }
    }

    /// The config file, for `status`.
    pub fn file(&self) -> String {
        self.source.path.display().to_string()
    }

    /// Serves reload requests until shutdown.
    pub async fn run(mut self, daemon: Arc<Daemon>, notifier: Notifier) {
        loop {
            tokio::select! {
                _ = daemon.shutdown.cancelled() => return,
                req = self.requests.recv() => match req {
                    Some(()) => {}
                    None => return,
                },
            }
            notifier.reloading();
            self.reload(&daemon).await;
            notifier.ready(&status_line(&daemon));
        }
    }

    /// One reload: read the file; apply it, or keep the old configuration.
    async fn reload(&self, daemon: &Daemon) {
        let path = self.source.path.display().to_string();
        tracing::info!(file = %path, "reloading the configuration");
        let mut new = match self.source.load() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(
                    error = %e,
                    "config reload failed; the running configuration stays in force (fix the file, then reload again)"
                );
                daemon.config_state.refused(e.to_string());
                return;
            }
        };
        let old = daemon.config_state.current();
        let plan = plan(&old, &new);
        let log_level = self.apply_log_level(daemon, plan.log_level.as_deref());
        if plan.policies {
            let change = daemon.caches.set_policies(new.cache.clone(), &new.content);
            tracing::info!(changed = ?change.changed, evicted = change.evicted, "cache policies changed");
        }
        let mut library_error = None;
        if let Some(library) = plan.library.clone() {
            if let Err(e) = library::switch(daemon, library).await {
                tracing::error!(error = %e, "could not switch to the new library; the previous one stays");
                new.library = old.library.clone();
                library_error = Some(format!("the new [library] could not be opened: {e}"));
            }
        }
        let pending = pending_restart(daemon, &new);
        if plan.is_empty() {
            tracing::info!("configuration unchanged");
        }
        daemon.config_state.applied(new, log_level, pending);
        if let Some(e) = library_error {
            daemon.config_state.refused(e);
        }
    }

    /// Applies the file's log filter when it changed; returns the one in force.
    fn apply_log_level(&self, daemon: &Daemon, level: Option<&str>) -> String {
        let current = daemon.config_state.status().log_level;
        let (Some(level), Some(log)) = (level, self.log.as_deref()) else {
            return current;
        };
        match log.set_from_file(level) {
            Ok(()) => {
                tracing::info!(log_level = %level, "log filter changed");
                level.to_owned()
            }
            Err(e) => {
                tracing::warn!("{e}");
                current
            }
        }
    }
}

/// Settings that apply only at the next start, logged. Compared with the
/// configuration the daemon started with, so a setting stays pending until a
/// restart however many reloads come in between.
fn pending_restart(daemon: &Daemon, new: &Config) -> Vec<String> {
    let mut pending = plan(&daemon.config, new).restart;
    pending.extend(daemon.caches.persistence_pending());
    for setting in &pending {
        tracing::warn!(
            setting = %setting,
            "this setting cannot change while running; restart trackcached to apply it"
        );
    }
    pending
}

/// The last refused reload, for the status line.
pub fn last_error(daemon: &Daemon) -> Option<String> {
    daemon.config_state.last_error()
}
