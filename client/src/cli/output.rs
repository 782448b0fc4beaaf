//! Output: human-readable tables by default; with `--json`, the reply
//! objects of the protocol's JSON vocabulary (`protocol::json`), exactly as
//! the socket's JSON mode sends them, lists one item per line and then their
//! `{"end":{...}}` trailer. Formatting helpers for durations, bytes and rates
//! live here.

use std::io::Write;

use comfy_table::{presets::NOTHING, Cell, CellAlignment, Table};
use serde::Serialize;
use trackcache_protocol::json::{BytesMode, End, ErrorJson, Reply};
use trackcache_protocol::Response;

/// How the CLI's JSON carries byte values: text, as a shell script wants
/// them (`value_base64` for bytes that are not UTF-8).
pub const CLI_BYTES: BytesMode = BytesMode::Text;

/// Where results go, in which form.
pub struct Printer {
    /// JSON mode.
    pub json: bool,
}

impl Printer {
    /// A printer for the chosen mode.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints one JSON object on its own line.
    pub fn json<T: Serialize + ?Sized>(&self, v: &T) {
        match serde_json::to_string(v) {
            Ok(line) => emit(format!("{line}\n").as_bytes()),
            Err(e) => eprintln!("trackcache: cannot render the answer as JSON: {e}"),
        }
    }

    /// Prints a reply as the socket's JSON mode sends it: one object, or a
    /// list's items one per line and then its trailer.
    pub fn reply(&self, r: &Response) {
        match Reply::new(r, CLI_BYTES) {
            Reply::List(list) => {
                for item in &list.items {
                    self.json(item);
                }
                self.end(list.end);
            }
            other => self.json(&other),
        }
    }

    /// Prints a list's trailer line.
    pub fn end(&self, end: End) {
        #[derive(Serialize)]
        struct Line {
            end: End,
        }
        self.json(&Line { end });
    }

    /// Prints `{"error":{"code":...,"message":...}}`.
    pub fn error(&self, code: &'static str, message: String) {
        #[derive(Serialize)]
        struct Line {
            error: ErrorJson,
        }
        self.json(&Line {
            error: ErrorJson { code, message },
        });
    }

    /// Prints a line of text.
    pub fn line(&self, s: impl AsRef<str>) {
        emit(format!("{}\n", s.as_ref()).as_bytes());
    }

    /// Writes raw bytes (a cache value) to stdout.
    pub fn raw(&self, bytes: &[u8]) {
        emit(bytes);
        if !bytes.ends_with(b"\n") {
            emit(b"\n");
        }
    }

    /// Prints `key: value` pairs aligned.
    pub fn pairs(&self, rows: &[(&str, String)]) {
        let mut t = Table::new();
        t.load_style(NOTHING);
        for (k, v) in rows {
            t.add_row(vec![Cell::new(format!("{k}:")), Cell::new(v)]);
        }
        emit(format!("{}\n", trim_lines(&t.to_string())).as_bytes());
    }

    /// Prints a table with a header; columns whose cells all look like
    /// numbers (counts, sizes, rates) are right-aligned, text stays left.
    pub fn table(&self, header: &[&str], rows: Vec<Vec<String>>) {
        let numeric: Vec<bool> = (0..header.len())
            .map(|i| {
                rows.iter()
                    .all(|r| r.get(i).is_none_or(|c| looks_numeric(c)))
            })
            .collect();
        let mut t = Table::new();
        t.load_style(NOTHING);
        t.set_header(header.to_vec());
        for row in rows {
            t.add_row(row);
        }
        for (i, right) in numeric.into_iter().enumerate() {
            if let (true, Some(col)) = (right, t.column_mut(i)) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        emit(format!("{}\n", trim_lines(&t.to_string())).as_bytes());
    }
}

/// Writes to stdout and flushes (so `watch` lines reach a pipe at once).
/// When the reader has gone away (`trackcache watch | head`), there is
/// nobody left to tell anything: stop quietly, as Unix tools do.
fn emit(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("trackcache: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

/// Empty, or starts with a digit: `12`, `3/100`, `1.5 KiB`, `87.5%`.
fn looks_numeric(cell: &str) -> bool {
    cell.is_empty() || cell.starts_with(|c: char| c.is_ascii_digit())
}

fn trim_lines(s: &str) -> String {
    s.lines()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `1h 2m 3s`-style rendering of milliseconds.
pub fn duration_ms(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// `12.3 KiB`-style rendering of a byte count.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `87.5%` rendering of a 0..=1 rate.
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(duration_ms(5), "5 ms");
        assert_eq!(duration_ms(61_000), "1m 1s");
        assert_eq!(duration_ms(3_700_000), "1h 1m");
        assert_eq!(duration_ms(90_000_000), "1d 1h");
        assert_eq!(bytes(10), "10 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(percent(0.875), "87.5%");
        assert!(looks_numeric("12/100") && looks_numeric("") && !looks_numeric("Pink Floyd"));
    }
}
