//! `trackcache kv get|set|del|clear|declare`.

use std::io::Read;

use clap::Subcommand;
use trackcache_protocol::json::KvSetJson;
use trackcache_protocol::{KvKey, KvLookup, KvSet, Request, Response};

use super::batch;
use super::output::{duration_ms, Printer, CLI_BYTES};
use super::{seconds, Outcome};
use crate::{Client, ClientError};

/// Generic cache commands.
#[derive(Subcommand, Debug)]
pub enum KvCommand {
    /// Print a value (exit 1 on a miss; a negative hit prints nothing and exits 0).
    Get {
        /// Namespace.
        namespace: String,
        /// Key.
        key: String,
    },
    /// Store a value, or with --negative a "known absent" marker.
    Set {
        /// Namespace.
        namespace: String,
        /// Key.
        key: String,
        /// Value (omit with --negative or --stdin).
        #[arg(required_unless_present_any = ["negative", "stdin"])]
        value: Option<String>,
        /// Time to live: seconds (fractions allowed) or a duration (90s, 15m, 2h, 30d);
        /// 0 = never expire. Default: the namespace's TTL.
        #[arg(long, value_name = "SECS", value_parser = super::parse_secs)]
        ttl: Option<f64>,
        /// Store "known absent" instead of a value.
        #[arg(long, conflicts_with_all = ["value", "stdin"])]
        negative: bool,
        /// Read the value's bytes from standard input.
        #[arg(long, conflicts_with = "value")]
        stdin: bool,
        /// Dependency tag (repeatable): `artist:NAME`, `album:ARTIST|ALBUM` or
        /// `track:ID`. `invalidate` drops tagged entries; library changes do
        /// too when the namespace's strategy is not time_based (the default:
        /// see `kv declare --strategy`).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
    },
    /// Delete a key.
    Del {
        /// Namespace.
        namespace: String,
        /// Key.
        key: String,
    },
    /// Delete every entry of a namespace.
    Clear {
        /// Namespace.
        namespace: String,
    },
    /// Declare a namespace's policy (TTLs, bounds, persistence, strategy);
    /// kept across restarts. Settings of the daemon's config file win.
    Declare(super::declare::DeclareArgs),
    /// Many lookups in one request: JSON Lines on stdin, one
    /// {"namespace":..,"key":..} per line.
    GetMany,
    /// Store many values in one request: JSON Lines on stdin, one
    /// {"namespace":..,"key":..,"value":TEXT[,"ttl_ms":N,"negative":B,"tags":[..]]} per line
    /// (or "value_base64" for bytes that are not text).
    SetMany,
}

/// Runs a kv command.
pub fn run(c: &mut Client, p: &Printer, cmd: &KvCommand) -> Result<Outcome, ClientError> {
    match cmd {
        KvCommand::Get { namespace, key } => get(c, p, namespace, key),
        KvCommand::Declare(args) => super::declare::declare(c, p, args),
        KvCommand::Set {
            namespace,
            key,
            value,
            ttl,
            negative,
            stdin,
            tags,
        } => {
            let value = match (value, stdin) {
                (Some(v), _) => v.clone().into_bytes(),
                (None, true) => {
                    let mut buf = Vec::new();
                    std::io::stdin().read_to_end(&mut buf).map_err(|e| {
                        ClientError::Unexpected(format!("cannot read standard input: {e}"))
                    })?;
                    buf
                }
                (None, false) => Vec::new(),
            };
            let ttl_ms = match ttl {
                Some(s) => {
                    Some(u64::try_from(seconds(*s, "--ttl")?.as_millis()).unwrap_or(u64::MAX))
                }
                None => None,
            };
            let stored = c.kv_set_raw(KvSet {
                namespace: namespace.clone(),
                key: key.clone(),
                value,
                ttl_ms,
                negative: *negative,
                tags: tags.clone(),
            })?;
            if p.json {
                p.reply(&Response::KvStored(stored));
            } else {
                let life = stored
                    .expires_in_ms
                    .map_or("never expires".to_owned(), |ms| {
                        format!("expires in {}", duration_ms(ms))
                    });
                let what = if *negative { "negative entry" } else { "value" };
                let mut line = format!("stored {what} {namespace}/{key} ({life})");
                if stored.evicted > 0 {
                    line.push_str(&format!(", evicted {}", stored.evicted));
                }
                p.line(line);
            }
            Ok(Outcome::Done)
        }
        KvCommand::Del { namespace, key } => {
            let existed = c.kv_delete(namespace, key)?;
            if p.json {
                p.reply(&Response::KvDeleted { existed });
            } else if existed {
                p.line(format!("deleted {namespace}/{key}"));
            } else {
                p.line(format!("{namespace}/{key} was not there"));
            }
            Ok(if existed {
                Outcome::Done
            } else {
                Outcome::NotFound
            })
        }
        KvCommand::GetMany => batch::run(c, p, |k: KvKey| Ok(k), Request::KvGetMany),
        KvCommand::SetMany => batch::run(
            c,
            p,
            |s: KvSetJson| s.into_kv_set(CLI_BYTES),
            Request::KvSetMany,
        ),
        KvCommand::Clear { namespace } => {
            let removed = c.kv_clear(namespace)?;
            if p.json {
                p.reply(&Response::KvCleared { removed });
            } else {
                p.line(format!("removed {removed} entries from {namespace}"));
            }
            Ok(Outcome::Done)
        }
    }
}

fn get(c: &mut Client, p: &Printer, ns: &str, key: &str) -> Result<Outcome, ClientError> {
    let lookup = c.kv_get(ns, key)?;
    if p.json {
        p.reply(&Response::KvValue(lookup.clone()));
    } else {
        match &lookup {
            KvLookup::Hit { value, .. } => p.raw(value),
            KvLookup::Negative { expires_in_ms } => {
                let life = expires_in_ms.map_or("for good".to_owned(), |ms| {
                    format!("for {}", duration_ms(ms))
                });
                eprintln!("{ns}/{key}: known absent (negative entry, {life})");
            }
            KvLookup::Miss => eprintln!("{ns}/{key}: not in the cache"),
        }
    }
    Ok(match lookup {
        KvLookup::Miss => Outcome::NotFound,
        _ => Outcome::Done,
    })
}
