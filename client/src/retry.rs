//! Waiting for a daemon that is not up yet: a client started with the
//! service at login (or while the daemon restarts) retries the connect
//! until its timeout instead of failing in milliseconds. Only "nothing
//! there yet" is retried (no socket file, or nobody accepting); every other
//! failure is returned at once.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use crate::{Client, ClientError, ConnectOptions};

/// First pause between attempts; doubled up to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// Longest pause between attempts, so a daemon that comes up is found soon.
const MAX_PAUSE: Duration = Duration::from_millis(250);

/// Whether `e` means the daemon may simply not be listening yet.
pub fn not_up_yet(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::NotRunning { source, .. }
            if matches!(source.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused)
    )
}

/// Connects, retrying while the daemon is not up yet, for at most
/// `opts.timeout` (forever when it is `None`). The last error (with its
/// "no trackcached is answering" advice) is returned when time runs out.
pub fn connect_waiting(opts: ConnectOptions) -> Result<Client, ClientError> {
    let deadline = opts.timeout.map(|t| Instant::now() + t);
    let mut pause = FIRST_PAUSE;
    loop {
        let err = match Client::connect_with(opts.clone()) {
            Ok(c) => return Ok(c),
            Err(e) if not_up_yet(&e) => e,
            Err(e) => return Err(e),
        };
        let wait = match deadline {
            None => pause,
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => pause.min(left),
                _ => return Err(err),
            },
        };
        std::thread::sleep(wait);
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_socket_is_retried_until_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = ConnectOptions::new(dir.path().join("nobody.sock"));
        opts.timeout = Some(Duration::from_millis(200));
        let start = Instant::now();
        let err = connect_waiting(opts).err().unwrap();
        assert!(start.elapsed() >= Duration::from_millis(200));
        assert!(not_up_yet(&err), "{err}");
        assert!(err.to_string().contains("no trackcached is answering"));
    }

    #[test]
    fn other_failures_are_not_retried() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        // A path through a regular file: ENOTDIR, which waiting cannot fix.
        let mut opts = ConnectOptions::new(file.join("d.sock"));
        opts.timeout = Some(Duration::from_secs(30));
        let start = Instant::now();
        let err = connect_waiting(opts).err().unwrap();
        assert!(start.elapsed() < Duration::from_secs(5), "{err}");
    }
}
