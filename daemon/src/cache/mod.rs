//! The daemon's caches. `namespace` is the pure core of the generic cache;
//! `generic` adds namespaces, persistence and the expiry task around it.

mod generic;
mod namespace;

pub use generic::{CacheError, GenericCache};
pub use namespace::{Counters, Entry, EntryTooLarge, Namespace, SetOutcome};
