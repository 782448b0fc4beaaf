//! End-to-end: the daemon's socket, handshake, framing and lifecycle.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Stdio;
use std::time::Duration;

use rustix::process::Signal;
use trackcache_client::{Client, ClientError, Ttl};
use trackcache_protocol::{ErrorCode, Request, Response, ServerMessage, PROTOCOL_VERSION};
use trackcache_tests::harness::{is_code, wait_until, Env, DEADLINE};
use trackcache_tests::raw::Raw;

fn fatal_code(msg: Option<ServerMessage>) -> (ErrorCode, String) {
    match msg {
        Some(ServerMessage::Fatal(e)) => (e.code, e.message),
        other => panic!("expected a Fatal message, got {other:?}"),
    }
}

#[test]
fn a_second_daemon_on_a_live_socket_is_refused() {
    let env = Env::new("");
    let _d = env.start();
    let out = env
        .daemon_command_for(&env.dir.path().join("other-data"))
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already running") && err.contains(&*env.socket.to_string_lossy()),
        "{err}"
    );
    // The first one is untouched.
    env.client().ping().unwrap();
}

#[test]
fn a_stale_socket_file_is_replaced() {
    let env = Env::new("");
    std::fs::create_dir_all(env.socket.parent().unwrap()).unwrap();
    drop(std::os::unix::net::UnixListener::bind(&env.socket).unwrap());
    assert!(env.socket.exists(), "stale socket file left behind");
    let _d = env.start();
    env.client().ping().unwrap();
}

#[test]
fn garbage_and_oversized_frames_close_only_their_connection() {
    let env = Env::new("max_frame_bytes = 4096\n");
    let _d = env.start();
    let mut bystander = env.client();
    bystander.kv_set("n", "k", b"v", Ttl::Default).unwrap();

    // Garbage after a good handshake.
    let mut raw = Raw::handshaken(&env.socket);
    raw.send(&[0, 0, 0, 6, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff]);
    let (code, msg) = fatal_code(raw.read());
    assert_eq!(code, ErrorCode::MALFORMED_FRAME, "{msg}");
    assert!(raw.is_closed());

    // A header declaring more than the maximum, with no payload sent at all.
    let mut raw = Raw::handshaken(&env.socket);
    raw.send(&u32::MAX.to_be_bytes());
    let (code, msg) = fatal_code(raw.read());
    assert_eq!(code, ErrorCode::TOO_LARGE);
    assert!(msg.contains("4096"), "{msg}");

    // Not our protocol at all (an HTTP request): its first bytes read as a huge length.
    let mut raw = Raw::connect(&env.socket);
    raw.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(fatal_code(raw.read()).0, ErrorCode::TOO_LARGE);

    // A request before the handshake.
    let mut raw = Raw::connect(&env.socket);
    raw.request(1, Request::Ping);
    assert_eq!(fatal_code(raw.read()).0, ErrorCode::HANDSHAKE_REQUIRED);

    // A value over the daemon's announced frame limit is refused by the
    // client before sending, and the connection survives (this once cost
    // the whole connection).
    assert_eq!(bystander.welcome().max_frame_len, 4096);
    let err = bystander
        .kv_set("n", "big", &[0; 8192], Ttl::Default)
        .unwrap_err();
    assert!(
        err.to_string().contains("over the maximum of 4096"),
        "{err}"
    );

    // The bystander's connection never noticed any of it.
    bystander.ping().unwrap();
    assert!(matches!(
        bystander.kv_get("n", "k").unwrap(),
        trackcache_protocol::KvLookup::Hit { .. }
    ));
}

#[test]
fn a_protocol_version_mismatch_is_refused_with_both_versions() {
    let env = Env::new("");
    let _d = env.start();
    let mut raw = Raw::connect(&env.socket);
    raw.hello(PROTOCOL_VERSION + 41);
    let (code, msg) = fatal_code(raw.read());
    assert_eq!(code, ErrorCode::VERSION_MISMATCH);
    assert!(
        msg.contains(&format!("protocol {}", PROTOCOL_VERSION + 41))
            && msg.contains(&format!("protocol {PROTOCOL_VERSION}")),
        "{msg}"
    );
    assert!(raw.is_closed());

    // A future client whose Hello has more fields than ours still gets the
    // mismatch (the first 8 bytes are frozen), not "malformed".
    let mut raw = Raw::connect(&env.socket);
    let mut payload = 0u32.to_le_bytes().to_vec();
    payload.extend_from_slice(&(PROTOCOL_VERSION + 1).to_le_bytes());
    payload.extend_from_slice(&[1, 2, 3]);
    let mut frame = (payload.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&payload);
    raw.send(&frame);
    assert_eq!(fatal_code(raw.read()).0, ErrorCode::VERSION_MISMATCH);
}

