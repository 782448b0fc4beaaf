//! `album-year|api|kv get-many|set-many`: batch requests read as JSON Lines
//! on stdin, one item per line with the arguments of the JSON request of the
//! same name (PROTOCOL.md), sent in batches of [`CHUNK`] items. With `--json`
//! the replies print as the socket's list (one item per line, then the
//! trailer); otherwise as a table. Exit 0 when every item was answered
//! (misses included), 2 when an item failed.

use std::io::BufRead;

use serde::de::DeserializeOwned;
use serde_json::Value;
use trackcache_protocol::json::{End, Item, Reply};
use trackcache_protocol::{Request, Response};

use super::output::{Printer, CLI_BYTES};
use super::Outcome;
use crate::{Client, ClientError};

/// Items per request: well under the frame limit for ordinary entries.
pub const CHUNK: usize = 10_000;

/// Reads items of type `J` from stdin, converts each with `item`, and sends
/// them as `request`s.
pub fn run<J: DeserializeOwned, T>(
    c: &mut Client,
    p: &Printer,
    item: impl Fn(J) -> Result<T, String>,
    request: impl Fn(Vec<T>) -> Request,
) -> Result<Outcome, ClientError> {
    let items = read_items(std::io::stdin().lock(), item)?;
    let mut rows = Vec::new();
    let (mut printed, mut failed) = (0usize, false);
    for chunk in chunks(items) {
        let Response::Batch(replies) = c.call(request(chunk))? else {
            return Err(ClientError::Unexpected(
                "a batch was not answered item by item".into(),
            ));
        };
        failed |= replies.iter().any(Result::is_err);
        let Reply::List(list) = Reply::new(&Response::Batch(replies), CLI_BYTES) else {
            unreachable!("a batch reply is a list");
        };
        for it in list.items {
            printed += 1;
            if p.json {
                p.json(&it);
            } else {
                rows.push(row(printed, &it));
            }
        }
    }
    if p.json {
        p.end(end(printed));
    } else {
        p.table(&["#", "status", "answer"], rows);
    }
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Done
    })
}

fn chunks<T>(items: Vec<T>) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(CHUNK).collect());
    }
    out
}

/// Parses JSON Lines (blank lines skipped); the error names the line.
fn read_items<J: DeserializeOwned, T>(
    input: impl BufRead,
    item: impl Fn(J) -> Result<T, String>,
) -> Result<Vec<T>, ClientError> {
    let mut items = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line =
            line.map_err(|e| ClientError::Unexpected(format!("cannot read standard input: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<J>(&line)
            .map_err(|e| e.to_string())
            .and_then(&item);
        items.push(parsed.map_err(|e| {
            ClientError::Unexpected(format!(
                "standard input, line {}: {e} (one JSON object per line, with the arguments of the request; see PROTOCOL.md)",
                n + 1
            ))
        })?);
    }
    Ok(items)
}

/// A table row: the item's number, its status, the rest of its answer.
fn row(n: usize, item: &Item) -> Vec<String> {
    let mut v = serde_json::to_value(item).unwrap_or_default();
    let status = match v.as_object_mut().and_then(|o| o.remove("status")) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    let rest = match &v {
        Value::Object(o) if o.is_empty() => String::new(),
        other => other.to_string(),
    };
    vec![n.to_string(), status, rest]
}

/// The trailer of everything printed (one, however many requests it took).
fn end(count: usize) -> End {
    End {
        count: count as u64,
        more: false,
        next: None,
        total: None,
        current_seq: None,
    }
}
