//! `trackcache watch`: events as they happen, across daemon restarts. When
//! the daemon goes away (a restart, a crash, an upgrade), watch says so on
//! stderr, connects again as soon as a daemon answers and resumes after the
//! last event it printed, so the stream has no gap and no repeat; with
//! `--no-reconnect` it ends instead. A gap the log cannot bridge is a
//! `resync` event, as for any subscriber.

use std::time::Duration;

use trackcache_protocol::json::event_json;
use trackcache_protocol::ErrorCode;

use super::events::event_line;
use super::output::Printer;
use super::{Args, Outcome};
use crate::{Client, ClientError};

/// First pause between connection attempts; it doubles up to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(50);
/// Longest pause between connection attempts.
const MAX_PAUSE: Duration = Duration::from_secs(1);

/// Whether an error means "the daemon went away" (worth waiting for another
/// one), rather than something reconnecting cannot fix.
fn went_away(e: &ClientError) -> bool {
    match e {
        ClientError::Closed | ClientError::Frame(_) | ClientError::NotRunning { .. } => true,
        ClientError::Refused(r) => r.code == ErrorCode::SHUTTING_DOWN,
        _ => false,
    }
}

/// Runs `watch`. `c` is connected; `args` connects again after a restart.
pub fn watch(
    c: &mut Client,
    p: &Printer,
    args: &Args,
    since: Option<u64>,
    no_reconnect: bool,
) -> Result<Outcome, ClientError> {
    let sub = c.subscribe(since)?;
    // The last seq printed (or the one the stream starts after).
    let mut last = since.unwrap_or(sub.current_seq);
    if !p.json {
        eprintln!("watching from seq {last} (Ctrl-C to stop)");
    }
    c.set_timeout(None)?;
    let connect = args.connect_fn();
    let mut conn: Option<Client> = None;
    loop {
        let client = conn.as_mut().unwrap_or(&mut *c);
        let err = match stream(client, p, &mut last) {
            Ok(never) => match never {},
            Err(e) => e,
        };
        if no_reconnect || !went_away(&err) {
            return Err(err);
        }
        eprintln!("trackcached went away ({err}); reconnecting (Ctrl-C to stop)");
        let mut fresh = reconnect(&connect, last)?;
        fresh.set_timeout(None)?;
        eprintln!("reconnected; resuming after seq {last}");
        conn = Some(fresh);
    }
}

/// Prints events until the connection fails; `last` follows what was printed.
fn stream(
    c: &mut Client,
    p: &Printer,
    last: &mut u64,
) -> Result<std::convert::Infallible, ClientError> {
    loop {
        if let Some(f) = c.next_event()? {
            if p.json {
                p.json(&event_json(&f));
            } else {
                p.line(event_line(&f));
            }
            *last = f.seq;
        }
    }
}

/// Connects and subscribes after `last`, waiting as long as no daemon
/// answers; an error that waiting cannot fix ends it.
fn reconnect(
    connect: &impl Fn() -> Result<Client, ClientError>,
    last: u64,
) -> Result<Client, ClientError> {
    let mut pause = FIRST_PAUSE;
    loop {
        let attempt = connect().and_then(|mut c| c.subscribe(Some(last)).map(|_| c));
        match attempt {
            Ok(c) => return Ok(c),
            Err(e) if went_away(&e) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(MAX_PAUSE);
            }
            Err(e) => return Err(e),
        }
    }
}
