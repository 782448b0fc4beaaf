//! The `trackcache` binary when no daemon answers.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

#[test]
fn no_daemon_names_the_socket_and_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("nobody.sock");
    let out = Command::new(env!("CARGO_BIN_EXE_trackcache"))
        .arg("--socket")
        .arg(&sock)
        .arg("ping")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&*sock.to_string_lossy()), "{err}");
    assert!(err.contains("Start one with `trackcached"), "{err}");

    let out = Command::new(env!("CARGO_BIN_EXE_trackcache"))
        .env("TRACKCACHE_SOCKET", &sock)
        .args(["--json", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "client");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nobody.sock"));
}

#[test]
fn bad_arguments_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_trackcache"))
        .args(["kv", "set", "ns"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
