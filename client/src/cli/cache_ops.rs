//! `trackcache invalidate|last-run`: manual invalidation and run tracking.

use clap::Subcommand;
use trackcache_protocol::{InvalidateTarget, Response};

use super::domain::answered;
use super::output::Printer;
use super::{seconds, Outcome};
use crate::{Client, ClientError};

/// `invalidate` targets.
#[derive(Subcommand, Debug)]
pub enum InvalidateCommand {
    /// Everything derived from one track.
    Track {
        /// Track id.
        id: String,
    },
    /// One album's year and API answers (and album: tags).
    Album {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
    },
    /// Every year and API answer of an artist (and artist: tags).
    Artist {
        /// Artist.
        name: String,
    },
    /// Every entry of a content type.
    Type {
        /// album_year, successful_api_metadata, negative_result, failed_api_lookup or generic.
        name: String,
    },
    /// Every cache entry (the library snapshot stays).
    All,
}

/// `last-run` subcommands.
#[derive(Subcommand, Debug)]
pub enum LastRunCommand {
    /// A client's last run (exit 1 when there is none).
    Get {
        /// Client name.
        client: String,
    },
    /// Record a client's last run.
    Set {
        /// Client name.
        client: String,
        /// When: Unix seconds or RFC 3339 (default now).
        #[arg(long)]
        at: Option<String>,
    },
}

/// Runs an `invalidate` command.
pub fn invalidate(
    c: &mut Client,
    p: &Printer,
    cmd: &InvalidateCommand,
) -> Result<Outcome, ClientError> {
    let target = match cmd {
        InvalidateCommand::Track { id } => InvalidateTarget::Track { id: id.clone() },
        InvalidateCommand::Album { artist, album } => InvalidateTarget::Album {
            artist: artist.clone(),
            album: album.clone(),
        },
        InvalidateCommand::Artist { name } => InvalidateTarget::Artist { name: name.clone() },
        InvalidateCommand::Type { name } => InvalidateTarget::ContentType { name: name.clone() },
        InvalidateCommand::All => InvalidateTarget::All,
    };
    let dropped = c.invalidate(target)?;
    if p.json {
        p.reply(&Response::Invalidated { dropped });
    } else {
        p.line(format!("dropped {dropped} entries"));
    }
    Ok(Outcome::Done)
}

/// Runs a `last-run` command.
pub fn last_run(c: &mut Client, p: &Printer, cmd: &LastRunCommand) -> Result<Outcome, ClientError> {
    match cmd {
        LastRunCommand::Get { client } => {
            let at = c.get_last_run(client)?;
            if let (Some(at), false) = (at, p.json) {
                let when = humantime::format_rfc3339_seconds(
                    std::time::UNIX_EPOCH + std::time::Duration::from_millis(at),
                );
                p.line(when.to_string());
            }
            answered(p, at.is_some(), &Response::LastRun(at))
        }
        LastRunCommand::Set { client, at } => {
            let at_ms = match at.as_deref() {
                None => now_ms(),
                Some(s) => parse_time(s)?,
            };
            c.set_last_run(client, at_ms)?;
            if p.json {
                p.reply(&Response::LastRunStored)
            } else {
                p.line(format!("recorded {client}'s run"))
            }
            Ok(Outcome::Done)
        }
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Unix seconds (fractions allowed) or an RFC 3339 timestamp, to Unix ms.
pub fn parse_time(s: &str) -> Result<u64, ClientError> {
    if let Ok(secs) = s.parse::<f64>() {
        return seconds(secs, "--at").map(|d| d.as_millis() as u64);
    }
    humantime::parse_rfc3339_weak(s)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as u64)
        .ok_or_else(|| {
            ClientError::Unexpected(format!(
                "--at {s:?} is neither Unix seconds nor an RFC 3339 time"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_seconds_or_rfc3339() {
        assert_eq!(parse_time("1700000000").unwrap(), 1_700_000_000_000);
        assert_eq!(parse_time("1.5").unwrap(), 1500);
        assert_eq!(
            parse_time("2024-01-15T10:30:00Z").unwrap(),
            1_705_314_600_000
        );
        assert!(parse_time("yesterday").is_err());
    }
}
