//! The one place daemon errors become wire errors: a stable code and a
//! message that says what was wrong and what to do. Handlers return their
//! own error types and convert with `?` (`From<_> for Refusal`).
//!
//! | error | code |
//! |---|---|
//! | a bad name, key, tag, target or argument | `bad_request` |
//! | an entry over its namespace's byte bound | `too_large` |
//! | a write the disk refused, or could not make durable (nothing changed) | `storage_full` |
//! | a read the store could not serve; no library configured | `unavailable` |
//! | a wait that ran out | `timeout` |
//! | the daemon stopping while the request waited | `shutting_down` |

use trackcache_protocol::{ErrorCode, ErrorReply};

use crate::cache::CacheError;
use crate::invalidation::InvalidateError;
use crate::store::{StoreError, WriteFailure};

/// A request refused, ready for the wire.
#[derive(Debug)]
pub struct Refusal(pub ErrorReply);

impl Refusal {
    /// A refusal with an explicit code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ErrorReply::new(code, message))
    }

    /// An argument the request got wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BAD_REQUEST, message)
    }
}

impl From<Refusal> for ErrorReply {
    fn from(r: Refusal) -> Self {
        r.0
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Full(_) | StoreError::Degraded(_) => ErrorCode::STORAGE_FULL,
            StoreError::Locked { .. }
            | StoreError::NewerSchema { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Io(_) => ErrorCode::UNAVAILABLE,
        };
        Self::new(code, e.to_string())
    }
}

impl From<WriteFailure> for Refusal {
    fn from(e: WriteFailure) -> Self {
        Self::new(ErrorCode::STORAGE_FULL, e.to_string())
    }
}

impl From<CacheError> for Refusal {
    fn from(e: CacheError) -> Self {
        match e {
            CacheError::BadName(m) => Self::bad_request(m),
            CacheError::TooLarge(t) => Self::new(ErrorCode::TOO_LARGE, t.to_string()),
            CacheError::Store(s) => Self::from(s),
            CacheError::NotDurable(w) => Self::from(w),
        }
    }
}

impl From<InvalidateError> for Refusal {
    fn from(e: InvalidateError) -> Self {
        match e {
            InvalidateError::BadTarget(m) => Self::bad_request(m),
            InvalidateError::BadTag(t) => Self::bad_request(t.to_string()),
            InvalidateError::Cache(c) => Self::from(c),
            InvalidateError::NotDurable(w) => Self::from(w),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_refusals_are_storage_errors_and_names_are_bad_requests() {
        let full = Refusal::from(InvalidateError::Cache(CacheError::Store(StoreError::Full(
            "no space".into(),
        ))));
        assert_eq!(full.0.code, ErrorCode::STORAGE_FULL);
        let degraded = Refusal::from(CacheError::Store(StoreError::Degraded("x".into())));
        assert_eq!(degraded.0.code, ErrorCode::STORAGE_FULL);
        let bad = Refusal::from(InvalidateError::BadTarget("blank".into()));
        assert_eq!(bad.0.code, ErrorCode::BAD_REQUEST);
        let read = Refusal::from(StoreError::Io("gone".into()));
        assert_eq!(read.0.code, ErrorCode::UNAVAILABLE);
    }
}
