//! A real `trackcached` for process-level measurements: started from the
//! binary next to this one, with quiet logs, stopped with SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use trackcache_client::Client;

/// A running daemon.
pub struct Daemon {
    child: Child,
    /// Its socket.
    pub socket: PathBuf,
}

/// The `trackcached` binary beside the running executable, or the one
/// `TRACKCACHED` names (for before/after runs of another build).
pub fn daemon_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("TRACKCACHED") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("executable directory")?;
    let path = dir.join("trackcached");
    anyhow::ensure!(
        path.exists(),
        "{} not found: build it first (cargo build --release -p trackcache-daemon)",
        path.display()
    );
    Ok(path)
}

impl Daemon {
    /// Starts the daemon in `dir` on `library` with the config text given.
    pub fn start(dir: &Path, library: &Path, config: &str) -> anyhow::Result<(Self, Duration)> {
        Self::spawn(dir, Some(library), config)
    }

    /// Starts the daemon in `dir` without a library (the caches only).
    pub fn start_caches_only(dir: &Path, config: &str) -> anyhow::Result<Self> {
        Ok(Self::spawn(dir, None, config)?.0)
    }

    fn spawn(dir: &Path, library: Option<&Path>, config: &str) -> anyhow::Result<(Self, Duration)> {
        let cfg = dir.join("config.toml");
        std::fs::write(&cfg, config)?;
        let socket = dir.join("d.sock");
        let start = Instant::now();
        let mut cmd = Command::new(daemon_binary()?);
        cmd.arg("--socket")
            .arg(&socket)
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--config")
            .arg(&cfg)
            .args(["--log-level", "warn"])
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some(library) = library {
            cmd.arg("--library").arg(library);
        }
        let d = Self {
            child: cmd.spawn()?,
            socket,
        };
        d.wait_answering(start, library.is_some())?;
        Ok((d, start.elapsed()))
    }

    /// Polls (1 ms) until a `TrackCount` (a `Ping` without a library) is
    /// answered; a benchmark measures this wait, so it polls finely rather
    /// than sleeping long.
    fn wait_answering(&self, start: Instant, library: bool) -> anyhow::Result<()> {
        loop {
            if let Ok(mut c) = Client::connect(&self.socket) {
                let answered = if library {
                    c.track_count().is_ok()
                } else {
                    c.ping().is_ok()
                };
                if answered {
                    return Ok(());
                }
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(120),
                "trackcached did not answer within 2 minutes"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Peak and current resident memory, KiB (Linux `/proc`).
    pub fn memory_kib(&self) -> anyhow::Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Ok((field("VmHWM:"), field("VmRSS:")))
    }

    /// SIGTERM and wait.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).context("pid")?;
        rustix::process::kill_process(pid, rustix::process::Signal::TERM)?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
