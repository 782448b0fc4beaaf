//! Run tracking: `GetLastRun`, `SetLastRun`.

use trackcache_protocol::{ErrorCode, ErrorReply, Response};

use super::Ctx;
use crate::clock;
use crate::state::Daemon;

fn client_name(client: &str) -> Result<&str, ErrorReply> {
    let c = client.trim();
    if c.is_empty() || c.len() > 256 {
        return Err(ErrorReply::new(
            ErrorCode::BAD_REQUEST,
            "the client name must be 1-256 bytes",
        ));
    }
    Ok(c)
}

/// `GetLastRun`: a timestamp in the future counts as no previous run (a
/// clock that was wrong when it was stored must not skip work forever).
pub fn get(d: &Daemon, client: &str) -> Result<Response, ErrorReply> {
    let at = d
        .store
        .last_run(client_name(client)?)
        .map_err(|e| ErrorReply::new(ErrorCode::UNAVAILABLE, e.to_string()))?;
    Ok(Response::LastRun(at.filter(|t| *t <= clock::now_ms())))
}

/// `SetLastRun`.
pub fn set(d: &Daemon, ctx: &mut Ctx, client: &str, at_ms: u64) -> Result<Response, ErrorReply> {
    d.store
        .set_last_run(client_name(client)?, at_ms)
        .map_err(|e| ErrorReply::new(ErrorCode::STORAGE_FULL, e.to_string()))?;
    ctx.needs_sync = true;
    Ok(Response::LastRunStored)
}
