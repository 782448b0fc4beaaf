//! The lexer's bookkeeping of items and dropped values: the bound on each
//! item the parser holds whole ([`Lexer::start_item`]), and the values it
//! drops instead of refusing the file ([`Lexer::drop_value`]), kept per
//! item so that an item read again is not counted twice.

use super::{Lexer, Origin, Place};
use crate::sources::lines::Lines;
use crate::sources::{LibraryError, Warnings};

/// Values dropped from one lexer's input. Their positions are offsets in
/// the input: a piece read ahead on another thread does not know its line
/// numbers until the pieces before it are read ([`Self::resolve`]).
#[derive(Debug, Default)]
pub(in crate::sources::apple_xml) struct Dropped {
    count: u64,
    /// The first one: its offset, and what it was.
    first: Option<(usize, String)>,
}

impl Dropped {
    /// The warnings, for input `bytes` that starts at file offset `base`
    /// after `lines`.
    pub(in crate::sources::apple_xml) fn resolve(
        self,
        lines: Lines,
        base: u64,
        bytes: &[u8],
    ) -> Warnings {
        Warnings {
            count: self.count,
            first: self
                .first
                .map(|(at, what)| format!("{}: {what}", lines.position(base, bytes, at))),
        }
    }
}

impl Lexer<'_> {
    /// True when running out of input was the current item's bound: the
    /// item is too big ([`Self::item_too_large`]), however much more is read.
    pub(in crate::sources::apple_xml) fn capped(&self) -> bool {
        self.scan.capped()
    }

    /// Skips whitespace and starts an item held whole (a track's entry, a
    /// top-level key and its value, one token of a value being skipped):
    /// it may take at most [`Limits::max_item_bytes`] from here. Returns
    /// where it starts.
    pub(in crate::sources::apple_xml) fn start_item(&mut self) -> usize {
        self.scan.bound(None);
        let at = self.scan.skip_whitespace();
        let end = at.saturating_add(self.limits.max_item_bytes());
        self.scan.bound(Some(end));
        self.item = at;
        self.dropped_before_item = self.dropped.count;
        at
    }

    /// The error for the current item when it ran into its bound.
    pub(in crate::sources::apple_xml) fn item_too_large(&self) -> LibraryError {
        let what = match &self.place {
            Place::Prolog => "the markup before <plist>".to_owned(),
            Place::Header => "a key of the library dict with its value".to_owned(),
            Place::TopValue(key) => format!("an element in the value of \"{key}\""),
            Place::Tracks => "a track's entry in the Tracks dict".to_owned(),
            Place::Track { key, .. } => format!("track {key}'s <dict>"),
            Place::Epilogue => "the markup after the library dict".to_owned(),
        };
        self.too_large(self.item, what, self.limits.max_item_bytes())
    }

    /// Forgets the values dropped in the current item: it will be read
    /// again from its start (the input ran out inside it).
    pub(in crate::sources::apple_xml) fn forget_item(&mut self) {
        if self.dropped.count > self.dropped_before_item {
            self.dropped.count = self.dropped_before_item;
            if self
                .dropped
                .first
                .as_ref()
                .is_some_and(|(at, _)| *at >= self.item)
            {
                self.dropped.first = None;
            }
        }
    }

    /// Counts the value of `key` at offset `at` as dropped: it is there but
    /// unusable, and nothing needs it enough to refuse the file. `why`
    /// ends "the value of KEY ...", e.g. `is a <dict>, not a <string>`.
    pub(in crate::sources::apple_xml) fn drop_value(
        &mut self,
        at: usize,
        key: &str,
        why: impl FnOnce() -> String,
    ) {
        self.dropped.count += 1;
        if self.dropped.first.is_none() {
            let track = match &self.place {
                Place::Track { key, .. } => format!("in track {key}, "),
                _ => String::new(),
            };
            let what = format!("{track}the value of \"{key}\" {}; it was left out", why());
            self.dropped.first = Some((at, what));
        }
    }

    /// The values dropped so far, taken out.
    pub(in crate::sources::apple_xml) fn take_dropped(&mut self) -> Dropped {
        self.dropped_before_item = 0;
        std::mem::take(&mut self.dropped)
    }

    /// [`Self::take_dropped`] with positions, when this lexer's origin
    /// knows its lines (everywhere but a piece read ahead).
    pub(in crate::sources::apple_xml) fn take_warnings(&mut self) -> Warnings {
        let Origin { base, lines, .. } = self.origin;
        self.take_dropped().resolve(lines, base, self.input)
    }
}
