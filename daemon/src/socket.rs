//! Claiming the socket path: a directory only we can write (created 0700,
//! and an existing one refused unless it is ours, not a symbolic link and
//! not writable by group or others: otherwise another local user could
//! sit between us and our clients), a lock file opened without following
//! links that makes two daemons starting at once safe, telling a stale
//! socket file (replaced) from a live daemon (refused), and creating the
//! 0600 listener.

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
    /// The socket's directory could let another user in.
    #[error(
        "refusing the socket directory {dir}: {why}. Another local user could use it to \
         receive your clients' requests and answer them. Remove it if it is yours to remove, \
         or put the socket in a directory only you can write (set XDG_RUNTIME_DIR, or pass \
         --socket)"
    )]
    UnsafeDir {
        /// The directory.
        dir: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The lock file's path holds something that is not our lock file.
    #[error("refusing the lock file {path}: {why}; remove it, or choose another --socket")]
    UnsafeLock {
        /// The lock file's path.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
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
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    if matches!(std::fs::symlink_metadata(dir), Err(e) if e.kind() == io::ErrorKind::NotFound) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_err("create the socket directory", dir))?;
    }
    // Checked after creating too: someone may have created it in between.
    check_dir(dir, rustix::process::geteuid().as_raw())?;
    let lock_path = lock_path(path);
    let lock = open_lock(&lock_path)?;
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

/// Refuses a socket directory that another user could write into or
/// replace: a symbolic link, not a directory, owned by someone else, or
/// writable by group or others.
pub fn check_dir(dir: &Path, own_uid: u32) -> Result<(), BindError> {
    use std::os::unix::fs::MetadataExt;
    let unsafe_dir = |why: String| BindError::UnsafeDir {
        dir: dir.to_path_buf(),
        why,
    };
    let meta = std::fs::symlink_metadata(dir).map_err(io_err("inspect", dir))?;
    if meta.file_type().is_symlink() {
        return Err(unsafe_dir("it is a symbolic link".into()));
    }
    if !meta.is_dir() {
        return Err(unsafe_dir("it is not a directory".into()));
    }
    if meta.uid() != own_uid {
        return Err(unsafe_dir(format!(
            "it belongs to uid {}, not to you (uid {own_uid})",
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(unsafe_dir(format!(
            "group or others may write to it (mode {:o})",
            meta.mode() & 0o7777
        )));
    }
    Ok(())
}

/// Opens (creating) the lock file without following a symbolic link, so a
/// link planted there cannot make us create or truncate a file elsewhere,
/// and checks that what it opened is a plain file of ours.
fn open_lock(path: &Path) -> Result<File, BindError> {
    use std::os::unix::fs::MetadataExt;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                BindError::UnsafeLock {
                    path: path.to_path_buf(),
                    why: "it is a symbolic link".into(),
                }
            } else {
                io_err("open the lock file", path)(e)
            }
        })?;
    let meta = lock.metadata().map_err(io_err("inspect", path))?;
    if !meta.is_file() || meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(BindError::UnsafeLock {
            path: path.to_path_buf(),
            why: "it is not a plain file of yours".into(),
        });
    }
    Ok(lock)
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

    /// The report: another user creating /tmp/trackcache-$UID first (mode
    /// 0777, a link to their directory, or theirs with a fake daemon in it)
    /// got the daemon to bind there, or to report "already running".
    #[tokio::test]
    async fn a_socket_directory_others_could_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = bind(&open.join("d.sock")).err().expect("refused");
        assert!(matches!(err, BindError::UnsafeDir { .. }), "{err}");
        assert!(err.to_string().contains("mode 777"), "{err}");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o770)).unwrap();
        assert!(bind(&open.join("d.sock")).is_err(), "group-writable too");

        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let err = bind(&link.join("d.sock")).err().expect("refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(
            std::fs::read_dir(&real).unwrap().next().is_none(),
            "nothing created"
        );

        let own = rustix::process::geteuid().as_raw();
        let err = check_dir(&real, own + 1).expect_err("refused");
        assert!(err.to_string().contains("belongs to uid"), "{err}");
    }

    /// The report: a link planted at the `.lock` path made the daemon
    /// create a file where the link pointed.
    #[tokio::test]
    async fn a_link_planted_at_the_lock_file_is_refused_and_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        let target = dir.path().join("victim");
        std::os::unix::fs::symlink(&target, run.join("d.sock.lock")).unwrap();
        let err = bind(&run.join("d.sock")).err().expect("refused");
        assert!(matches!(err, BindError::UnsafeLock { .. }), "{err}");
        assert!(!target.exists(), "the link was not followed");
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
