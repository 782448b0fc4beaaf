//! Run tracking: `GetLastRun`, `SetLastRun`.

use trackcache_protocol::Response;

use super::Ctx;
use crate::clock;
use crate::error::Refusal;
use crate::state::Daemon;

fn client_name(client: &str) -> Result<&str, Refusal> {
    let c = client.trim();
    if c.is_empty() || c.len() > 256 {
        return Err(Refusal::bad_request("the client name must be 1-256 bytes"));
    }
    Ok(c)
}

/// `GetLastRun`: a timestamp in the future counts as no previous run (a
/// clock that was wrong when it was stored must not skip work forever).
pub fn get(d: &Daemon, client: &str) -> Result<Response, Refusal> {
    let at = d.store.last_run(client_name(client)?)?;
    Ok(Response::LastRun(at.filter(|t| *t <= clock::now_ms())))
}

/// `SetLastRun`.
pub fn set(d: &Daemon, ctx: &mut Ctx, client: &str, at_ms: u64) -> Result<Response, Refusal> {
    ctx.wrote(d.store.set_last_run(client_name(client)?, at_ms)?);
    Ok(Response::LastRunStored)
}
