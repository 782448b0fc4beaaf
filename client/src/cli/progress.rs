//! The `rescan --wait` progress bar: a second connection polls `status` and
//! draws the daemon's re-read phase and bytes parsed, while the first
//! connection waits for the rescan's answer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use indicatif::{ProgressBar, ProgressStyle};

use super::library::PROGRESS_POLL;
use super::Args;

/// A running progress bar.
pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// Starts drawing on stderr.
pub fn spawn(args: &Args) -> Progress {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let connect = args.connect_fn();
    let thread = std::thread::spawn(move || {
        let Ok(mut c) = connect() else { return };
        let bar = ProgressBar::new(0);
        let style = ProgressStyle::with_template(
            "{spinner} {msg:10} [{bar:40}] {bytes}/{total_bytes} {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        while !flag.load(Ordering::Relaxed) {
            if let Ok(Some(p)) = c.status().map(|s| s.library.and_then(|l| l.progress)) {
                bar.set_message(p.phase);
                bar.set_length(p.total);
                bar.set_position(p.done.min(p.total));
            }
            std::thread::sleep(PROGRESS_POLL);
        }
        bar.finish_and_clear();
    });
    Progress { stop, thread }
}

impl Progress {
    /// Stops and clears the bar.
    pub fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
