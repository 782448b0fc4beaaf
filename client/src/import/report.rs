//! What an import did: entries stored, entries skipped (while reading or
//! refused by the daemon), and the skips grouped by reason for printing.
//! Interpreting the daemon's replies is pure, so it is tested here without one.

use std::collections::HashMap;

use trackcache_protocol::{ErrorReply, KvSet, Response, SetAlbumYear, SetApiResult};

use super::fields::{describe, short};
use super::{Origin, Skipped, SourceFile};
use crate::ClientError;

/// How many entries a report shows for each skip reason.
pub const EXAMPLES_PER_REASON: usize = 3;

/// Skip reason: the daemon kept a better year it already had.
const LOWER_CONFIDENCE: &str = "a year with a higher confidence is already cached";
/// Skip reason: the daemon's last run is later than the one imported.
const LATER_RUN: &str = "the daemon has a later last run (the later one counts)";

/// The outcome of an import (or, for a dry run, of reading the files).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Album years stored.
    pub album_years: usize,
    /// API answers stored.
    pub api: usize,
    /// Generic-cache entries stored.
    pub generic: usize,
    /// The last run recorded (Unix ms), when one was.
    pub last_run: Option<u64>,
    /// Everything not stored, in the order met.
    pub skipped: Vec<Skipped>,
}

/// What became of one file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileTally {
    /// Its path.
    pub path: std::path::PathBuf,
    /// What it holds (`album_years`, `not_a_cache`, ...).
    pub holds: &'static str,
    /// What it holds, and why it was not imported if it was not, for a person.
    pub what: String,
    /// The option that named it, when one did.
    pub given_as: Option<&'static str>,
    /// Records read from it.
    pub records: usize,
    /// Records imported (or, in a dry run, that would be sent).
    pub imported: usize,
    /// Records skipped.
    pub skipped: usize,
}

/// The skips that share a reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReasonGroup {
    /// The reason.
    pub reason: String,
    /// How many entries were skipped for it.
    pub count: usize,
    /// The first few of them ([`EXAMPLES_PER_REASON`]), as `origin: detail`.
    pub examples: Vec<String>,
}

impl Report {
    /// A report that starts with the entries skipped while reading.
    pub fn new(skipped: Vec<Skipped>) -> Self {
        Self {
            skipped,
            ..Self::default()
        }
    }

    /// Counts the daemon's reply to one `SetAlbumYear`. A refusal and a write
    /// that lost to a higher confidence are skips; a reply of the wrong kind
    /// is an error because client and daemon disagree about the protocol.
    pub fn album_year_reply(
        &mut self,
        origin: &Origin,
        set: &SetAlbumYear,
        reply: Result<Response, ErrorReply>,
    ) -> Result<(), ClientError> {
        match reply {
            Ok(Response::AlbumYearStored { stored: true, .. }) => self.album_years += 1,
            Ok(Response::AlbumYearStored {
                stored: false,
                current,
            }) => {
                let entry = describe(&set.artist, &set.album, None).unwrap_or_default();
                self.skip(
                    origin,
                    LOWER_CONFIDENCE,
                    format!(
                        "{entry}: year {} at confidence {}, cached {} at confidence {} ({})",
                        set.year, set.confidence, current.year, current.confidence, current.source
                    ),
                );
            }
            Ok(other) => return Err(unexpected("SetAlbumYear", &other)),
            Err(e) => self.refused(origin, &set.artist, &set.album, e),
        }
        Ok(())
    }

    /// Counts the daemon's reply to one `SetApiResult`.
    pub fn api_reply(
        &mut self,
        origin: &Origin,
        set: &SetApiResult,
        reply: Result<Response, ErrorReply>,
    ) -> Result<(), ClientError> {
        match reply {
            Ok(Response::ApiStored { .. }) => self.api += 1,
            Ok(other) => return Err(unexpected("SetApiResult", &other)),
            Err(e) => self.refused(origin, &set.artist, &set.album, e),
        }
        Ok(())
    }

    /// Counts the daemon's reply to one generic-cache `KvSet`.
    pub fn generic_reply(
        &mut self,
        origin: &Origin,
        set: &KvSet,
        reply: Result<Response, ErrorReply>,
    ) -> Result<(), ClientError> {
        match reply {
            Ok(Response::KvStored(_)) => self.generic += 1,
            Ok(other) => return Err(unexpected("KvSet", &other)),
            Err(e) => {
                let detail = format!("{}/{}", set.namespace, short(&set.key, 40));
                self.skip(origin, &e.message, detail);
            }
        }
        Ok(())
    }

    /// The last run `at_ms` of `origin` was recorded.
    pub fn last_run_recorded(&mut self, at_ms: u64) {
        self.last_run = Some(self.last_run.map_or(at_ms, |t| t.max(at_ms)));
    }

