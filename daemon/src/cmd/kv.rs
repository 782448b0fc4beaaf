//! Generic-cache requests: `KvGet`, `KvSet`, `KvDelete`, `KvClearNamespace`.

use trackcache_protocol::{ErrorCode, ErrorReply, KvSet, Response};

use crate::cache::CacheError;
use crate::state::Daemon;

fn reply_error(e: CacheError) -> ErrorReply {
    let code = match &e {
        CacheError::BadName(_) => ErrorCode::BAD_REQUEST,
        CacheError::TooLarge(_) => ErrorCode::TOO_LARGE,
        CacheError::Store(_) => ErrorCode::STORAGE_FULL,
    };
    ErrorReply::new(code, e.to_string())
}

/// `KvGet`.
pub fn get(d: &Daemon, ns: &str, key: &str) -> Result<Response, ErrorReply> {
    d.kv.get(ns, key)
        .map(Response::KvValue)
        .map_err(reply_error)
}

/// `KvSet`.
pub fn set(d: &Daemon, set: KvSet) -> Result<Response, ErrorReply> {
    d.kv.set(set).map(Response::KvStored).map_err(reply_error)
}

/// `KvDelete`.
pub fn delete(d: &Daemon, ns: &str, key: &str) -> Result<Response, ErrorReply> {
    d.kv.delete(ns, key)
        .map(|existed| Response::KvDeleted { existed })
        .map_err(reply_error)
}

/// `KvClearNamespace`.
pub fn clear(d: &Daemon, ns: &str) -> Result<Response, ErrorReply> {
    d.kv.clear(ns)
        .map(|removed| Response::KvCleared { removed })
        .map_err(reply_error)
}
