//! What a reload changes: the new configuration compared with the one in
//! force, setting by setting. Pure, so every rule is tested without a daemon.
//!
//! | setting | on reload |
//! |---|---|
//! | `[cache]`, `[content_types]` | applied (`GenericCache::set_policies`) |
//! | `log_level` | applied, unless `--log-level` or `RUST_LOG` chose the filter |
//! | `[library]` path, format, command, timings | applied: the ingest restarts on the new library |
//! | `[library] retention` | next start (the event log's bound is fixed at start) |
//! | `socket`, `data_dir`, `max_connections`, `max_frame_bytes`, `worker_threads`, `store_cache_bytes`, `shutdown_timeout_ms` | next start, named in the log and in `status` |

use crate::config::{Config, LibraryConfig, DEFAULT_RETENTION};

/// The changes a reload applies, and those it cannot.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Namespace or content-type policies differ.
    pub policies: bool,
    /// The new log filter, when it differs.
    pub log_level: Option<String>,
    /// The new library setting, when it differs (`None` inside: no library).
    pub library: Option<Option<LibraryConfig>>,
    /// Settings that apply only at the next start, each with old and new value.
    pub restart: Vec<String>,
}

impl Plan {
    /// Whether the new file changes anything at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn retention(c: &Config) -> u64 {
    c.library
        .as_ref()
        .map_or(DEFAULT_RETENTION, |l| l.retention)
}

/// Compares the configuration in force with a freshly read one.
pub fn plan(old: &Config, new: &Config) -> Plan {
    let mut restart = Vec::new();
    let mut fixed = |name: &str, a: String, b: String| {
        if a != b {
            restart.push(format!("{name} ({a} -> {b})"));
        }
    };
    fixed(
        "socket",
        old.socket.display().to_string(),
        new.socket.display().to_string(),
    );
    fixed(
        "data_dir",
        old.data_dir.display().to_string(),
        new.data_dir.display().to_string(),
    );
    fixed(
        "max_connections",
        old.max_connections.to_string(),
        new.max_connections.to_string(),
    );
    fixed(
        "max_frame_bytes",
        old.max_frame_len.to_string(),
        new.max_frame_len.to_string(),
    );
    fixed(
        "worker_threads",
        old.worker_threads.to_string(),
        new.worker_threads.to_string(),
    );
    fixed(
        "store_cache_bytes",
        old.store_cache_bytes.to_string(),
        new.store_cache_bytes.to_string(),
    );
    fixed(
        "shutdown_timeout_ms",
        old.shutdown_timeout.as_millis().to_string(),
        new.shutdown_timeout.as_millis().to_string(),
    );
    fixed(
        "[library] retention",
        retention(old).to_string(),
        retention(new).to_string(),
    );
    let same_library = match (&old.library, &new.library) {
        (Some(a), Some(b)) => {
            LibraryConfig {
                retention: b.retention,
                ..a.clone()
            } == *b
        }
        (a, b) => a == b,
    };
    Plan {
        policies: old.cache != new.cache || old.content != new.content,
        log_level: (old.log_level != new.log_level).then(|| new.log_level.clone()),
        library: (!same_library).then(|| new.library.clone()),
        restart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Defaults, FileConfig, Overrides};

    fn config(toml: &str) -> Config {
        let defaults = Defaults {
            socket: "/run/t.sock".into(),
            data_dir: "/d".into(),
        };
        Config::resolve(
            defaults,
            FileConfig::parse(toml).unwrap(),
            Overrides::default(),
        )
        .unwrap()
    }

    #[test]
    fn the_same_file_changes_nothing() {
        let c = config("[library]\npath = \"/m/L.xml\"\n");
        assert!(plan(&c, &c.clone()).is_empty());
    }

    #[test]
    fn policies_and_log_level_apply_live() {
        let old = config("");
        let new = config("log_level = \"debug\"\n[cache.namespaces.mb]\nttl_secs = 5\n");
        let p = plan(&old, &new);
        assert!(p.policies);
        assert_eq!(p.log_level.as_deref(), Some("debug"));
        assert!(p.restart.is_empty() && p.library.is_none());
        let content = config("[content_types.album_year]\nttl_secs = 5\n");
        assert!(plan(&old, &content).policies);
    }

    #[test]
    fn socket_and_data_dir_wait_for_a_restart() {
        let p = plan(
            &config(""),
            &config("socket = \"/x.sock\"\ndata_dir = \"/e\"\nmax_connections = 3\n"),
        );
        assert_eq!(
            p.restart,
            vec![
                "socket (/run/t.sock -> /x.sock)".to_owned(),
                "data_dir (/d -> /e)".to_owned(),
                "max_connections (256 -> 3)".to_owned(),
            ]
        );
        assert!(!p.policies);
    }

    #[test]
    fn a_library_change_restarts_the_ingest_but_retention_waits() {
        let old = config("[library]\npath = \"/m/A.xml\"\n");
        let new = config("[library]\npath = \"/m/B.xml\"\n");
        let p = plan(&old, &new);
        assert_eq!(
            p.library
                .as_ref()
                .and_then(|l| l.as_ref())
                .map(|l| l.path.clone()),
            Some("/m/B.xml".into())
        );
        let p = plan(
            &old,
            &config("[library]\npath = \"/m/A.xml\"\nretention = 10\n"),
        );
        assert!(p.library.is_none());
        assert_eq!(
            p.restart,
            vec!["[library] retention (100000 -> 10)".to_owned()]
        );
        assert_eq!(plan(&old, &config("")).library, Some(None));
    }
}
