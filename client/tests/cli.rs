//! The `trackcache` binary when no daemon answers, and where it looks.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;
use std::time::{Duration, Instant};

fn trackcache() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trackcache"));
    cmd.env_remove("TRACKCACHE_SOCKET")
        .env_remove("TRACKCACHE_CONFIG");
    cmd
}

#[test]
fn no_daemon_names_the_socket_and_how_to_start_one_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("nobody.sock");
    let start = Instant::now();
    let out = trackcache()
        .arg("--socket")
        .arg(&sock)
        .args(["--timeout", "300ms", "ping"])
        .output()
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "the connect is retried until --timeout"
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&*sock.to_string_lossy()), "{err}");
    assert!(err.contains("Start one with `trackcached"), "{err}");

    let out = trackcache()
        .env("TRACKCACHE_SOCKET", &sock)
        .args(["--timeout", "100ms", "--json", "status"])
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
fn the_config_file_names_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    let sock = dir.path().join("from-config.sock");
    std::fs::write(
        &cfg,
        format!(
            "socket = \"{}\"\nmax_connections = 4\n[library]\n",
            sock.display()
        ),
    )
    .unwrap();
    let out = trackcache()
        .env("TRACKCACHE_CONFIG", &cfg)
        .args(["--timeout", "50ms", "ping"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("from-config.sock"), "{err}");

    // The environment beats the file.
    let out = trackcache()
        .env("TRACKCACHE_CONFIG", &cfg)
        .env("TRACKCACHE_SOCKET", dir.path().join("from-env.sock"))
        .args(["--timeout", "50ms", "ping"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("from-env.sock"), "{err}");

    // A broken file is reported, and the default socket is tried.
    std::fs::write(&cfg, "socket = [\n").unwrap();
    let out = trackcache()
        .env("TRACKCACHE_CONFIG", &cfg)
        .env("XDG_RUNTIME_DIR", dir.path())
        .args(["--timeout", "50ms", "ping"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("check-config"),
        "{err}"
    );
    assert!(err.contains("trackcache/trackcached.sock"), "{err}");
}

#[test]
fn bad_arguments_exit_2() {
    let out = trackcache().args(["kv", "set", "ns"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
