//! The daemon's configuration as `status` and `trackcache config` show it:
//! the file, the log filter, the last reload (or why it was refused), and
//! what waits for a restart.

use trackcache_protocol::{ConfigStatus, Response};

use super::output::{duration_ms, Printer};
use super::Outcome;
use crate::{Client, ClientError};

/// `trackcache config`: the `ConfigStatus` reply (exit 0), or its rows.
pub fn show(c: &mut Client, p: &Printer) -> Result<Outcome, ClientError> {
    let cs = c.config_status()?;
    if p.json {
        p.reply(&Response::ConfigStatus(Box::new(cs)));
    } else {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        p.pairs(&rows(&cs, now_ms));
    }
    Ok(Outcome::Done)
}

/// The rows, given the current time (Unix ms).
pub fn rows(c: &ConfigStatus, now_ms: u64) -> Vec<(&'static str, String)> {
    let ago = |ms: u64| duration_ms(now_ms.saturating_sub(ms));
    let mut rows = vec![
        ("config", c.file.clone()),
        ("log level", c.log_level.clone()),
        (
            "loaded",
            format!(
                "{} ago ({} reload{} since start)",
                ago(c.loaded_at_ms),
                c.reloads,
                if c.reloads == 1 { "" } else { "s" }
            ),
        ),
    ];
    if let Some(e) = &c.last_error {
        rows.push((
            "reload failed",
            format!(
                "{} ago, the previous configuration stays in force: {}",
                ago(e.at_ms),
                e.message
            ),
        ));
    }
    if !c.pending_restart.is_empty() {
        rows.push((
            "on restart",
            format!(
                "{} (restart trackcached to apply)",
                c.pending_restart.join(", ")
            ),
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackcache_protocol::ReloadError;

    #[test]
    fn a_refused_reload_and_pending_settings_are_shown() {
        let c = ConfigStatus {
            file: "/c.toml".into(),
            log_level: "debug".into(),
            loaded_at_ms: 1_000,
            reloads: 1,
            last_error: Some(ReloadError {
                message: "line 2: bad".into(),
                at_ms: 2_000,
            }),
            pending_restart: vec!["socket (/a -> /b)".into()],
        };
        let rows = rows(&c, 3_000);
        let find = |k: &str| rows.iter().find(|r| r.0 == k).map(|r| r.1.clone());
        assert_eq!(find("log level").as_deref(), Some("debug"));
        assert!(find("reload failed").unwrap().contains("line 2: bad"));
        assert!(find("on restart").unwrap().contains("socket (/a -> /b)"));
        assert!(find("loaded").unwrap().contains("1 reload since"));
    }
}
