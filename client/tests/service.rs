//! `trackcache service` on a temporary HOME (dry runs change nothing; a
//! launchd install without --now only writes the agent), `completions` and
//! the generated man pages.
#![allow(clippy::unwrap_used, missing_docs)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Home {
    dir: tempfile::TempDir,
    daemon: PathBuf,
    library: PathBuf,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let daemon = dir.path().join("bin/trackcached");
        std::fs::create_dir_all(daemon.parent().unwrap()).unwrap();
        std::fs::write(&daemon, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&daemon, std::fs::Permissions::from_mode(0o755)).unwrap();
        let library = dir.path().join("Music/Library.xml");
        std::fs::create_dir_all(library.parent().unwrap()).unwrap();
        std::fs::write(&library, "<plist/>").unwrap();
        Self {
            dir,
            daemon,
            library,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_trackcache"))
            .args(args)
            .env("HOME", self.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("TRACKCACHE_CONFIG")
            .env_remove("TRACKCACHE_SOCKET")
            .output()
            .unwrap()
    }

    /// Every file under HOME.
    fn files(&self) -> Vec<PathBuf> {
        fn walk(d: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(d).unwrap().map(Result::unwrap) {
                if e.file_type().unwrap().is_dir() {
                    walk(&e.path(), out);
                } else {
                    out.push(e.path());
                }
            }
        }
        let mut out = Vec::new();
        walk(self.path(), &mut out);
        out.sort();
        out
    }
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn install_dry_run_lists_the_files_and_commands_and_writes_nothing() {
    let home = Home::new();
    let before = home.files();
    let h = home.path().display().to_string();
    let text = stdout(&home.run(&[
        "service",
        "install",
        "--now",
        "--dry-run",
        "--library",
        home.library.to_str().unwrap(),
        "--daemon",
        home.daemon.to_str().unwrap(),
        "--platform",
        "linux",
    ]));
    let expect = [
        format!("would create {h}/.config/systemd/user/"),
        format!(
            "would write {h}/.config/systemd/user/trackcached.service (systemd user unit, ExecStart={})",
            home.daemon.display()
        ),
        format!("would write {h}/.config/systemd/user/trackcached.socket"),
        format!(
            "would write {h}/.config/trackcache/config.toml (config file, [library] path = \"{}\")",
            home.library.display()
        ),
        "would run: systemctl --user daemon-reload".to_owned(),
        "would run: systemctl --user enable --now trackcached.service".to_owned(),
    ];
    for line in &expect {
        assert!(text.contains(line.as_str()), "missing {line:?} in:\n{text}");
    }
    assert_eq!(home.files(), before, "a dry run writes nothing");

    let text = stdout(&home.run(&["service", "uninstall", "--dry-run", "--platform", "linux"]));
    assert!(
        text.contains(
            "would run: systemctl --user disable --now trackcached.service trackcached.socket"
        ),
        "{text}"
    );
    assert!(text.contains(&format!(
        "would remove {h}/.config/systemd/user/trackcached.service"
    )));
    assert_eq!(home.files(), before);
}

#[test]
fn a_launchd_install_writes_an_agent_naming_the_daemon() {
    let home = Home::new();
    let h = home.path().display().to_string();
    let dry = stdout(&home.run(&[
        "service",
        "install",
        "--now",
        "--dry-run",
        "--platform",
        "macos",
        "--daemon",
        home.daemon.to_str().unwrap(),
    ]));
    assert!(
        dry.contains(&format!(
            "would run: launchctl bootstrap gui/{} {h}/Library/LaunchAgents/org.trackcache.trackcached.plist",
            rustix::process::getuid().as_raw()
        )),
        "{dry}"
    );
    // Without --now nothing is run: only the agent and the log dir are written.
    stdout(&home.run(&[
        "service",
        "install",
        "--platform",
        "macos",
        "--daemon",
        home.daemon.to_str().unwrap(),
    ]));
    let plist = std::fs::read_to_string(
        home.path()
            .join("Library/LaunchAgents/org.trackcache.trackcached.plist"),
    )
    .unwrap();
    assert!(
        plist.contains(&format!("<string>{}</string>", home.daemon.display())),
        "{plist}"
    );
    assert!(plist.contains(&format!("{h}/Library/Logs/trackcache/trackcached.log")));
    assert!(home.path().join("Library/Logs/trackcache").is_dir());
}

#[test]
fn install_refuses_a_missing_library_or_daemon() {
    let home = Home::new();
    let out = home.run(&[
        "service",
        "install",
        "--dry-run",
        "--library",
        "/nonexistent/L.xml",
        "--daemon",
        home.daemon.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    let out = home.run(&[
        "service",
        "install",
        "--dry-run",
        "--daemon",
        "/nonexistent/trackcached",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an executable"));
}

#[test]
fn completions_and_man_pages_are_generated_and_not_empty() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        let text = stdout(&home.run(&["completions", shell]));
        assert!(
            text.len() > 200 && text.contains("trackcache"),
            "{shell}: {text}"
        );
    }
    let out = home.path().join("docs");
    stdout(&home.run(&["generate-docs", out.to_str().unwrap()]));
    for f in [
        "man/trackcache.1",
        "man/trackcache-service.1",
        "completions/trackcache.bash",
        "completions/_trackcache",
        "completions/trackcache.fish",
    ] {
        let len = std::fs::metadata(out.join(f)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 0, "{f} is missing or empty");
    }
}
