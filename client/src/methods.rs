//! One typed method per request, so callers need not match on `Response`.

use std::time::Duration;

use trackcache_protocol::{
    ConfigStatus, KvLookup, KvSet, KvStored, NamespaceDecl, NamespaceStats, Request, Response,
    StatsReport, StatusInfo,
};

use crate::{Client, ClientError};

fn unexpected(what: &str, r: Response) -> ClientError {
    ClientError::Unexpected(format!("{r:?} in answer to {what}"))
}

/// How long a stored entry lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ttl {
    /// The namespace's default (its negative TTL for negative entries).
    #[default]
    Default,
    /// Never expires (still subject to LRU eviction).
    Never,
    /// Expires after this long (rounded up to whole milliseconds, at least 1).
    For(Duration),
}

/// What `declare_namespace` answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    /// False when the same declaration was already in force.
    pub changed: bool,
    /// Fields the daemon's config file sets for the namespace, which win.
    pub overridden: Vec<String>,
    /// The namespace's policy and counters now.
    pub namespace: NamespaceStats,
}

impl From<Duration> for Ttl {
    fn from(d: Duration) -> Self {
        Self::For(d)
    }
}

impl Ttl {
    /// The wire form: `None` default, `Some(0)` never, else milliseconds.
    pub fn to_wire(self) -> Option<u64> {
        match self {
            Self::Default => None,
            Self::Never => Some(0),
            Self::For(d) => {
                let ms = d.as_nanos().div_ceil(1_000_000);
                Some(u64::try_from(ms).unwrap_or(u64::MAX).max(1))
            }
        }
    }
}

impl Client {
    /// Liveness check.
    pub fn ping(&mut self) -> Result<(), ClientError> {
        match self.call(Request::Ping)? {
            Response::Pong => Ok(()),
            r => Err(unexpected("Ping", r)),
        }
    }

    /// Daemon status.
    pub fn status(&mut self) -> Result<StatusInfo, ClientError> {
        match self.call(Request::Status)? {
            Response::Status(s) => Ok(*s),
            r => Err(unexpected("Status", r)),
        }
    }

    /// The configuration in force and the last reload's outcome.
    pub fn config_status(&mut self) -> Result<ConfigStatus, ClientError> {
        match self.call(Request::ConfigStatus)? {
            Response::ConfigStatus(s) => Ok(*s),
            r => Err(unexpected("ConfigStatus", r)),
        }
    }

    /// Per-namespace statistics.
    pub fn stats(&mut self) -> Result<StatsReport, ClientError> {
        match self.call(Request::Stats)? {
            Response::Stats(s) => Ok(s),
            r => Err(unexpected("Stats", r)),
        }
    }

    /// Looks a key up: hit, negative hit or miss.
    pub fn kv_get(&mut self, namespace: &str, key: &str) -> Result<KvLookup, ClientError> {
        let req = Request::KvGet {
            namespace: namespace.into(),
            key: key.into(),
        };
        match self.call(req)? {
            Response::KvValue(l) => Ok(l),
            r => Err(unexpected("KvGet", r)),
        }
    }

    /// Stores a value.
    pub fn kv_set(
        &mut self,
        namespace: &str,
        key: &str,
        value: &[u8],
        ttl: impl Into<Ttl>,
    ) -> Result<KvStored, ClientError> {
        self.kv_set_raw(KvSet {
            namespace: namespace.into(),
            key: key.into(),
            value: value.to_vec(),
            ttl_ms: ttl.into().to_wire(),
            negative: false,
            tags: Vec::new(),
        })
    }

    /// Stores "known absent" (`Ttl::Default` uses the namespace's negative TTL).
    pub fn kv_set_negative(
        &mut self,
        namespace: &str,
        key: &str,
        ttl: impl Into<Ttl>,
    ) -> Result<KvStored, ClientError> {
        self.kv_set_raw(KvSet {
            namespace: namespace.into(),
            key: key.into(),
            value: Vec::new(),
            ttl_ms: ttl.into().to_wire(),
            negative: true,
            tags: Vec::new(),
        })
    }

    /// Stores with every option spelled out (`ttl_ms` `Some(0)` = never expire).
    pub fn kv_set_raw(&mut self, set: KvSet) -> Result<KvStored, ClientError> {
        match self.call(Request::KvSet(set))? {
            Response::KvStored(s) => Ok(s),
            r => Err(unexpected("KvSet", r)),
        }
    }

    /// Deletes a key; true when a live entry was removed.
    pub fn kv_delete(&mut self, namespace: &str, key: &str) -> Result<bool, ClientError> {
        let req = Request::KvDelete {
            namespace: namespace.into(),
            key: key.into(),
        };
        match self.call(req)? {
            Response::KvDeleted { existed } => Ok(existed),
            r => Err(unexpected("KvDelete", r)),
        }
    }

    /// Removes every entry of a namespace; returns how many.
    pub fn kv_clear(&mut self, namespace: &str) -> Result<u64, ClientError> {
        match self.call(Request::KvClearNamespace {
            namespace: namespace.into(),
        })? {
            Response::KvCleared { removed } => Ok(removed),
            r => Err(unexpected("KvClearNamespace", r)),
        }
    }

    /// Declares a namespace's policy (idempotent; durable before it returns).
    pub fn declare_namespace(&mut self, decl: NamespaceDecl) -> Result<Declared, ClientError> {
        match self.call(Request::DeclareNamespace(decl))? {
            Response::NamespaceDeclared {
                changed,
                overridden,
                namespace,
            } => Ok(Declared {
                changed,
                overridden,
                namespace: *namespace,
            }),
            r => Err(unexpected("DeclareNamespace", r)),
        }
    }

    /// Asks the daemon to shut down gracefully.
    pub fn shutdown(&mut self) -> Result<(), ClientError> {
        match self.call(Request::Shutdown)? {
            Response::ShuttingDown => Ok(()),
            r => Err(unexpected("Shutdown", r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_wire_form() {
        assert_eq!(Ttl::Default.to_wire(), None);
        assert_eq!(Ttl::Never.to_wire(), Some(0));
        assert_eq!(Ttl::from(Duration::from_secs(2)).to_wire(), Some(2000));
        assert_eq!(
            Ttl::from(Duration::from_micros(1)).to_wire(),
            Some(1),
            "never rounds to 'never'"
        );
        assert_eq!(Ttl::from(Duration::ZERO).to_wire(), Some(1));
    }
}
