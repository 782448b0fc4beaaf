//! Handing memory back to the system after a burst of allocations.
//!
//! A library re-read allocates every track on the parser's threads and
//! frees it on the sync thread; mimalloc keeps such cross-thread frees and
//! recently emptied pages for a while before returning them, which put
//! ~25 MB on a first import's peak RSS (BENCHMARKS.md). The binary owns the
//! choice of allocator, so it installs the release function here; the
//! library only says when a burst has ended.

use std::sync::OnceLock;

static RELEASE: OnceLock<fn()> = OnceLock::new();

/// Installs the allocator's "return what is free now" function. Only the
/// first call has an effect.
pub fn set_release_hook(release: fn()) {
    let _ = RELEASE.set(release);
}

/// Returns freed memory to the system now, if the binary installed a way to.
pub fn release() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    fn count() {
        CALLS.fetch_add(1, Ordering::Relaxed);
    }

    #[test]
    fn the_first_hook_is_called_and_kept() {
        super::set_release_hook(count);
        super::set_release_hook(|| panic!("a second hook replaced the first"));
        super::release();
        super::release();
        assert_eq!(CALLS.load(Ordering::Relaxed), 2);
    }
}
