//! Running under a service manager, without one: the test plays systemd.
//! It binds the listening socket and passes it at fd 3 with `LISTEN_FDS` /
//! `LISTEN_PID` (socket activation), and listens on a `NOTIFY_SOCKET` for
//! the daemon's `READY=1`, `STATUS=` and `STOPPING=1`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::os::fd::OwnedFd;
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::process::Command;
use std::time::Instant;

use command_fds::{CommandFdExt, FdMapping};
use trackcache_tests::harness::{Env, DEADLINE};

/// `cmd` run through `sh`, so that `LISTEN_PID` can name the daemon's own
/// pid (the shell's, which `exec` hands to the daemon), as systemd does.
fn with_listen_pid(cmd: &Command) -> Command {
    let mut sh = Command::new("/bin/sh");
    sh.arg("-c")
        .arg("LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\"")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    sh
}

/// Reads notifications until one contains `want`; returns everything read.
fn wait_for_notification(sock: &UnixDatagram, want: &str) -> String {
    let start = Instant::now();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.lines().any(|l| l == want) {
        assert!(
            start.elapsed() < DEADLINE,
            "no {want} within {DEADLINE:?}; got: {seen:?}"
        );
        // The read timeout bounds each wait; a timeout loops to the deadline check.
        if let Ok(n) = sock.recv(&mut buf) {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    seen
}

#[test]
fn an_activated_daemon_serves_the_inherited_socket_and_notifies_readiness() {
    let env = Env::new("");
    std::fs::create_dir_all(env.socket.parent().unwrap()).unwrap();
    let listener = UnixListener::bind(&env.socket).unwrap();
    let notify_path = env.dir.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(std::time::Duration::from_millis(200)))
        .unwrap();

    let mut cmd = with_listen_pid(&env.daemon_command());
    cmd.env("LISTEN_FDS", "1")
        .env("NOTIFY_SOCKET", &notify_path)
        .fd_mappings(vec![FdMapping {
            parent_fd: OwnedFd::from(listener),
            child_fd: 3,
        }])
        .unwrap();
    let daemon = env.spawn(cmd);

    let seen = wait_for_notification(&notify, "READY=1");
    assert!(
        seen.lines().any(|l| l.starts_with("STATUS=serving")),
        "READY=1 comes with a status line: {seen:?}"
    );
    assert!(
        daemon
            .log_text()
            .contains("using the socket passed by the service manager"),
        "{}",
        daemon.log_text()
    );
    let set = env.cli(&["kv", "set", "ns", "k", "v"]);
    assert!(set.status.success(), "{set:?}");
    let get = env.cli(&["kv", "get", "ns", "k"]);
    assert_eq!(String::from_utf8_lossy(&get.stdout).trim(), "v");

    assert!(daemon.stop().success());
    wait_for_notification(&notify, "STOPPING=1");
    assert!(
        env.socket.exists(),
        "the socket belongs to the service manager: the daemon must not remove it"
    );
}

#[test]
fn without_a_service_manager_nothing_is_inherited_and_the_socket_is_removed() {
    let env = Env::new("");
    let daemon = env.start();
    assert!(!daemon
        .log_text()
        .contains("using the socket passed by the service manager"));
    assert!(daemon.stop().success());
    assert!(
        !env.socket.exists(),
        "a socket the daemon created is removed"
    );
}

#[test]
fn a_client_started_before_the_daemon_connects_once_it_is_up() {
    let env = Env::new("");
    assert!(!env.socket.exists());
    let mut client = Command::new(trackcache_tests::harness::bin_path("trackcache"))
        .arg("--socket")
        .arg(&env.socket)
        .args(["--timeout", "30s", "ping"])
        .env_remove("TRACKCACHE_SOCKET")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It is waiting: no daemon yet, and it has not given up.
    assert!(client.try_wait().unwrap().is_none());
    let daemon = env.start();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = client.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the waiting client did not connect within {DEADLINE:?} of the daemon's start"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let out = client.wait_with_output().unwrap();
    assert!(status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pong"),
        "{out:?}"
    );
    drop(daemon);
}

#[test]
fn log_format_json_writes_one_object_per_line() {
    let env = Env::new("");
    let daemon = env.start_with(|c| {
        c.args(["--log-format", "json"]);
    });
    assert!(env.cli(&["ping"]).status.success());
    assert!(daemon.stop().success());
    let text = std::fs::read_to_string(
        std::fs::read_dir(env.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "log"))
            .unwrap(),
    )
    .unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|v| v["level"] == "INFO" && v["fields"]["message"] == "trackcached ready"),
        "{text}"
    );
}
