//! The text content of an element: borrowed from the input in the common
//! case (plain text directly followed by its end tag), decoded otherwise
//! (entities, CDATA, comments, carriage returns), and never longer than
//! the scanner's limit.

use std::borrow::Cow;

use memchr::memchr;

use super::super::bytes;
use super::super::token::Tag;
use super::{malformed, Item, ScanError, Scanner};

impl<'a> Scanner<'a> {
    /// The text content of the element `tag` just opened, up to and
    /// including its end tag: borrowed from the input unless it holds
    /// entities, CDATA, comments or carriage returns.
    ///
    /// The content (from after the start tag to the `<` of the end tag, as
    /// written) may be at most the limit long.
    #[inline]
    pub(in crate::sources::apple_xml) fn text(
        &mut self,
        tag: Tag,
    ) -> Result<Cow<'a, str>, ScanError> {
        let b = self.text.as_bytes();
        let start = self.pos;
        let special = self.find_special(start, tag)?;
        // The common case: plain text directly followed by `</tag>`.
        if let Some(after) = tag.closes_at(&b[special..]) {
            self.pos = special + after;
            return Ok(Cow::Borrowed(&self.text[start..special]));
        }
        self.text_slow(tag, start)
    }

    /// Where the `<` ending text that starts at `start` must be, at the latest.
    #[inline]
    fn text_cap(&self, start: usize) -> usize {
        self.cap(start) + 1
    }

    /// The first `<`, `&` or CR at or after `start`, within the limit of
    /// `tag`'s text starting there.
    #[inline]
    fn find_special(&self, start: usize, tag: Tag) -> Result<usize, ScanError> {
        let cap = self.text_cap(start);
        let b = self.text.as_bytes();
        bytes::find_special(&b[..cap.min(b.len())], start)
            .ok_or_else(|| self.not_found(cap, start, Item::Text(tag)))
    }

    /// [`Self::text`] for everything but the common case. Kept out of line
    /// so that the fast path stays small.
    #[cold]
    #[inline(never)]
    fn text_slow(&mut self, tag: Tag, start: usize) -> Result<Cow<'a, str>, ScanError> {
        let b = self.text.as_bytes();
        let what = Item::Text(tag);
        // The closing `<` is at most at `cap - 1`, so markup inside the
        // text must end by then.
        let cap = self.text_cap(start);
        let inner = cap - 1;
        let mut out: Cow<'a, str> = Cow::Borrowed("");
        let mut pos = start;
        loop {
            let lt = memchr(b'<', self.upto(pos, cap))
                .ok_or_else(|| self.not_found(cap, start, what))?
                + pos;
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
                Some(b'!') if rest.starts_with(b"<!--") => {
                    self.find_after(lt + 4, b"-->", inner, start, what)?
                }
                Some(b'!') if rest.starts_with(b"<![CDATA[") => {
                    let end = self.find_after(lt + 9, b"]]>", inner, start, what)?;
                    append(&mut out, Cow::Borrowed(&self.text[lt + 9..end - 3]));
                    end
                }
                Some(b'?') => self.find_after(lt + 2, b"?>", inner, start, what)?,
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

/// Appends `piece` to `out`, borrowing when `out` is still empty so that
/// one-piece text costs no allocation.
fn append<'a>(out: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if out.is_empty() {
        *out = piece;
    } else {
        out.to_mut().push_str(&piece);
    }
}
