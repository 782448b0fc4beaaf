//! What `service install` / `uninstall` would do, as data: the files to
//! write or remove and the commands to run. Pure, so `--dry-run` prints
//! exactly what a real run does, and tests check it without a service
//! manager.

use std::path::{Path, PathBuf};

/// The systemd user unit (packaging/systemd), `ExecStart=` rewritten.
const SERVICE_UNIT: &str = include_str!("../../../../packaging/systemd/trackcached.service");
/// The socket unit, installed as is.
const SOCKET_UNIT: &str = include_str!("../../../../packaging/systemd/trackcached.socket");
/// The launchd agent template (`@TRACKCACHED@`, `@HOME@`).
const PLIST: &str =
    include_str!("../../../../packaging/launchd/org.trackcache.trackcached.plist.in");
/// The launchd label.
pub const LABEL: &str = "org.trackcache.trackcached";

/// Which service manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Platform {
    /// systemd user units.
    Linux,
    /// A launchd user agent.
    Macos,
}

impl Platform {
    /// The platform this binary runs on.
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Self::Macos
        } else {
            Self::Linux
        }
    }
}

/// Where things go for this user.
#[derive(Clone, Debug)]
pub struct Context {
    /// `$HOME`.
    pub home: PathBuf,
    /// `$XDG_CONFIG_HOME`, else `~/.config`.
    pub config_home: PathBuf,
    /// The user's id (launchd's `gui/UID` domain).
    pub uid: u32,
    /// The service manager.
    pub platform: Platform,
}

/// A file the plan writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileWrite {
    /// Where.
    pub path: PathBuf,
    /// What.
    pub contents: String,
    /// What it is, for the report.
    pub what: String,
}

/// A command the plan runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// A failure is expected and harmless (stopping what is not running).
    pub may_fail: bool,
}

impl Step {
    fn new(argv: &[&str], may_fail: bool) -> Self {
        Self {
            argv: argv.iter().map(|s| (*s).to_owned()).collect(),
            may_fail,
        }
    }

