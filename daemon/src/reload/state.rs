//! The configuration in force and the history `status` shows: when it was
//! read, how many reloads were applied, the last refused one, and what
//! waits for a restart.

use parking_lot::Mutex;
use trackcache_protocol::{ConfigStatus, ReloadError};

use crate::clock;
use crate::config::Config;

/// Shared by the reloader (writes) and `ConfigStatus` requests (reads).
pub struct ConfigState {
    inner: Mutex<Inner>,
}

struct Inner {
    current: Config,
    status: ConfigStatus,
}

impl ConfigState {
    /// The state at start: `config` read from `file`, logging with `log_level`.
    pub fn new(config: &Config, file: String, log_level: String) -> Self {
        Self {
            inner: Mutex::new(Inner {
                current: config.clone(),
                status: ConfigStatus {
                    file,
                    log_level,
                    loaded_at_ms: clock::now_ms(),
                    ..ConfigStatus::default()
                },
            }),
        }
    }

    /// The configuration in force.
    pub fn current(&self) -> Config {
        self.inner.lock().current.clone()
    }

    /// What `ConfigStatus` answers.
    pub fn status(&self) -> ConfigStatus {
        self.inner.lock().status.clone()
    }

    /// The last refused reload's message, while it is the latest outcome.
    pub fn last_error(&self) -> Option<String> {
        let inner = self.inner.lock();
        inner.status.last_error.as_ref().map(|e| e.message.clone())
    }

    /// A reload was applied: `config` is in force.
    pub fn applied(&self, config: Config, log_level: String, pending_restart: Vec<String>) {
        let mut inner = self.inner.lock();
        inner.current = config;
        let s = &mut inner.status;
        s.log_level = log_level;
        s.loaded_at_ms = clock::now_ms();
        s.reloads += 1;
        s.last_error = None;
        s.pending_restart = pending_restart;
    }

    /// A reload was refused; the configuration in force stays.
    pub fn refused(&self, message: String) {
        self.inner.lock().status.last_error = Some(ReloadError {
            message,
            at_ms: clock::now_ms(),
        });
    }
}
