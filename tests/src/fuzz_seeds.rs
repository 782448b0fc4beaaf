//! Seed inputs for the fuzz targets in `fuzz/`, made by code rather than
//! copied from anywhere: a few of each kind of input a target reads, so
//! that the fuzzer starts from valid structure and mutates outwards (the
//! first byte of a JSON Lines seed is the target's mode knob). The
//! `fuzz-seeds` binary writes them to `fuzz/corpus/<target>/`.

use trackcache_protocol::{
    encode_frame, ApiOutcome, CacheKey, ClientMessage, Hello, InvalidateTarget, KvSet, Request,
    SetAlbumYear, SetApiResult, TrackQuery, PROTOCOL_VERSION,
};

use crate::generator::{generate, write_apple_xml, write_jsonl, XmlStyle};

/// A seed: a file name and its bytes.
pub type Seed = (String, Vec<u8>);

/// One of every request, each with some content.
fn requests() -> Vec<Request> {
    let s = |v: &str| v.to_owned();
    vec![
        Request::Ping,
        Request::Status,
        Request::Stats,
        Request::KvGet {
            namespace: s("musicbrainz"),
            key: s("pink floyd|the wall"),
        },
        Request::KvSet(KvSet {
            namespace: s("pages"),
            key: s("artist-page"),
            value: b"<html>\x00\xff".to_vec(),
            ttl_ms: Some(900_000),
            negative: false,
            tags: vec![s("artist:Pink Floyd"), s("album:Pink Floyd|The Wall")],
        }),
        Request::KvDelete {
            namespace: s("a"),
            key: s("b"),
        },
        Request::KvClearNamespace { namespace: s("a") },
        Request::TrackCount,
        Request::GetTrack {
            id: s("E1BF6E9C8B3B6E60"),
        },
        Request::ListTracks(TrackQuery {
            artist: Some(s("kenji berg")),
            limit: 20,
            offset: 3,
            ..TrackQuery::default()
        }),
        Request::ListAlbums { artist: None },
        Request::Changes {
            since_seq: 2,
            limit: 1,
        },
        Request::Rescan { wait: true },
        Request::Subscribe { since_seq: Some(0) },
        Request::GetAlbumYear {
            artist: s("Radiohead"),
            album: s("OK Computer"),
            min_confidence: 90,
        },
        Request::SetAlbumYear(SetAlbumYear {
            artist: s("Pink Floyd"),
            album: s("The Wall"),
            year: 1979,
            confidence: 95,
            source: s("musicbrainz"),
            force: false,
            stored_at_ms: Some(1_700_000_000_000),
        }),
        Request::SetApiResult(SetApiResult {
            source: s("discogs"),
            artist: s("a"),
            album: s("b"),
            outcome: ApiOutcome::Found {
                payload: s("{\"id\":1}"),
                metadata: vec![(s("year"), s("1979"))],
            },
            stored_at_ms: None,
        }),
        Request::Lookup {
            key: CacheKey::Kv {
                namespace: s("search"),
                key: s("x"),
            },
            lease_ms: 90_000,
            wait_ms: 500,
        },
        Request::Invalidate(InvalidateTarget::Album {
            artist: s("a"),
            album: s("b"),
        }),
        Request::GetLastRun { client: s("g") },
        Request::SetLastRun {
            client: s("g"),
            at_ms: 1,
        },
    ]
}

/// Frame streams as a client sends them: a `Hello`, then requests, one or
/// pipelined.
pub fn frames() -> Vec<Seed> {
    let frame = |msg: &ClientMessage| encode_frame(msg, u32::MAX).unwrap_or_default();
    let hello = frame(&ClientMessage::Hello(Hello {
        protocol_version: PROTOCOL_VERSION,
        client_name: "fuzz-seed".into(),
        capabilities: vec!["kv".into(), "events".into()],
    }));
    let mut seeds = vec![("hello".to_owned(), hello.clone())];
    let mut all = hello.clone();
    for (i, request) in requests().into_iter().enumerate() {
        let one = frame(&ClientMessage::Request {
            id: i as u64 + 1,
            request,
        });
        all.extend_from_slice(&one);
        seeds.push((format!("request-{i:02}"), [hello.as_slice(), &one].concat()));
    }
    seeds.push(("pipelined".to_owned(), all));
    seeds
}

/// apple-xml libraries: plain and quirky, small, and a few broken on purpose.
pub fn apple_xml() -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (n, seed) in [(1, 1), (3, 2), (8, 3)] {
        let tracks = generate(n, seed);
        seeds.push((
            format!("plain-{n}"),
            write_apple_xml(&tracks, &XmlStyle::plain()),
        ));
        seeds.push((
            format!("quirky-{n}"),
            write_apple_xml(&tracks, &XmlStyle::quirky()),
        ));
    }
    let base =
        String::from_utf8_lossy(&write_apple_xml(&generate(2, 9), &XmlStyle::plain())).into_owned();
    let half = base.len() / 2;
    let variants = [
        ("truncated", base[..half].to_owned()),
        (
            "odd-date",
            base.replacen("Z</date>", ".000+02:00</date>", 1),
        ),
        ("odd-integer", base.replacen("<integer>", "<integer>x", 2)),
        (
            "nested",
            base.replacen(
                "<key>Track ID</key>",
                "<key>N</key><array><dict/><array/></array><key>Track ID</key>",
                2,
            ),
        ),
        (
            "entities",
            base.replacen("</string>", "&amp;&#38;<![CDATA[<]]></string>", 3),
        ),
    ];
    seeds.extend(
        variants
            .into_iter()
            .map(|(name, text)| (name.to_owned(), text.into_bytes())),
    );
    seeds
}

