//! `[limits]`: what one client, or many, may hold of the daemon, so that no
//! client can starve the others. The connection cap and the frame maximum
//! are top-level keys of the file (they came first); these are the rest.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Default idle timeout: a connection with no request in flight and no
/// subscription is closed after this long.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Default budget for bytes of half-received messages, all connections together.
pub const DEFAULT_PARTIAL_BYTES: u64 = 256 * 1024 * 1024;
/// Default bound on leases held at once.
pub const DEFAULT_MAX_LEASES: usize = 100_000;

/// `[limits]` as written in the file.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// Close a connection idle this long (no request in flight, no
    /// subscription), milliseconds; 0 = never.
    pub idle_timeout_ms: Option<u64>,
    /// Bytes all connections together may hold in half-received messages.
    pub partial_message_bytes: Option<u64>,
    /// Leases (`Lookup` single flight) held at once.
    pub max_leases: Option<usize>,
}

/// The limits in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `None` = idle connections are never closed.
    pub idle_timeout: Option<Duration>,
    /// Budget for half-received messages, bytes.
    pub partial_message_bytes: u64,
    /// Leases held at once.
    pub max_leases: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            partial_message_bytes: DEFAULT_PARTIAL_BYTES,
            max_leases: DEFAULT_MAX_LEASES,
        }
    }
}

impl Limits {
    /// The file's values over the defaults, checked.
    pub fn from_file(f: &LimitsFile) -> Result<Self, ConfigError> {
        let d = Self::default();
        let partial = f.partial_message_bytes.unwrap_or(d.partial_message_bytes);
        if partial < 1024 * 1024 {
            return Err(ConfigError::Invalid(format!(
                "[limits] partial_message_bytes is {partial}; it must be at least 1048576 (1 MiB)"
            )));
        }
        let max_leases = f.max_leases.unwrap_or(d.max_leases);
        if max_leases == 0 {
            return Err(ConfigError::Invalid(
                "[limits] max_leases must be at least 1".into(),
            ));
        }
        Ok(Self {
            idle_timeout: match f.idle_timeout_ms {
                Some(0) => None,
                Some(ms) => Some(Duration::from_millis(ms)),
                None => d.idle_timeout,
            },
            partial_message_bytes: partial,
            max_leases,
        })
    }

    /// These limits in the file's shape, every value filled in.
    pub fn to_file(&self) -> LimitsFile {
        LimitsFile {
            idle_timeout_ms: Some(
                self.idle_timeout
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            ),
            partial_message_bytes: Some(self.partial_message_bytes),
            max_leases: Some(self.max_leases),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_zero_means_never_and_bad_values_are_refused() {
        assert_eq!(
            Limits::from_file(&LimitsFile::default()).unwrap(),
            Limits::default()
        );
        let never = LimitsFile {
            idle_timeout_ms: Some(0),
            ..LimitsFile::default()
        };
        assert_eq!(Limits::from_file(&never).unwrap().idle_timeout, None);
        let tiny = LimitsFile {
            partial_message_bytes: Some(10),
            ..LimitsFile::default()
        };
        assert!(Limits::from_file(&tiny)
            .unwrap_err()
            .to_string()
            .contains("partial_message_bytes"));
        let none = LimitsFile {
            max_leases: Some(0),
            ..LimitsFile::default()
        };
        assert!(Limits::from_file(&none).is_err());
        let d = Limits::default();
        assert_eq!(Limits::from_file(&d.to_file()).unwrap(), d);
    }
}
