//! `ping`, `status`, `stats`, `shutdown`.

use std::time::Instant;

use serde_json::json;

use super::output::{bytes, duration_ms, percent, Printer};
use super::Outcome;
use crate::{Client, ClientError};

/// `trackcache ping`.
pub fn ping(c: &mut Client, p: &Printer) -> Result<Outcome, ClientError> {
    let start = Instant::now();
    c.ping()?;
    let us = start.elapsed().as_micros();
    if p.json {
        p.json(
            &json!({"ok": true, "round_trip_us": us, "daemon_version": c.welcome().daemon_version}),
        );
    } else {
        p.line(format!(
            "pong from trackcached {} in {us} µs",
            c.welcome().daemon_version
        ));
    }
    Ok(Outcome::Done)
}

/// `trackcache status`.
pub fn status(c: &mut Client, p: &Printer) -> Result<Outcome, ClientError> {
    let s = c.status()?;
    let t = &s.cache;
    if p.json {
        p.json(&json!({
            "daemon_version": s.daemon_version,
            "protocol_version": s.protocol_version,
            "pid": s.pid,
            "uptime_ms": s.uptime_ms,
            "socket": s.socket,
            "data_dir": s.data_dir,
            "connections": s.connections,
            "max_connections": s.max_connections,
            "cache": {
                "namespaces": t.namespaces, "entries": t.entries, "bytes": t.bytes,
                "hits": t.hits, "negative_hits": t.negative_hits, "misses": t.misses,
                "expirations": t.expirations, "evictions": t.evictions, "hit_rate": t.hit_rate(),
            },
        }));
        return Ok(Outcome::Done);
    }
    p.pairs(&[
        (
            "version",
            format!("{} (protocol {})", s.daemon_version, s.protocol_version),
        ),
        ("pid", s.pid.to_string()),
        ("uptime", duration_ms(s.uptime_ms)),
        ("socket", s.socket.clone()),
        ("data dir", s.data_dir.clone()),
        (
            "connections",
            format!("{} of {}", s.connections, s.max_connections),
        ),
        (
            "cache",
            format!(
                "{} entries, {} in {} namespaces",
                t.entries,
                bytes(t.bytes),
                t.namespaces
            ),
        ),
        (
            "lookups",
            format!(
                "{} hits, {} negative hits, {} misses ({} answered)",
                t.hits,
                t.negative_hits,
                t.misses,
                percent(t.hit_rate())
            ),
        ),
        (
            "removed",
            format!("{} expired, {} evicted", t.expirations, t.evictions),
        ),
    ]);
    Ok(Outcome::Done)
}

/// `trackcache stats`.
pub fn stats(c: &mut Client, p: &Printer) -> Result<Outcome, ClientError> {
    let s = c.stats()?;
    if p.json {
        let rows: Vec<_> = s
            .namespaces
            .iter()
            .map(|n| {
                json!({
                    "name": n.name, "persistent": n.persistent, "entries": n.entries,
                    "bytes": n.bytes, "max_entries": n.max_entries, "max_bytes": n.max_bytes,
                    "hits": n.hits, "negative_hits": n.negative_hits, "misses": n.misses,
                    "hit_rate": n.hit_rate(), "sets": n.sets, "deletes": n.deletes,
                    "expirations": n.expirations, "evictions": n.evictions,
                })
            })
            .collect();
        p.json(&json!({ "namespaces": rows }));
        return Ok(Outcome::Done);
    }
    if s.namespaces.is_empty() {
        p.line("no namespaces yet");
        return Ok(Outcome::Done);
    }
    let rows = s
        .namespaces
        .iter()
        .map(|n| {
            vec![
                format!(
                    "{}{}",
                    n.name,
                    if n.persistent { " (persistent)" } else { "" }
                ),
                format!("{}/{}", n.entries, n.max_entries),
                bytes(n.bytes),
                n.hits.to_string(),
                n.negative_hits.to_string(),
                n.misses.to_string(),
                percent(n.hit_rate()),
                n.expirations.to_string(),
                n.evictions.to_string(),
            ]
        })
        .collect();
    p.table(
        &[
            "namespace",
            "entries",
            "bytes",
            "hits",
            "neg hits",
            "misses",
            "hit rate",
            "expired",
            "evicted",
        ],
        rows,
    );
    Ok(Outcome::Done)
}

/// `trackcache shutdown`.
pub fn shutdown(c: &mut Client, p: &Printer) -> Result<Outcome, ClientError> {
    c.shutdown()?;
    if p.json {
        p.json(&json!({"ok": true, "shutting_down": true}));
    } else {
        p.line("trackcached is shutting down");
    }
    Ok(Outcome::Done)
}
