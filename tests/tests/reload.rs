//! SIGHUP reloads the config file while clients stay connected: a namespace
//! policy and the log filter change and show in `stats` / `status`; a bad
//! file changes nothing and is reported.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

use rustix::process::Signal;
use trackcache_tests::harness::{json, wait_until, Env, DEADLINE};
use trackcache_tests::scenario::{library, new_track, LibraryEnv, WriteMode, LIBRARY_CONFIG};

/// The harness's daemon command without `--log-level` (which would beat the
/// file's `log_level`, on reload as at start) and without `RUST_LOG`.
fn file_decides_the_log_level(env: &Env, library: &std::path::Path) -> Command {
    let base = env.daemon_command();
    let mut cmd = Command::new(base.get_program());
    let mut args = base.get_args();
    while let Some(a) = args.next() {
        if a == "--log-level" {
            args.next();
        } else {
            cmd.arg(a);
        }
    }
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.env_remove("RUST_LOG").arg("--library").arg(library);
    cmd
}

fn config_status(env: &Env) -> serde_json::Value {
    json(&env.cli(&["--json", "config"]))
}

fn pages_max_entries(env: &Env) -> u64 {
    let stats = json(&env.cli(&["--json", "stats"]));
    let rows = stats["namespaces"].as_array().unwrap().clone();
    let pages = rows.iter().find(|n| n["name"] == "pages").unwrap();
    pages["max_entries"].as_u64().unwrap()
}

#[test]
fn sighup_applies_policies_and_log_level_and_refuses_a_bad_file() {
    let tracks = library(20, 4);
    let lib = LibraryEnv::new(&tracks, "log_level = \"info\"\n");
    let env = &lib.env;
    std::fs::write(
        &env.config,
        format!(
            "log_level = \"info\"\n{LIBRARY_CONFIG}[cache.namespaces.pages]\nmax_entries = 100\n"
        ),
    )
    .unwrap();
    let daemon = env.spawn(file_decides_the_log_level(env, &lib.path));
    lib.wait_tracks(20);
    for k in ["a", "b", "c"] {
        assert!(env.cli(&["kv", "set", "pages", k, "v"]).status.success());
    }
    assert_eq!(pages_max_entries(env), 100);
    assert_eq!(config_status(env)["log_level"], "info");
    let watch = lib.watch(lib.seq());

    std::fs::write(
        &env.config,
        format!(
            "log_level = \"debug\"\n{LIBRARY_CONFIG}[cache.namespaces.pages]\nmax_entries = 2\n"
        ),
    )
    .unwrap();
    daemon.signal(Signal::HUP);
    wait_until("the reload to apply", DEADLINE, || {
        config_status(env)["reloads"] == 1
    });
    assert_eq!(pages_max_entries(env), 2, "the new policy is in force");
    let status = config_status(env);
    assert_eq!(status["log_level"], "debug");
    assert!(status["last_error"].is_null(), "{status}");
    wait_until("a debug line in the log", DEADLINE, || {
        daemon.log_text().contains("log filter changed")
    });
    let kv = json(&env.cli(&["--json", "kv", "get", "pages", "a"]));
    assert_eq!(
        kv["status"], "miss",
        "the least recently used entry was evicted: {kv}"
    );

    // The subscriber connected before the reload still gets events.
    let mut grown = tracks.clone();
    grown.push(new_track(1));
    lib.write(&grown, WriteMode::AtomicRename);
    let events = watch.until_synced();
    assert!(
        events.iter().any(|e| e["type"] == "track_added"),
        "{events:#?}"
    );

    // A bad file: refused, reported, and the old configuration stays.
    std::fs::write(
        &env.config,
        "log_level = \"trace\"\nmax_connections = \"many\"\n",
    )
    .unwrap();
    daemon.signal(Signal::HUP);
    wait_until("the refused reload to be reported", DEADLINE, || {
        !config_status(env)["last_error"].is_null()
    });
    let status = config_status(env);
    let message = status["last_error"]["message"].as_str().unwrap();
    assert!(message.contains("max_connections"), "{message}");
    assert_eq!(status["log_level"], "debug", "the old filter stays");
    assert_eq!(status["reloads"], 1);
    assert_eq!(pages_max_entries(env), 2);
    let text = String::from_utf8_lossy(&env.cli(&["status"]).stdout).to_string();
    assert!(text.contains("reload failed"), "{text}");
    assert!(
        daemon.log_text().contains("config reload failed"),
        "{}",
        daemon.log_text()
    );
    assert!(env.cli(&["ping"]).status.success(), "still serving");
    assert!(daemon.stop().success());
}

#[test]
fn settings_that_need_a_restart_are_named() {
    let env = Env::new("");
    let daemon = env.start();
    let other = env.dir.path().join("elsewhere.sock");
    std::fs::write(
        &env.config,
        format!("socket = \"{}\"\nmax_connections = 3\n", other.display()),
    )
    .unwrap();
    daemon.signal(Signal::HUP);
    wait_until("the reload", DEADLINE, || {
        config_status(&env)["reloads"] == 1
    });
    let pending = config_status(&env)["pending_restart"].to_string();
    // --socket on the command line beats the file, so only the cap is pending.
    assert!(pending.contains("max_connections (256 -> 3)"), "{pending}");
    assert!(!pending.contains("socket"), "{pending}");
    assert!(daemon
        .log_text()
        .contains("this setting cannot change while running"));
}

#[test]
fn sighup_switches_to_another_library_and_subscribers_see_the_difference() {
    let tracks = library(30, 5);
    let lib = LibraryEnv::new(&tracks, "");
    let env = &lib.env;
    let config =
        |path: &std::path::Path| format!("{LIBRARY_CONFIG}path = \"{}\"\n", path.display());
    std::fs::write(&env.config, config(&lib.path)).unwrap();
    let daemon = env.spawn(env.daemon_command());
    lib.wait_tracks(30);
    let watch = lib.watch(lib.seq());

    // Another library: ten of the old tracks and two new ones.
    let mut other: Vec<_> = tracks[..10].to_vec();
    other.push(new_track(1));
    other.push(new_track(2));
    let other_path = env.dir.path().join("music/Other.xml");
    std::fs::write(
        &other_path,
        trackcache_tests::generator::write_apple_xml(
            &other,
            &trackcache_tests::generator::XmlStyle::quirky(),
        ),
    )
    .unwrap();
    std::fs::write(&env.config, config(&other_path)).unwrap();
    daemon.signal(Signal::HUP);
    wait_until("the switch", DEADLINE, || {
        lib.library_status()["path"] == other_path.display().to_string()
    });
    lib.wait_tracks(12);
    let events = watch.until_synced();
    let count = |name: &str| events.iter().filter(|e| e["type"] == name).count();
    assert_eq!(count("track_added"), 2, "{events:#?}");
    assert_eq!(count("track_removed"), 20, "{events:#?}");
    let status = config_status(env);
    assert!(status["last_error"].is_null(), "{status}");
    assert_eq!(status["pending_restart"], serde_json::json!([]));

    // The new library is watched: a change to it is seen.
    other.push(new_track(3));
    std::fs::write(
        &other_path,
        trackcache_tests::generator::write_apple_xml(
            &other,
            &trackcache_tests::generator::XmlStyle::quirky(),
        ),
    )
    .unwrap();
    lib.wait_tracks(13);
    assert!(daemon.stop().success());
}
