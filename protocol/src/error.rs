//! Errors as data: the stable error codes and the `ErrorReply` that crosses the wire.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A stable, numeric error code.
///
/// Codes are a newtype over `u16` rather than an enum so that a client built
/// against an older protocol can still decode (and print) a code it does not
/// know yet. Codes are never renumbered; new ones are appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub u16);

impl ErrorCode {
    /// The request was not understood or its arguments are invalid.
    pub const BAD_REQUEST: Self = Self(1);
    /// The thing asked for does not exist (not used for cache misses, which are data).
    pub const NOT_FOUND: Self = Self(2);
    /// A frame or value is larger than the configured maximum.
    pub const TOO_LARGE: Self = Self(3);
    /// The daemon cannot serve this now (for example the store is not writable).
    pub const UNAVAILABLE: Self = Self(4);
    /// A bug or an unexpected failure inside the daemon.
    pub const INTERNAL: Self = Self(5);
    /// Client and daemon speak protocol versions that cannot talk to each other.
    pub const VERSION_MISMATCH: Self = Self(6);
    /// The daemon's connection limit is reached.
    pub const TOO_MANY_CONNECTIONS: Self = Self(7);
    /// The peer is not allowed to talk to this daemon (another user).
    pub const PERMISSION_DENIED: Self = Self(8);
    /// The daemon is shutting down and takes no new work.
    pub const SHUTTING_DOWN: Self = Self(9);
    /// The frame could not be decoded (garbage, truncated, trailing bytes).
    pub const MALFORMED_FRAME: Self = Self(10);
    /// A request that needs the handshake came before it, or a second handshake came.
    pub const HANDSHAKE_REQUIRED: Self = Self(11);
    /// The disk is full or the store refused the write; nothing was changed.
    pub const STORAGE_FULL: Self = Self(12);
    /// A wait (for example for a lease) ran out of time.
    pub const TIMEOUT: Self = Self(13);

    /// A short snake_case name for the code, for logs and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Self::BAD_REQUEST => "bad_request",
            Self::NOT_FOUND => "not_found",
            Self::TOO_LARGE => "too_large",
            Self::UNAVAILABLE => "unavailable",
            Self::INTERNAL => "internal",
            Self::VERSION_MISMATCH => "version_mismatch",
            Self::TOO_MANY_CONNECTIONS => "too_many_connections",
            Self::PERMISSION_DENIED => "permission_denied",
            Self::SHUTTING_DOWN => "shutting_down",
            Self::MALFORMED_FRAME => "malformed_frame",
            Self::HANDSHAKE_REQUIRED => "handshake_required",
            Self::STORAGE_FULL => "storage_full",
            Self::TIMEOUT => "timeout",
            _ => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// An error answer: a stable code and a human-readable message that says what
/// was wrong and, where possible, what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Explanation for a human.
    pub message: String,
}

impl ErrorReply {
    /// Builds an error reply.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ErrorReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl std::error::Error for ErrorReply {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_survive_and_print() {
        let code = ErrorCode(999);
        assert_eq!(code.name(), "unknown");
        assert_eq!(code.to_string(), "unknown (999)");
        assert_eq!(ErrorCode::NOT_FOUND.to_string(), "not_found (2)");
    }
}
