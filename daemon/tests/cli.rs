//! The `trackcached` binary's command line: config layering and errors.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

fn daemon() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trackcached"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TRACKCACHE_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

#[test]
fn layering_is_defaults_then_file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "socket = \"/from/file.sock\"\nmax_connections = 7\ndata_dir = \"/from/file\"\n",
    )
    .unwrap();
    let out = daemon()
        .args(["--print-config", "--config"])
        .arg(&cfg)
        .env("TRACKCACHE_SOCKET", "/from/env.sock")
        .env("TRACKCACHE_MAX_CONNECTIONS", "8")
        .arg("--max-connections")
        .arg("9")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("socket = \"/from/env.sock\""),
        "env beats file: {text}"
    );
    assert!(
        text.contains("max_connections = 9"),
        "flag beats env: {text}"
    );
    assert!(
        text.contains("data_dir = \"/from/file\""),
        "file beats default: {text}"
    );
}

#[test]
fn the_default_socket_follows_xdg_runtime_dir() {
    let out = daemon()
        .arg("--print-config")
        .env("XDG_RUNTIME_DIR", "/run/user/4242")
        .env("XDG_CONFIG_HOME", "/nonexistent-config-home")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("/run/user/4242/trackcache/trackcached.sock"),
        "{text}"
    );
}

#[test]
fn a_bad_config_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "max_conections = 3\n").unwrap();
    let out = daemon().arg("--config").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("c.toml") && err.contains("max_conections"),
        "{err}"
    );

    let out = daemon()
        .arg("--config")
        .arg(dir.path().join("missing.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}

#[test]
fn an_unusable_data_dir_is_reported_and_leaves_no_socket() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let sock = dir.path().join("s.sock");
    let out = daemon()
        .arg("--socket")
        .arg(&sock)
        .arg("--data-dir")
        .arg(file.join("sub"))
        .arg("--config")
        .arg(dir.path().join("none.toml"))
        .output()
        .unwrap();
    // --config names a missing file: refused before anything starts.
    assert_eq!(out.status.code(), Some(2));
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let out = daemon()
        .arg("--socket")
        .arg(&sock)
        .arg("--data-dir")
        .arg(file.join("sub"))
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot create data dir"), "{err}");
    assert!(!sock.exists(), "the socket is removed when start-up fails");
}

#[test]
fn the_default_config_is_printed_commented_and_checks_clean() {
    let out = daemon().arg("--print-default-config").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("#max_connections = 256"), "{text}");
    assert!(text.contains("[content_types.album_year]"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("default.toml");
    std::fs::write(&cfg, text.as_bytes()).unwrap();
    let out = daemon().arg("check-config").arg(&cfg).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok"));
}

#[test]
fn check_config_explains_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "max_connections = 0\n[cache.namespaces.pages]\nmax_bytes = 0\n\
         [library]\npath = \"/m\"\nformat = \"command\"\n",
    )
    .unwrap();
    let out = daemon().arg("check-config").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 problem(s)"), "{err}");
    assert!(err.contains("max_connections must be at least 1"), "{err}");
    assert!(err.contains("cache namespace pages"), "{err}");
    assert!(err.contains("needs an exporter"), "{err}");

    std::fs::write(&cfg, "[library\n").unwrap();
    let out = daemon().arg("check-config").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

#[test]
fn the_printed_config_is_a_valid_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[cache.namespaces.mb]\nttl_secs = 0\n").unwrap();
    let out = daemon()
        .args(["--print-config", "--library", "/m/L.xml", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let printed = dir.path().join("printed.toml");
    std::fs::write(&printed, &out.stdout).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("path = \"/m/L.xml\""), "{text}");
    let out = daemon().arg("check-config").arg(&printed).output().unwrap();
    assert!(out.status.success(), "{text}\n{out:?}");
}

#[test]
fn man_page_and_completions_are_generated_and_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = daemon()
        .arg("generate-docs")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let page = std::fs::read_to_string(dir.path().join("man/trackcached.1")).unwrap();
    assert!(page.contains(".TH trackcached 1"), "{page}");
    assert!(page.contains("print\\-default\\-config"), "{page}");
    assert!(dir.path().join("man/trackcached-check-config.1").exists());
    for f in ["trackcached.bash", "_trackcached", "trackcached.fish"] {
        let text = std::fs::read_to_string(dir.path().join("completions").join(f)).unwrap();
        assert!(text.contains("check-config"), "{f}: {text}");
    }
}
