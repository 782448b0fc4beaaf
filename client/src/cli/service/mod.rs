//! `trackcache service install | uninstall | status`: run trackcached as the
//! current user's service (a systemd user unit on Linux, a launchd agent on
//! macOS) pointing at the installed `trackcached`, and say "running" only
//! once the daemon answers.

mod apply;
mod library;
pub mod plan;

use std::path::PathBuf;

use clap::Subcommand;

pub use apply::ServiceError;
use plan::{Context, Platform};

use super::{Args, Outcome};
use crate::ClientError;

/// `trackcache service ...`.
#[derive(Subcommand, Debug)]
pub enum ServiceCommand {
    /// Write the user unit (Linux) or agent (macOS) for trackcached and enable it.
    Install {
        /// Start it now and wait until it answers.
        #[arg(long)]
        now: bool,
        /// Set the library to watch ([library] path in the config file).
        #[arg(long, value_name = "PATH")]
        library: Option<PathBuf>,
        /// Print the files it would write and the commands it would run; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The trackcached binary. Default: next to this trackcache, else on PATH,
        /// else ~/.cargo/bin/trackcached.
        #[arg(long, value_name = "PATH")]
        daemon: Option<PathBuf>,
        /// Service manager to write for (default: this machine's).
        #[arg(long, value_enum, hide = true)]
        platform: Option<Platform>,
    },
    /// Stop and disable the service, and remove its unit or agent.
    Uninstall {
        /// Print what it would do; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Service manager (default: this machine's).
        #[arg(long, value_enum, hide = true)]
        platform: Option<Platform>,
    },
    /// Whether the service is installed, enabled and answering.
    Status,
}

fn context(platform: Option<Platform>) -> Result<Context, ServiceError> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .ok_or(ServiceError::NoHome)?;
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
        .unwrap_or_else(|| home.join(".config"));
    Ok(Context {
        home,
        config_home,
        uid: trackcache_protocol::paths::current_uid(),
        platform: platform.unwrap_or_else(Platform::current),
    })
}

/// Runs a `service` subcommand.
pub fn run(cmd: &ServiceCommand, args: &Args) -> Result<Outcome, ClientError> {
    let outcome = match cmd {
        ServiceCommand::Install {
            now,
            library,
            dry_run,
            daemon,
            platform,
        } => {
            let ctx = context(*platform)?;
            let daemon = apply::find_daemon(daemon.as_deref())?;
            let config = library.as_deref().map(library::set_library).transpose()?;
            let plan = plan::install(&ctx, &daemon, config, *now);
            if *dry_run {
                apply::print(&plan);
                return Ok(Outcome::Done);
            }
            apply::execute(&plan)?;
            apply::after_install(&ctx, *now, args)?
        }
        ServiceCommand::Uninstall { dry_run, platform } => {
            let plan = plan::uninstall(&context(*platform)?);
            if *dry_run {
                apply::print(&plan);
                return Ok(Outcome::Done);
            }
            apply::execute(&plan)?;
            println!("uninstalled; the data dir and the config file are kept");
            Outcome::Done
        }
        ServiceCommand::Status => apply::status(&context(None)?, args),
    };
    Ok(outcome)
}
