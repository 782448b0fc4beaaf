//! End-to-end: the CLI as a shell script uses it. `lookup --exec` holds the
//! lease while its command runs, so concurrent callers run it once and
//! print the same answer; `watch` survives a daemon restart without a gap.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;

use serde_json::Value;
use trackcache_protocol::InvalidateTarget;
use trackcache_tests::harness::{bin_path, json, wait_until, Env, DEADLINE};
use trackcache_tests::scenario::{library, new_track, LibraryEnv, WriteMode};

/// `trackcache ARGS` started in the background.
fn spawn(socket: &Path, args: &[&str]) -> Child {
    Command::new(bin_path("trackcache"))
        .arg("--socket")
        .arg(socket)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A fetch command that counts its runs in `dir/runs`, waits for
/// `dir/go`, then prints `output` and exits with `status`.
fn fetcher(dir: &Path, output: &str, status: u8) -> String {
    let (runs, go) = (dir.join("runs"), dir.join("go"));
    format!(
        "echo run >> '{}'; while [ ! -e '{}' ]; do sleep 0.01; done; echo '{output}'; exit {status}",
        runs.display(),
        go.display()
    )
}

fn runs(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("runs"))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

fn coalesced(env: &Env, content_type: &str) -> u64 {
    let stats = json(&env.cli(&["--json", "stats"]));
    stats["content_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == content_type)
        .unwrap()["coalesced"]
        .as_u64()
        .unwrap()
}

/// Two callers of one key: the first runs `script`, the second waits for
/// it. Returns both outputs and how many times the script ran.
fn two_callers(
    env: &Env,
    key: &[&str],
    content_type: &str,
    script: &str,
) -> (Output, Output, usize) {
    let dir = env.dir.path();
    let mut args = vec!["lookup"];
    args.extend_from_slice(key);
    args.extend_from_slice(&["--exec", "sh", "-c", script]);
    let first = spawn(&env.socket, &args);
    wait_until("the first caller to run the command", DEADLINE, || {
        runs(dir) == 1
    });
    let before = coalesced(env, content_type);
    let second = spawn(&env.socket, &args);
    wait_until("the second caller to wait for the lease", DEADLINE, || {
        coalesced(env, content_type) > before
    });
    std::fs::write(dir.join("go"), "").unwrap();
    let (a, b) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    let n = runs(dir);
    std::fs::remove_file(dir.join("go")).unwrap();
    std::fs::remove_file(dir.join("runs")).unwrap();
    (a, b, n)
}

#[test]
fn lookup_exec_runs_the_command_once_for_concurrent_callers() {
    let env = Env::new("");
    let _d = env.start();
    let key = ["album-year", "Pink Floyd", "The Wall"];
    let (a, b, n) = two_callers(
        &env,
        &key,
        "album_year",
        &fetcher(env.dir.path(), "1979", 0),
    );
    assert_eq!(n, 1, "the command ran once");
    assert!(a.status.success() && b.status.success(), "{a:?}\n{b:?}");
    // The same answer, but for the remaining TTL (it ticks between the two).
    let answer = |o: &Output| {
        let s = String::from_utf8_lossy(&o.stdout).into_owned();
        s.split(", expires").next().unwrap().to_owned()
    };
    let line = answer(&a);
    assert_eq!(
        line, "Pink Floyd - The Wall: 1979 (confidence 100, from exec",
        "both print the same answer"
    );
    assert_eq!(answer(&b), line, "both print the same answer");
    // Cached now: a third caller prints it without running anything.
    let out = env.cli(&[
        "lookup",
        "album-year",
        "pink floyd",
        "the wall",
        "--exec",
        "false",
    ]);
    assert!(out.status.success());
    assert_eq!(answer(&out), line);

    // An API answer: the command prints JSON.
    let key = ["api", "musicbrainz", "Radiohead", "OK Computer"];
    let script = fetcher(env.dir.path(), r#"{"year":1997}"#, 0);
    let (a, b, n) = two_callers(&env, &key, "successful_api_metadata", &script);
    assert_eq!(n, 1);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    let got = json(&env.cli(&[
        "--json",
        "api",
        "get",
        "musicbrainz",
        "Radiohead",
        "OK Computer",
    ]));
    assert_eq!(
        (got["status"].as_str(), got["payload"]["year"].as_u64()),
        (Some("found"), Some(1997))
    );
}

#[test]
fn a_failed_fetch_is_recorded_and_reaches_the_waiting_caller() {
    let env = Env::new("");
    let _d = env.start();
    let script = fetcher(env.dir.path(), "oops", 3);
    let (a, b, n) = two_callers(&env, &["kv", "pages", "home"], "generic", &script);
    assert_eq!(n, 1, "the waiter did not run it again");
    assert_eq!((a.status.code(), b.status.code()), (Some(2), Some(2)));
    let (ea, eb) = (
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr),
    );
    assert!(
        ea.contains("the fetch failed") && ea.contains("exit status: 3"),
        "{ea}"
    );
    assert!(
        eb.contains("exit status: 3"),
        "the waiter prints the same failure: {eb}"
    );
    assert_eq!(
        env.cli(&["kv", "get", "pages", "home"]).status.code(),
        Some(1),
        "nothing stored"
    );

    // For an API answer the failure is a failed_api_lookup entry (retried after its TTL).
    let key = ["api", "discogs", "Radiohead", "Kid A"];
    let (a, b, n) = two_callers(&env, &key, "successful_api_metadata", &script);
    assert_eq!(n, 1);
    assert_eq!((a.status.code(), b.status.code()), (Some(2), Some(2)));
    assert_eq!(a.stdout, b.stdout);
    let got = json(&env.cli(&["--json", "api", "get", "discogs", "Radiohead", "Kid A"]));
    assert_eq!(got["status"], "failed");
    assert!(
        got["error"].as_str().unwrap().contains("exit status: 3"),
        "{got}"
    );
}

#[test]
fn a_plain_lookup_says_its_lease_ends_with_it() {
    let env = Env::new("");
    let _d = env.start();
    let first = env.cli(&["lookup", "album-year", "Nobody", "Nothing"]);
    assert_eq!(first.status.code(), Some(1));
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(
        err.contains("ends as this command exits") && err.contains("--exec"),
        "{err}"
    );
    // True to its word: the next caller is not held back.
    let second = env.cli(&[
        "--json",
        "lookup",
        "album-year",
        "Nobody",
        "Nothing",
        "--wait",
        "1",
    ]);
    assert_eq!(second.status.code(), Some(1));
    assert_eq!(json(&second)["status"], "lease");
}

/// A `trackcache --json watch` whose stdout lines and stderr lines arrive on channels.
struct Watch {
    child: Child,
    events: mpsc::Receiver<Value>,
    notes: mpsc::Receiver<String>,
}

impl Watch {
    fn start(socket: &Path, extra: &[&str]) -> Self {
        let mut args = vec!["--json", "watch"];
        args.extend_from_slice(extra);
        let mut child = spawn(socket, &args);
        let (etx, events) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = etx.send(serde_json::from_str(&l).unwrap());
            }
        });
        let (ntx, notes) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = ntx.send(l);
            }
        });
        Self {
            child,
            events,
            notes,
        }
    }

    fn next(&self) -> Value {
        self.events
            .recv_timeout(DEADLINE)
            .expect("an event within the deadline")
    }

    fn note(&self, containing: &str) -> String {
        loop {
            let l = self.notes.recv_timeout(DEADLINE).expect("a note on stderr");
            if l.contains(containing) {
                return l;
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn invalidate_marker(env: &Env, name: &str) {
    env.client()
        .invalidate(InvalidateTarget::Artist { name: name.into() })
        .unwrap();
}

#[test]
fn watch_resumes_after_a_daemon_restart() {
    let tracks = library(20, 51);
    let lib = LibraryEnv::new(&tracks, "");
    let d = lib.start(20);
    // From the current seq: nothing is missed while the watchers subscribe.
    let since = lib.seq().to_string();
    let w = Watch::start(&lib.env.socket, &["--since", &since]);
    let plain = Watch::start(&lib.env.socket, &["--since", &since, "--no-reconnect"]);
    invalidate_marker(&lib.env, "before");
    let before = w.next();
    assert_eq!(
        (before["type"].as_str(), before["name"].as_str()),
        (Some("manual_invalidation"), Some("before"))
    );
    assert_eq!(plain.next()["name"], "before");

    d.stop();
    w.note("reconnecting");
    // While the daemon is down the library changes: the daemon logs it as it starts.
    let mut grown = tracks.clone();
    grown.push(new_track(1));
    lib.write(&grown, WriteMode::AtomicRename);
    let mut plain = plain;
    let status = {
        let deadline = std::time::Instant::now() + DEADLINE;
        loop {
            if let Some(s) = plain.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "--no-reconnect watch still running"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    };
    assert_eq!(
        status.code(),
        Some(2),
        "--no-reconnect ends with the daemon"
    );

    let _d = lib.start(21);
    let resumed = w.note("resuming after seq");
    assert!(
        resumed.contains(&format!("seq {}", before["seq"])),
        "{resumed}"
    );
    invalidate_marker(&lib.env, "after");
    let mut seqs = vec![before["seq"].as_u64().unwrap()];
    let mut kinds = Vec::new();
    loop {
        let e = w.next();
        seqs.push(e["seq"].as_u64().unwrap());
        kinds.push(e["type"].as_str().unwrap().to_owned());
        if e["name"] == "after" {
            break;
        }
    }
    assert!(
        kinds.contains(&"track_added".to_owned()),
        "the change made while down: {kinds:?}"
    );
    let contiguous: Vec<u64> = (seqs[0]..seqs[0] + seqs.len() as u64).collect();
    assert_eq!(
        seqs, contiguous,
        "no gap and no repeat across the restart: {kinds:?}"
    );
}