#[test]
fn sigterm_exits_zero_and_removes_the_socket() {
    let env = Env::new("");
    let d = env.start();
    let mut c = env.client();
    c.kv_set("n", "k", b"v", Ttl::Default).unwrap();
    let start = std::time::Instant::now();
    let status = d.stop();
    assert_eq!(status.code(), Some(0));
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    assert!(!env.socket.exists(), "socket file removed");
    // An idle connection is closed by the shutdown, not left hanging.
    assert!(matches!(
        c.ping(),
        Err(ClientError::Closed | ClientError::Frame(_))
    ));
}

#[test]
fn sigint_and_the_shutdown_request_also_stop_cleanly() {
    let env = Env::new("");
    let d = env.start();
    d.signal(Signal::INT);
    let mut d = d;
    assert_eq!(d.wait_exit(DEADLINE).code(), Some(0));

    let mut d = env.start();
    let out = env.cli(&["shutdown"]);
    assert!(out.status.success());
    assert_eq!(d.wait_exit(DEADLINE).code(), Some(0));
    assert!(!env.socket.exists());
    let log = d.log_text();
    assert!(log.contains("store flushed"), "{log}");
}

#[test]
fn the_connection_cap_refuses_the_next_connection_with_an_error() {
    let env = Env::new("max_connections = 2\n");
    let _d = env.start();
    let mut a = env.client();
    // The harness's readiness probe may still hold a slot for a moment
    // after it hung up: wait until `a` is the only connection.
    wait_until("the readiness probe to hang up", DEADLINE, || {
        a.status().unwrap().connections == 1
    });
    // Subscribers are never idle, so neither is closed to make room.
    a.subscribe(None).unwrap();
    let mut b = env.client();
    b.subscribe(None).unwrap();
    let err = Client::connect(&env.socket)
        .err()
        .expect("third connection refused");
    assert!(is_code(&err, ErrorCode::TOO_MANY_CONNECTIONS), "{err}");
    assert!(err.to_string().contains("maximum of 2"), "{err}");
    a.ping().unwrap();
    drop(b);
    wait_until("a slot to free up", DEADLINE, || {
        Client::connect(&env.socket).is_ok()
    });
    let st = a.status().unwrap();
    assert_eq!(st.max_connections, 2);
}

#[test]
fn status_reports_paths_and_connections() {
    let env = Env::new("");
    let _d = env.start();
    let mut c = env.client();
    let s = c.status().unwrap();
    assert_eq!(s.socket, env.socket.display().to_string());
    assert_eq!(s.data_dir, env.data_dir.display().to_string());
    assert_eq!(s.protocol_version, PROTOCOL_VERSION);
    assert!(s.connections >= 1);
    assert!(matches!(c.call(Request::Ping).unwrap(), Response::Pong));
}

#[test]
fn the_socket_and_its_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new("");
    let _d = env.start();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&env.socket), 0o600);
    assert_eq!(mode(env.socket.parent().unwrap()), 0o700);
}

#[test]
fn a_peer_of_another_user_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    if !rustix::process::geteuid().is_root() {
        eprintln!("not root: cannot run a client as another user here; covered by server::peer_allowed's unit test");
        return;
    }
    let env = Env::new("");
    let _d = env.start();
    // Open the filesystem permissions so that only the daemon's uid check stands in the way.
    for p in [env.dir.path(), env.socket.parent().unwrap()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&env.socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = std::process::Command::new(trackcache_tests::harness::bin_path("trackcache"))
        .arg("--socket")
        .arg(&env.socket)
        .arg("ping")
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("permission_denied") && err.contains("refused"),
        "{err}"
    );
}

/// `worker_threads` once reached the config and never the runtime.
#[test]
fn worker_threads_reach_the_runtime() {
    let env = Env::new("");
    let d = env.start_with(|c| {
        c.args(["--worker-threads", "3"]);
    });
    let log = d.log_text();
    assert!(log.contains("request_threads=3"), "{log}");
}

fn lookup(key: &str, wait_ms: u64) -> Request {
    Request::Lookup {
        key: trackcache_protocol::CacheKey::Kv {
            namespace: "n".into(),
            key: key.into(),
        },
        lease_ms: 60_000,
        wait_ms,
    }
}

