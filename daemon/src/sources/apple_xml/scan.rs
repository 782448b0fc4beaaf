//! The XML tokenizer under the plist lexer: markup and text over one
//! borrowed `&str`, a piece of the document, reporting only "ran out of
//! input" or "malformed here". Running out is the end of the file or just
//! of the piece; the lexer's caller tells which.
//!
//! Why hand-written rather than quick-xml's reader: the daemon must parse a
//! 115 MB, 100,000-track export in under 0.4 s on a small machine, and
//! quick-xml 0.42's borrowed reader alone (no handlers) needs 0.6-0.8 s
//! there, a quarter of it validating UTF-8 event by event. A property list
//! is a tiny subset of XML: no namespaces, no entity declarations, no
//! attributes that matter. So each piece is validated as UTF-8 once, up
//! front (a character cut by the piece's end reads as running out), and
//! this scanner hops from `<` to `<` (memchr and a small SWAR
//! search), checking names and nesting as it goes; quick-xml is still used
//! to decode entities (only in text that contains `&`). See
//! docs/library-parsing.md.
//!
//! Every item is bounded by the scanner's limit (`[library]
//! max_field_bytes`): an element's text content, a comment, a processing
//! instruction, the DOCTYPE, a tag. Each search for the end of an item
//! looks no further than the limit allows, so a hostile 1 GiB string costs
//! one limit's worth of scanning, not the whole string; and the verdict
//! ("too long") depends only on the item's first bytes, never on how the
//! file was cut into pieces.
//!
//! Items held whole by the parser (a track's entry, a top-level key and its
//! value) are bounded the same way, by a larger limit, with
//! [`Scanner::bound`]: it hides the input past the item's bound, so that an
//! item that does not fit runs out there whatever the input holds after
//! it, and [`Scanner::capped`] tells the caller that it was the bound, not
//! the end of the input, that stopped it.

mod bounds;
mod text;

use memchr::{memchr, memchr2, memchr3};

use super::token::{Tag, Tok};

/// Why scanning stopped.
pub(super) enum ScanError {
    /// The input ended inside markup, text or an open element.
    Truncated,
    /// Not well-formed at byte `at`.
    Malformed { at: usize, reason: String },
    /// The item starting at byte `at` is longer than the limit.
    TooLong { at: usize, what: Item },
}

/// What was too long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Item {
    /// The text content of an element.
    Text(Tag),
    /// Markup: "a comment", "a tag", ...
    Markup(&'static str),
}

/// Where UTF-8 validation of the input failed.
#[derive(Clone, Copy)]
struct BadUtf8 {
    at: usize,
    /// The bad sequence is cut off by the end of the input (truncation)
    /// rather than invalid in the middle.
    cut_off: bool,
    /// The whole file looks UTF-16 encoded (see `sources::looks_utf16`).
    utf16: bool,
}