    /// The last run of `origin` was not recorded: the daemon's is later.
    pub fn last_run_kept(&mut self, origin: &Origin, at_ms: u64, current_ms: u64) {
        let when = |ms: u64| {
            humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms),
            )
        };
        let detail = format!("{} here, {} in the daemon", when(at_ms), when(current_ms));
        self.skip(origin, LATER_RUN, detail);
    }

    /// What became of each file: its records, less those skipped from it.
    pub fn tally(&self, files: &[SourceFile]) -> Vec<(String, FileTally)> {
        let mut skipped: HashMap<&str, usize> = HashMap::new();
        for s in &self.skipped {
            *skipped.entry(s.origin.file()).or_default() += 1;
        }
        files
            .iter()
            .map(|f| {
                let skipped = skipped.get(f.name.as_str()).copied().unwrap_or(0);
                let tally = FileTally {
                    path: f.path.clone(),
                    holds: f.holds.name(),
                    what: f.holds.describe(),
                    given_as: f.given_as,
                    records: f.records,
                    imported: f.records.saturating_sub(skipped),
                    skipped,
                };
                (f.name.clone(), tally)
            })
            .collect()
    }

    /// The skips grouped by reason, most frequent first (ties in the order
    /// first met), each with its first few entries.
    pub fn reasons(&self) -> Vec<ReasonGroup> {
        let mut groups: Vec<ReasonGroup> = Vec::new();
        // Indexed by reason: an import can skip tens of thousands of entries.
        let mut index: HashMap<&str, usize> = HashMap::new();
        for s in &self.skipped {
            let i = *index.entry(&s.reason).or_insert_with(|| {
                groups.push(ReasonGroup {
                    reason: s.reason.clone(),
                    count: 0,
                    examples: Vec::new(),
                });
                groups.len() - 1
            });
            let group = &mut groups[i];
            group.count += 1;
            if group.examples.len() < EXAMPLES_PER_REASON {
                group.examples.push(s.example());
            }
        }
        // Stable: equal counts keep the order first met.
        groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        groups
    }

    fn refused(&mut self, origin: &Origin, artist: &str, album: &str, e: ErrorReply) {
        let detail = describe(artist, album, None).unwrap_or_default();
        self.skip(origin, &e.message, detail);
    }

    fn skip(&mut self, origin: &Origin, reason: &str, detail: String) {
        self.skipped.push(Skipped {
            origin: origin.clone(),
            reason: reason.to_owned(),
            detail: Some(detail),
        });
    }
}

fn unexpected(what: &str, r: &Response) -> ClientError {
    ClientError::Unexpected(format!("{r:?} in answer to {what}"))
}

#[cfg(test)]
mod tests {
    use trackcache_protocol::{AlbumYearEntry, ApiOutcome, ErrorCode};

    use super::*;

    fn line(n: u64) -> Origin {
        Origin::Line {
            file: "album_years.csv".into(),
            line: n,
        }
    }

    fn set(year: i32, confidence: u8) -> SetAlbumYear {
        SetAlbumYear {
            artist: "A".into(),
            album: "B".into(),
            year,
            confidence,
            source: "genreupdater".into(),
            force: false,
            stored_at_ms: None,
        }
    }

    fn stored(stored: bool) -> Response {
        Response::AlbumYearStored {
            stored,
            current: AlbumYearEntry {
                artist: "A".into(),
                album: "B".into(),
                year: 1979,
                confidence: 95,
                source: "musicbrainz".into(),
                stored_at_ms: 0,
                album_fingerprint: 0,
                expires_in_ms: None,
            },
        }
    }

    #[test]
    fn replies_become_counts_and_skips() {
        let mut r = Report::new(Vec::new());
        let expired = ErrorReply::new(ErrorCode::BAD_REQUEST, "the entry is already expired");
        r.album_year_reply(&line(2), &set(1980, 50), Ok(stored(true)))
            .unwrap();
        r.album_year_reply(&line(3), &set(1980, 50), Ok(stored(false)))
            .unwrap();
        r.album_year_reply(&line(4), &set(1980, 50), Err(expired.clone()))
            .unwrap();
        let api = SetApiResult {
            source: "s".into(),
            artist: "A".into(),
            album: "B".into(),
            outcome: ApiOutcome::NotFound,
            stored_at_ms: None,
        };
        r.api_reply(
            &line(5),
            &api,
            Ok(Response::ApiStored {
                expires_in_ms: None,
            }),
        )
        .unwrap();
        r.api_reply(&line(6), &api, Err(expired)).unwrap();
        assert_eq!((r.album_years, r.api, r.skipped.len()), (1, 1, 3));
        assert_eq!(r.skipped[0].reason, LOWER_CONFIDENCE);
        assert_eq!(
            r.skipped[0].example(),
            "album_years.csv line 3: \"A\" / \"B\": year 1980 at confidence 50, \
             cached 1979 at confidence 95 (musicbrainz)"
        );
        assert_eq!(r.skipped[1].reason, "the entry is already expired");
        assert_eq!(
            r.skipped[1].example(),
            "album_years.csv line 4: \"A\" / \"B\""
        );

        let e = r
            .api_reply(&line(7), &api, Ok(Response::LastRunStored))
            .unwrap_err();
        assert!(e.to_string().contains("in answer to SetApiResult"), "{e}");
    }

    #[test]
    fn reasons_are_grouped_counted_and_sampled() {
        let skip = |n, reason: &str| Skipped {
            origin: line(n),
            reason: reason.into(),
            detail: None,
        };
        let r = Report::new(vec![
            skip(2, "one"),
            skip(3, "many"),
            skip(4, "many"),
            skip(5, "two"),
            skip(6, "many"),
            skip(7, "many"),
            skip(8, "two"),
        ]);
        let got: Vec<_> = r
            .reasons()
            .into_iter()
            .map(|g| (g.reason, g.count, g.examples))
            .collect();
        let ex = |ns: &[u64]| -> Vec<String> { ns.iter().map(|n| line(*n).to_string()).collect() };
        assert_eq!(
            got,
            [
                ("many".to_owned(), 4, ex(&[3, 4, 6])),
                ("two".to_owned(), 2, ex(&[5, 8])),
                ("one".to_owned(), 1, ex(&[2])),
            ]
        );
    }
}
