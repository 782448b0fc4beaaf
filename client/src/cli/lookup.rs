//! `trackcache lookup`: single flight from the shell. A plain lookup prints
//! the cached answer, or says it is not cached (exit 1); its lease ends
//! with the command, so it holds nobody back. With `--exec CMD...` the
//! lease is held while CMD runs: its output is stored (a year, a JSON
//! document, a value), a non-zero exit is recorded as a failure, and every
//! caller waiting meanwhile prints the same answer.

use std::io::Read;
use std::process::{Command, Stdio};

use clap::Subcommand;
use trackcache_protocol::{
    ApiEntry, ApiOutcome, CacheKey, CachedValue, KvLookup, KvSet, LookupOutcome, Response,
    SetAlbumYear, SetApiResult,
};

use super::domain::{api_line, year_line};
use super::output::{duration_ms, Printer};
use super::{seconds, Outcome};
use crate::{Client, ClientError};

/// What `lookup` asks for.
#[derive(Subcommand, Debug)]
pub enum LookupTarget {
    /// An album year; with --exec, CMD prints the year.
    AlbumYear {
        /// Artist.
        artist: String,
        /// Album.
        album: String,
        /// Confidence of a year CMD prints (0-100).
        #[arg(long, default_value_t = 100)]
        confidence: u8,
        /// Source recorded for a year CMD prints.
        #[arg(long, default_value = "exec")]
        source: String,
        #[command(flatten)]
        exec: Exec,
    },
    /// An API answer; with --exec, CMD prints the JSON document ("null" or
    /// nothing: the source has nothing for this album).
    Api {
        /// Source.
        source: String,
        /// Artist.
        artist: String,
        /// Album.
        album: String,
        #[command(flatten)]
        exec: Exec,
    },
    /// A generic entry; with --exec, CMD prints the value.
    Kv {
        /// Namespace.
        namespace: String,
        /// Key.
        key: String,
        #[command(flatten)]
        exec: Exec,
    },
}

/// The command that fetches on a miss.
#[derive(clap::Args, Debug, Default)]
pub struct Exec {
    /// On a miss, run CMD (and its arguments: everything after --exec)
    /// while holding the lease, and store what it prints. The key is in its
    /// environment: TRACKCACHE_ARTIST, TRACKCACHE_ALBUM, TRACKCACHE_SOURCE,
    /// TRACKCACHE_NAMESPACE, TRACKCACHE_KEY.
    #[arg(long, num_args = 1.., allow_hyphen_values = true, value_name = "CMD")]
    pub exec: Vec<String>,
}

impl LookupTarget {
    fn key(&self) -> CacheKey {
        match self {
            Self::AlbumYear { artist, album, .. } => CacheKey::AlbumYear {
                artist: artist.clone(),
                album: album.clone(),
            },
            Self::Api {
                source,
                artist,
                album,
                ..
            } => CacheKey::Api {
                source: source.clone(),
                artist: artist.clone(),
                album: album.clone(),
            },
            Self::Kv { namespace, key, .. } => CacheKey::Kv {
                namespace: namespace.clone(),
                key: key.clone(),
            },
        }
    }

    fn exec(&self) -> &[String] {
        match self {
            Self::AlbumYear { exec, .. } | Self::Api { exec, .. } | Self::Kv { exec, .. } => {
                &exec.exec
            }
        }
    }
}

/// `lookup`: the value; on a miss, the fetch (`--exec`) or exit 1.
pub fn lookup(
    c: &mut Client,
    p: &Printer,
    target: &LookupTarget,
    lease: f64,
    wait: f64,
) -> Result<Outcome, ClientError> {
    let ms = |s: f64, what: &str| seconds(s, what).map(|d| d.as_millis() as u64);
    c.set_timeout(None)?;
    let key = target.key();
    let outcome = c.lookup(key.clone(), ms(lease, "--lease")?, ms(wait, "--wait")?)?;
    match outcome {
        LookupOutcome::Lease {
            lease_id,
            expires_in_ms,
        } if target.exec().is_empty() => {
            if p.json {
                p.reply(&Response::Lookup(LookupOutcome::Lease {
                    lease_id,
                    expires_in_ms,
                }));
            } else {
                eprintln!(
                    "not cached. The lease this lookup got ends as this command exits, so it \
                     holds no other caller back: fetch the value and store it (for example \
                     `trackcache album-year set ...`), or run `trackcache lookup ... --exec CMD` \
                     to fetch while holding the lease (up to {}, --lease)",
                    duration_ms(expires_in_ms)
                );
            }
            Ok(Outcome::NotFound)
        }
        LookupOutcome::Lease { .. } => fetch(c, p, target, key),
        other => Ok(show(p, other)),
    }
}

/// Prints an answer; a failure (cached or reported by the holder) exits 2.
fn show(p: &Printer, outcome: LookupOutcome) -> Outcome {
    let failed = match &outcome {
        LookupOutcome::Failed { .. } => true,
        LookupOutcome::Hit(CachedValue::Api(e)) => matches!(e.outcome, ApiOutcome::Failed { .. }),
        _ => false,
    };
    if p.json {
        p.reply(&Response::Lookup(outcome));
    } else {
        match outcome {
            LookupOutcome::Hit(CachedValue::AlbumYear(e)) => p.line(year_line(&e)),
            LookupOutcome::Hit(CachedValue::Api(e)) => p.line(api_line(&e)),
            LookupOutcome::Hit(CachedValue::Kv(KvLookup::Hit { value, .. })) => p.raw(&value),
            LookupOutcome::Hit(CachedValue::Kv(_)) => p.line("known absent (negative entry)"),
            LookupOutcome::Failed { error } => eprintln!("the fetch failed: {error}"),
            LookupOutcome::Lease { .. } => {}
        }
    }
    if failed {
        Outcome::Failed
    } else {
        Outcome::Done
    }
}