/// JSON Lines libraries, and lines with odd values.
pub fn jsonl() -> Vec<Seed> {
    let mut seeds: Vec<Seed> = [(1, 1), (5, 2)]
        .into_iter()
        .map(|(n, seed)| (format!("tracks-{n}"), write_jsonl(&generate(n, seed))))
        .collect();
    let odd = "{\"id\":\"A\",\"year\":\"1999\",\"date_added\":\"1970-01-01T00:00:00.000Z\",\
               \"rating\":300,\"media\":{\"podcast\":true}}\n\
               \n{\"track_id\":7,\"name\":\"x\\\"y\\u00e9\",\"play_date\":1.5}\r\n{\"id\":\"B\"";
    seeds.push(("odd".to_owned(), odd.as_bytes().to_vec()));
    seeds
}

/// JSON Lines sessions as a client sends them: a hello, then requests
/// (PROTOCOL.md's transcript, and a few more).
pub fn json_lines() -> Vec<Seed> {
    let hello = r#"{"hello":{"version":1,"client":"fuzz-seed","capabilities":[],"bytes":"text"}}"#;
    let requests = [
        r#"{"id":1,"request":{"ping":{}}}"#,
        r#"{"id":2,"request":{"set_album_year":{"artist":"Pink Floyd","album":"The Wall","year":1979,"confidence":95,"source":"musicbrainz","stored_at_ms":1700000000000}}}"#,
        r#"{"id":3,"request":{"get_album_year":{"artist":"pink floyd","album":"the wall "}}}"#,
        r#"{"id":5,"request":{"kv_set":{"namespace":"pages","key":"home","value":"PGh0bWw+","ttl_ms":0}}}"#,
        r#"{"id":6,"request":{"kv_get":{"namespace":"pages","key":"home"}}}"#,
        r#"{"id":8,"request":{"set_api_result":{"source":"musicbrainz","artist":"Pink Floyd","album":"The Wall","status":"found","payload":{"id":"x"},"metadata":{"year":"1979"},"stored_at_ms":1700000000000}}}"#,
        r#"{"id":9,"request":{"get_album_years":{"items":[{"artist":"Pink Floyd","album":"The Wall"},{"artist":" ","album":"Blank"}]}}}"#,
        r#"{"id":10,"request":{"subscribe":{}}}"#,
        r#"{"id":11,"request":{"invalidate":{"target":"album","artist":"Pink Floyd","album":"The Wall"}}}"#,
        r#"{"id":12,"request":{"changes":{"since_seq":2,"limit":1}}}"#,
        r#"{"id":13,"request":{"list_tracks":{"artist":"kenji berg","limit":20}}}"#,
    ];
    let mut seeds: Vec<Seed> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                format!("request-{i:02}"),
                format!("\x01{hello}\n{r}\n").into_bytes(),
            )
        })
        .collect();
    let all = requests.join("\n");
    seeds.push((
        "session".to_owned(),
        format!("\x00{hello}\n{all}\n").into_bytes(),
    ));
    seeds
}

/// Every target's seeds, by target name.
pub fn all() -> Vec<(&'static str, Vec<Seed>)> {
    vec![
        ("frames", frames()),
        ("apple_xml", apple_xml()),
        ("jsonl", jsonl()),
        ("json_lines", json_lines()),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use trackcache_daemon::sources::{parse, LibraryFormat};
    use trackcache_protocol::decode_client;
    use trackcache_protocol::json::{decode_client_line, BytesMode};

    #[test]
    fn seeds_are_what_their_targets_read() {
        // Frames: a Hello and each request decode.
        for (name, bytes) in super::frames() {
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
                decode_client(&rest[4..4 + len]).unwrap_or_else(|e| panic!("{name}: {e}"));
                rest = &rest[4 + len..];
            }
        }
        // The generated libraries load; the broken ones are refused or
        // drop values, as named.
        for (name, bytes) in super::apple_xml() {
            let got = parse(LibraryFormat::AppleXml, &bytes);
            match name.as_str() {
                "truncated" => assert!(got.unwrap_err().is_truncated()),
                "odd-integer" => assert!(got.unwrap().warnings.count > 0),
                _ => assert!(got.is_ok(), "{name}: {got:?}"),
            }
        }
        assert!(parse(LibraryFormat::Jsonl, &super::jsonl()[1].1).is_ok());
        // JSON Lines: after the knob byte, every line decodes.
        for (name, bytes) in super::json_lines() {
            for line in bytes[1..].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                decode_client_line(line, BytesMode::Base64)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}
