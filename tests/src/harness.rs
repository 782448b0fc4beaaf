//! Starting and stopping the real binaries inside a temp dir, and waiting
//! for things with deadlines (never fixed sleeps).
//!
//! The binaries are found next to the running test executable
//! (`target/<profile>/`), where `cargo test --workspace` builds them because
//! the daemon and client packages have integration tests of their own
//! (docs/testing.md). `TRACKCACHE_BIN_DIR` overrides the location.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use trackcache_client::{Client, ClientError};

/// Default bound for "the daemon should get there soon".
pub const DEADLINE: Duration = Duration::from_secs(15);

/// Path of a workspace binary (`trackcached`, `trackcache`).
pub fn bin_path(name: &str) -> PathBuf {
    let dir = match std::env::var_os("TRACKCACHE_BIN_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let exe = std::env::current_exe().expect("test executable path");
            // target/<profile>/deps/<test> -> target/<profile>
            exe.parent()
                .and_then(Path::parent)
                .expect("target dir")
                .to_path_buf()
        }
    };
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} not found; run the tests with `cargo test --workspace` (which builds every binary) \
         or set TRACKCACHE_BIN_DIR",
        path.display()
    );
    path
}

/// Polls `cond` every few milliseconds until it holds or `deadline` passes.
pub fn wait_until(what: &str, deadline: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < deadline,
            "timed out after {deadline:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A temp dir holding a daemon's socket, data dir, config file and log.
pub struct Env {
    /// The temp dir (removed on drop).
    pub dir: TempDir,
    /// Socket path.
    pub socket: PathBuf,
    /// Data dir.
    pub data_dir: PathBuf,
    /// Config file passed with `--config`.
    pub config: PathBuf,
}

impl Env {
    /// A fresh environment with `config_toml` as the config file.
    pub fn new(config_toml: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tc-e2e")
            .tempdir()
            .expect("temp dir");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, config_toml).expect("write config");
        Self {
            socket: dir.path().join("run/trackcached.sock"),
            data_dir: dir.path().join("data"),
            config,
            dir,
        }
    }

    /// A command for the daemon with this environment's paths and no
    /// inherited `TRACKCACHE_*` variables.
    pub fn daemon_command(&self) -> Command {
        self.daemon_command_for(&self.data_dir)
    }

    /// Like `daemon_command` with another data dir.
    pub fn daemon_command_for(&self, data_dir: &Path) -> Command {
        let mut cmd = Command::new(bin_path("trackcached"));
        cmd.arg("--socket")
            .arg(&self.socket)
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--config")
            .arg(&self.config)
            .arg("--log-level")
            .arg("debug");
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("TRACKCACHE_") {
                cmd.env_remove(k);
            }
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Starts the daemon and waits until it answers a ping.
    pub fn start(&self) -> Daemon {
        self.start_with(|_| {})
    }

    /// Like `start`, letting the caller add arguments or variables.
    pub fn start_with(&self, tweak: impl FnOnce(&mut Command)) -> Daemon {
        let mut cmd = self.daemon_command();
        tweak(&mut cmd);
        self.spawn(cmd)
    }

    /// Starts `cmd` (a `daemon_command`, possibly wrapped) and waits until it answers.
    pub fn spawn(&self, mut cmd: Command) -> Daemon {
        let n = std::fs::read_dir(self.dir.path())
            .map(|d| d.count())
            .unwrap_or(0);
        let log = self.dir.path().join(format!("daemon-{n}.log"));
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn trackcached");
        let stderr = child.stderr.take().expect("stderr");
        let pid = child.id();
        let (ready_tx, ready_rx) = mpsc::channel();
        let log_file = std::fs::File::create(&log).expect("log file");
        // Tee the daemon's stderr into the log and report its "ready" line.
        std::thread::spawn(move || {
            let mut log_file = log_file;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = writeln!(log_file, "{line}");
                if line.contains("trackcached ready") {
                    let _ = ready_tx.send(());
                }
            }
        });
        let (exit_tx, exit_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = exit_tx.send(child.wait().expect("wait for trackcached"));
        });
        let mut d = Daemon {
            pid,
            exit_rx,
            exited: None,
            socket: self.socket.clone(),
            log,
        };
        d.wait_ready(&ready_rx);
        d
    }

    /// Runs the CLI against this environment's socket.
    pub fn cli(&self, args: &[&str]) -> Output {
        cli(&self.socket, args)
    }

    /// A library client.
    pub fn client(&self) -> Client {
        Client::connect(&self.socket).expect("connect client")
    }
}

