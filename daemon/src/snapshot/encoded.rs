//! A track in the snapshot's stored form: encoded once, when the diff finds
//! it changed, and moved as bytes into the store's batch (a first import of
//! 100,000 tracks keeps 25 MB of bytes rather than twice that in `Track`s).

use trackcache_protocol::Track;

use crate::disk;

/// A track encoded for the store (`disk`'s layout).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodedTrack(pub Vec<u8>);

/// Encodes a track for the store.
pub fn encode_track(t: &Track) -> EncodedTrack {
    EncodedTrack(disk::encode(t))
}

/// Decodes a stored track; `None` for damaged or unknown bytes.
pub fn decode_track(bytes: &[u8]) -> Option<Track> {
    disk::decode(bytes)
}
