//! `trackcache import genreupdater [DIR] [--album-years FILE ...] [--dry-run]`:
//! reads another tool's caches into requests (`crate::import`), sends them
//! pipelined in chunks, and prints every file found with what was made of
//! it, then what was skipped, grouped by reason.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Serialize;
use trackcache_protocol::{ErrorReply, Request, Response};

use super::output::Printer;
use super::Outcome;
use crate::import::genreupdater::{self, Sources, DEFAULT_NAMESPACE, DEFAULT_RUN_CLIENT};
use crate::import::{FileTally, Holds, ImportPlan, Origin, ReasonGroup, Report};
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
    /// Import GenreUpdater's caches: album years, API answers, the generic
    /// cache and the last incremental run, from any of its releases.
    ///
    /// Looks through DIR (GenreUpdater's logs directory, or its cache
    /// directory) two levels deep, and tells each file's kind from its
    /// content; files its config moved elsewhere are given with the options.
    /// Entries keep their timestamps, so those older than their TTL are
    /// refused as expired. The report lists every file found and what was
    /// made of it. Exit 0 when the import ran, 2 when it could not, or when
    /// a file that should be a cache could not be read.
    #[command(name = "genreupdater")]
    GenreUpdater {
        /// GenreUpdater's logs directory (with cache/ and
        /// last_incremental_run.log) or its cache directory.
        #[arg(required_unless_present_any = ["album_years", "api_cache", "generic_cache", "last_run"])]
        dir: Option<PathBuf>,
        /// The album-year cache (GenreUpdater's album_years_cache_file).
        #[arg(long, value_name = "FILE")]
        album_years: Option<PathBuf>,
        /// The API answer cache (GenreUpdater's api_cache_file).
        #[arg(long, value_name = "FILE")]
        api_cache: Option<PathBuf>,
        /// The generic cache (generic_cache.json).
        #[arg(long, value_name = "FILE")]
        generic_cache: Option<PathBuf>,
        /// The last incremental run (GenreUpdater's last_incremental_run_file).
        #[arg(long, value_name = "FILE")]
        last_run: Option<PathBuf>,
        /// The namespace the generic cache goes to (trackcache.genreupdater's).
        #[arg(long, default_value = DEFAULT_NAMESPACE)]
        namespace: String,
        /// The client the last run is recorded for (trackcache.genreupdater's).
        #[arg(long, default_value = DEFAULT_RUN_CLIENT)]
        run_client: String,
        /// Read and check the files and report what would be imported,
        /// without contacting the daemon.
        #[arg(long)]
        dry_run: bool,
    },
}

impl ImportCommand {
    fn sources(&self) -> (Sources, bool) {
        let ImportCommand::GenreUpdater {
            dir,
            album_years,
            api_cache,
            generic_cache,
            last_run,
            namespace,
            run_client,
            dry_run,
        } = self;
        let files = [
            ("--album-years", Holds::AlbumYears, album_years),
            ("--api-cache", Holds::ApiAnswers, api_cache),
            ("--generic-cache", Holds::GenericCache, generic_cache),
            ("--last-run", Holds::LastRun, last_run),
        ]
        .into_iter()
        .filter_map(|(flag, holds, path)| path.clone().map(|p| (flag, holds, p)))
        .collect();
        let sources = Sources {
            dir: dir.clone(),
            files,
            namespace: namespace.clone(),
            run_client: run_client.clone(),
        };
        (sources, *dry_run)
    }
}

/// Runs an import; `connect` is called only when there is something to send,
/// so `--dry-run` works without a daemon.
pub fn run(
    p: &Printer,
    cmd: &ImportCommand,
    connect: impl FnOnce() -> Result<Client, ClientError>,
) -> Result<Outcome, ClientError> {
    let (sources, dry_run) = cmd.sources();
    let plan = genreupdater::plan(&sources)?;
    let mut report = Report::new(plan.skipped.clone());
    // Whether the generic entries' namespace keeps them across restarts.
    let mut persistent = None;
    if dry_run {
        report.album_years = plan.album_years.len();
        report.api = plan.api.len();
        report.generic = plan.generic.len();
        report.last_run = plan.last_runs.iter().map(|(_, at)| *at).max();
    } else {
        let mut client = connect()?;
        send_all(&mut client, &plan, &sources, &mut report)?;
        if !plan.generic.is_empty() {
            let stats = client.stats()?;
            persistent = stats
                .namespaces
                .iter()
                .find(|n| n.name == sources.namespace)
                .map(|n| n.persistent);
        }
    }
    let damaged = plan
        .files
        .iter()
        .filter(|f| matches!(f.holds, Holds::Damaged(_)))
        .count();
    if p.json {
        p.json(&to_json(&sources, &plan, &report, dry_run, persistent));
    } else {
        print_human(p, &sources, &plan, &report, dry_run);
        if persistent == Some(false) {
            p.line(format!(
                "note: namespace {ns} keeps its entries in memory only, so the generic entries                  are gone when the daemon restarts (as GenreUpdater's expire within minutes);                  `trackcache kv declare {ns} --persistent` keeps them",
                ns = sources.namespace
            ));
        }
    }
    Ok(if damaged > 0 {
        Outcome::Failed
    } else {
        Outcome::Done
    })
}

