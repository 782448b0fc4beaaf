//! Carrying a plan out (or printing it), finding the daemon binary, and
//! checking that the service answers.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::plan::{Context, Plan, Platform};
use crate::cli::{Args, Outcome};
use crate::ClientError;

/// Why the service could not be installed, removed or checked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// `$HOME` is not set to an absolute path.
    #[error("HOME is not set (or not absolute): the service is installed for the current user")]
    NoHome,
    /// No `trackcached` to point the unit at.
    #[error(
        "trackcached not found next to trackcache, on PATH or in ~/.cargo/bin; install it \
         (cargo install --path daemon --locked) or name it with --daemon PATH"
    )]
    NoDaemon,
    /// `--daemon` names something that is not an executable file.
    #[error("{0} is not an executable file; --daemon must name the trackcached binary")]
    NotExecutable(PathBuf),
    /// `--library` names nothing.
    #[error("the library {0} does not exist; export it first, or give the right --library path")]
    NoLibrary(PathBuf),
    /// The config file cannot be edited.
    #[error(
        "cannot set the library in {0}: {1}; fix the file (trackcached check-config) and retry"
    )]
    BadConfig(PathBuf, String),
    /// A file could not be written or removed.
    #[error("cannot {what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A service-manager command failed.
    #[error("`{command}` failed ({status}); {hint}")]
    Command {
        /// The command.
        command: String,
        /// How it ended.
        status: String,
        /// What to look at.
        hint: String,
    },
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The `trackcached` to run: `given`, else the one beside this executable
/// (both are installed together), else on `PATH`, else `~/.cargo/bin`.
pub fn find_daemon(given: Option<&Path>) -> Result<PathBuf, ServiceError> {
    if let Some(p) = given {
        let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(ServiceError::NotExecutable(p))
        };
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("trackcached")));
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("trackcached"));
    let cargo = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/trackcached"));
    beside
        .into_iter()
        .chain(on_path)
        .chain(cargo)
        .find(|p| p.is_absolute() && is_executable(p))
        .ok_or(ServiceError::NoDaemon)
}

/// `--dry-run`: what would be done, one line each.
pub fn print(plan: &Plan) {
    for d in &plan.dirs {
        println!("would create {}/", d.display());
    }
    for w in &plan.writes {
        println!("would write {} ({})", w.path.display(), w.what);
    }
    for r in &plan.removes {
        println!("would remove {}", r.display());
    }
    for s in &plan.steps {
        println!("would run: {}", s.display());
    }
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> ServiceError {
    move |source| ServiceError::Io { what, source }
}

/// Writes, removes and runs what `plan` says, stopping at the first failure.
pub fn execute(plan: &Plan) -> Result<(), ServiceError> {
    for d in &plan.dirs {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(d)
            .map_err(io(format!("create {}", d.display())))?;
    }
    for w in &plan.writes {
        if let Some(parent) = w.path.parent() {
            std::fs::create_dir_all(parent).map_err(io(format!("create {}", parent.display())))?;
        }
        std::fs::write(&w.path, &w.contents).map_err(io(format!("write {}", w.path.display())))?;
        println!("wrote {} ({})", w.path.display(), w.what);
    }
    for r in &plan.removes {
        match std::fs::remove_file(r) {
            Ok(()) => println!("removed {}", r.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(format!("remove {}", r.display()))(e)),
        }
    }
    for s in &plan.steps {
        println!("running: {}", s.display());
        let status = Command::new(&s.argv[0]).args(&s.argv[1..]).status();
        let failed = match status {
            Ok(st) if st.success() => None,
            Ok(st) => Some(st.to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let (Some(status), false) = (failed, s.may_fail) {
            return Err(ServiceError::Command {
                command: s.display(),
                status,
                hint: "see `systemctl --user status trackcached` / `journalctl --user -u trackcached -e` \
                       (Linux) or ~/Library/Logs/trackcache/trackcached.log (macOS)"
                    .into(),
            });
        }
    }
    Ok(())
}

/// Asks the daemon, waiting up to `--timeout` for it to come up.
fn answering(args: &Args) -> Result<String, ClientError> {
    let mut c = (args.connect_fn())()?;
    let s = c.status()?;
    Ok(format!(
        "trackcached {} (pid {}) on {}",
        s.daemon_version, s.pid, s.socket
    ))
}

/// After the files and commands: wait for the daemon when started, and say
/// how to keep it running.
pub fn after_install(ctx: &Context, now: bool, args: &Args) -> Result<Outcome, ClientError> {
    if !now {
        match ctx.platform {
            Platform::Linux => {
                println!("installed; start it with: systemctl --user start trackcached")
            }
            Platform::Macos => {
                println!("installed; it starts at the next login (or run install --now)")
            }
        }
        return Ok(Outcome::Done);
    }
    let running = answering(args)?;
    println!("running: {running}");
    if ctx.platform == Platform::Linux {
        println!(
            "to keep it running after you log out: loginctl enable-linger {}",
            std::env::var("USER").unwrap_or_else(|_| "$USER".into())
        );
        println!("logs: journalctl --user -u trackcached");
    } else {
        println!("logs: {}/trackcached.log", ctx.log_dir().display());
    }
    Ok(Outcome::Done)
}

fn manager_says(argv: &[&str]) -> String {
    match Command::new(argv[0]).args(&argv[1..]).output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Err(e) => format!("unknown ({} not available: {e})", argv[0]),
    }
}

/// `service status`: installed, what the manager says, and whether the
/// daemon answers (exit 1 when it does not).
pub fn status(ctx: &Context, args: &Args) -> Outcome {
    let (file, manager) = match ctx.platform {
        Platform::Linux => (
            ctx.unit_dir().join("trackcached.service"),
            format!(
                "{}, {}",
                manager_says(&["systemctl", "--user", "is-enabled", "trackcached.service"]),
                manager_says(&["systemctl", "--user", "is-active", "trackcached.service"])
            ),
        ),
        Platform::Macos => (
            ctx.plist(),
            manager_says(&["launchctl", "list", super::plan::LABEL]),
        ),
    };
    let installed = if file.exists() {
        file.display().to_string()
    } else {
        format!(
            "no ({} is missing; run trackcache service install)",
            file.display()
        )
    };
    println!("installed: {installed}");
    println!("service manager: {manager}");
    match answering(args) {
        Ok(running) => {
            println!("running: {running}");
            Outcome::Done
        }
        Err(e) => {
            println!("not answering: {e}");
            Outcome::NotFound
        }
    }
}
