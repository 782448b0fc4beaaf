//! `trackcache tracks|albums|changes|watch|rescan`.

use std::io::IsTerminal;
use std::time::Duration;

use clap::{Args as ClapArgs, Subcommand};
use trackcache_protocol::json::{event_json, End, TrackJson};
use trackcache_protocol::{Response, SyncOutcome, SyncReport, TrackQuery};

use super::events::event_line;
use super::output::Printer;
use super::{Args, Outcome};
use crate::{Client, ClientError};

/// `tracks` subcommands.
#[derive(Subcommand, Debug)]
pub enum TracksCommand {
    /// Number of tracks in the snapshot.
    Count,
    /// One track by id (exit 1 if there is none).
    Get {
        /// Track id.
        id: String,
    },
    /// Tracks matching filters (case-insensitive exact match), in album order.
    List(ListArgs),
}

/// Filters of `tracks list`.
#[derive(ClapArgs, Debug)]
pub struct ListArgs {
    /// Track artist.
    #[arg(long)]
    artist: Option<String>,
    /// Album artist.
    #[arg(long)]
    album_artist: Option<String>,
    /// Album.
    #[arg(long)]
    album: Option<String>,
    /// Genre.
    #[arg(long)]
    genre: Option<String>,
    /// Most tracks to show.
    #[arg(long, default_value_t = 100)]
    limit: u32,
    /// Tracks to skip.
    #[arg(long, default_value_t = 0)]
    offset: u32,
}

/// Runs a `tracks` command.
pub fn tracks(c: &mut Client, p: &Printer, cmd: &TracksCommand) -> Result<Outcome, ClientError> {
    match cmd {
        TracksCommand::Count => {
            let (tracks, seq) = c.track_count()?;
            if p.json {
                p.reply(&Response::TrackCount { tracks, seq });
            } else {
                p.line(format!("{tracks} tracks (seq {seq})"));
            }
            Ok(Outcome::Done)
        }
        TracksCommand::Get { id } => match c.get_track(id)? {
            Some(t) if p.json => {
                p.reply(&Response::Track(Some(Box::new(t))));
                Ok(Outcome::Done)
            }
            Some(t) => {
                {
                    let v = serde_json::to_value(TrackJson::from(&t)).unwrap_or_default();
                    let rows: Vec<(String, String)> = v
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                            )
                        })
                        .collect();
                    let rows: Vec<(&str, String)> =
                        rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                    p.pairs(&rows);
                }
                Ok(Outcome::Done)
            }
            None => {
                if p.json {
                    p.reply(&Response::Track(None));
                } else {
                    eprintln!("no track with id {id}");
                }
                Ok(Outcome::NotFound)
            }
        },
        TracksCommand::List(a) => {
            let page = c.list_tracks(TrackQuery {
                artist: a.artist.clone(),
                album_artist: a.album_artist.clone(),
                album: a.album.clone(),
                genre: a.genre.clone(),
                limit: a.limit,
                offset: a.offset,
            })?;
            let total = page.total;
            if p.json {
                p.reply(&Response::Tracks(page));
            } else if page.tracks.is_empty() {
                p.line(format!("no tracks ({} match)", page.total));
            } else {
                let rows = page
                    .tracks
                    .iter()
                    .map(|t| {
                        let s = |v: &Option<String>| v.clone().unwrap_or_default();
                        vec![
                            t.id.clone(),
                            s(&t.artist),
                            s(&t.album),
                            t.track_number.map_or(String::new(), |n| n.to_string()),
                            s(&t.name),
                            t.year.map_or(String::new(), |y| y.to_string()),
                        ]
                    })
                    .collect();
                p.table(&["id", "artist", "album", "#", "name", "year"], rows);
                let first = page.offset + 1;
                p.line(format!(
                    "tracks {first}-{} of {}",
                    page.offset + page.tracks.len() as u64,
                    page.total
                ));
            }
            Ok(if total == 0 {
                Outcome::NotFound
            } else {
                Outcome::Done
            })
        }
    }
}

