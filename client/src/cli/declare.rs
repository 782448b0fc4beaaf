//! `trackcache kv declare NAME`: a namespace's policy, declared by a client
//! at run time (no daemon restart), kept across restarts.

use clap::Args;
use trackcache_protocol::{NamespaceDecl, Response};

use super::output::{bytes, duration_ms, Printer};
use super::{seconds, Outcome};
use crate::{Client, ClientError};

/// `kv declare`'s arguments. What is left out comes from `[cache.default]`;
/// what the daemon's config file sets for the namespace wins.
#[derive(Args, Debug)]
pub struct DeclareArgs {
    /// Namespace (1-64 characters of A-Z a-z 0-9 _ . : -).
    pub namespace: String,
    /// TTL of values: seconds or a duration (90s, 15m, 24h, 30d); 0 = never expire.
    #[arg(long, value_name = "SECS", value_parser = super::parse_secs)]
    pub ttl: Option<f64>,
    /// TTL of "known absent" entries; 0 = never expire.
    #[arg(long, value_name = "SECS", value_parser = super::parse_secs)]
    pub negative_ttl: Option<f64>,
    /// Most entries (LRU eviction beyond).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_entries: Option<u64>,
    /// Most bytes of keys plus values (LRU eviction beyond).
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_bytes: Option<u64>,
    /// Keep the entries on disk, across restarts.
    #[arg(long, conflicts_with = "memory_only")]
    pub persistent: bool,
    /// Keep the entries in memory only.
    #[arg(long)]
    pub memory_only: bool,
    /// Which library changes drop entries tagged with --tag: time_based
    /// (none), event_driven, fingerprint_based or hybrid.
    #[arg(long, value_name = "STRATEGY")]
    pub strategy: Option<String>,
}

fn ms(secs: Option<f64>, what: &str) -> Result<Option<u64>, ClientError> {
    secs.map(|s| seconds(s, what).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
        .transpose()
}

impl DeclareArgs {
    /// The request.
    pub fn decl(&self) -> Result<NamespaceDecl, ClientError> {
        Ok(NamespaceDecl {
            namespace: self.namespace.clone(),
            ttl_ms: ms(self.ttl, "--ttl")?,
            negative_ttl_ms: ms(self.negative_ttl, "--negative-ttl")?,
            max_entries: self.max_entries,
            max_bytes: self.max_bytes,
            persistent: match (self.persistent, self.memory_only) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            strategy: self.strategy.clone(),
        })
    }
}

/// Runs `kv declare`.
pub fn declare(c: &mut Client, p: &Printer, args: &DeclareArgs) -> Result<Outcome, ClientError> {
    let d = c.declare_namespace(args.decl()?)?;
    if p.json {
        p.reply(&Response::NamespaceDeclared {
            changed: d.changed,
            overridden: d.overridden,
            namespace: Box::new(d.namespace),
        });
        return Ok(Outcome::Done);
    }
    let n = &d.namespace;
    let ttl = |t: Option<u64>| t.map_or("never".into(), duration_ms);
    p.line(format!(
        "{} {}: ttl {}, negative ttl {}, at most {} entries and {}, {}, {}",
        n.name,
        if d.changed {
            "declared"
        } else {
            "already declared so"
        },
        ttl(n.ttl_ms),
        ttl(n.negative_ttl_ms),
        n.max_entries,
        bytes(n.max_bytes),
        if n.persistent {
            "persistent"
        } else {
            "memory only"
        },
        n.strategy,
    ));
    if !d.overridden.is_empty() {
        p.line(format!(
            "the daemon's config file sets {} for {}; those settings win over this declaration",
            d.overridden.join(", "),
            n.name
        ));
    }
    Ok(Outcome::Done)
}
