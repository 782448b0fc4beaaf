//! `trackcache album-year|api`: the domain caches, and how their entries print.

use clap::Subcommand;
use serde_json::Value;
use trackcache_protocol::json::{AlbumYearQueryJson, SetAlbumYearJson, SetApiResultJson};
use trackcache_protocol::{
    AlbumYearEntry, AlbumYearQuery, ApiEntry, ApiOutcome, ApiQuery, Request, Response,
    SetAlbumYear, SetApiResult,
};

use super::batch;
use super::output::{duration_ms, Printer};
use super::Outcome;
use crate::{Client, ClientError};

/// `album-year` subcommands.
#[derive(Subcommand, Debug)]
pub enum AlbumYearCommand {
    /// An album's cached year (exit 1 on a miss).
    Get {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
        /// Entries below this confidence count as a miss.
        #[arg(long, default_value_t = 0)]
        min_confidence: u8,
    },
    /// Store an album's year.
    Set {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
        /// Release year.
        year: i32,
        /// Confidence 0-100.
        #[arg(long, default_value_t = 100)]
        confidence: u8,
        /// Where the year came from.
        #[arg(long, default_value = "manual")]
        source: String,
        /// Replace even a higher-confidence entry.
        #[arg(long)]
        force: bool,
    },
    /// Forget an album's year.
    Del {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// Many years in one request: JSON Lines on stdin, one
    /// {"artist":..,"album":..[,"min_confidence":N]} per line.
    GetMany,
    /// Store many years in one request: JSON Lines on stdin, one
    /// {"artist":..,"album":..,"year":N[,"confidence":N,"source":..,"force":B,"stored_at_ms":N]} per line.
    SetMany,
}

/// `api` subcommands.
#[derive(Subcommand, Debug)]
pub enum ApiCommand {
    /// A source's cached answer for an album (exit 1 on a miss).
    Get {
        /// Source (musicbrainz, discogs, lastfm, ...).
        source: String,
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// Store a source's answer: --found JSON, --not-found, or --failed MESSAGE.
    Set {
        /// Source.
        source: String,
        /// Artist.
        artist: String,
        /// Album.
        album: String,
        /// The answer, a JSON document.
        #[arg(long, value_name = "JSON", group = "outcome", required = true)]
        found: Option<String>,
        /// Extra facts for --found, as KEY=VALUE (repeatable).
        #[arg(long = "meta", value_name = "KEY=VALUE", requires = "found")]
        meta: Vec<String>,
        /// The source has nothing for this album.
        #[arg(long, group = "outcome")]
        not_found: bool,
        /// The lookup failed (retried after the failed_api_lookup TTL).
        #[arg(long, value_name = "MESSAGE", group = "outcome")]
        failed: Option<String>,
    },
    /// Forget a source's answer.
    Del {
        /// Source.
        source: String,
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// Many answers in one request: JSON Lines on stdin, one
    /// {"source":..,"artist":..,"album":..} per line.
    GetMany,
    /// Store many answers in one request: JSON Lines on stdin, one
    /// {"source":..,"artist":..,"album":..,"status":"found"|"not_found"|"failed",...} per line.
    SetMany,
}

pub(super) fn year_line(e: &AlbumYearEntry) -> String {
    let life = e.expires_in_ms.map_or("never expires".into(), |ms| {
        format!("expires in {}", duration_ms(ms))
    });
    format!(
        "{} - {}: {} (confidence {}, from {}, {life})",
        e.artist, e.album, e.year, e.confidence, e.source
    )
}

pub(super) fn api_line(e: &ApiEntry) -> String {
    let what = match &e.outcome {
        ApiOutcome::Found { payload, .. } => format!("found: {payload}"),
        ApiOutcome::NotFound => "not found".into(),
        ApiOutcome::Failed { error } => format!("failed: {error}"),
    };
    format!("{} on {} - {}: {what}", e.source, e.artist, e.album)
}

/// Runs an `album-year` command.
pub fn album_year(
    c: &mut Client,
    p: &Printer,
    cmd: &AlbumYearCommand,
) -> Result<Outcome, ClientError> {
    match cmd {
        AlbumYearCommand::Get {
            artist,
            album,
            min_confidence,
        } => {
            let found = c.get_album_year(artist, album, *min_confidence)?;
            match &found {
                Some(e) if !p.json => p.line(year_line(e)),
                _ => {}
            }
            answered(p, found.is_some(), &Response::AlbumYear(found))
        }
        AlbumYearCommand::Set {
            artist,
            album,
            year,
            confidence,
            source,
            force,
        } => {
            let (stored, current) = c.set_album_year(SetAlbumYear {
                artist: artist.clone(),
                album: album.clone(),
                year: *year,
                confidence: *confidence,
                source: source.clone(),
                force: *force,
                stored_at_ms: None,
            })?;
            if p.json {
                p.reply(&Response::AlbumYearStored { stored, current });
            } else if stored {
                p.line(format!("stored {}", year_line(&current)));
            } else {
                p.line(format!(
                    "kept the higher-confidence entry: {} (use --force to replace it)",
                    year_line(&current)
                ));
            }
            Ok(Outcome::Done)
        }
        AlbumYearCommand::Del { artist, album } => deleted(p, c.delete_album_year(artist, album)?),
        AlbumYearCommand::GetMany => batch::run(
            c,
            p,
            |q: AlbumYearQueryJson| {
                Ok(AlbumYearQuery {
                    artist: q.artist,
                    album: q.album,
                    min_confidence: q.min_confidence,
                })
            },
            Request::GetAlbumYears,
        ),
        AlbumYearCommand::SetMany => batch::run(
            c,
            p,
            |s: SetAlbumYearJson| Ok(s.into()),
            Request::SetAlbumYears,
        ),
    }
}

/// Runs an `api` command.
pub fn api(c: &mut Client, p: &Printer, cmd: &ApiCommand) -> Result<Outcome, ClientError> {
    match cmd {
        ApiCommand::Get {
            source,
            artist,
            album,
        } => {
            let found = c.get_api_result(source, artist, album)?;
            match &found {
                Some(e) if !p.json => p.line(api_line(e)),
                _ => {}
            }
            answered(p, found.is_some(), &Response::ApiResult(found))
        }
        ApiCommand::Set {
            source,
            artist,
            album,
            found,
            meta,
            not_found: _,
            failed,
        } => {
            let outcome = match (found, failed) {
                (Some(doc), _) => {
                    serde_json::from_str::<Value>(doc).map_err(|e| {
                        ClientError::Unexpected(format!("--found is not valid JSON: {e}"))
                    })?;
                    let metadata = meta
                        .iter()
                        .map(|kv| {
                            kv.split_once('=')
                                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                                .ok_or_else(|| {
                                    ClientError::Unexpected(format!(
                                        "--meta {kv:?} is not KEY=VALUE"
                                    ))
                                })
                        })
                        .collect::<Result<_, _>>()?;
                    ApiOutcome::Found {
                        payload: doc.clone(),
                        metadata,
                    }
                }
                (None, Some(error)) => ApiOutcome::Failed {
                    error: error.clone(),
                },
                (None, None) => ApiOutcome::NotFound,
            };
            let expires = c.set_api_result(SetApiResult {
                source: source.clone(),
                artist: artist.clone(),
                album: album.clone(),
                outcome,
                stored_at_ms: None,
            })?;
            if p.json {
                p.reply(&Response::ApiStored {
                    expires_in_ms: expires,
                });
            } else {
                let life = expires.map_or("never expires".into(), |ms| {
                    format!("expires in {}", duration_ms(ms))
                });
                p.line(format!(
                    "stored {source}'s answer for {artist} - {album} ({life})"
                ));
            }
            Ok(Outcome::Done)
        }
        ApiCommand::Del {
            source,
            artist,
            album,
        } => deleted(p, c.delete_api_result(source, artist, album)?),
        ApiCommand::GetMany => batch::run(c, p, |q: ApiQuery| Ok(q), Request::GetApiResults),
        ApiCommand::SetMany => batch::run(
            c,
            p,
            |s: SetApiResultJson| Ok(s.into()),
            Request::SetApiResults,
        ),
    }
}

/// Ends a lookup: with `--json` the reply, and exit 1 when nothing was
/// there (saying so on stderr in human mode; a hit was printed already).
pub(super) fn answered(p: &Printer, found: bool, r: &Response) -> Result<Outcome, ClientError> {
    if p.json {
        p.reply(r);
    } else if !found {
        eprintln!("not in the cache");
    }
    Ok(if found {
        Outcome::Done
    } else {
        Outcome::NotFound
    })
}

fn deleted(p: &Printer, existed: bool) -> Result<Outcome, ClientError> {
    if p.json {
        p.reply(&Response::Deleted { existed });
    } else {
        p.line(if existed { "deleted" } else { "was not there" });
    }
    Ok(if existed {
        Outcome::Done
    } else {
        Outcome::NotFound
    })
}
