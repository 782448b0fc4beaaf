//! `trackcache album-year|api`: the domain caches, and how their entries print.

use clap::Subcommand;
use serde_json::{json, Value};
use trackcache_protocol::{AlbumYearEntry, ApiEntry, ApiOutcome, SetAlbumYear, SetApiResult};

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
}

pub(super) fn year_json(e: &AlbumYearEntry) -> Value {
    json!({"artist": e.artist, "album": e.album, "year": e.year, "confidence": e.confidence,
           "source": e.source, "stored_at_ms": e.stored_at_ms, "album_fingerprint": e.album_fingerprint,
           "expires_in_ms": e.expires_in_ms})
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

pub(super) fn api_json(e: &ApiEntry) -> Value {
    let mut v = json!({"source": e.source, "artist": e.artist, "album": e.album,
                       "stored_at_ms": e.stored_at_ms, "expires_in_ms": e.expires_in_ms});
    match &e.outcome {
        ApiOutcome::Found { payload, metadata } => {
            v["status"] = "found".into();
            v["payload"] =
                serde_json::from_str(payload).unwrap_or_else(|_| Value::String(payload.clone()));
            v["metadata"] = metadata
                .iter()
                .map(|(k, val)| (k.clone(), Value::String(val.clone())))
                .collect();
        }
        ApiOutcome::NotFound => v["status"] = "not_found".into(),
        ApiOutcome::Failed { error } => {
            v["status"] = "failed".into();
            v["error"] = error.as_str().into();
        }
    }
    v
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
        } => match c.get_album_year(artist, album, *min_confidence)? {
            Some(e) => {
                if p.json {
                    p.json(&year_json(&e))
                } else {
                    p.line(year_line(&e))
                }
                Ok(Outcome::Done)
            }
            None => miss(
                p,
                json!({"artist": artist, "album": album, "status": "miss"}),
            ),
        },
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
                p.json(&json!({"stored": stored, "current": year_json(&current)}));
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
    }
}

/// Runs an `api` command.
pub fn api(c: &mut Client, p: &Printer, cmd: &ApiCommand) -> Result<Outcome, ClientError> {
    match cmd {
        ApiCommand::Get {
            source,
            artist,
            album,
        } => match c.get_api_result(source, artist, album)? {
            Some(e) => {
                if p.json {
                    p.json(&api_json(&e))
                } else {
                    p.line(api_line(&e))
                }
                Ok(Outcome::Done)
            }
            None => miss(
                p,
                json!({"source": source, "artist": artist, "album": album, "status": "miss"}),
            ),
        },
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
                p.json(&json!({"stored": true, "expires_in_ms": expires}));
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
    }
}

pub(super) fn miss(p: &Printer, v: Value) -> Result<Outcome, ClientError> {
    if p.json {
        p.json(&v);
    } else {
        eprintln!("not in the cache");
    }
    Ok(Outcome::NotFound)
}

fn deleted(p: &Printer, existed: bool) -> Result<Outcome, ClientError> {
    if p.json {
        p.json(&json!({"deleted": existed}));
    } else {
        p.line(if existed { "deleted" } else { "was not there" });
    }
    Ok(if existed {
        Outcome::Done
    } else {
        Outcome::NotFound
    })
}
