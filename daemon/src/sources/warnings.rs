//! Values a parse dropped instead of refusing the file.
//!
//! The parsers are strict about structure (a truncated or unbalanced file
//! is refused: it is usually one still being written) and lenient about
//! values nothing depends on: a date that does not parse, a count of the
//! wrong type. Such a value is dropped (the field is left unknown) and
//! counted here, with the first one described, so that `status` can say
//! what was dropped and where without a log full of repeats.

/// What a parse dropped: how many values, and the first one described.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Warnings {
    /// Values dropped.
    pub count: u64,
    /// The first of them: where it is and why it was dropped.
    pub first: Option<String>,
}

impl Warnings {
    /// Counts one more, describing it if it is the first.
    pub(crate) fn add(&mut self, describe: impl FnOnce() -> String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(describe());
        }
    }

    /// Adds `later`'s warnings, found after these in the file.
    pub(crate) fn merge(&mut self, later: Warnings) {
        self.count += later.count;
        if self.first.is_none() {
            self.first = later.first;
        }
    }
}
