//! The `[library]` section: which library to watch, in which format, and the
//! timings of watching and retention.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::sources::{LibraryFormat, Limits, MIN_MAX_FIELD_BYTES};

/// Default quiet period after a change before the library is read.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(300);
/// Default interval of the safety-net mtime poll.
pub const DEFAULT_POLL: Duration = Duration::from_secs(30);
/// Default number of logged events kept.
pub const DEFAULT_RETENTION: u64 = 100_000;
/// Default time an exporter command may run.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest accepted `max_field_bytes`: a field's bound must leave the
/// whole-track bound (64 times it) addressable and sane.
const MAX_MAX_FIELD_BYTES: u64 = 1 << 30;

/// Where the library comes from. A source has a format: the parser
/// (`crate::sources::LibraryFormat`) that reads the bytes it yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LibrarySource {
    /// The library file itself, in this format.
    File(LibraryFormat),
    /// Watch a path; when it changes, run `argv` and parse its stdout.
    Command {
        /// The exporter command and its arguments.
        argv: Vec<String>,
        /// What the exporter prints.
        format: LibraryFormat,
    },
}

impl LibrarySource {
    /// Name used in config, flags and status.
    pub fn name(&self) -> &'static str {
        match self {
            Self::File(f) => f.name(),
            Self::Command { .. } => "command",
        }
    }
}

/// The resolved library configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryConfig {
    /// Library file (or, for `command`, the path whose changes trigger the exporter).
    pub path: PathBuf,
    /// Format.
    pub format: LibrarySource,
    /// Quiet period before reading after a change.
    pub settle: Duration,
    /// Safety-net poll interval.
    pub poll: Duration,
    /// Logged events kept.
    pub retention: u64,
    /// Bound on one exporter run.
    pub command_timeout: Duration,
    /// What a parse of the library accepts (the longest field).
    pub limits: Limits,
}

/// A command given as one shell string or as an argument list.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum CommandSpec {
    /// Run through `sh -c`.
    Shell(String),
    /// Run as is.
    Argv(Vec<String>),
}

impl CommandSpec {
    /// The argv to execute.
    pub fn argv(&self) -> Vec<String> {
        match self {
            Self::Shell(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
            Self::Argv(v) => v.clone(),
        }
    }
}

/// `[library]` as written in the file.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryFile {
    /// Library path.
    pub path: Option<PathBuf>,
    /// `apple-xml` (default), `jsonl`, `applescript-records` or `command`.
    pub format: Option<String>,
    /// Exporter for the `command` format.
    pub command: Option<CommandSpec>,
    /// What the exporter prints: `jsonl` (default) or `applescript-records`
    /// (GenreUpdater's `fetch_tracks.applescript`).
    pub command_format: Option<String>,
    /// Settle period in ms.
    pub settle_ms: Option<u64>,
    /// Poll interval in ms.
    pub poll_ms: Option<u64>,
    /// Events kept.
    pub retention: Option<u64>,
    /// Exporter time limit in ms.
    pub command_timeout_ms: Option<u64>,
    /// Longest text field in the library, in bytes.
    pub max_field_bytes: Option<u64>,
}

/// Library values from flags / environment.
#[derive(Clone, Debug, Default)]
pub struct LibraryOverrides {
    /// `--library`.
    pub path: Option<PathBuf>,
    /// `--library-format`.
    pub format: Option<String>,
    /// `--library-command` (a shell string).
    pub command: Option<String>,
}

/// Expands a leading `~/` to `$HOME/` and makes the path absolute, so that
/// it matches the absolute paths the file watcher reports.
pub fn expand_home(p: &Path) -> PathBuf {
    let p = match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    };
    std::path::absolute(&p).unwrap_or(p)
}

fn ms(v: Option<u64>, default: Duration) -> Duration {
    v.map_or(default, Duration::from_millis)
}

/// Resolves the library section; `None` when no library is configured.
pub fn resolve(
    file: &LibraryFile,
    over: &LibraryOverrides,
) -> Result<Option<LibraryConfig>, ConfigError> {
    let Some(path) = over.path.clone().or_else(|| file.path.clone()) else {
        if over.format.is_some() || over.command.is_some() {
            return Err(ConfigError::Invalid(
                "--library-format and --library-command need a library path (--library or [library] path)".into(),
            ));
        }
        return Ok(None);
    };
    let name = over
        .format
        .clone()
        .or_else(|| file.format.clone())
        .unwrap_or_else(|| "apple-xml".into());
    let command = over
        .command
        .clone()
        .map(CommandSpec::Shell)
        .or_else(|| file.command.clone());
    let command_format = match file.command_format.as_deref() {
        None => LibraryFormat::Jsonl,
        Some(f) => f
            .parse()
            .map_err(|e| ConfigError::Invalid(format!("[library] command_format: {e}")))?,
    };
    if command_format == LibraryFormat::AppleXml {
        return Err(ConfigError::Invalid(
            "[library] command_format = \"apple-xml\" is not supported: an exporter prints \"jsonl\" or \"applescript-records\"".into(),
        ));
    }
    let format = match (name.as_str(), command) {
        ("apple-xml", _) => LibrarySource::File(LibraryFormat::AppleXml),
        ("jsonl", _) => LibrarySource::File(LibraryFormat::Jsonl),
        ("applescript-records", _) => LibrarySource::File(LibraryFormat::AppleScriptRecords),
        ("command", Some(c)) if !c.argv().is_empty() => LibrarySource::Command {
            argv: c.argv(),
            format: command_format,
        },
        ("command", _) => {
            return Err(ConfigError::Invalid(
                "library format \"command\" needs an exporter: [library] command = [...] or --library-command".into(),
            ))
        }
        (other, _) => {
            return Err(ConfigError::Invalid(format!(
                "unknown library format {other:?}: use apple-xml, jsonl, applescript-records or command"
            )))
        }
    };
    let retention = file.retention.unwrap_or(DEFAULT_RETENTION);
    if retention == 0 {
        return Err(ConfigError::Invalid(
            "library retention must be at least 1 event".into(),
        ));
    }
    Ok(Some(LibraryConfig {
        path: expand_home(&path),
        format,
        settle: ms(file.settle_ms, DEFAULT_SETTLE),
        poll: ms(file.poll_ms, DEFAULT_POLL).max(Duration::from_millis(10)),
        retention,
        command_timeout: ms(file.command_timeout_ms, DEFAULT_COMMAND_TIMEOUT),
        limits: limits(file.max_field_bytes)?,
    }))
}

