//! Generic-cache requests: `KvGet`, `KvSet`, `KvDelete`, `KvClearNamespace`,
//! `DeclareNamespace`.

use trackcache_protocol::{KvSetRef, NamespaceDecl, Response};

use super::Ctx;
use crate::error::Refusal;
use crate::keys::LeaseKey;
use crate::state::Daemon;

/// `KvGet`.
pub fn get(d: &Daemon, ns: &str, key: &str) -> Result<Response, Refusal> {
    Ok(Response::KvValue(d.caches.get(ns, key)?))
}

/// `KvSet`: a set of a key completes any lease on it.
pub fn set(d: &Daemon, ctx: &mut Ctx, set: KvSetRef<'_>) -> Result<Response, Refusal> {
    // The lease key is built only when some lease exists: most sets pay nothing.
    let lease = d
        .leases
        .any_held()
        .then(|| LeaseKey::kv(set.namespace, set.key));
    let (stored, epoch) = d.caches.set(set)?;
    ctx.wrote(epoch);
    if let Some(lease) = lease {
        d.leases.complete(&lease);
    }
    Ok(Response::KvStored(stored))
}

/// `KvDelete`.
pub fn delete(d: &Daemon, ctx: &mut Ctx, ns: &str, key: &str) -> Result<Response, Refusal> {
    let (existed, epoch) = d.caches.delete(ns, key)?;
    ctx.wrote(epoch);
    Ok(Response::KvDeleted { existed })
}

/// `DeclareNamespace`: answered once the declaration is durable.
pub fn declare(d: &Daemon, ctx: &mut Ctx, decl: &NamespaceDecl) -> Result<Response, Refusal> {
    let declared = d.caches.declare(decl)?;
    ctx.wrote(declared.epoch);
    if declared.changed {
        tracing::info!(
            namespace = %decl.namespace,
            overridden = ?declared.overridden,
            "namespace declared"
        );
    }
    Ok(Response::NamespaceDeclared {
        changed: declared.changed,
        overridden: declared.overridden,
        namespace: Box::new(declared.stats),
    })
}

/// `KvClearNamespace`.
pub fn clear(d: &Daemon, ctx: &mut Ctx, ns: &str) -> Result<Response, Refusal> {
    let (removed, epoch) = d.caches.clear(ns)?;
    ctx.wrote(epoch);
    Ok(Response::KvCleared { removed })
}
