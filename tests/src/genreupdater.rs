//! GenreUpdater's cache writers, in Rust: what its Python wrote to disk
//! (`csv.writer` rows, `json.dump` with and without `indent=2`,
//! `datetime.now(UTC).isoformat()`, `CachedApiResult.model_dump()`), so
//! import tests build each release's files the way it wrote them.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// An hour, in seconds.
pub const HOUR: f64 = 3600.0;
/// A day, in seconds.
pub const DAY: f64 = 86_400.0;
/// sha256("tracks_all"): GenreUpdater's hash of a generic key, the one
/// `trackcache.genreupdater` stores it under.
pub const TRACKS_ALL: &str = "c8dc5b5eb43e68d20a7e83894e6bd0a0d35c0631ebcb719fd16a523887c67e40";

/// Now, Unix seconds.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Writes `text` as `dir/name`, making its directories.
pub fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("make the directory");
    }
    std::fs::write(path, text).expect("write the file");
}

/// A CSV row as Python's `csv.writer` writes it (minimal quoting, `\r\n`).
pub fn csv_row(fields: &[&str]) -> String {
    let cells: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                (*f).to_owned()
            }
        })
        .collect();
    format!("{}\r\n", cells.join(","))
}

/// `json.dump(v, f)`: Python's default separators (", ", ": ").
pub fn py_json(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(py_json).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), py_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// `json.dump(v, f, indent=2, ensure_ascii=False)`.
pub fn py_json_indent(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON values serialize")
}

/// `datetime.now(UTC).isoformat()` for Unix seconds `t`.
pub fn isoformat(t: f64) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp_nanos((t * 1e9) as i128)
        .expect("a time in range");
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.microsecond()
    )
}

/// GenreUpdater's `CachedApiResult.model_dump()`.
pub fn api_entry(
    artist: &str,
    album: &str,
    year: Option<&str>,
    source: &str,
    ts: f64,
    ttl: Option<u64>,
) -> Value {
    json!({
        "artist": artist, "album": album, "year": year, "source": source,
        "timestamp": ts, "ttl": ttl,
        "metadata": if year.is_some() { json!({"score": 92}) } else { json!({}) },
        "api_response": if year.is_some() { json!({"year": year}) } else { Value::Null },
    })
}