/// Runs `trackcache --socket SOCKET ARGS...` and collects its output.
pub fn cli(socket: &Path, args: &[&str]) -> Output {
    Command::new(bin_path("trackcache"))
        .arg("--socket")
        .arg(socket)
        .args(args)
        .env_remove("TRACKCACHE_SOCKET")
        .stdin(Stdio::null())
        .output()
        .expect("run trackcache")
}

/// Runs `trackcache --socket SOCKET ARGS...` with `input` on its stdin.
pub fn cli_with_input(socket: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(bin_path("trackcache"))
        .arg("--socket")
        .arg(socket)
        .args(args)
        .env_remove("TRACKCACHE_SOCKET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run trackcache");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_owned();
    // Written from a thread: a large input must not block on a full stdout pipe.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("wait for trackcache");
    let _ = writer.join();
    out
}

/// Parses the CLI's stdout as one JSON object.
pub fn json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Parses the CLI's stdout as a `--json` list: the items, one per line,
/// and the `end` object of the trailer line.
pub fn json_list(out: &Output) -> (Vec<serde_json::Value>, serde_json::Value) {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let end = lines
        .pop()
        .and_then(|mut v| v.get_mut("end").map(serde_json::Value::take))
        .unwrap_or_else(|| panic!("no {{\"end\":...}} trailer: {text}"));
    (lines, end)
}

/// A running daemon process; killed on drop if still running.
pub struct Daemon {
    pid: u32,
    exit_rx: Receiver<ExitStatus>,
    exited: Option<ExitStatus>,
    /// Its socket.
    pub socket: PathBuf,
    /// Its stderr log.
    pub log: PathBuf,
}

impl Daemon {
    /// Waits for the "ready" log line, then checks that a client gets answers.
    fn wait_ready(&mut self, ready: &Receiver<()>) {
        match ready.recv_timeout(DEADLINE) {
            Ok(()) => {}
            Err(_) => {
                let how = match self.exit_rx.try_recv() {
                    Ok(status) => format!("exited early ({status})"),
                    Err(_) => format!("not ready within {DEADLINE:?}"),
                };
                panic!("trackcached {how}; log:\n{}", self.log_text());
            }
        }
        let mut c = Client::connect(&self.socket).expect("connect after ready");
        c.ping().expect("ping after ready");
    }

    /// The daemon's stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends a signal to the daemon.
    pub fn signal(&self, sig: rustix::process::Signal) {
        if self.exited.is_some() {
            return;
        }
        let pid = rustix::process::Pid::from_raw(self.pid as i32).expect("pid");
        let _ = rustix::process::kill_process(pid, sig);
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait_exit(&mut self, deadline: Duration) -> ExitStatus {
        if let Some(s) = self.exited {
            return s;
        }
        match self.exit_rx.recv_timeout(deadline) {
            Ok(s) => {
                self.exited = Some(s);
                s
            }
            Err(_) => panic!(
                "trackcached still running after {deadline:?}; log:\n{}",
                self.log_text()
            ),
        }
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(mut self) -> ExitStatus {
        self.signal(rustix::process::Signal::TERM);
        self.wait_exit(DEADLINE)
    }

    /// SIGKILL: the process dies without any chance to clean up.
    pub fn kill(mut self) -> ExitStatus {
        self.signal(rustix::process::Signal::KILL);
        self.wait_exit(DEADLINE)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.exited.is_none() {
            self.signal(rustix::process::Signal::KILL);
            let _ = self.exit_rx.recv_timeout(DEADLINE);
        }
    }
}

/// True when the error is the daemon's reply with this code.
pub fn is_code(e: &ClientError, code: trackcache_protocol::ErrorCode) -> bool {
    e.reply().is_some_and(|r| r.code == code)
}
