use serde_json::{json, Value};

use super::*;
use crate::{
    AlbumYearEntry, ApiEntry, ApiOutcome, CacheKey, ErrorCode, Event, InvalidateTarget, KvLookup,
    LookupOutcome, Track,
};

fn request(line: &str, mode: BytesMode) -> Result<Request, LineError> {
    match decode_client_line(line.as_bytes(), mode)? {
        ClientLine::Request { id: 7, request } => Ok(request),
        other => panic!("not request 7: {other:?}"),
    }
}

fn reply(r: Response, mode: BytesMode) -> Value {
    serde_json::to_value(Reply::new(&r, mode)).unwrap()
}

#[test]
fn hello_defaults_and_modes() {
    let line = br#"{"hello":{"version":1}}"#;
    let ClientLine::Hello(h) = decode_client_line(line, BytesMode::Base64).unwrap() else {
        panic!("not a hello")
    };
    assert_eq!((h.version, h.bytes), (1, BytesMode::Base64));
    let line = br#"{"hello":{"version":1,"client":"x","bytes":"text","extra":1}}"#;
    let ClientLine::Hello(h) = decode_client_line(line, BytesMode::Base64).unwrap() else {
        panic!("not a hello")
    };
    assert_eq!((h.client.as_str(), h.bytes), ("x", BytesMode::Text));
    assert_eq!(
        peek_hello_version(br#"{"hello":{"version":9,"bytes":7}}"#),
        Some(9)
    );
    assert!(matches!(
        decode_client_line(br#"{"hello":{"version":1,"bytes":"hex"}}"#, BytesMode::Base64),
        Err(LineError::Malformed(m)) if m.contains("bad hello")
    ));
}

#[test]
fn requests_decode_with_defaults() {
    let r = request(
        r#"{"id":7,"request":{"get_album_year":{"artist":"a","album":"b"}}}"#,
        BytesMode::Base64,
    );
    assert_eq!(
        r.unwrap(),
        Request::GetAlbumYear {
            artist: "a".into(),
            album: "b".into(),
            min_confidence: 0
        }
    );
    let r = request(r#"{"id":7,"request":{"changes":{}}}"#, BytesMode::Base64);
    assert_eq!(
        r.unwrap(),
        Request::Changes {
            since_seq: 0,
            limit: 1000
        }
    );
    let r = request(r#"{"id":7,"request":{"ping":{}}}"#, BytesMode::Base64);
    assert_eq!(r.unwrap(), Request::Ping);
    let r = request(
        r#"{"id":7,"request":{"lookup":{"cache":"kv","namespace":"n","key":"k","wait_ms":5}}}"#,
        BytesMode::Base64,
    );
    assert_eq!(
        r.unwrap(),
        Request::Lookup {
            key: CacheKey::Kv {
                namespace: "n".into(),
                key: "k".into()
            },
            lease_ms: 0,
            wait_ms: 5
        }
    );
    let r = request(
        r#"{"id":7,"request":{"invalidate":{"target":"all"}}}"#,
        BytesMode::Base64,
    );
    assert_eq!(r.unwrap(), Request::Invalidate(InvalidateTarget::All));
    let r = request(
        r#"{"id":7,"request":{"set_api_result":{"source":"s","artist":"a","album":"b","status":"found","payload":{"x":[1]},"metadata":{"year":"1979"}}}}"#,
        BytesMode::Base64,
    );
    let Request::SetApiResult(s) = r.unwrap() else {
        panic!("not set_api_result")
    };
    assert_eq!(
        s.outcome,
        ApiOutcome::Found {
            payload: r#"{"x":[1]}"#.into(),
            metadata: vec![("year".into(), "1979".into())]
        }
    );
}

#[test]
fn bytes_follow_the_mode() {
    let set = |value: &str, mode| {
        let line =
            format!(r#"{{"id":7,"request":{{"kv_set":{{"namespace":"n","key":"k",{value}}}}}}}"#);
        match request(&line, mode) {
            Ok(Request::KvSet(s)) => Ok(s.value),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        }
    };
    assert_eq!(set(r#""value":"aGk=""#, BytesMode::Base64).unwrap(), b"hi");
    assert_eq!(set(r#""value":"aGk=""#, BytesMode::Text).unwrap(), b"aGk=");
    assert_eq!(
        set(r#""value_base64":"/w==""#, BytesMode::Text).unwrap(),
        [255]
    );
    assert!(matches!(
        set(r#""value":"not base64!""#, BytesMode::Base64),
        Err(LineError::BadRequest { id: 7, message }) if message.contains("base64")
    ));
    assert!(set(r#""negative":true"#, BytesMode::Base64)
        .unwrap()
        .is_empty());
    assert!(set(r#""ttl_ms":5"#, BytesMode::Base64).is_err());

    let hit = |v: &[u8], mode| {
        reply(
            Response::KvValue(KvLookup::Hit {
                value: v.to_vec(),
                expires_in_ms: None,
            }),
            mode,
        )
    };
    assert_eq!(
        hit(b"hi", BytesMode::Base64),
        json!({"status":"hit","value":"aGk=","expires_in_ms":null})
    );
    assert_eq!(hit(b"hi", BytesMode::Text)["value"], "hi");
    assert_eq!(hit(&[255], BytesMode::Text)["value_base64"], "/w==");
}

#[test]
fn bad_lines_are_bad_requests_when_they_have_an_id() {
    let e = decode_client_line(br#"{"id":3,"request":{"kv_gt":{}}}"#, BytesMode::Base64);
    assert!(
        matches!(e, Err(LineError::BadRequest { id: 3, message }) if message.contains("kv_gt"))
    );
    let e = decode_client_line(
        br#"{"id":3,"request":{"kv_get":{"key":"k"}}}"#,
        BytesMode::Base64,
    );
    assert!(
        matches!(e, Err(LineError::BadRequest { id: 3, message }) if message.contains("namespace"))
    );
    for garbage in [&b"nope"[..], b"{}", b"[1]", br#"{"id":"x"}"#] {
        assert!(
            matches!(
                decode_client_line(garbage, BytesMode::Base64),
                Err(LineError::Malformed(_))
            ),
            "{}",
            String::from_utf8_lossy(garbage)
        );
    }
}

#[test]
fn lookups_carry_one_status() {
    let entry = AlbumYearEntry {
        artist: "A".into(),
        album: "B".into(),
        year: 1979,
        confidence: 90,
        source: "m".into(),
        stored_at_ms: 5,
        album_fingerprint: u64::MAX,
        expires_in_ms: Some(10),
    };
    let v = reply(Response::AlbumYear(Some(entry.clone())), BytesMode::Base64);
    assert_eq!(v["status"], "hit");
    assert_eq!(v["album_fingerprint"], "ffffffffffffffff");
    assert_eq!(
        reply(Response::AlbumYear(None), BytesMode::Base64),
        json!({"status":"miss"})
    );
    let api = |outcome| ApiEntry {
        source: "s".into(),
        artist: "A".into(),
        album: "B".into(),
        outcome,
        stored_at_ms: 1,
        expires_in_ms: None,
    };
    let v = reply(
        Response::ApiResult(Some(api(ApiOutcome::NotFound))),
        BytesMode::Base64,
    );
    assert_eq!(
        v,
        json!({"status":"not_found","source":"s","artist":"A","album":"B","stored_at_ms":1,"expires_in_ms":null})
    );
    let v = reply(
        Response::ApiResult(Some(api(ApiOutcome::Found {
            payload: "not json".into(),
            metadata: vec![],
        }))),
        BytesMode::Base64,
    );
    assert_eq!(
        (&v["status"], &v["payload"]),
        (&json!("found"), &json!("not json"))
    );
    let lease = reply(
        Response::Lookup(LookupOutcome::Lease {
            lease_id: 4,
            expires_in_ms: 30,
        }),
        BytesMode::Base64,
    );
    assert_eq!(
        lease,
        json!({"status":"lease","lease_id":4,"expires_in_ms":30})
    );
    assert_eq!(
        reply(Response::Track(None), BytesMode::Base64),
        json!({"status":"not_found"})
    );
    assert_eq!(
        reply(Response::LastRun(None), BytesMode::Base64),
        json!({"status":"not_found"})
    );
    assert_eq!(
        reply(Response::KvDeleted { existed: false }, BytesMode::Base64),
        json!({"status":"miss"})
    );
}

#[test]
fn lists_end_with_a_trailer() {
    let page = crate::TrackPage {
        total: 3,
        offset: 0,
        tracks: vec![Track {
            date_added: Some(2),
            ..Track::with_id("T1")
        }],
    };
    let v = reply(Response::Tracks(page), BytesMode::Base64);
    assert_eq!(v["items"][0]["date_added_ms"], 2000);
    assert!(
        v["items"][0].get("name").is_none(),
        "absent fields left out"
    );
    assert_eq!(v["end"], json!({"count":1,"more":true,"next":1,"total":3}));
    let batch = Response::Batch(vec![
        Ok(Response::AlbumYear(None)),
        Err(ErrorReply::new(ErrorCode::BAD_REQUEST, "blank")),
    ]);
    assert_eq!(
        reply(batch, BytesMode::Base64),
        json!({"items":[{"status":"miss"},{"status":"error","code":"bad_request","message":"blank"}],
               "end":{"count":2,"more":false,"next":null}})
    );
    let fresh = Response::Changes(crate::ChangesPage {
        events: vec![],
        current_seq: 9,
        fresh_instance: true,
        more: false,
    });
    assert_eq!(
        reply(fresh, BytesMode::Base64)["items"],
        json!([{"seq":9,"type":"fresh_instance"}])
    );
}

#[test]
fn server_lines() {
    let mut out = Vec::new();
    reply_line(&mut out, 7, &Ok(Response::Pong), BytesMode::Base64, 100);
    reply_line(
        &mut out,
        8,
        &Err(ErrorReply::new(ErrorCode::NOT_FOUND, "gone")),
        BytesMode::Base64,
        100,
    );
    reply_line(&mut out, 9, &Ok(Response::Pong), BytesMode::Base64, 10);
    let frame = EventFrame {
        seq: 3,
        event: Event::Resync { seq: 3 },
    };
    assert!(event_line(&mut out, &frame, 100));
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], r#"{"id":7,"reply":{"pong":true}}"#);
    assert_eq!(
        lines[1],
        r#"{"id":8,"error":{"code":"not_found","message":"gone"}}"#
    );
    assert!(
        lines[2].starts_with(r#"{"id":9,"error":{"code":"too_large""#),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], r#"{"event":{"seq":3,"type":"resync"}}"#);
}
