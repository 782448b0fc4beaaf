//! Claiming the socket path: the 0700 directory, a lock file that makes two
//! daemons starting at once safe, telling a stale socket file (replaced)
//! from a live daemon (refused), and creating the 0600 listener.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, OpenOptionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use interprocess::local_socket::{tokio::Listener, GenericFilePath, ListenerOptions, ToFsName};
use interprocess::os::unix::local_socket::ListenerOptionsExt;
use rustix::fs::{flock, FlockOperation};

/// Why the socket could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// A daemon already answers on this socket.
    #[error(
        "another trackcached is already running on {0}; stop it first (trackcache shutdown) \
         or start this one with a different --socket"
    )]
    AlreadyRunning(PathBuf),
    /// Another daemon holds the lock but does not answer yet.
    #[error(
        "another trackcached holds the lock {0} (it is starting or stopping); \
         wait for it or use a different --socket"
    )]
    Locked(PathBuf),
    /// Something that is not a socket sits at the path; never deleted.
    #[error("{0} exists and is not a socket; remove it or choose another --socket")]
    NotASocket(PathBuf),
    /// Any other failure, with what was being done.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What failed.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

fn io_err<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> BindError + 'p {
    move |source| BindError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The claimed socket: the listener (removes the socket file when dropped)
/// and the lock held for the daemon's lifetime.
pub struct BoundSocket {
    /// The listening socket.
    pub listener: Listener,
    /// The socket path.
    pub path: PathBuf,
    /// `None` for a socket the service manager created (`service::activation`).
    _lock: Option<File>,
}

impl BoundSocket {
    /// A listener the service manager bound and passed in: no lock is taken
    /// (the manager owns the path) and the socket file is never removed,
    /// because `listener` was built without a reclaim guard.
    pub fn inherited(listener: Listener, path: PathBuf) -> Self {
        Self {
            listener,
            path,
            _lock: None,
        }
    }
}

/// Whether a daemon answers at `path` (a connect succeeds).
pub fn is_live(path: &Path) -> bool {
    UnixStream::connect(path).is_ok()
}

/// Claims `path`: creates its directory 0700 if missing, takes the lock,
/// replaces a stale socket file, refuses a live one, and listens with mode 0600.
pub fn bind(path: &Path) -> Result<BoundSocket, BindError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io_err("create the socket directory", dir))?;
        }
    }
    let lock_path = lock_path(path);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(io_err("open the lock file", &lock_path))?;
    if flock(&lock, FlockOperation::NonBlockingLockExclusive).is_err() {
        return Err(if is_live(path) {
            BindError::AlreadyRunning(path.to_path_buf())
        } else {
            BindError::Locked(lock_path)
        });
    }
    remove_stale(path)?;
    let name = path
        .to_fs_name::<GenericFilePath>()
        .map_err(io_err("use as a socket name", path))?;
    let listener = ListenerOptions::new()
        .name(name)
        .mode(0o600)
        .reclaim_name(true)
        .create_tokio()
        .map_err(io_err("listen on", path))?;
    Ok(BoundSocket {
        listener,
        path: path.to_path_buf(),
        _lock: Some(lock),
    })
}

fn lock_path(socket: &Path) -> PathBuf {
    let mut name = socket.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Removes a socket file nobody answers on. We hold the lock, so no daemon of
/// ours can be starting there; a connect that succeeds means a daemon that
/// ignores the lock, which we refuse to displace.
fn remove_stale(path: &Path) -> Result<(), BindError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("inspect", path)(e)),
    };
    if !meta.file_type().is_socket() {
        return Err(BindError::NotASocket(path.to_path_buf()));
    }
    if is_live(path) {
        return Err(BindError::AlreadyRunning(path.to_path_buf()));
    }
    tracing::info!(socket = %path.display(), "replacing stale socket file");
    std::fs::remove_file(path).map_err(io_err("remove the stale socket", path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn claims_replaces_stale_and_refuses_live() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/d.sock");
        let bound = bind(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(dir.path().join("sub"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        assert!(matches!(bind(&path), Err(BindError::AlreadyRunning(_))));
        drop(bound);
        assert!(
            !path.exists(),
            "dropping the listener removes the socket file"
        );

        // A stale socket: bound by a listener that is gone without cleanup.
        let stale = std::os::unix::net::UnixListener::bind(&path).unwrap();
        drop(stale);
        assert!(path.exists());
        let _again = bind(&path).unwrap();
    }

    #[tokio::test]
    async fn never_deletes_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-socket");
        std::fs::write(&path, b"precious").unwrap();
        assert!(matches!(bind(&path), Err(BindError::NotASocket(_))));
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    }
}
