//! Album years: Python `csv.writer` output with a header row, written as
//! `csv/cache_albums.csv` (`artist,album,year`) by GenreUpdater's first
//! release and as `cache/album_years.csv` since (`timestamp` from October
//! 2025, `confidence` from December). Columns are found by name
//! (case-insensitive, trimmed), so every version and a hand-edited file with
//! a `source` column read the same way. A row that is not UTF-8 text is
//! skipped; the others are still read.

use csv::{ByteRecord, Position, ReaderBuilder, StringRecord};
use trackcache_protocol::SetAlbumYear;

use super::DEFAULT_SOURCE;
use crate::import::fields::{self, describe};
use crate::import::{ImportPlan, Origin, Skipped};

/// Skip reason: a row without the album it is about.
const NO_NAMES: &str = "artist or album is empty";
/// Skip reason: a row without a year (GenreUpdater never writes one; a hand edit may).
const NO_YEAR: &str = "year is empty";
/// Skip reason: a row with bytes that are not UTF-8.
const NOT_TEXT: &str = "the row is not UTF-8 text";

/// Where each column is; the optional ones may be absent.
struct Columns {
    artist: usize,
    album: usize,
    year: usize,
    timestamp: Option<usize>,
    confidence: Option<usize>,
    source: Option<usize>,
}

impl Columns {
    fn from_header(header: &StringRecord) -> Option<Self> {
        let find = |name: &str| {
            header.iter().position(|h| {
                h.trim_start_matches('\u{feff}')
                    .trim()
                    .eq_ignore_ascii_case(name)
            })
        };
        Some(Self {
            artist: find("artist")?,
            album: find("album")?,
            year: find("year")?,
            timestamp: find("timestamp"),
            confidence: find("confidence"),
            source: find("source"),
        })
    }
}

/// Reads every row into `plan`; returns the number of rows, or `None` when
/// the header lacks `artist`, `album` or `year` (it is not album years).
pub(super) fn read(bytes: &[u8], file: &str, plan: &mut ImportPlan) -> Option<usize> {
    // Flexible: a short row is a skipped entry (missing fields), not a broken file.
    let mut reader = ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return Some(0),
        Some(h) => StringRecord::from_byte_record_lossy(h.ok()?),
    };
    let columns = Columns::from_header(&header)?;
    let mut rows = 0;
    for record in records {
        // Only I/O can fail on a byte slice with flexible rows.
        let Ok(record) = record else { break };
        rows += 1;
        let origin = Origin::Line {
            file: file.to_owned(),
            line: line(bytes, record.position()),
        };
        match utf8(record).and_then(|r| row(&columns, &r)) {
            Ok(set) => plan.album_years.push((origin, set)),
            Err((reason, detail)) => plan.skipped.push(Skipped {
                origin,
                reason: reason.to_owned(),
                detail,
            }),
        }
    }
    Some(rows)
}

fn utf8(r: ByteRecord) -> Result<StringRecord, (&'static str, Option<String>)> {
    StringRecord::from_byte_record(r).map_err(|_| (NOT_TEXT, None))
}

/// One row as a request, or why not.
fn row(c: &Columns, r: &StringRecord) -> Result<SetAlbumYear, (&'static str, Option<String>)> {
    let field = |i: usize| r.get(i).map_or("", str::trim);
    let optional = |i: Option<usize>| i.map_or("", field);
    let (artist, album) = (field(c.artist), field(c.album));
    let bad = |reason, name, value| Err((reason, describe(artist, album, Some((name, value)))));
    if artist.is_empty() || album.is_empty() {
        return Err((NO_NAMES, describe(artist, album, None)));
    }
    let year = match field(c.year) {
        "" => return Err((NO_YEAR, describe(artist, album, None))),
        y => match fields::year(y) {
            Ok(year) => year,
            Err(reason) => return bad(reason, "year", y),
        },
    };
    let confidence = match fields::confidence(optional(c.confidence)) {
        Ok(conf) => conf,
        Err(reason) => return bad(reason, "confidence", optional(c.confidence)),
    };
    let stored_at_ms = match optional(c.timestamp) {
        // GenreUpdater itself reads a missing timestamp as "now".
        "" => None,
        t => match fields::timestamp_ms(t) {
            Ok(ms) => Some(ms),
            Err(reason) => return bad(reason, "timestamp", t),
        },
    };
    let source = match optional(c.source) {
        "" => DEFAULT_SOURCE,
        s => s,
    };
    Ok(SetAlbumYear {
        artist: artist.to_owned(),
        album: album.to_owned(),
        year,
        confidence,
        source: source.to_owned(),
        force: false,
        stored_at_ms,
    })
}

