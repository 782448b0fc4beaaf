//! systemd socket activation: the listening socket the service manager
//! bound (`trackcached.socket`) and passed through `LISTEN_FDS` /
//! `LISTEN_PID`. The daemon serves on it instead of binding its own, and
//! never removes its file: the manager created it and keeps it across
//! restarts, which is what lets clients connect while the daemon restarts.

use std::io;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use interprocess::local_socket::tokio::Listener;

use crate::socket::{BindError, BoundSocket};

/// Why the passed sockets cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ActivationError {
    /// More than one socket, or none usable: the socket unit is not ours.
    #[error(
        "the service manager passed {0} sockets (LISTEN_FDS={0}); trackcached listens on exactly \
         one Unix stream socket: give trackcached.socket a single ListenStream= line"
    )]
    Count(usize),
    /// The descriptor is not a listening Unix stream socket.
    #[error(
        "the socket passed by the service manager is not a Unix stream socket ({0}); \
         use ListenStream=%t/trackcache/trackcached.sock in trackcached.socket"
    )]
    NotUnixStream(io::Error),
}

/// A listening socket received from the service manager.
#[derive(Debug)]
pub struct Inherited {
    listener: UnixListener,
}

impl Inherited {
    /// Takes the socket passed by the service manager, if any. Call it before
    /// any thread starts: it unsets `LISTEN_FDS` / `LISTEN_PID` (so children
    /// do not see them), and a descriptor passed for another process
    /// (`LISTEN_PID` not ours) is ignored.
    pub fn from_env() -> Result<Option<Self>, ActivationError> {
        let mut fds = listenfd::ListenFd::from_env();
        match fds.len() {
            0 => Ok(None),
            1 => match fds.take_unix_listener(0) {
                Ok(Some(listener)) => Ok(Some(Self { listener })),
                Ok(None) => Err(ActivationError::Count(0)),
                Err(e) => Err(ActivationError::NotUnixStream(e)),
            },
            n => Err(ActivationError::Count(n)),
        }
    }

    /// The path the socket is bound to, when it has one.
    pub fn path(&self) -> Option<PathBuf> {
        self.listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_pathname().map(Path::to_path_buf))
    }

    /// Serves on the inherited socket. `configured` is the socket path of the
    /// configuration: a different bound path is used (it is where clients
    /// connect) and the difference is logged. Needs the tokio runtime.
    pub fn into_bound(self, configured: &Path) -> Result<BoundSocket, BindError> {
        let path = self.path().unwrap_or_else(|| configured.to_path_buf());
        if path != configured {
            tracing::warn!(
                inherited = %path.display(),
                configured = %configured.display(),
                "the service manager's socket is not the configured one; serving on the service manager's"
            );
        }
        let io_err = |action, source| BindError::Io {
            action,
            path: path.clone(),
            source,
        };
        self.listener
            .set_nonblocking(true)
            .map_err(|e| io_err("make non-blocking", e))?;
        let fd = std::os::fd::OwnedFd::from(self.listener);
        let uds = interprocess::os::unix::uds_local_socket::tokio::Listener::try_from(fd)
            .map_err(|e| io_err("serve on the inherited socket", e))?;
        tracing::info!(socket = %path.display(), "using the socket passed by the service manager");
        Ok(BoundSocket::inherited(Listener::from(uds), path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_inherited_socket_is_served_and_never_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let bound = Inherited { listener }.into_bound(&path).unwrap();
        assert_eq!(bound.path, path);
        let client = std::os::unix::net::UnixStream::connect(&path);
        assert!(client.is_ok(), "the inherited socket accepts connections");
        drop(bound);
        assert!(
            path.exists(),
            "the socket file belongs to the service manager and stays"
        );
    }
}
