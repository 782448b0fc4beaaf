//! The `socket =` key of the config file the daemon reads
//! (`$TRACKCACHE_CONFIG`, else `$XDG_CONFIG_HOME/trackcache/config.toml`),
//! so that a client finds a daemon whose socket was moved there without
//! being told. The rest of the file is the daemon's business.

use std::path::{Path, PathBuf};

use trackcache_protocol::paths;

/// The `socket` set in the config file at `path`: `Ok(None)` when the file
/// or the key is absent, `Err` (with what to fix) when the file is unusable.
pub fn socket_in(path: &Path) -> Result<Option<PathBuf>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read config file {}: {e}", path.display())),
    };
    let table: toml::Table = text.parse().map_err(|e| {
        format!(
            "config file {} is invalid ({e}); check it with `trackcached check-config {}`",
            path.display(),
            path.display()
        )
    })?;
    match table.get("socket") {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(expand_home(s))),
        Some(other) => Err(format!(
            "config file {}: socket must be a path string, not {}",
            path.display(),
            other.type_str()
        )),
    }
}

fn expand_home(s: &str) -> PathBuf {
    match (s.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(s),
    }
}

/// The socket to use when none was given on the command line:
/// `TRACKCACHE_SOCKET`, else the config file's `socket`, else the daemon's
/// default path. A config file that cannot be used is reported through
/// `warn` and skipped.
pub fn socket(warn: impl FnOnce(&str)) -> PathBuf {
    if let Some(s) = std::env::var_os(paths::SOCKET_ENV).filter(|s| !s.is_empty()) {
        return PathBuf::from(s);
    }
    match socket_in(&paths::default_config_path()) {
        Ok(Some(s)) => s,
        Ok(None) => paths::default_socket_path(),
        Err(e) => {
            warn(&e);
            paths::default_socket_path()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_socket_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert_eq!(socket_in(&p), Ok(None), "a missing file is fine");
        std::fs::write(&p, "max_connections = 3\n[library]\npath = \"/m\"\n").unwrap();
        assert_eq!(socket_in(&p), Ok(None));
        std::fs::write(&p, "socket = \"/run/elsewhere.sock\"\n[library]\n").unwrap();
        assert_eq!(socket_in(&p), Ok(Some("/run/elsewhere.sock".into())));
        std::fs::write(&p, "socket = 3\n").unwrap();
        assert!(socket_in(&p).unwrap_err().contains("path string"));
        std::fs::write(&p, "socket = \n").unwrap();
        assert!(socket_in(&p).unwrap_err().contains("check-config"));
    }
}
