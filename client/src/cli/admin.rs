//! `ping`, `status`, `stats`, `shutdown`.

use std::time::Instant;

use trackcache_protocol::Response;

use super::output::{bytes, duration_ms, percent, Printer};
use super::Outcome;
use crate::{Client, ClientError};

/// `trackcache ping`.
pub fn ping(c: &mut Client, p: &Printer) -> Result<Outcome, ClientError> {
    let start = Instant::now();
    c.ping()?;
    let us = start.elapsed().as_micros();
    if p.json {
        p.reply(&Response::Pong);
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
        // Exactly the socket's reply; `trackcache config --json` has the rest.
        p.reply(&Response::Status(Box::new(s)));
        return Ok(Outcome::Done);
    }
    let mut rows = vec![
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
    ];
    match &s.library {
        None => rows.push((
            "library",
            "none configured (start trackcached with --library PATH)".into(),
        )),
        Some(l) => {
            rows.push(("library", format!("{} ({})", l.path, l.format)));
            rows.push((
                "tracks",
                format!("{} (seq {}, log from {})", l.tracks, l.seq, l.oldest_seq),
            ));
            let ago = |ms: u64| duration_ms(now_ms().saturating_sub(ms));
            rows.push((
                "last sync",
                l.last_sync_ms
                    .map_or("never".into(), |ms| format!("{} ago", ago(ms))),
            ));
            if let Some(e) = &l.last_error {
                rows.push((
                    "last error",
                    format!("{} ago, {}: {}", ago(e.at_ms), e.kind, e.message),
                ));
            }
            if l.dropped_values > 0 {
                rows.push((
                    "dropped values",
                    format!(
                        "{} left out as unusable; the first: {}",
                        l.dropped_values,
                        l.first_dropped.as_deref().unwrap_or("?")
                    ),
                ));
            }
            if let Some(pr) = &l.progress {
                rows.push((
                    "re-reading",
                    format!("{} {}/{}", pr.phase, bytes(pr.done), bytes(pr.total)),
                ));
            }
        }
    }
    store_rows(&s.store, &mut rows);
    let strategies: Vec<String> = s
        .strategies
        .iter()
        .map(|(ct, strategy)| format!("{ct} {strategy}"))
        .collect();
    rows.push(("strategies", strategies.join(", ")));
    // A daemon older than ConfigStatus answers with an error: leave it out.
    if let Ok(cs) = c.config_status() {
        rows.extend(super::config_rows::rows(&cs, now_ms()));
    }
    p.pairs(&rows);
    Ok(Outcome::Done)
}

/// The store's lines of `status`: its size, and anything that went wrong.
fn store_rows(st: &trackcache_protocol::StoreStatus, rows: &mut Vec<(&'static str, String)>) {
    rows.push(("data on disk", bytes(st.data_dir_bytes)));
    if let Some(why) = &st.writes_refused {
        rows.push(("writes refused", why.clone()));
    }
    if let Some(r) = &st.recovered {
        rows.push((
            "store recovered",
            format!(
                "the database was damaged ({}); kept as {}, started afresh",
                r.reason, r.moved_to
            ),
        ));
    }
    if st.journal_damaged_bytes > 0 {
        rows.push((
            "journal damage",
            format!(
                "{} skipped at start-up (the writes in them were lost)",
                bytes(st.journal_damaged_bytes)
            ),
        ));
    }
    if let Some(d) = &st.snapshot_damage {
        rows.push(("snapshot damage", d.clone()));
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `trackcache stats`: one table per content type, then the generic namespaces.
pub fn stats(c: &mut Client, p: &Printer) -> Result<Outcome, ClientError> {
    let s = c.stats()?;
    if p.json {
        p.reply(&Response::Stats(s));
        return Ok(Outcome::Done);
    }
    let rows = s
        .content_types
        .iter()
        .map(|t| {
            let inv = if t.invalidations.is_empty() {
                "0".to_owned()
            } else {
                t.invalidations
                    .iter()
                    .map(|(r, n)| format!("{n} {r}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                t.name.clone(),
                t.strategy.clone(),
                t.ttl_secs.map_or("none".into(), |s| duration_ms(s * 1000)),
                t.entries.to_string(),
                t.hits.to_string(),
                t.misses.to_string(),
                percent(t.hit_rate()),
                t.expirations.to_string(),
                t.evictions.to_string(),
                inv,
                t.coalesced.to_string(),
            ]
        })
        .collect();
    p.table(
        &[
            "content type",
            "strategy",
            "ttl",
            "entries",
            "hits",
            "misses",
            "hit rate",
            "expired",
            "evicted",
            "invalidated",
            "coalesced",
        ],
        rows,
    );
    if s.namespaces.is_empty() {
        return Ok(Outcome::Done);
    }
    p.line("");
    let rows = s
        .namespaces
        .iter()
        .map(|n| {
            let ttl = |t: Option<u64>| t.map_or("none".into(), duration_ms);
            vec![
                format!(
                    "{}{}",
                    n.name,
                    if n.persistent { " (persistent)" } else { "" }
                ),
                n.origin.clone(),
                n.strategy.clone(),
                format!("{}/{}", ttl(n.ttl_ms), ttl(n.negative_ttl_ms)),
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
            "policy",
            "strategy",
            "ttl/negative",
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
        p.reply(&Response::ShuttingDown);
    } else {
        p.line("trackcached is shutting down");
    }
    Ok(Outcome::Done)
}
