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

use std::borrow::Cow;

use memchr::{memchr, memchr2, memchr3, memmem};

use super::bytes;
use super::token::{Tag, Tok};

/// Why scanning stopped.
pub(super) enum ScanError {
    /// The input ended inside markup, text or an open element.
    Truncated,
    /// Not well-formed at byte `at`.
    Malformed { at: usize, reason: String },
}

/// Where UTF-8 validation of the input failed.
#[derive(Clone, Copy)]
struct BadUtf8 {
    at: usize,
    /// The bad sequence is cut off by the end of the input (truncation)
    /// rather than invalid in the middle.
    cut_off: bool,
}

/// Markup and text of one document, or of one piece of it.
pub(super) struct Scanner<'a> {
    /// The input up to its first invalid UTF-8 byte (all of it, normally).
    text: &'a str,
    bad_utf8: Option<BadUtf8>,
    /// Next byte to read.
    pos: usize,
    /// Where the last token returned by `next` began.
    tok_start: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner over `input`; `file_start` when `input` begins the file,
    /// where (and only where) a byte order mark is skipped.
    pub(super) fn new(input: &'a [u8], file_start: bool) -> Self {
        let (text, bad_utf8) = match std::str::from_utf8(input) {
            Ok(text) => (text, None),
            Err(e) => {
                let valid = e.valid_up_to();
                let bad = BadUtf8 {
                    at: valid,
                    cut_off: e.error_len().is_none(),
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
            bad_utf8,
            pos,
            tok_start: pos,
        }
    }

    /// Offset where the last token returned by [`Self::next`] began.
    pub(super) fn tok_start(&self) -> usize {
        self.tok_start
    }

    /// The error for reaching the end of the (valid part of the) input.
    fn at_end(&self) -> ScanError {
        match &self.bad_utf8 {
            Some(bad) if !bad.cut_off => ScanError::Malformed {
                at: bad.at,
                reason: "invalid UTF-8; a library export must be UTF-8 encoded".into(),
            },
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
                return if self.bad_utf8.is_none() {
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
                Some(b'?') => self.pos = self.find_after(i + 2, b"?>")?,
                Some(b'!') => self.bang(i)?,
                Some(_) => return self.start_tag(i),
            }
        }
    }

    /// Skips `<!--...-->` or `<!DOCTYPE ...>` at `i`.
    fn bang(&mut self, i: usize) -> Result<(), ScanError> {
        let rest = &self.text.as_bytes()[i..];
        if rest.starts_with(b"<!--") {
            self.pos = self.find_after(i + 4, b"-->")?;
        } else if rest.starts_with(b"<!DOCTYPE") {
            self.pos = self.doctype_end(i + 9)?;
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

    /// The offset after the `>` closing a DOCTYPE whose body starts at `from`;
    /// an internal subset in `[...]` may hold `>` of its own.
    fn doctype_end(&self, from: usize) -> Result<usize, ScanError> {
        let b = self.text.as_bytes();
        let at = memchr2(b'[', b'>', &b[from..]).ok_or_else(|| self.at_end())? + from;
        if b[at] == b'>' {
            return Ok(at + 1);
        }
        let close = self.find_after(at + 1, b"]")?;
        self.find_after(close, b">")
    }

    /// The offset just after the first `needle` at or after `from`.
    fn find_after(&self, from: usize, needle: &[u8]) -> Result<usize, ScanError> {
        match memmem::find(&self.text.as_bytes()[from..], needle) {
            Some(n) => Ok(from + n + needle.len()),
            None => Err(self.at_end()),
        }
    }

    /// Reads the start tag at `i` (`<name attrs>` or `<name attrs/>`).
    fn start_tag(&mut self, i: usize) -> Result<Tok, ScanError> {
        let b = self.text.as_bytes();
        if let Some((tok, len)) = Tok::common_start(&b[i + 1..]) {
            self.pos = i + 1 + len;
            return Ok(tok);
        }
        let name_end = self.name_end(i + 1)?;
        let tag = self.tag(i, i + 1, name_end)?;
        // The usual `<name>` and `<name/>` need no search.
        match (b[name_end], b.get(name_end + 1)) {
            (b'>', _) => {
                self.pos = name_end + 1;
                return Ok(Tok::Open(tag));
            }
            (b'/', Some(b'>')) => {
                self.pos = name_end + 2;
                return Ok(Tok::Empty(tag));
            }
            _ => {}
        }
        // Skip attributes (`<plist version="1.0">`) or spaces (`<true />`),
        // honouring quotes, which may hold `>`.
        let mut j = name_end;
        loop {
            let at = memchr3(b'>', b'"', b'\'', &b[j..]).ok_or_else(|| self.at_end())? + j;
            if b[at] == b'>' {
                self.pos = at + 1;
                let empty = b[at - 1] == b'/' && at > name_end;
                return Ok(if empty {
                    Tok::Empty(tag)
                } else {
                    Tok::Open(tag)
                });
            }
            j = memchr(b[at], &b[at + 1..]).ok_or_else(|| self.at_end())? + at + 2;
        }
    }

    /// Reads the end tag at `i` (`</name>`, whitespace allowed before `>`).
    fn end_tag(&mut self, i: usize) -> Result<Tag, ScanError> {
        let b = self.text.as_bytes();
        let name_end = self.name_end(i + 2)?;
        let tag = self.tag(i, i + 2, name_end)?;
        let mut j = name_end;
        while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r') {
            j += 1;
        }
        match b.get(j) {
            Some(b'>') => {
                self.pos = j + 1;
                Ok(tag)
            }
            Some(_) => Err(malformed(i, format!("bad end tag </{}", tag.name()))),
            None => Err(self.at_end()),
        }
    }

    /// Where the element name starting at `from` ends.
    fn name_end(&self, from: usize) -> Result<usize, ScanError> {
        let b = self.text.as_bytes();
        let mut j = from;
        while j < b.len() && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>') {
            j += 1;
        }
        if j == b.len() {
            return Err(self.at_end());
        }
        Ok(j)
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

    /// The text content of the element `tag` just opened, up to and
    /// including its end tag: borrowed from the input unless it holds
    /// entities, CDATA, comments or carriage returns.
    pub(super) fn text(&mut self, tag: Tag) -> Result<Cow<'a, str>, ScanError> {
        let b = self.text.as_bytes();
        let start = self.pos;
        let special = self.find_special(start)?;
        // The common case: plain text directly followed by `</tag>`.
        if let Some(after) = tag.closes_at(&b[special..]) {
            self.pos = special + after;
            return Ok(Cow::Borrowed(&self.text[start..special]));
        }
        self.text_slow(tag, start)
    }

    /// The first `<`, `&` or CR at or after `start`.
    fn find_special(&self, start: usize) -> Result<usize, ScanError> {
        bytes::find_special(self.text.as_bytes(), start).ok_or_else(|| self.at_end())
    }

    /// [`Self::text`] for everything but the common case. Kept out of line
    /// so that the fast path stays small.
    #[cold]
    #[inline(never)]
    fn text_slow(&mut self, tag: Tag, start: usize) -> Result<Cow<'a, str>, ScanError> {
        let b = self.text.as_bytes();
        let mut out: Cow<'a, str> = Cow::Borrowed("");
        let mut pos = start;
        loop {
            let lt = memchr(b'<', &b[pos..]).ok_or_else(|| self.at_end())? + pos;
            let piece = quick_xml::escape::unescape(&self.text[pos..lt]).map_err(|e| {
                malformed(
                    pos,
                    format!("bad entity or lone '&' in <{}>: {e}", tag.name()),
                )
            })?;
            append(&mut out, piece);
            let rest = &b[lt..];
            pos = match rest.get(1) {
                None => return Err(self.at_end()),
                Some(b'/') => {
                    let closing = self.end_tag(lt)?;
                    if closing != tag {
                        return Err(malformed(
                            lt,
                            format!("</{}> closes <{}>", closing.name(), tag.name()),
                        ));
                    }
                    break;
                }
                Some(b'!') if rest.starts_with(b"<!--") => self.find_after(lt + 4, b"-->")?,
                Some(b'!') if rest.starts_with(b"<![CDATA[") => {
                    let end = self.find_after(lt + 9, b"]]>")?;
                    append(&mut out, Cow::Borrowed(&self.text[lt + 9..end - 3]));
                    end
                }
                Some(b'?') => self.find_after(lt + 2, b"?>")?,
                Some(b'!')
                    if [&b"<!--"[..], b"<![CDATA["]
                        .iter()
                        .any(|m| m.starts_with(rest)) =>
                {
                    return Err(self.at_end())
                }
                Some(_) => return Err(malformed(lt, format!("markup inside <{}>", tag.name()))),
            };
        }
        // XML turns CRLF and lone CR into LF inside text; an export with
        // CRLF line endings must give the same strings as one with LF.
        if out.contains('\r') {
            out = Cow::Owned(out.replace("\r\n", "\n").replace('\r', "\n"));
        }
        Ok(out)
    }
}

fn malformed(at: usize, reason: impl Into<String>) -> ScanError {
    ScanError::Malformed {
        at,
        reason: reason.into(),
    }
}

/// Appends `piece` to `out`, borrowing when `out` is still empty so that
/// one-piece text costs no allocation.
fn append<'a>(out: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if out.is_empty() {
        *out = piece;
    } else {
        out.to_mut().push_str(&piece);
    }
}