    /// The command as a shell would show it.
    pub fn display(&self) -> String {
        self.argv
            .iter()
            .map(|a| {
                if a.chars().any(|c| c.is_whitespace() || c == '"') {
                    format!("'{a}'")
                } else {
                    a.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Files and commands, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Directories created first (mode 0700 when new).
    pub dirs: Vec<PathBuf>,
    /// Files written.
    pub writes: Vec<FileWrite>,
    /// Files removed.
    pub removes: Vec<PathBuf>,
    /// Commands run after the files.
    pub steps: Vec<Step>,
}

impl Context {
    /// The systemd user unit directory.
    pub fn unit_dir(&self) -> PathBuf {
        self.config_home.join("systemd/user")
    }

    /// The launchd agent file.
    pub fn plist(&self) -> PathBuf {
        self.home
            .join("Library/LaunchAgents")
            .join(format!("{LABEL}.plist"))
    }

    /// The launchd log directory.
    pub fn log_dir(&self) -> PathBuf {
        self.home.join("Library/Logs/trackcache")
    }

    fn domain(&self) -> String {
        format!("gui/{}", self.uid)
    }
}

/// The service unit for `daemon`.
pub fn service_unit(daemon: &Path) -> String {
    let path = daemon.display().to_string();
    let exec = if path.chars().any(char::is_whitespace) {
        format!("ExecStart=\"{path}\"")
    } else {
        format!("ExecStart={path}")
    };
    SERVICE_UNIT
        .lines()
        .map(|l| {
            if l.starts_with("ExecStart=") {
                exec.as_str()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The launchd agent for `daemon`.
pub fn plist(daemon: &Path, home: &Path) -> String {
    PLIST
        .replace("@TRACKCACHED@", &xml_escape(&daemon.display().to_string()))
        .replace("@HOME@", &xml_escape(&home.display().to_string()))
}

/// Installing: the unit (or agent) for `daemon`, optionally `config` (the
/// config file with the library set), and starting it when `now`.
pub fn install(ctx: &Context, daemon: &Path, config: Option<FileWrite>, now: bool) -> Plan {
    let mut plan = Plan::default();
    match ctx.platform {
        Platform::Linux => {
            plan.dirs.push(ctx.unit_dir());
            plan.writes.push(FileWrite {
                path: ctx.unit_dir().join("trackcached.service"),
                contents: service_unit(daemon),
                what: format!("systemd user unit, ExecStart={}", daemon.display()),
            });
            plan.writes.push(FileWrite {
                path: ctx.unit_dir().join("trackcached.socket"),
                contents: SOCKET_UNIT.to_owned(),
                what: "socket unit (optional: systemctl --user enable trackcached.socket)".into(),
            });
            plan.writes.extend(config);
            plan.steps
                .push(Step::new(&["systemctl", "--user", "daemon-reload"], false));
            let mut enable = vec!["systemctl", "--user", "enable"];
            if now {
                enable.push("--now");
            }
            enable.push("trackcached.service");
            plan.steps.push(Step::new(&enable, false));
        }
        Platform::Macos => {
            plan.dirs.push(
                ctx.plist()
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            );
            plan.dirs.push(ctx.log_dir());
            plan.writes.push(FileWrite {
                path: ctx.plist(),
                contents: plist(daemon, &ctx.home),
                what: format!("launchd agent for {}", daemon.display()),
            });
            plan.writes.extend(config);
            if now {
                let target = format!("{}/{LABEL}", ctx.domain());
                plan.steps
                    .push(Step::new(&["launchctl", "bootout", &target], true));
                let plist = ctx.plist().display().to_string();
                plan.steps.push(Step::new(
                    &["launchctl", "bootstrap", &ctx.domain(), &plist],
                    false,
                ));
            }
        }
    }
    plan
}

/// Uninstalling: stop, disable, remove the unit files (or the agent).
pub fn uninstall(ctx: &Context) -> Plan {
    let mut plan = Plan::default();
    match ctx.platform {
        Platform::Linux => {
            plan.steps.push(Step::new(
                &[
                    "systemctl",
                    "--user",
                    "disable",
                    "--now",
                    "trackcached.service",
                    "trackcached.socket",
                ],
                true,
            ));
            plan.removes
                .push(ctx.unit_dir().join("trackcached.service"));
            plan.removes.push(ctx.unit_dir().join("trackcached.socket"));
            plan.steps
                .push(Step::new(&["systemctl", "--user", "daemon-reload"], false));
        }
        Platform::Macos => {
            let target = format!("{}/{LABEL}", ctx.domain());
            plan.steps
                .push(Step::new(&["launchctl", "bootout", &target], true));
            plan.removes.push(ctx.plist());
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(platform: Platform) -> Context {
        Context {
            home: "/home/u".into(),
            config_home: "/home/u/.config".into(),
            uid: 1000,
            platform,
        }
    }

    #[test]
    fn the_unit_points_at_the_daemon() {
        let unit = service_unit(Path::new("/opt/tc/bin/trackcached"));
        assert!(
            unit.contains("\nExecStart=/opt/tc/bin/trackcached\n"),
            "{unit}"
        );
        assert!(unit.contains("Type=notify"));
        let spaced = service_unit(Path::new("/My Apps/trackcached"));
        assert!(
            spaced.contains("ExecStart=\"/My Apps/trackcached\""),
            "{spaced}"
        );
    }

    #[test]
    fn the_plist_names_the_daemon_and_has_no_placeholders() {
        let p = plist(
            Path::new("/Users/u/.cargo/bin/trackcached"),
            Path::new("/Users/u"),
        );
        assert!(
            p.contains("<string>/Users/u/.cargo/bin/trackcached</string>"),
            "{p}"
        );
        assert!(
            p.contains("/Users/u/Library/Logs/trackcache/trackcached.log"),
            "{p}"
        );
        assert!(!p.contains('@'), "{p}");
    }

    #[test]
    fn linux_install_and_uninstall() {
        let plan = install(
            &ctx(Platform::Linux),
            Path::new("/usr/bin/trackcached"),
            None,
            true,
        );
        let paths: Vec<_> = plan.writes.iter().map(|w| w.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                PathBuf::from("/home/u/.config/systemd/user/trackcached.service"),
                PathBuf::from("/home/u/.config/systemd/user/trackcached.socket"),
            ]
        );
        let steps: Vec<_> = plan.steps.iter().map(Step::display).collect();
        assert_eq!(
            steps,
            vec![
                "systemctl --user daemon-reload",
                "systemctl --user enable --now trackcached.service"
            ]
        );
        let later = install(
            &ctx(Platform::Linux),
            Path::new("/usr/bin/trackcached"),
            None,
            false,
        );
        assert_eq!(
            later.steps[1].display(),
            "systemctl --user enable trackcached.service"
        );
        let un = uninstall(&ctx(Platform::Linux));
        assert!(un.steps[0].may_fail);
        assert_eq!(un.removes.len(), 2);
    }

    #[test]
    fn macos_install_bootstraps_the_agent() {
        let plan = install(
            &ctx(Platform::Macos),
            Path::new("/usr/local/bin/trackcached"),
            None,
            true,
        );
        assert_eq!(
            plan.writes[0].path,
            PathBuf::from("/home/u/Library/LaunchAgents/org.trackcache.trackcached.plist")
        );
        let steps: Vec<_> = plan.steps.iter().map(Step::display).collect();
        assert_eq!(
            steps,
            vec![
                "launchctl bootout gui/1000/org.trackcache.trackcached",
                "launchctl bootstrap gui/1000 /home/u/Library/LaunchAgents/org.trackcache.trackcached.plist"
            ]
        );
    }
}