/// The line a record starts on. csv counts a record's lines from the end of
/// the previous record's terminator, which for `\r\n` (what Python's
/// csv.writer writes) is before its `\n`: that `\n` is one more line.
fn line(bytes: &[u8], pos: Option<&Position>) -> u64 {
    pos.map_or(0, |p| {
        let at = usize::try_from(p.byte()).ok().and_then(|i| bytes.get(i));
        p.line() + u64::from(at == Some(&b'\n'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `bytes` as `album_years.csv`: the plan and the row count.
    fn plan_csv(bytes: &[u8]) -> Option<(ImportPlan, usize)> {
        let mut plan = ImportPlan::default();
        let rows = read(bytes, "album_years.csv", &mut plan)?;
        Some((plan, rows))
    }

    /// Each request as `line: artist / album = year (confidence, source, stored_at_ms)`.
    fn years(plan: &ImportPlan) -> Vec<String> {
        plan.album_years
            .iter()
            .map(|(o, s)| {
                let Origin::Line { line, .. } = o else {
                    panic!("{o:?}")
                };
                assert!(!s.force);
                let at = s.stored_at_ms.map_or("now".to_owned(), |ms| ms.to_string());
                let (artist, album, year) = (&s.artist, &s.album, s.year);
                format!(
                    "{line}: {artist} / {album} = {year} ({}, {}, {at})",
                    s.confidence, s.source
                )
            })
            .collect()
    }

    /// Each skip as `origin | reason | detail`.
    fn skips(plan: &ImportPlan) -> Vec<String> {
        plan.skipped
            .iter()
            .map(|s| {
                format!(
                    "{} | {} | {}",
                    s.origin,
                    s.reason,
                    s.detail.as_deref().unwrap_or("-")
                )
            })
            .collect()
    }

    #[test]
    fn old_format_with_crlf_lines_and_no_confidence_or_source() {
        // Python's csv.writer ends lines with \r\n; line numbers must still be right.
        let (p, _) = plan_csv(
            b"artist,album,year,timestamp\r\n\
              Pink Floyd,The Wall,1979,1705314600.123456\r\n\
              \"Multi\r\nLine\",Album,1980,1705314600\r\n\
              Last,Album,1981,1705314600\r\n",
        )
        .unwrap();
        assert_eq!(
            years(&p),
            [
                "2: Pink Floyd / The Wall = 1979 (0, genreupdater, 1705314600123)",
                "3: Multi\r\nLine / Album = 1980 (0, genreupdater, 1705314600000)",
                "5: Last / Album = 1981 (0, genreupdater, 1705314600000)",
            ]
        );
        assert!(p.skipped.is_empty());
    }

    #[test]
    fn columns_are_matched_by_name_in_any_order_and_case() {
        let (p, _) = plan_csv(
            b" Source ,TIMESTAMP,Year,confidence,Album,Artist\n\
              musicbrainz,2024-01-15T10:30:00,1979,95,The Wall,Pink Floyd\n\
              ,2024-01-15T10:30:00Z,1973,,Dark Side,Pink Floyd\n",
        )
        .unwrap();
        assert_eq!(
            years(&p),
            [
                "2: Pink Floyd / The Wall = 1979 (95, musicbrainz, 1705314600000)",
                "3: Pink Floyd / Dark Side = 1973 (0, genreupdater, 1705314600000)",
            ]
        );
    }

    #[test]
    fn bom_quoted_fields_and_missing_timestamp() {
        let mut bytes = b"\xEF\xBB\xBFartist,album,year,source,confidence\n".to_vec();
        bytes.extend_from_slice(
            "\"Crosby, Stills & Nash\",\"Songs\nfor \"\"Beginners\"\"\",1970,discogs,80\n\
             Sigur Rós,( ),2002,discogs,70\n"
                .as_bytes(),
        );
        let (p, _) = plan_csv(&bytes).unwrap();
        assert_eq!(
            years(&p),
            [
                "2: Crosby, Stills & Nash / Songs\nfor \"Beginners\" = 1970 (80, discogs, now)",
                // The quoted newline makes the next record start on line 4.
                "4: Sigur Rós / ( ) = 2002 (70, discogs, now)",
            ]
        );
    }

    #[test]
    fn bad_rows_are_skipped_with_reasons() {
        let (p, _) = plan_csv(
            b"artist,album,year,confidence,timestamp\n\
              ,No Artist,1999,50,1705314600\n\
              A,Bad Year,19x9,50,1705314600\n\
              A,Year Zero,0,50,1705314600\n\
              A,No Year,,50,1705314600\n\
              A,Too Sure,2000,150,1705314600\n\
              A,When,2000,50,yesterday\n\
              A,Short Row\n\
              A,Fine,2000,50,1705314600\n",
        )
        .unwrap();
        assert_eq!(
            years(&p),
            ["9: A / Fine = 2000 (50, genreupdater, 1705314600000)"]
        );
        assert_eq!(
            skips(&p),
            [
                r#"album_years.csv line 2 | artist or album is empty | "" / "No Artist""#,
                r#"album_years.csv line 3 | year is not a whole number from 1 to 9999 | "A" / "Bad Year", year "19x9""#,
                r#"album_years.csv line 4 | year is not a whole number from 1 to 9999 | "A" / "Year Zero", year "0""#,
                r#"album_years.csv line 5 | year is empty | "A" / "No Year""#,
                r#"album_years.csv line 6 | confidence is not a whole number from 0 to 100 | "A" / "Too Sure", confidence "150""#,
                r#"album_years.csv line 7 | timestamp is neither Unix seconds nor an ISO-8601 date-time from 1970 to 9999 | "A" / "When", timestamp "yesterday""#,
                r#"album_years.csv line 8 | year is empty | "A" / "Short Row""#,
            ]
        );
        assert_eq!(p.album_years.len() + p.skipped.len(), 8);
    }

    #[test]
    fn a_row_that_is_not_text_costs_that_row_only() {
        let (p, rows) =
            plan_csv(b"artist,album,year\r\nA,B,1999\r\nA,\xFF\xFE,2000\r\nC,D,2001\r\n").unwrap();
        assert_eq!(rows, 3);
        assert_eq!(p.album_years.len(), 2);
        assert_eq!(
            skips(&p),
            ["album_years.csv line 3 | the row is not UTF-8 text | -"]
        );
        assert!(
            plan_csv(b"{\"k\": {\"artist\": \"A\"}}\n").is_none(),
            "not album years"
        );
    }

    #[test]
    fn an_empty_file_has_no_rows() {
        let (p, rows) = plan_csv(b"").unwrap();
        assert_eq!((p.album_years.len(), p.skipped.len(), rows), (0, 0, 0));
        let (p, rows) = plan_csv(b"artist,album,year\n").unwrap();
        assert_eq!((p.album_years.len(), rows), (0, 0));
    }

    #[test]
    fn the_first_releases_three_columns() {
        let (p, rows) = plan_csv(b"artist,album,year\r\nPink Floyd,The Wall,1979\r\n").unwrap();
        assert_eq!(rows, 1);
        assert_eq!(
            years(&p),
            ["2: Pink Floyd / The Wall = 1979 (0, genreupdater, now)"]
        );
    }
}
