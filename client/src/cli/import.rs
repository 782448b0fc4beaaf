//! `trackcache import genreupdater DIR [--dry-run]`: reads another tool's
//! caches into requests (`crate::import`), sends them pipelined in chunks,
//! and prints what was imported and what was skipped, grouped by reason.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use std::collections::BTreeMap;

use serde::Serialize;
use trackcache_protocol::{ErrorReply, Request, Response};

use super::output::Printer;
use super::Outcome;
use crate::import::{genreupdater, ImportPlan, Origin, ReasonGroup, Report, SourceFile};
use crate::{Client, ClientError};

/// Requests sent before their replies are read. Pipelining makes an import
/// of tens of thousands of entries take seconds instead of minutes; the
/// bound keeps the unread replies well under a socket buffer, so the daemon
/// never blocks writing them while we are still writing requests.
pub const CHUNK: usize = 500;

/// Skip reasons listed in the human report. Daemon refusals are grouped by
/// their message, which may name the entry; past this many groups the rest
/// are summed in one line (`--json` lists them all).
const REASONS_SHOWN: usize = 20;

/// Importers.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import GenreUpdater's album years and API answers.
    ///
    /// Reads DIR/album_years.csv and DIR/cache.json (either may be missing)
    /// and stores their entries in the daemon, keeping their timestamps, so
    /// entries older than their TTL are refused as expired. Exit 0 when the
    /// import ran, even if entries were skipped; 2 when it could not run.
    #[command(name = "genreupdater")]
    GenreUpdater {
        /// The directory holding album_years.csv and/or cache.json
        /// (GenreUpdater's cache directory).
        dir: PathBuf,
        /// Read and check the files and report what would be imported,
        /// without contacting the daemon.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs an import; `connect` is called only when there is something to send,
/// so `--dry-run` works without a daemon.
pub fn run(
    p: &Printer,
    cmd: &ImportCommand,
    connect: impl FnOnce() -> Result<Client, ClientError>,
) -> Result<Outcome, ClientError> {
    let ImportCommand::GenreUpdater { dir, dry_run } = cmd;
    let ImportPlan {
        album_years,
        api,
        skipped,
        files,
    } = genreupdater::plan(dir)?;
    let mut report = Report::new(skipped);
    if *dry_run {
        report.album_years = album_years.len();
        report.api = api.len();
    } else if !album_years.is_empty() || !api.is_empty() {
        let mut client = connect()?;
        send(
            &mut client,
            &album_years,
            Request::SetAlbumYear,
            |o, s, r| report.album_year_reply(o, s, r),
        )?;
        send(&mut client, &api, Request::SetApiResult, |o, s, r| {
            report.api_reply(o, s, r)
        })?;
    }
    if p.json {
        p.json(&to_json(dir, &files, &report, *dry_run));
    } else {
        print_human(p, dir, &files, &report, *dry_run);
    }
    Ok(Outcome::Done)
}

/// Sends `entries` in pipelined chunks and hands each reply to `record`.
fn send<T: Clone>(
    client: &mut Client,
    entries: &[(Origin, T)],
    request: impl Fn(T) -> Request,
    mut record: impl FnMut(&Origin, &T, Result<Response, ErrorReply>) -> Result<(), ClientError>,
) -> Result<(), ClientError> {
    for chunk in entries.chunks(CHUNK) {
        let requests = chunk.iter().map(|(_, set)| request(set.clone())).collect();
        let replies = client.pipeline(requests)?;
        for ((origin, set), reply) in chunk.iter().zip(replies) {
            record(origin, set, reply)?;
        }
    }
    Ok(())
}

/// The `--json` report: one object.
#[derive(Serialize)]
struct ImportJson<'a> {
    dir: &'a Path,
    dry_run: bool,
    imported: Imported,
    skipped: usize,
    reasons: Vec<ReasonGroup>,
    /// By file name.
    files: BTreeMap<&'a str, FileJson<'a>>,
}

#[derive(Serialize)]
struct Imported {
    album_years: usize,
    api: usize,
}

#[derive(Serialize)]
struct FileJson<'a> {
    path: &'a Path,
    found: bool,
    records: usize,
}

fn to_json<'a>(
    dir: &'a Path,
    files: &'a [SourceFile],
    r: &Report,
    dry_run: bool,
) -> ImportJson<'a> {
    ImportJson {
        dir,
        dry_run,
        imported: Imported {
            album_years: r.album_years,
            api: r.api,
        },
        skipped: r.skipped.len(),
        reasons: r.reasons(),
        files: files
            .iter()
            .map(|f| {
                let v = FileJson {
                    path: &f.path,
                    found: f.found,
                    records: f.records,
                };
                (f.name.as_str(), v)
            })
            .collect(),
    }
}

/// The human report: files read, counts, then each skip reason with its
/// count and first few entries.
fn print_human(p: &Printer, dir: &Path, files: &[SourceFile], r: &Report, dry_run: bool) {
    let mode = if dry_run {
        " (dry run: nothing was sent to the daemon)"
    } else {
        ""
    };
    p.line(format!("GenreUpdater import from {}{mode}", dir.display()));
    for f in files {
        if f.found {
            let unit = if f.name.ends_with(".csv") {
                "row"
            } else {
                "entry"
            };
            p.line(format!("  {}: {}", f.name, count(f.records, unit)));
        } else {
            p.line(format!("  {}: not found, nothing imported from it", f.name));
        }
    }
    let (years, api) = (
        count(r.album_years, "album year"),
        count(r.api, "API answer"),
    );
    if dry_run {
        p.line(format!(
            "would import {years} and {api}; skipped {} while reading",
            r.skipped.len()
        ));
        p.line("(the daemon may still refuse entries that are already expired or that a higher-confidence year outranks)");
    } else {
        p.line(format!(
            "imported {years} and {api}; skipped {}",
            r.skipped.len()
        ));
    }
    let groups = r.reasons();
    for g in groups.iter().take(REASONS_SHOWN) {
        p.line(format!("  {:>6}  {}", g.count, g.reason));
        for e in &g.examples {
            p.line(format!("          e.g. {e}"));
        }
    }
    if let Some(rest) = groups.get(REASONS_SHOWN..).filter(|rest| !rest.is_empty()) {
        let n: usize = rest.iter().map(|g| g.count).sum();
        p.line(format!(
            "  {n:>6}  for {} other reasons (--json lists them all)",
            rest.len()
        ));
    }
}

/// `1 row`, `2 rows`, `3 entries`.
fn count(n: usize, unit: &str) -> String {
    match (n, unit.strip_suffix('y')) {
        (1, _) => format!("1 {unit}"),
        (_, Some(stem)) if !unit.ends_with("ey") => format!("{n} {stem}ies"),
        _ => format!("{n} {unit}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_pluralised() {
        assert_eq!(count(1, "row"), "1 row");
        assert_eq!(count(0, "row"), "0 rows");
        assert_eq!(count(3, "entry"), "3 entries");
        assert_eq!(count(2, "album year"), "2 album years");
        assert_eq!(count(2, "API answer"), "2 API answers");
    }
}
