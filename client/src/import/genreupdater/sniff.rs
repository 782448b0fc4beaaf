//! What a file holds, told from its content (GenreUpdater wrote the same
//! name with different contents over its history: `cache.json` was the
//! generic cache in its first release and the API answers later). Pure:
//! bytes and a name in, a verdict out. The name is used only for what
//! content cannot tell apart (a run timestamp from a verification one) and
//! for naming non-cache files.
//!
//! | content | holds |
//! |---|---|
//! | CSV whose header has `artist`, `album`, `year` and no track columns | album years |
//! | JSON object of `{artist, album, source, ...}` entries | API answers |
//! | JSON object of `{value, expires_at}` entries, or of `[value, expiry]` pairs | the generic cache |
//! | one timestamp | the last incremental run (a verification time when the name says `verify`) |
//! | JSON array of tracks, or `{snapshot_hash, ...}`, `{processed_track_ids, ...}` | the library snapshot, its metadata, its delta: not caches |
//! | other CSV, HTML, text, binary | named when GenreUpdater writes it, else not understood |

use serde_json::{Map, Value};

use super::last_run;
use crate::import::Holds;

/// A file's verdict, with its parsed JSON when it was JSON.
pub struct Sniffed {
    /// What it holds.
    pub holds: Holds,
    /// The JSON object (for API answers and the generic cache).
    pub json: Option<Map<String, Value>>,
    /// The timestamp, Unix ms (for the last run).
    pub at_ms: Option<u64>,
}

impl Sniffed {
    /// A file that could not be read at all.
    pub fn unreadable(why: String) -> Self {
        Self::just(Holds::Damaged(why))
    }

    fn just(holds: Holds) -> Self {
        Self {
            holds,
            json: None,
            at_ms: None,
        }
    }
}

/// The verdict on one file.
pub fn sniff(name: &str, bytes: &[u8]) -> Sniffed {
    let base = name.rsplit('/').next().unwrap_or(name);
    if base == ".DS_Store" {
        return Sniffed::just(Holds::NotACache("macOS Finder metadata"));
    }
    if base.ends_with(".tmp") {
        return Sniffed::just(Holds::NotACache(
            "a temporary file left by an interrupted save (the finished file is the one imported)",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let trimmed = bytes.trim_ascii();
    match trimmed.first() {
        None => Sniffed::just(Holds::Empty),
        Some(b'{' | b'[') => json(trimmed),
        Some(0x1f) if trimmed.get(1) == Some(&0x8b) => {
            Sniffed::just(if base.contains("snapshot") {
                Holds::NotACache("GenreUpdater's library snapshot, compressed")
            } else {
                Holds::NotUnderstood("gzip-compressed data".into())
            })
        }
        Some(_) => match std::str::from_utf8(trimmed) {
            Ok(text) => self::text(base, text),
            Err(_) => Sniffed::just(Holds::NotUnderstood("binary data".into())),
        },
    }
}

/// Each entry's shape, so that one odd entry does not decide for the file.
#[derive(Default)]
struct Shapes {
    api: usize,
    generic: usize,
}

fn shapes(map: &Map<String, Value>) -> Shapes {
    let mut s = Shapes::default();
    for v in map.values() {
        match v {
            Value::Object(e)
                if ["artist", "album", "source"]
                    .iter()
                    .all(|k| e.contains_key(*k)) =>
            {
                s.api += 1
            }
            Value::Object(e) if e.contains_key("value") && e.contains_key("expires_at") => {
                s.generic += 1
            }
            Value::Array(pair) if pair.len() == 2 && pair[1].is_number() => s.generic += 1,
            _ => {}
        }
    }
    s
}

fn json(bytes: &[u8]) -> Sniffed {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            return Sniffed::just(Holds::Damaged(format!(
                "not valid JSON: {} at line {}, column {}",
                json_message(&e),
                e.line(),
                e.column()
            )))
        }
    };
    let map = match value {
        Value::Object(map) => map,
        Value::Array(items) => {
            let tracks = items
                .iter()
                .filter(|t| t.get("id").is_some() && t.get("name").is_some())
                .count();
            return Sniffed::just(if tracks > 0 || items.is_empty() {
                Holds::NotACache(
                    "GenreUpdater's library snapshot (the daemon reads the library itself)",
                )
            } else {
                Holds::NotUnderstood("a JSON array that is not a list of tracks".into())
            });
        }
        other => {
            return Sniffed::just(Holds::NotUnderstood(format!(
                "JSON {}, not an object",
                kind(&other)
            )))
        }
    };
    if map.is_empty() {
        return Sniffed::just(Holds::Empty);
    }
    let holds = if map.contains_key("snapshot_hash") || map.contains_key("library_mtime") {
        Holds::NotACache("GenreUpdater's library snapshot metadata")
    } else if map.contains_key("processed_track_ids") || map.contains_key("field_hashes") {
        Holds::NotACache("GenreUpdater's incremental-run state (which tracks it processed)")
    } else if map.get("tracks").is_some_and(Value::is_array) {
        Holds::NotACache("GenreUpdater's library snapshot (the daemon reads the library itself)")
    } else {
        let s = shapes(&map);
        match (s.api, s.generic) {
            (0, 0) => Holds::NotUnderstood(
                "a JSON object whose entries are neither API answers nor generic cache entries"
                    .into(),
            ),
            (api, generic) if api >= generic => Holds::ApiAnswers,
            _ => Holds::GenericCache,
        }
    };
    Sniffed {
        json: holds.imports().then_some(map),
        holds,
        at_ms: None,
    }
}

/// serde_json's message without the " at line L column C" it appends.
pub fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    full.rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m)
        .to_owned()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn text(base: &str, text: &str) -> Sniffed {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim();
    if lines.next().is_none() {
        if let Some(at) = last_run::parse(first) {
            if base.contains("verify") {
                return Sniffed::just(Holds::NotACache(
                    "the time of GenreUpdater's last database verification",
                ));
            }
            return Sniffed {
                holds: Holds::LastRun,
                json: None,
                at_ms: Some(at),
            };
        }
    }
    if first.starts_with('<') {
        return Sniffed::just(Holds::NotACache("an HTML report"));
    }
    Sniffed::just(csv_header(first).unwrap_or_else(|| {
        Holds::NotUnderstood(if base.ends_with(".log") {
            "text that is none of GenreUpdater's caches (a log)".into()
        } else {
            "text that is none of GenreUpdater's caches".into()
        })
    }))
}

/// A verdict from a CSV header line, when it is one.
fn csv_header(line: &str) -> Option<Holds> {
    if !line.contains(',') {
        return None;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let header = reader.records().next()?.ok()?;
    let cols: Vec<String> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    let has = |c: &str| cols.iter().any(|h| h == c);
    let track_columns = [
        "id",
        "name",
        "track_id",
        "persistent_id",
        "genre",
        "track_name",
    ];
    Some(
        if has("artist") && has("album") && has("year") && !track_columns.iter().any(|c| has(c)) {
            Holds::AlbumYears
        } else if has("attempt_count") || has("reason") && has("artist") {
            Holds::NotACache("GenreUpdater's list of albums to verify again")
        } else if track_columns.iter().any(|c| has(c)) && has("artist") {
            Holds::NotACache("a list of tracks or of changes to them (a GenreUpdater report)")
        } else {
            Holds::NotUnderstood(format!(
                "CSV with the columns {}",
                cols.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
            ))
        },
    )
}

#[cfg(test)]
#[path = "sniff_tests.rs"]
mod tests;
