//! The library snapshot's pure core: which changes matter (`fingerprint`),
//! the compact in-memory index (`index`), the streaming diff (`diff`), and
//! a track's stored form (`encoded`).

mod album;
mod checkpoint;
pub mod diff;
mod encoded;
pub mod fingerprint;
pub mod index;

pub use diff::{Diff, Differ, Upsert, UpsertKind};
pub use encoded::{decode_track, encode_track, EncodedTrack};
pub use fingerprint::{content_hash, field_changes, file_changes, file_fingerprint, fingerprint};
pub use index::{
    AlbumAgg, AlbumRow, Hashes, IndexEntry, Interner, LibraryIndex, Staged, Sym, TrackFilter,
};
