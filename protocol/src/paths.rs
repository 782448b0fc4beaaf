//! Where client and daemon meet by default. Part of the contract: a client
//! that was given no socket path must look where the daemon listens.

use std::path::PathBuf;

/// Environment variable that overrides the socket path for both sides.
pub const SOCKET_ENV: &str = "TRACKCACHE_SOCKET";

/// File name of the socket inside its directory.
pub const SOCKET_FILE: &str = "trackcached.sock";

/// The default socket path: `$XDG_RUNTIME_DIR/trackcache/trackcached.sock`,
/// else `/tmp/trackcache-$UID/trackcached.sock`.
pub fn default_socket_path() -> PathBuf {
    socket_path_from(
        std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
        current_uid(),
    )
}

/// The socket path for a given runtime dir and uid (pure, for tests).
pub fn socket_path_from(xdg_runtime_dir: Option<PathBuf>, uid: u32) -> PathBuf {
    match xdg_runtime_dir.filter(|d| d.is_absolute()) {
        Some(dir) => dir.join("trackcache").join(SOCKET_FILE),
        None => PathBuf::from(format!("/tmp/trackcache-{uid}")).join(SOCKET_FILE),
    }
}

/// The socket path a client should use: `TRACKCACHE_SOCKET` if set, else the default.
pub fn client_socket_path() -> PathBuf {
    std::env::var_os(SOCKET_ENV)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(default_socket_path)
}

/// Environment variable naming the config file (daemon and client).
pub const CONFIG_ENV: &str = "TRACKCACHE_CONFIG";

/// The config file: `TRACKCACHE_CONFIG`, else
/// `$XDG_CONFIG_HOME/trackcache/config.toml` (`~/.config/...` without it).
/// The daemon reads all of it; the client reads its `socket`.
pub fn default_config_path() -> PathBuf {
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let base = match std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"))
            .join(".config"),
    };
    base.join("trackcache").join("config.toml")
}

/// The real user id of this process.
pub fn current_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_an_absolute_runtime_dir() {
        assert_eq!(
            socket_path_from(Some("/run/user/1000".into()), 1000),
            PathBuf::from("/run/user/1000/trackcache/trackcached.sock")
        );
        assert_eq!(
            socket_path_from(Some("relative".into()), 7),
            PathBuf::from("/tmp/trackcache-7/trackcached.sock")
        );
        assert_eq!(
            socket_path_from(None, 0),
            PathBuf::from("/tmp/trackcache-0/trackcached.sock")
        );
    }
}
