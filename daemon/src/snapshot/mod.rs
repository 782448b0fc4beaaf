//! The library snapshot's pure core: which changes matter (`fingerprint`),
//! the compact in-memory index (`index`), and the streaming diff (`diff`).

mod checkpoint;
pub mod diff;
pub mod fingerprint;
pub mod index;

pub use diff::{Diff, Differ, Upsert, UpsertKind};
pub use fingerprint::{content_hash, field_changes, fingerprint};
pub use index::{AlbumAgg, AlbumRow, IndexEntry, Interner, LibraryIndex, Staged, Sym, TrackFilter};