fn send_all(
    client: &mut Client,
    plan: &ImportPlan,
    sources: &Sources,
    report: &mut Report,
) -> Result<(), ClientError> {
    send(
        client,
        &plan.album_years,
        Request::SetAlbumYear,
        |o, s, r| report.album_year_reply(o, s, r),
    )?;
    send(client, &plan.api, Request::SetApiResult, |o, s, r| {
        report.api_reply(o, s, r)
    })?;
    send(client, &plan.generic, Request::KvSet, |o, s, r| {
        report.generic_reply(o, s, r)
    })?;
    // The latest run counts: a later one in the daemon (the adapter already
    // ran) is kept, so no run is ever skipped because of an old file.
    let mut runs: Vec<&(Origin, u64)> = plan.last_runs.iter().collect();
    runs.sort_by_key(|(_, at)| *at);
    for (origin, at_ms) in runs {
        match client.get_last_run(&sources.run_client)? {
            Some(current) if current > *at_ms => report.last_run_kept(origin, *at_ms, current),
            _ => {
                client.set_last_run(&sources.run_client, *at_ms)?;
                report.last_run_recorded(*at_ms);
            }
        }
    }
    Ok(())
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
    dir: Option<&'a Path>,
    dry_run: bool,
    imported: Imported<'a>,
    skipped: usize,
    reasons: Vec<ReasonGroup>,
    /// Caches seen next to what was looked at, and how to import them.
    hints: &'a [String],
    /// Every file looked at, by name.
    files: std::collections::BTreeMap<String, FileTally>,
}

#[derive(Serialize)]
struct Imported<'a> {
    album_years: usize,
    api: usize,
    generic: usize,
    /// The namespace the generic entries went to.
    namespace: &'a str,
    /// Whether it keeps them across restarts (`null`: nothing was sent).
    namespace_persistent: Option<bool>,
    /// The last run recorded (Unix ms), `null` when none was.
    last_run_ms: Option<u64>,
    run_client: &'a str,
}

fn to_json<'a>(
    s: &'a Sources,
    plan: &'a ImportPlan,
    r: &Report,
    dry_run: bool,
    persistent: Option<bool>,
) -> ImportJson<'a> {
    ImportJson {
        dir: s.dir.as_deref(),
        dry_run,
        imported: Imported {
            album_years: r.album_years,
            api: r.api,
            generic: r.generic,
            namespace: &s.namespace,
            namespace_persistent: persistent,
            last_run_ms: r.last_run,
            run_client: &s.run_client,
        },
        skipped: r.skipped.len(),
        reasons: r.reasons(),
        hints: &plan.hints,
        files: r.tally(&plan.files).into_iter().collect(),
    }
}

/// The human report: every file and what was made of it, the totals, then
/// each skip reason with its count and first few entries.
fn print_human(p: &Printer, s: &Sources, plan: &ImportPlan, r: &Report, dry_run: bool) {
    let mode = if dry_run {
        " (dry run: nothing was sent to the daemon)"
    } else {
        ""
    };
    let from = s
        .dir
        .as_ref()
        .map_or("the files given".to_owned(), |d| d.display().to_string());
    p.line(format!("GenreUpdater import from {from}{mode}"));
    let tally = r.tally(&plan.files);
    let width = tally.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, t) in &tally {
        p.line(format!("  {name:width$}  {}", file_line(t, s, dry_run)));
    }
    let run = match r.last_run {
        Some(ms) => format!(
            "{}'s last run ({})",
            s.run_client,
            humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)
            )
        ),
        None => "no last run".into(),
    };
    let what = format!(
        "{}, {}, {} and {run}",
        count(r.album_years, "album year"),
        count(r.api, "API answer"),
        count(r.generic, "generic entry"),
    );
    if dry_run {
        p.line(format!(
            "would import {what}; skipped {} while reading",
            r.skipped.len()
        ));
        p.line("(the daemon may still refuse entries that are already expired or that a higher-confidence year outranks)");
    } else {
        p.line(format!("imported {what}; skipped {}", r.skipped.len()));
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
    for h in &plan.hints {
        p.line(format!("note: {h}"));
    }
}

/// One file's line: what it holds, and what was made of it.
fn file_line(t: &FileTally, s: &Sources, dry_run: bool) -> String {
    let given = t
        .given_as
        .map_or(String::new(), |f| format!(" (given as {f})"));
    let done = if dry_run { "to import" } else { "imported" };
    let counts = |unit: &str| {
        format!(
            "{}: {} {done}, {} skipped",
            count(t.records, unit),
            t.imported,
            t.skipped
        )
    };
    match t.holds {
        "album_years" => format!("{}{given}, {}", t.what, counts("row")),
        "api_answers" => format!("{}{given}, {}", t.what, counts("entry")),
        "generic_cache" => format!(
            "{}{given}, into namespace {}: {}",
            t.what,
            s.namespace,
            counts("entry")
        ),
        "last_run" => format!(
            "{}{given}: {}",
            t.what,
            if t.imported > 0 {
                format!("{done} as {}'s last run", s.run_client)
            } else {
                "not imported (see below)".into()
            }
        ),
        _ => format!("{}{given}", t.what),
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
        assert_eq!(count(2, "generic entry"), "2 generic entries");
    }
}
