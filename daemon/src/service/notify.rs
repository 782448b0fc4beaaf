//! Telling the service manager how the daemon is doing (`Type=notify`):
//! `READY=1` once the socket is bound and the snapshot loaded, `STATUS=`
//! lines, `RELOADING=1` around a reload and `STOPPING=1` at shutdown.
//! Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing.

use sd_notify::NotifyState;

/// Sends state changes to `$NOTIFY_SOCKET`, when there is one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Notifier {
    enabled: bool,
}

impl Notifier {
    /// Enabled when the service manager set `NOTIFY_SOCKET`.
    pub fn from_env() -> Self {
        Self {
            enabled: std::env::var_os("NOTIFY_SOCKET").is_some(),
        }
    }

    /// Whether anything is sent.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The daemon answers requests now.
    pub fn ready(&self, status: &str) {
        self.send(&[NotifyState::Ready, NotifyState::Status(status)]);
    }

    /// A one-line summary shown by `systemctl status`.
    pub fn status(&self, status: &str) {
        self.send(&[NotifyState::Status(status)]);
    }

    /// A reload starts; `ready` ends it. systemd wants the monotonic time
    /// with `RELOADING=1` (Type=notify-reload); older versions ignore it.
    pub fn reloading(&self) {
        match NotifyState::monotonic_usec_now() {
            Ok(now) => self.send(&[NotifyState::Reloading, now]),
            Err(_) => self.send(&[NotifyState::Reloading]),
        }
    }

    /// A graceful shutdown starts.
    pub fn stopping(&self) {
        self.send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
    }

    fn send(&self, states: &[NotifyState<'_>]) {
        if !self.enabled {
            return;
        }
        // A lost notification only delays what systemctl shows; the daemon
        // serves regardless.
        if let Err(e) = sd_notify::notify(states) {
            tracing::debug!(error = %e, "could not notify the service manager");
        }
    }
}
