//! The bounds of the scanner (see the module doc of `scan`): how far a
//! search for the end of an item may look, the verdict when it finds
//! nothing, and the view of the input that hides what lies past the bound
//! of an item held whole.

use memchr::memmem;

use super::{Item, ScanError, Scanner};

impl<'a> Scanner<'a> {
    /// Hides the input from byte `end` on (`None`: shows all of it), for
    /// an item that must end by there. A character cut by `end` is hidden
    /// whole.
    pub(in crate::sources::apple_xml) fn bound(&mut self, end: Option<usize>) {
        self.end = end.unwrap_or(usize::MAX);
        let mut shown = self.end.min(self.valid.len());
        while !self.valid.is_char_boundary(shown) {
            shown -= 1;
        }
        self.text = &self.valid[..shown];
    }

    /// True when the input goes on to the bound set by [`Self::bound`], so
    /// that running out of input means the item does not fit in it.
    pub(in crate::sources::apple_xml) fn capped(&self) -> bool {
        self.end <= self.input_len
    }

    /// Where an item starting at `at` must end (exclusive) to be within
    /// the limit.
    #[inline]
    pub(super) fn cap(&self, at: usize) -> usize {
        at + self.limit
    }

    /// The error for a search that found no end of the item `what`, which
    /// starts at `at` and must end by `cap`: too long when the input
    /// reaches `cap` (nothing more can change the verdict), else the input
    /// ran out.
    pub(super) fn not_found(&self, cap: usize, at: usize, what: Item) -> ScanError {
        if self.text.len() >= cap {
            ScanError::TooLong { at, what }
        } else {
            self.at_end()
        }
    }

    /// `text[from..cap]`, or as much of it as there is.
    pub(super) fn upto(&self, from: usize, cap: usize) -> &'a [u8] {
        let b: &'a [u8] = self.text.as_bytes();
        b.get(from..cap.min(b.len())).unwrap_or_default()
    }

    /// The offset just after the first `needle` at or after `from` that
    /// ends by `cap`, the end of the item `what` starting at `at`.
    pub(super) fn find_after(
        &self,
        from: usize,
        needle: &[u8],
        cap: usize,
        at: usize,
        what: Item,
    ) -> Result<usize, ScanError> {
        match memmem::find(self.upto(from, cap), needle) {
            Some(n) => Ok(from + n + needle.len()),
            None => Err(self.not_found(cap, at, what)),
        }
    }
}