/// Runs the command with the lease held, stores or reports its outcome.
fn fetch(
    c: &mut Client,
    p: &Printer,
    target: &LookupTarget,
    key: CacheKey,
) -> Result<Outcome, ClientError> {
    let answer = match run(target) {
        Ok(out) => store(c, target, &out),
        Err(error) => Err(error),
    };
    match answer {
        Ok(answer) => Ok(show(p, LookupOutcome::Hit(answer))),
        Err(error) => {
            if let LookupTarget::Api { .. } = target {
                // Recorded as a failed lookup (retried after its TTL); the
                // set completes the lease, so the waiters see it too.
                let entry = store_api(c, target, ApiOutcome::Failed { error })?;
                return Ok(show(p, LookupOutcome::Hit(CachedValue::Api(entry))));
            }
            c.fail_lease(key, &error)?;
            Ok(show(p, LookupOutcome::Failed { error }))
        }
    }
}

/// The command's standard output, or why it failed.
fn run(target: &LookupTarget) -> Result<Vec<u8>, String> {
    let argv = target.exec();
    let shown = argv.join(" ");
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match target {
        LookupTarget::AlbumYear { artist, album, .. } => {
            cmd.env("TRACKCACHE_ARTIST", artist)
                .env("TRACKCACHE_ALBUM", album);
        }
        LookupTarget::Api {
            source,
            artist,
            album,
            ..
        } => {
            cmd.env("TRACKCACHE_SOURCE", source)
                .env("TRACKCACHE_ARTIST", artist)
                .env("TRACKCACHE_ALBUM", album);
        }
        LookupTarget::Kv { namespace, key, .. } => {
            cmd.env("TRACKCACHE_NAMESPACE", namespace)
                .env("TRACKCACHE_KEY", key);
        }
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    let mut out = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot read the output of `{shown}`: {e}"))?;
    }
    let status = child
        .wait()
        .map_err(|e| format!("`{shown}` could not be waited for: {e}"))?;
    if status.success() {
        Ok(out)
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Stores what the command printed; the answer as a lookup would show it,
/// or why the output is not a value of this cache.
fn store(c: &mut Client, target: &LookupTarget, out: &[u8]) -> Result<CachedValue, String> {
    let text = String::from_utf8_lossy(out);
    let text = text.trim();
    let sent = match target {
        LookupTarget::AlbumYear {
            artist,
            album,
            confidence,
            source,
            ..
        } => {
            let year: i32 = text
                .parse()
                .map_err(|_| format!("the command printed {text:?}, not a year"))?;
            c.set_album_year(SetAlbumYear {
                artist: artist.clone(),
                album: album.clone(),
                year,
                confidence: *confidence,
                source: source.clone(),
                force: false,
                stored_at_ms: None,
            })
            .map(|(_, current)| CachedValue::AlbumYear(current))
        }
        LookupTarget::Api { .. } => {
            let outcome = if text.is_empty() || text == "null" {
                ApiOutcome::NotFound
            } else {
                serde_json::from_str::<serde_json::Value>(text)
                    .map_err(|e| format!("the command printed something that is not JSON ({e})"))?;
                ApiOutcome::Found {
                    payload: text.to_owned(),
                    metadata: Vec::new(),
                }
            };
            store_api(c, target, outcome).map(CachedValue::Api)
        }
        LookupTarget::Kv { namespace, key, .. } => c
            .kv_set_raw(KvSet {
                namespace: namespace.clone(),
                key: key.clone(),
                value: out.to_vec(),
                ttl_ms: None,
                negative: false,
                tags: Vec::new(),
            })
            .map(|stored| {
                CachedValue::Kv(KvLookup::Hit {
                    value: out.to_vec(),
                    expires_in_ms: stored.expires_in_ms,
                })
            }),
    };
    sent.map_err(|e| format!("the daemon did not store the answer: {e}"))
}

fn store_api(
    c: &mut Client,
    target: &LookupTarget,
    outcome: ApiOutcome,
) -> Result<ApiEntry, ClientError> {
    let LookupTarget::Api {
        source,
        artist,
        album,
        ..
    } = target
    else {
        return Err(ClientError::Unexpected(
            "an API answer for another cache".into(),
        ));
    };
    c.set_api_result(SetApiResult {
        source: source.clone(),
        artist: artist.clone(),
        album: album.clone(),
        outcome: outcome.clone(),
        stored_at_ms: None,
    })?;
    let found = c.get_api_result(source, artist, album)?;
    found.ok_or_else(|| {
        ClientError::Unexpected(format!(
            "the answer stored for {source} on {artist} - {album} is gone already"
        ))
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Args, Command};

    fn parsed(argv: &[&str]) -> (Vec<String>, f64) {
        let args = Args::try_parse_from(argv).unwrap();
        let Command::Lookup { target, lease, .. } = args.command else {
            panic!("lookup")
        };
        (target.exec().to_vec(), lease)
    }

    #[test]
    fn everything_after_exec_is_the_command() {
        let (cmd, lease) = parsed(&[
            "trackcache",
            "lookup",
            "--lease",
            "90",
            "album-year",
            "A",
            "B",
            "--exec",
            "sh",
            "-c",
            "echo 1979 --json",
            "--lease",
            "5",
        ]);
        assert_eq!(cmd, ["sh", "-c", "echo 1979 --json", "--lease", "5"]);
        assert_eq!(lease, 90.0, "options before --exec are lookup's");
        let (cmd, _) = parsed(&["trackcache", "lookup", "kv", "ns", "k"]);
        assert!(cmd.is_empty());
    }
}