fn reply_id(
    msg: Option<ServerMessage>,
) -> (u64, Result<Response, trackcache_protocol::ErrorReply>) {
    match msg {
        Some(ServerMessage::Reply { id, result }) => (id, result),
        other => panic!("expected a reply, got {other:?}"),
    }
}

/// A `Lookup` that waits for another client's lease used to hold up every
/// request pipelined behind it on the same connection (issue 16).
#[test]
fn a_request_behind_a_waiting_lookup_is_answered_first() {
    let env = Env::new("");
    let _d = env.start();
    let mut holder = Raw::handshaken(&env.socket);
    holder.request(1, lookup("k", 1000));
    let (_, lease) = reply_id(holder.read());
    assert!(matches!(
        lease,
        Ok(Response::Lookup(
            trackcache_protocol::LookupOutcome::Lease { .. }
        ))
    ));
    let mut waiter = Raw::handshaken(&env.socket);
    waiter.request(7, lookup("k", 30_000));
    waiter.request(8, Request::Ping);
    let (id, pong) = reply_id(waiter.read());
    assert_eq!(
        (id, pong),
        (8, Ok(Response::Pong)),
        "the ping is not held up"
    );
    env.client()
        .kv_set("n", "k", b"fetched", Ttl::Default)
        .unwrap();
    let (id, hit) = reply_id(waiter.read());
    assert_eq!(id, 7);
    assert!(
        matches!(
            hit,
            Ok(Response::Lookup(trackcache_protocol::LookupOutcome::Hit(_)))
        ),
        "{hit:?}"
    );
}

/// Shutdown used to wait out a waiting `Lookup` (up to its wait) and then
/// closed nothing; now a waiting request ends at once with `shutting_down`,
/// and a half-sent frame does not hold the daemon either.
#[test]
fn shutdown_ends_in_its_budget_despite_a_waiting_lookup_and_a_half_sent_frame() {
    let env = Env::new("shutdown_timeout_ms = 3000\n");
    let d = env.start();
    let mut holder = Raw::handshaken(&env.socket);
    holder.request(1, lookup("k", 1000));
    let _ = reply_id(holder.read());
    let mut waiter = Raw::handshaken(&env.socket);
    waiter.request(2, lookup("k", 120_000));
    let mut partial = Raw::handshaken(&env.socket);
    partial.send(&[0, 0, 4, 0, 1, 2, 3]);
    // The waiter's lookup is queued behind the lease before we stop.
    wait_until("the lookup to wait", DEADLINE, || {
        env.client()
            .stats()
            .unwrap()
            .content_types
            .iter()
            .any(|t| t.name == "generic" && t.coalesced > 0)
    });
    let started = std::time::Instant::now();
    let mut d = d;
    d.signal(rustix::process::Signal::TERM);
    let status = d.wait_exit(DEADLINE);
    let took = started.elapsed();
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_millis(2500), "shutdown took {took:?}");
    let (id, err) = reply_id(waiter.read());
    assert_eq!(id, 2);
    assert_eq!(err.unwrap_err().code, ErrorCode::SHUTTING_DOWN);
}

/// The capability names PROTOCOL.md lists in its "Capabilities announced"
/// sentence.
fn documented_capabilities() -> Vec<String> {
    let spec = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/PROTOCOL.md"),
    )
    .unwrap();
    let start = spec.find("Capabilities announced in version 1:").unwrap();
    // The first sentence: the list, up to "requests 25-30).".
    let sentence = &spec[start..start + spec[start..].find(").").unwrap()];
    let mut names: Vec<String> = sentence
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        .map(String::from)
        .collect();
    names.dedup();
    names
}

/// PROTOCOL.md listed `domain`, which the daemon never announced (issue 16).
#[test]
fn the_handshake_announces_what_protocol_md_lists() {
    let documented = documented_capabilities();
    assert!(documented.len() >= 7, "{documented:?}");
    let env = Env::new("");
    let d = env.start();
    let mut announced = env.client().welcome().capabilities.clone();
    announced.sort();
    let mut without_library: Vec<String> = documented
        .iter()
        .filter(|c| *c != "library")
        .cloned()
        .collect();
    without_library.sort();
    assert_eq!(announced, without_library, "no library configured");
    drop(d);
    let lib =
        trackcache_tests::scenario::LibraryEnv::new(&trackcache_tests::scenario::library(3, 1), "");
    let _d = lib.start(3);
    let mut announced = lib.env.client().welcome().capabilities.clone();
    announced.sort();
    let mut all = documented.clone();
    all.sort();
    assert_eq!(announced, all, "with a library");
}
