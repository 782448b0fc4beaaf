//! The daemon's caches. `namespace` is the pure core (LRU, TTL, indexes,
//! counters) over `lru_map`; `generic` adds namespaces, persistence and the expiry task;
//! `album_year` and `api` are the domain caches built on internal namespaces.

pub mod album_year;
pub mod api;
mod declare;
mod entry;
mod expiry;
mod generic;
pub mod lease;
mod lru_map;
mod names;
mod namespace;
mod persist;
mod reconfigure;
mod report;

pub use declare::Declared;
pub use generic::{CacheError, Caches};
pub use names::{internal_name, validate_namespace, MAX_KEY_LEN, MAX_NAMESPACES};
pub use namespace::{Counters, Entry, EntryTooLarge, Namespace, SetOutcome};
pub use reconfigure::PolicyChange;
