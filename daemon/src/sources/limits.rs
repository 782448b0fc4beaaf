//! The bounds a parse enforces on what it must hold whole, so that a
//! hostile or broken library file costs bounded memory and linear time.
//!
//! One number is configured (`[library] max_field_bytes`): the longest text
//! field. Everything else the parsers hold whole at once is bounded by a
//! multiple of it: one track's entry (a dict of a few dozen fields), one
//! top-level key with its value, one JSON Lines line. A real track takes
//! 1-2 KB, so the defaults leave room for any real export.

/// Default longest text field, in bytes (64 KiB).
pub const DEFAULT_MAX_FIELD_BYTES: usize = 64 << 10;

/// Smallest accepted field bound: a library path or a long title must fit.
pub const MIN_MAX_FIELD_BYTES: usize = 1 << 10;

/// How many fields' worth one item held whole (a track, a line) may take.
const ITEM_FIELDS: usize = 64;

/// What a parse accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest text a field may hold, in bytes as written in the file:
    /// an apple-xml element's content (entities and CDATA markup counted
    /// as written), a comment or a tag; a JSON Lines string between its
    /// quotes, escapes as written.
    pub max_field_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
        }
    }
}

impl Limits {
    /// The most one item held whole may take: a track's entry in the
    /// Tracks dict, a top-level key and its value, a JSON Lines line.
    pub fn max_item_bytes(&self) -> usize {
        self.max_field_bytes.saturating_mul(ITEM_FIELDS)
    }
}
