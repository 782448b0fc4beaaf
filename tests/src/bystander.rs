//! A client that keeps using the daemon while a test attacks it: kv sets
//! and gets in a loop on its own connection, each answer checked. The
//! attack must cost it nothing: no error, and it keeps going.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use trackcache_client::{Client, Ttl};
use trackcache_protocol::KvLookup;

use crate::harness::{wait_until, DEADLINE};

/// The looping client.
pub struct Bystander {
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    handle: JoinHandle<Result<u64, String>>,
}

impl Bystander {
    /// Connects and starts the loop.
    pub fn start(socket: &Path) -> Self {
        let mut client = Client::connect(socket).expect("bystander connects");
        client
            .set_timeout(Some(DEADLINE))
            .expect("bystander timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let (s, d) = (stop.clone(), done.clone());
        let handle = std::thread::spawn(move || {
            let mut n = 0u64;
            while !s.load(Ordering::Relaxed) {
                let key = format!("k{}", n % 100);
                let value = n.to_le_bytes();
                client
                    .kv_set("bystander", &key, &value, Ttl::Default)
                    .map_err(|e| format!("set {n}: {e}"))?;
                match client.kv_get("bystander", &key) {
                    Ok(KvLookup::Hit { value: got, .. }) if got == value => {}
                    other => return Err(format!("get {n}: {other:?}")),
                }
                n += 1;
                d.store(n, Ordering::Relaxed);
            }
            Ok(n)
        });
        Self { stop, done, handle }
    }

    /// Waits until it has made `more` round trips beyond those made so far:
    /// the daemon is still serving it.
    pub fn still_served(&self, more: u64) {
        let from = self.done.load(Ordering::Relaxed);
        wait_until("the bystander to be served", DEADLINE, || {
            self.done.load(Ordering::Relaxed) >= from + more || self.handle.is_finished()
        });
        assert!(!self.handle.is_finished(), "the bystander stopped early");
    }

    /// Stops the loop; the number of round trips, or the first error.
    pub fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        match self.handle.join() {
            Ok(Ok(n)) => n,
            Ok(Err(e)) => panic!("the bystander got an error: {e}"),
            Err(_) => panic!("the bystander panicked"),
        }
    }
}

/// The resident set size of process `pid`, in KiB (Linux).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
