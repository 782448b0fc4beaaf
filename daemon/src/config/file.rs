//! The TOML config file's shape. Every field is optional: what the file does
//! not say comes from the built-in defaults. Unknown keys are errors, so a
//! typo does not silently do nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Top level of `config.toml`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Socket path.
    pub socket: Option<PathBuf>,
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Connection cap.
    pub max_connections: Option<usize>,
    /// Largest frame payload in bytes.
    pub max_frame_bytes: Option<u32>,
    /// Log filter (`info`, `debug`, `trackcache_daemon=trace`, ...).
    pub log_level: Option<String>,
    /// Graceful-shutdown budget in milliseconds.
    pub shutdown_timeout_ms: Option<u64>,
    /// Bound on the store's in-memory page cache, bytes.
    pub store_cache_bytes: Option<u64>,
    /// Threads serving requests (0 or absent = half the cores, at least one).
    pub worker_threads: Option<usize>,
    /// `[cache]` section.
    #[serde(default)]
    pub cache: CacheFile,
    /// `[library]` section.
    #[serde(default)]
    pub library: super::LibraryFile,
    /// `[content_types.NAME]` sections.
    #[serde(default)]
    pub content_types: BTreeMap<String, super::ContentFile>,
    /// `[limits]` section.
    #[serde(default)]
    pub limits: super::LimitsFile,
}

/// `[cache]`: the default namespace policy and per-namespace overrides.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CacheFile {
    /// `[cache.default]`.
    #[serde(default)]
    pub default: NamespaceFile,
    /// `[cache.namespaces.NAME]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub namespaces: BTreeMap<String, NamespaceFile>,
}

/// One namespace policy as written in the file; missing fields inherit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceFile {
    /// Default TTL in seconds; 0 means entries never expire.
    pub ttl_secs: Option<u64>,
    /// TTL of "known absent" entries in seconds; 0 means never.
    pub negative_ttl_secs: Option<u64>,
    /// Entry bound (LRU eviction beyond it).
    pub max_entries: Option<u64>,
    /// Byte bound over keys plus values (LRU eviction beyond it).
    pub max_bytes: Option<u64>,
    /// Whether entries are written to disk and survive restarts.
    pub persistent: Option<bool>,
    /// Which library changes drop tagged entries (`time_based` = none).
    pub strategy: Option<super::Strategy>,
}

impl FileConfig {
    /// Parses the file's text; the error carries TOML's line and column.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file() {
        let f = FileConfig::parse(
            r#"
            socket = "/s"
            max_frame_bytes = 2048
            [cache.default]
            ttl_secs = 60
            [cache.namespaces.musicbrainz]
            ttl_secs = 0
            persistent = true
            "#,
        )
        .unwrap();
        assert_eq!(f.max_frame_bytes, Some(2048));
        assert_eq!(f.cache.default.ttl_secs, Some(60));
        assert_eq!(f.cache.namespaces["musicbrainz"].persistent, Some(true));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = FileConfig::parse("sockett = \"/s\"").unwrap_err();
        assert!(err.to_string().contains("sockett"), "{err}");
        assert!(FileConfig::parse("[cache.default]\nttl = 1").is_err());
    }
}
