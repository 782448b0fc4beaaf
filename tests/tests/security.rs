//! Security (issue 14): no request makes the daemon touch a path outside
//! its library, its config and its data dir, whatever names the request
//! carries; and nothing from the library or from clients reaches a shell.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use trackcache_client::Ttl;
use trackcache_protocol::{
    ApiOutcome, InvalidateTarget, NamespaceDecl, SetAlbumYear, SetApiResult,
};
use trackcache_tests::harness::{bin_path, wait_until, Env, DEADLINE};
use trackcache_tests::scenario::{library, LibraryEnv};

/// Names a hostile client might send, hoping one becomes a path.
const HOSTILE: [&str; 5] = [
    "../../../../etc/shadow",
    "/etc/passwd",
    "..",
    "$(touch /tmp/tc-pwned-client)",
    "`touch /tmp/tc-pwned-client`",
];

/// Every request kind that carries a name, with hostile names.
fn storm(env: &Env) {
    let mut c = env.client();
    for name in HOSTILE {
        let _ = c.kv_set(name, name, name.as_bytes(), Ttl::Default);
        let _ = c.kv_set("ok", name, name.as_bytes(), Ttl::Default);
        let _ = c.kv_get(name, name);
        let _ = c.kv_delete("ok", name);
        let _ = c.kv_clear(name);
        let _ = c.get_track(name);
        let _ = c.set_album_year(SetAlbumYear {
            artist: name.into(),
            album: name.into(),
            year: 1999,
            confidence: 10,
            source: name.into(),
            force: false,
            stored_at_ms: None,
        });
        let _ = c.set_api_result(SetApiResult {
            source: name.into(),
            artist: name.into(),
            album: name.into(),
            outcome: ApiOutcome::NotFound,
            stored_at_ms: None,
        });
        let _ = c.invalidate(InvalidateTarget::Artist { name: name.into() });
        let _ = c.invalidate(InvalidateTarget::ContentType { name: name.into() });
        let _ = c.set_last_run(name, 1);
        let _ = c.get_last_run(name);
        let _ = c.declare_namespace(NamespaceDecl {
            namespace: name.into(),
            ..Default::default()
        });
    }
    let _ = c.rescan(true);
}

/// The paths a traced process opened, stat'ed or created, from strace's
/// `-e trace=%file` output.
fn traced_paths(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter_map(|l| {
            let start = l.find('"')? + 1;
            let end = start + l[start..].find('"')?;
            Some(l[start..end].to_owned())
        })
        .collect()
}

#[test]
fn no_request_makes_the_daemon_touch_a_path_outside_its_own() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: strace is not installed (.ci/run installs it)");
        return;
    }
    let tracks = library(20, 5);
    let lib = LibraryEnv::new(&tracks, "");
    let trace = lib.env.dir.path().join("trace");
    // strace runs the daemon: the harness's command becomes its argument.
    let mut daemon = lib.env.daemon_command();
    daemon.arg("--library").arg(&lib.path);
    let mut traced = Command::new("strace");
    traced
        .args(["-f", "-qq", "-e", "trace=%file", "-o"])
        .arg(&trace)
        .arg(daemon.get_program())
        .args(daemon.get_args());
    for (k, v) in daemon.get_envs() {
        match v {
            Some(v) => traced.env(k, v),
            None => traced.env_remove(k),
        };
    }
    traced.stdin(std::process::Stdio::null());
    let mut d = lib.env.spawn(traced);
    lib.wait_tracks(20);
    storm(&lib.env);
    // Killing strace would leave the daemon running untraced: ask it to
    // stop, and strace exits with it, its trace complete.
    lib.env.client().shutdown().unwrap();
    d.wait_exit(DEADLINE);
    let text = std::fs::read_to_string(&trace).unwrap();
    let own = lib.env.dir.path();
    // The dynamic loader searches LD_LIBRARY_PATH (cargo sets it) before
    // the daemon's own code runs: its lookups are not the daemon's choice.
    let loader: Vec<std::path::PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let allowed = |p: &str| {
        let path = Path::new(p);
        path.starts_with(own)
            || loader.iter().any(|dir| path.starts_with(dir))
            || path.starts_with(bin_path("trackcached").parent().unwrap())
            || [
                "/proc",
                "/sys",
                "/dev",
                "/etc",
                "/usr",
                "/lib",
                "/lib64",
                "/run/systemd",
            ]
            .iter()
            .any(|sys| path.starts_with(sys))
            || !path.is_absolute() && !p.contains("..")
    };
    let paths = traced_paths(&text);
    // The trace is real: it saw the daemon open its library.
    assert!(
        paths.iter().any(|p| Path::new(p) == lib.path),
        "the trace never saw the library opened: {paths:?}"
    );
    let outside: Vec<&String> = paths.iter().filter(|p| !allowed(p)).collect();
    assert!(
        outside.is_empty(),
        "paths outside the daemon's own: {outside:?}"
    );
    let named: Vec<&String> = paths
        .iter()
        .filter(|p| {
            HOSTILE
                .iter()
                .any(|h| p.contains(h.trim_start_matches('/')))
        })
        .filter(|p| !p.starts_with("/etc/") || p.contains("shadow") || p.contains("passwd"))
        .collect();
    assert!(named.is_empty(), "a client's name became a path: {named:?}");
    assert!(!Path::new("/tmp/tc-pwned-client").exists());
}

/// The exporter is the operator's own command; what it prints (track names
/// full of shell syntax) and what clients send are data, never a command.
#[test]
fn exporter_output_and_client_names_never_reach_a_shell() {
    let env = Env::new("");
    let marker = env.dir.path().join("pwned");
    let exporter = env.dir.path().join("export.sh");
    let line = format!(
        r#"{{"id":"T1","name":"$(touch {m})","artist":"`touch {m}`","album":"; touch {m}"}}"#,
        m = marker.display()
    );
    std::fs::write(&exporter, format!("#!/bin/sh\nprintf '%s\\n' '{line}'\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exporter, std::fs::Permissions::from_mode(0o755)).unwrap();
    let watched = env.dir.path().join("bundle");
    std::fs::create_dir(&watched).unwrap();
    let d = env.start_with(|c| {
        c.arg("--library")
            .arg(&watched)
            .args(["--library-format", "command", "--library-command"])
            .arg(&exporter);
    });
    let mut c = env.client();
    wait_until("the exporter's track", DEADLINE, || {
        c.track_count().is_ok_and(|(n, _)| n == 1)
    });
    storm(&env);
    let t = c.get_track("T1").unwrap().unwrap();
    assert_eq!(t.name.unwrap(), format!("$(touch {})", marker.display()));
    assert!(!marker.exists(), "a track name was run as a command");
    assert!(!Path::new("/tmp/tc-pwned-client").exists());
    drop(d);
}
