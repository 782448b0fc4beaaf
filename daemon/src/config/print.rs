//! The configuration as TOML: the commented default file
//! (`--print-default-config`) and the configuration in force
//! (`--print-config`), written in the file's own shape so that it can be
//! saved and edited.

use std::collections::BTreeMap;
use std::time::Duration;

use super::file::CacheFile;
use super::{CommandSpec, Config, ContentFile, FileConfig, LibraryFile, NamespaceFile};
use super::{LibrarySource, NamespacePolicy};

/// The default config file, every setting commented out at its default.
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

fn secs(d: Option<Duration>) -> Option<u64> {
    Some(d.map_or(0, |d| d.as_secs()))
}

fn ms(d: Duration) -> Option<u64> {
    Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn namespace(p: &NamespacePolicy) -> NamespaceFile {
    NamespaceFile {
        ttl_secs: secs(p.ttl),
        negative_ttl_secs: secs(p.negative_ttl),
        max_entries: Some(p.max_entries),
        max_bytes: Some(p.max_bytes),
        persistent: Some(p.persistent),
        strategy: Some(p.strategy),
    }
}

/// `config` in the shape of the file, every value filled in.
pub fn to_file(config: &Config) -> FileConfig {
    let library = config
        .library
        .as_ref()
        .map(|l| LibraryFile {
            path: Some(l.path.clone()),
            format: Some(l.format.name().to_owned()),
            command: match &l.format {
                LibrarySource::Command { argv, .. } => Some(CommandSpec::Argv(argv.clone())),
                LibrarySource::File(_) => None,
            },
            command_format: match &l.format {
                LibrarySource::Command { format, .. } => Some(format.name().to_owned()),
                LibrarySource::File(_) => None,
            },
            settle_ms: ms(l.settle),
            poll_ms: ms(l.poll),
            retention: Some(l.retention),
            command_timeout_ms: ms(l.command_timeout),
            max_field_bytes: Some(l.limits.max_field_bytes as u64),
        })
        .unwrap_or_default();
    let content_types: BTreeMap<String, ContentFile> = config
        .content
        .types
        .iter()
        .map(|t| {
            let file = ContentFile {
                ttl_secs: secs(t.policy.ttl),
                max_entries: Some(t.policy.max_entries),
                max_bytes: Some(t.policy.max_bytes),
                strategy: Some(t.policy.strategy),
            };
            (t.name.to_owned(), file)
        })
        .collect();
    FileConfig {
        socket: Some(config.socket.clone()),
        data_dir: Some(config.data_dir.clone()),
        max_connections: Some(config.max_connections),
        max_frame_bytes: Some(config.max_frame_len),
        log_level: Some(config.log_level.clone()),
        shutdown_timeout_ms: ms(config.shutdown_timeout),
        store_cache_bytes: Some(config.store_cache_bytes),
        worker_threads: Some(config.worker_threads),
        cache: CacheFile {
            default: namespace(&config.cache.default),
            // As written: what a named namespace sets wins over a client's
            // declaration of it, field by field, so filling in the values it
            // inherits would change what it means.
            namespaces: config.cache.sections.clone(),
        },
        library,
        content_types,
        limits: config.limits.to_file(),
    }
}

/// The configuration in force as a TOML file.
pub fn to_toml(config: &Config) -> Result<String, toml::ser::Error> {
    let body = toml::to_string_pretty(&to_file(config))?;
    Ok(format!(
        "# The configuration in force (trackcached --print-config): defaults, the\n\
         # config file, environment and flags resolved. Valid as a config file.\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Defaults, Overrides};

    fn defaults() -> Defaults {
        Defaults {
            socket: "/run/t.sock".into(),
            data_dir: "/d".into(),
        }
    }

    /// Every `#key = value` line of the default file, uncommented.
    fn uncommented() -> String {
        DEFAULT_CONFIG
            .lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_alphabetic()) => rest,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_default_file_parses_and_states_the_built_in_defaults() {
        let built_in =
            Config::resolve(defaults(), FileConfig::default(), Overrides::default()).unwrap();
        assert!(FileConfig::parse(DEFAULT_CONFIG).is_ok());
        let file = FileConfig::parse(&uncommented()).unwrap();
        let over = Overrides {
            library: crate::config::LibraryOverrides {
                path: Some("/m/L.xml".into()),
                ..Default::default()
            },
            ..Overrides::default()
        };
        let stated = Config::resolve(defaults(), file, over.clone()).unwrap();
        assert_eq!(stated.cache, built_in.cache);
        assert_eq!(stated.content, built_in.content);
        assert_eq!(stated.log_level, built_in.log_level);
        assert_eq!(stated.max_connections, built_in.max_connections);
        assert_eq!(stated.max_frame_len, built_in.max_frame_len);
        assert_eq!(stated.shutdown_timeout, built_in.shutdown_timeout);
        assert_eq!(stated.store_cache_bytes, built_in.store_cache_bytes);
        assert_eq!(stated.limits, built_in.limits);
        let with_library = Config::resolve(defaults(), FileConfig::default(), over).unwrap();
        assert_eq!(stated.library, with_library.library);
    }

    #[test]
    fn the_printed_config_reads_back_as_the_same_config() {
        let file = FileConfig::parse(
            "log_level = \"debug\"\n[library]\npath = \"/m/x\"\nformat = \"command\"\ncommand = \"exp\"\n\
             [cache.namespaces.mb]\nttl_secs = 0\npersistent = true\n",
        )
        .unwrap();
        let config = Config::resolve(defaults(), file, Overrides::default()).unwrap();
        let text = to_toml(&config).unwrap();
        let back = Config::resolve(
            defaults(),
            FileConfig::parse(&text).unwrap(),
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(back.cache, config.cache);
        assert_eq!(back.content, config.content);
        assert_eq!(back.library, config.library);
        assert_eq!(back.socket, config.socket);
        assert_eq!(back.worker_threads, config.worker_threads);
        assert!(text.contains("[cache.namespaces.mb]"), "{text}");
    }
}