/// The parse limits from `max_field_bytes`, checked.
fn limits(max_field_bytes: Option<u64>) -> Result<Limits, ConfigError> {
    let Some(n) = max_field_bytes else {
        return Ok(Limits::default());
    };
    let min = MIN_MAX_FIELD_BYTES as u64;
    if !(min..=MAX_MAX_FIELD_BYTES).contains(&n) {
        return Err(ConfigError::Invalid(format!(
            "[library] max_field_bytes = {n} is out of range: use {min} (1 KiB) to \
             {MAX_MAX_FIELD_BYTES} (1 GiB); the default is 65536"
        )));
    }
    Ok(Limits {
        // In range above, so it fits.
        max_field_bytes: usize::try_from(n).unwrap_or(usize::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_path_no_library() {
        assert_eq!(
            resolve(&LibraryFile::default(), &LibraryOverrides::default()).unwrap(),
            None
        );
        let over = LibraryOverrides {
            format: Some("jsonl".into()),
            ..LibraryOverrides::default()
        };
        assert!(resolve(&LibraryFile::default(), &over).is_err());
    }

    #[test]
    fn defaults_and_overrides() {
        let file = LibraryFile {
            path: Some("/m/Library.xml".into()),
            settle_ms: Some(50),
            ..LibraryFile::default()
        };
        let c = resolve(&file, &LibraryOverrides::default())
            .unwrap()
            .unwrap();
        assert_eq!(c.format, LibrarySource::File(LibraryFormat::AppleXml));
        assert_eq!(c.settle, Duration::from_millis(50));
        assert_eq!(c.poll, DEFAULT_POLL);
        assert_eq!(c.retention, 100_000);
        let over = LibraryOverrides {
            path: Some("/other.jsonl".into()),
            format: Some("jsonl".into()),
            ..LibraryOverrides::default()
        };
        let c = resolve(&file, &over).unwrap().unwrap();
        assert_eq!(
            (c.path.to_str(), c.format),
            (
                Some("/other.jsonl"),
                LibrarySource::File(LibraryFormat::Jsonl)
            )
        );
    }

    #[test]
    fn command_format_needs_a_command() {
        let mut file = LibraryFile {
            path: Some("/m/Music Library.musiclibrary".into()),
            format: Some("command".into()),
            ..LibraryFile::default()
        };
        assert!(resolve(&file, &LibraryOverrides::default()).is_err());
        file.command = Some(CommandSpec::Shell("osascript export.scpt".into()));
        let c = resolve(&file, &LibraryOverrides::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            c.format,
            LibrarySource::Command {
                argv: vec![
                    "/bin/sh".into(),
                    "-c".into(),
                    "osascript export.scpt".into()
                ],
                format: LibraryFormat::Jsonl,
            }
        );
        let parsed: LibraryFile =
            toml::from_str("path = \"/x\"\nformat = \"command\"\ncommand = [\"exp\", \"--all\"]")
                .unwrap();
        let c = resolve(&parsed, &LibraryOverrides::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            c.format,
            LibrarySource::Command {
                argv: vec!["exp".into(), "--all".into()],
                format: LibraryFormat::Jsonl,
            }
        );
    }

    #[test]
    fn field_bound_is_checked() {
        let mut file = LibraryFile {
            path: Some("/x".into()),
            ..LibraryFile::default()
        };
        let c = resolve(&file, &LibraryOverrides::default())
            .unwrap()
            .unwrap();
        assert_eq!(c.limits.max_field_bytes, 65_536);
        file.max_field_bytes = Some(1 << 20);
        let c = resolve(&file, &LibraryOverrides::default())
            .unwrap()
            .unwrap();
        assert_eq!(c.limits.max_field_bytes, 1 << 20);
        for bad in [0, 1023, (1 << 30) + 1] {
            file.max_field_bytes = Some(bad);
            let err = resolve(&file, &LibraryOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("max_field_bytes"), "{err}");
        }
    }

    #[test]
    fn unknown_formats_are_named() {
        let file = LibraryFile {
            path: Some("/x".into()),
            format: Some("m3u".into()),
            ..LibraryFile::default()
        };
        let err = resolve(&file, &LibraryOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("m3u"), "{err}");
    }

    #[test]
    fn home_is_expanded() {
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(
                expand_home(Path::new("~/Music/L.xml")),
                PathBuf::from(home).join("Music/L.xml")
            );
        }
        assert_eq!(expand_home(Path::new("/abs")), PathBuf::from("/abs"));
        let rel = expand_home(Path::new("music/L.xml"));
        assert!(
            rel.is_absolute() && rel.ends_with("music/L.xml"),
            "{}",
            rel.display()
        );
    }
}
