//! Writes tracks as JSON Lines, one object per track, in the shape the
//! daemon's `jsonl` format reads.

use serde_json::Value;
use trackcache_protocol::Track;

/// One line per track. Absent fields and clear media flags are left out
/// rather than written as `null`/`false`, as a hand-written file would, so
/// the parser's defaults are exercised.
pub fn write_jsonl(tracks: &[Track]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tracks.len() * 600);
    for track in tracks {
        let mut value = serde_json::to_value(track).unwrap_or(Value::Null);
        if let Value::Object(fields) = &mut value {
            fields.retain(|_, v| !v.is_null());
            if let Some(Value::Object(media)) = fields.get_mut("media") {
                media.retain(|_, v| v != &Value::Bool(false));
                if media.is_empty() {
                    fields.remove("media");
                }
            }
        }
        // A `Track` always serializes (plain strings and numbers) and
        // writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, &value);
        out.push(b'\n');
    }
    out
}