/// `albums [--artist A]`.
pub fn albums(c: &mut Client, p: &Printer, artist: Option<&str>) -> Result<Outcome, ClientError> {
    let albums = c.list_albums(artist)?;
    let empty = albums.is_empty();
    if p.json {
        p.reply(&Response::Albums(albums));
        return Ok(if empty {
            Outcome::NotFound
        } else {
            Outcome::Done
        });
    }
    if albums.is_empty() {
        p.line("no albums");
    } else {
        let rows = albums
            .iter()
            .map(|a| {
                vec![
                    a.artist.clone(),
                    a.album.clone(),
                    a.tracks.to_string(),
                    a.year.map_or(String::new(), |y| y.to_string()),
                ]
            })
            .collect();
        p.table(&["artist", "album", "tracks", "year"], rows);
    }
    Ok(if albums.is_empty() {
        Outcome::NotFound
    } else {
        Outcome::Done
    })
}

/// `changes --since SEQ`: every logged event after SEQ, page by page. With
/// `--json` the events stream one per line, then one trailer for them all.
pub fn changes(
    c: &mut Client,
    p: &Printer,
    since: u64,
    limit: Option<u64>,
) -> Result<Outcome, ClientError> {
    let mut after = since;
    let mut left = limit.unwrap_or(u64::MAX);
    let (mut count, mut more, mut current) = (0usize, false, since);
    while left > 0 {
        // Pages of at most 1,000, and never more than is left to print.
        let page = c.changes(after, left.min(1000) as u32)?;
        current = page.current_seq;
        if page.fresh_instance {
            if p.json {
                p.reply(&Response::Changes(page));
            } else {
                p.line(format!(
                    "fresh instance: seq {since} is no longer in the event log; re-read everything (current seq {})",
                    page.current_seq
                ));
            }
            return Ok(Outcome::Done);
        }
        let take = usize::try_from(left).unwrap_or(usize::MAX);
        for f in page.events.iter().take(take) {
            if p.json {
                p.json(&event_json(f));
            } else {
                p.line(event_line(f));
            }
            after = f.seq;
            left -= 1;
            count += 1;
        }
        more = page.more || page.events.len() > take;
        if !page.more {
            break;
        }
    }
    if p.json {
        p.end(End {
            count: count as u64,
            more,
            next: Some(if count == 0 { current } else { after }),
            total: None,
            current_seq: Some(current),
        });
    }
    Ok(Outcome::Done)
}

/// `rescan [--wait]`, with a progress bar on a terminal.
pub fn rescan(
    c: &mut Client,
    p: &Printer,
    args: &Args,
    wait: bool,
) -> Result<Outcome, ClientError> {
    if !wait {
        c.rescan(false)?;
        if p.json {
            p.reply(&Response::RescanQueued);
        } else {
            p.line("rescan queued");
        }
        return Ok(Outcome::Done);
    }
    c.set_timeout(None)?;
    let progress =
        (!p.json && std::io::stderr().is_terminal()).then(|| super::progress::spawn(args));
    let report = c.rescan(true);
    if let Some(pr) = progress {
        pr.finish();
    }
    let Some(report) = report? else {
        return Err(ClientError::Unexpected(
            "the daemon queued the rescan instead of waiting".into(),
        ));
    };
    print_report(p, &report);
    Ok(match report.outcome {
        SyncOutcome::Failed { .. } => Outcome::Failed,
        _ => Outcome::Done,
    })
}

fn print_report(p: &Printer, r: &SyncReport) {
    if p.json {
        p.reply(&Response::Rescanned(r.clone()));
        return;
    }
    let text = match &r.outcome {
        SyncOutcome::Unchanged => "library unchanged".to_owned(),
        SyncOutcome::Synced {
            added,
            removed,
            modified,
            seq,
        } => {
            format!("{added} added, {removed} removed, {modified} modified (seq {seq})")
        }
        SyncOutcome::Imported { tracks, seq } => format!("imported {tracks} tracks (seq {seq})"),
        SyncOutcome::Failed { message } => {
            eprintln!("trackcache: the rescan failed: {message}");
            return;
        }
    };
    p.line(format!("{text}; {} tracks, {} ms", r.tracks, r.duration_ms));
}

/// How often the progress bar asks the daemon.
pub const PROGRESS_POLL: Duration = Duration::from_millis(100);