/// Markup and text of one document, or of one piece of it.
pub(super) struct Scanner<'a> {
    /// What is read: `valid` up to the current bound (see [`Self::bound`]).
    text: &'a str,
    /// The input up to its first invalid UTF-8 byte (all of it, normally).
    valid: &'a str,
    /// The input's length, invalid bytes included.
    input_len: usize,
    bad_utf8: Option<BadUtf8>,
    /// The bound set by [`Self::bound`], `usize::MAX` when none.
    end: usize,
    /// Next byte to read.
    pos: usize,
    /// Where the last token returned by `next` began.
    tok_start: usize,
    /// The longest item, in bytes (see the module doc).
    limit: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner over `input`; `file_start` when `input` begins the file,
    /// where (and only where) a byte order mark is skipped. No item may be
    /// longer than `limit` bytes.
    pub(super) fn new(input: &'a [u8], file_start: bool, limit: usize) -> Self {
        let utf16 = file_start && crate::sources::looks_utf16(input, b'<');
        let decoded = if utf16 {
            Err(None)
        } else {
            std::str::from_utf8(input).map_err(Some)
        };
        let (text, bad_utf8) = match decoded {
            Ok(text) => (text, None),
            Err(None) => (
                "",
                Some(BadUtf8 {
                    at: 0,
                    cut_off: false,
                    utf16: true,
                }),
            ),
            Err(Some(e)) => {
                let valid = e.valid_up_to();
                let bad = BadUtf8 {
                    at: valid,
                    cut_off: e.error_len().is_none(),
                    utf16: false,
                };
                // Cannot fail: `valid_up_to` is where valid UTF-8 ends.
                (
                    std::str::from_utf8(&input[..valid]).unwrap_or_default(),
                    Some(bad),
                )
            }
        };
        let pos = if file_start && text.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        Self {
            text,
            valid: text,
            input_len: input.len(),
            bad_utf8,
            end: usize::MAX,
            pos,
            tok_start: pos,
            // Offsets are below isize::MAX, so sums with this never wrap.
            limit: limit.min(usize::MAX / 4),
        }
    }

    /// Offset where the last token returned by [`Self::next`] began.
    pub(super) fn tok_start(&self) -> usize {
        self.tok_start
    }

    /// The error for reaching the end of what is read: invalid UTF-8 when
    /// that is what stopped it (within the bound), else running out.
    fn at_end(&self) -> ScanError {
        match &self.bad_utf8 {
            Some(bad) if bad.utf16 => ScanError::Malformed {
                at: 0,
                reason: "the file looks UTF-16 encoded, and a library export must be UTF-8: \
                         export it again, or convert it (iconv -f UTF-16 -t UTF-8)"
                    .into(),
            },
            Some(bad) if !bad.cut_off && bad.at == self.text.len() && bad.at < self.end => {
                ScanError::Malformed {
                    at: bad.at,
                    reason: "invalid UTF-8; a library export must be UTF-8 encoded".into(),
                }
            }
            _ => ScanError::Truncated,
        }
    }

    /// The next byte to read.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// Skips whitespace and returns where the next markup or text starts.
    #[inline]
    pub(super) fn skip_whitespace(&mut self) -> usize {
        let b = self.text.as_bytes();
        let mut i = self.pos;
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        self.pos = i;
        i
    }

    /// Skips whitespace; then, if the input continues with `markup`
    /// (written plainly, like `<string>`), consumes it and returns true.
    /// The parser's fast path for the element it expects next.
    #[inline(always)]
    pub(super) fn eat(&mut self, markup: &'static [u8]) -> bool {
        let i = self.skip_whitespace();
        if self.text.as_bytes()[i..].starts_with(markup) {
            self.tok_start = i;
            self.pos = i + markup.len();
            return true;
        }
        false
    }

    /// The next element tag, skipping whitespace, comments, processing
    /// instructions (the XML declaration) and the DOCTYPE.
    pub(super) fn next(&mut self) -> Result<Tok, ScanError> {
        let b = self.text.as_bytes();
        loop {
            // Between elements there is only indentation: a plain loop beats
            // a memchr call on these few bytes.
            let mut i = self.pos;
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
                i += 1;
            }
            self.pos = i;
            self.tok_start = i;
            if i == b.len() {
                return if self.bad_utf8.is_none() && !self.capped() {
                    Ok(Tok::Eof)
                } else {
                    Err(self.at_end())
                };
            }
            if b[i] != b'<' {
                return Err(malformed(
                    i,
                    "text outside of any <key> or value element; is this really an Apple \
                     Music or iTunes library XML file?",
                ));
            }
            match b.get(i + 1) {
                None => return Err(self.at_end()),
                Some(b'/') => return self.end_tag(i).map(Tok::Close),
                Some(b'?') => {
                    let what = Item::Markup("a processing instruction");
                    self.pos = self.find_after(i + 2, b"?>", self.cap(i), i, what)?;
                }
                Some(b'!') => self.bang(i)?,
                Some(_) => return self.start_tag(i),
            }
        }
    }

    /// Skips `<!--...-->` or `<!DOCTYPE ...>` at `i`.
    fn bang(&mut self, i: usize) -> Result<(), ScanError> {
        let rest = &self.text.as_bytes()[i..];
        if rest.starts_with(b"<!--") {
            self.pos = self.find_after(i + 4, b"-->", self.cap(i), i, Item::Markup("a comment"))?;
        } else if rest.starts_with(b"<!DOCTYPE") {
            self.pos = self.doctype_end(i)?;
        } else if rest.starts_with(b"<![CDATA[") {
            return Err(malformed(i, "CDATA outside of any value element"));
        } else if [&b"<!--"[..], b"<!DOCTYPE", b"<![CDATA["]
            .iter()
            .any(|m| m.starts_with(rest))
        {
            return Err(self.at_end());
        } else {
            return Err(malformed(i, "unknown markup after \"<!\""));
        }
        Ok(())
    }

    /// The offset after the `>` closing the DOCTYPE at `i`; an internal
    /// subset in `[...]` may hold `>` of its own.
    fn doctype_end(&self, i: usize) -> Result<usize, ScanError> {
        let what = Item::Markup("the DOCTYPE");
        let cap = self.cap(i);
        let from = i + 9;
        let at = memchr2(b'[', b'>', self.upto(from, cap))
            .ok_or_else(|| self.not_found(cap, i, what))?
            + from;
        if self.text.as_bytes()[at] == b'>' {
            return Ok(at + 1);
        }
        let close = self.find_after(at + 1, b"]", cap, i, what)?;
        self.find_after(close, b">", cap, i, what)
    }

    /// Reads the start tag at `i` (`<name attrs>` or `<name attrs/>`).
    fn start_tag(&mut self, i: usize) -> Result<Tok, ScanError> {
        let b = self.text.as_bytes();
        if let Some((tok, len)) = Tok::common_start(&b[i + 1..]) {
            self.pos = i + 1 + len;
            return Ok(tok);
        }
        let what = Item::Markup("a tag");
        let cap = self.cap(i);
        let name_end = self.name_end(i + 1, cap, i, what)?;
        let tag = self.tag(i, i + 1, name_end)?;
        // The usual `<name>` and `<name/>` need no search.
        match (b[name_end], b.get(name_end + 1)) {
            (b'>', _) => {
                self.pos = name_end + 1;
                return Ok(Tok::Open(tag));
            }
            (b'/', Some(b'>')) if name_end + 2 <= cap => {
                self.pos = name_end + 2;
                return Ok(Tok::Empty(tag));
            }
            _ => {}
        }
        // Skip attributes (`<plist version="1.0">`) or spaces (`<true />`),
        // honouring quotes, which may hold `>`.
        let mut j = name_end;
        loop {
            let at = memchr3(b'>', b'"', b'\'', self.upto(j, cap))
                .ok_or_else(|| self.not_found(cap, i, what))?
                + j;
            if b[at] == b'>' {
                self.pos = at + 1;
                let empty = b[at - 1] == b'/' && at > name_end;
                return Ok(if empty {
                    Tok::Empty(tag)
                } else {
                    Tok::Open(tag)
                });
            }
            j = memchr(b[at], self.upto(at + 1, cap))
                .ok_or_else(|| self.not_found(cap, i, what))?
                + at
                + 2;
        }
    }

    /// Reads the end tag at `i` (`</name>`, whitespace allowed before `>`).
    fn end_tag(&mut self, i: usize) -> Result<Tag, ScanError> {
        let what = Item::Markup("an end tag");
        let cap = self.cap(i);
        let name_end = self.name_end(i + 2, cap, i, what)?;
        let tag = self.tag(i, i + 2, name_end)?;
        let rest = self.upto(name_end, cap);
        let blank = rest
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
            .count();
        match rest.get(blank) {
            Some(b'>') => {
                self.pos = name_end + blank + 1;
                Ok(tag)
            }
            Some(_) => Err(malformed(i, format!("bad end tag </{}", tag.name()))),
            None => Err(self.not_found(cap, i, what)),
        }
    }

    /// Where the element name starting at `from` ends; it must end before
    /// `cap`, the end of the tag `what` starting at `at`.
    fn name_end(&self, from: usize, cap: usize, at: usize, what: Item) -> Result<usize, ScanError> {
        let rest = self.upto(from, cap);
        match rest
            .iter()
            .position(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>'))
        {
            Some(n) => Ok(from + n),
            None => Err(self.not_found(cap, at, what)),
        }
    }

    /// The plist tag named `text[from..to]`, for the markup at `i`.
    fn tag(&self, i: usize, from: usize, to: usize) -> Result<Tag, ScanError> {
        Tag::from_name(&self.text.as_bytes()[from..to]).ok_or_else(|| {
            let name = &self.text[from..to];
            malformed(
                i,
                format!(
                    "unexpected element <{name}>: a library is a property list, which has \
                     only plist, dict, array, key, string, integer, real, date, data, true \
                     and false elements"
                ),
            )
        })
    }
}

pub(super) fn malformed(at: usize, reason: impl Into<String>) -> ScanError {
    ScanError::Malformed {
        at,
        reason: reason.into(),
    }
}
