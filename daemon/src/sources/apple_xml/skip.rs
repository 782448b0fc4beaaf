//! Skipping a dict or array value, with validation: every dict key has a
//! value and every element is closed by the right tag.
//!
//! The state is an explicit stack of open containers, for two reasons: a
//! deeply nested hostile file cannot overflow the call stack, and the skip
//! can stop wherever a piece of a streamed file ends and pick up again in
//! the next piece. That is how the Playlists array, often several MB, is
//! validated without holding it whole (see [`Lexer::skip_open`]).

use std::borrow::Cow;

use super::lexer::{Begun, Lexer};
use super::token::{Tag, Tok};
use crate::sources::LibraryError;

/// Containers open at once, at most, in a value being skipped. Real exports
/// nest a few levels (a playlist's items); each open one costs a stack
/// entry, so a hostile file of nothing but `<array>` would otherwise grow
/// the stack by one entry per 7 bytes of file.
pub(super) const MAX_DEPTH: usize = 512;

/// One open container of a value being skipped.
#[derive(Debug)]
pub(super) struct Open<'k> {
    tag: Tag,
    /// The key whose value this container is, for messages, or the last key
    /// read in it when it is a dict. `None` means the parent's: array
    /// elements, and dicts before their first key, speak of the key of the
    /// container they are in. Inheriting instead of copying keeps keys that
    /// outlive a piece (owned) from being cloned for every element.
    key: Option<Cow<'k, str>>,
    /// In a dict: a key comes next (else its value).
    want_key: bool,
}

impl Open<'_> {
    /// The same container with its key copied out of the input, so that it
    /// can outlive the piece it was read from.
    pub(super) fn into_owned(self) -> Open<'static> {
        Open {
            tag: self.tag,
            key: self.key.map(|k| Cow::Owned(k.into_owned())),
            want_key: self.want_key,
        }
    }
}

/// The stack for a skip that starts just after `tag` was opened as the
/// value of `key`.
pub(super) fn start(tag: Tag, key: Cow<'_, str>) -> Vec<Open<'_>> {
    vec![Open {
        tag,
        key: Some(key),
        want_key: true,
    }]
}

/// The key the innermost open container belongs to.
fn key_of<'s>(stack: &'s [Open<'_>]) -> &'s str {
    stack
        .iter()
        .rev()
        .find_map(|open| open.key.as_deref())
        .unwrap_or_default()
}

impl<'a> Lexer<'a> {
    /// Skips the dict or array `tag` that was just opened as the value of
    /// `key`, checking that it is well formed.
    pub(super) fn skip_container(
        &mut self,
        tag: Tag,
        key: Cow<'_, str>,
    ) -> Result<(), LibraryError> {
        let mut resume = 0;
        self.skip_open(&mut start(tag, key), &mut resume, false)
    }

    /// Reads on until every container of `stack` is closed.
    ///
    /// Each step reads one token (a key or scalar value whole) and only then
    /// updates `stack`, and `resume` is set to where each step starts. So on
    /// an error, `stack` and `resume` are the state before the failed step:
    /// when the error only says the input ran out ([`Lexer::ran_out`]), the
    /// caller picks up from there with more input.
    ///
    /// With `items`, each step is an item of its own ([`Lexer::start_item`]):
    /// how a value outside the Tracks dict is skipped, which may be bigger
    /// than any item.
    pub(super) fn skip_open<'k>(
        &mut self,
        stack: &mut Vec<Open<'k>>,
        resume: &mut usize,
        items: bool,
    ) -> Result<(), LibraryError>
    where
        'a: 'k,
    {
        while let Some(top) = stack.last() {
            let (tag, want_key) = (top.tag, top.want_key);
            *resume = if items { self.start_item() } else { self.pos() };
            let tok = self.next()?;
            match (tag, want_key, tok) {
                (_, _, Tok::Eof) => return Err(self.truncated()),
                (Tag::Dict, true, Tok::Open(Tag::Key)) => {
                    let key = self.text(Tag::Key)?;
                    if let Some(top) = stack.last_mut() {
                        top.key = Some(key);
                        top.want_key = false;
                    }
                }
                (Tag::Dict, true, Tok::Close(Tag::Dict))
                | (Tag::Array, _, Tok::Close(Tag::Array)) => {
                    stack.pop();
                }
                (Tag::Dict, true, tok) => {
                    return Err(self.malformed_here(format!(
                        "expected <key> or </dict> in the dict of \"{}\", found {tok}",
                        key_of(stack)
                    )))
                }
                (tag, _, tok) => self.skip_element(stack, tag, tok)?,
            }
        }
        Ok(())
    }

    /// One value inside the open container `tag` (a dict's value or an
    /// array's element), which starts with `tok`.
    fn skip_element<'k>(
        &mut self,
        stack: &mut Vec<Open<'k>>,
        tag: Tag,
        tok: Tok,
    ) -> Result<(), LibraryError>
    where
        'a: 'k,
    {
        let inner = match self.begin_value(tok, key_of(stack))? {
            Some(Begun::Value(_)) => None,
            Some(Begun::Container(inner)) => Some(inner),
            None if tag == Tag::Dict => return Err(self.no_value(key_of(stack), tok)),
            None => {
                return Err(self.malformed_here(format!(
                    "expected a value or </array> in the array of \"{}\", found {tok}",
                    key_of(stack)
                )))
            }
        };
        if let Some(top) = stack.last_mut() {
            top.want_key = true;
        }
        if let Some(inner) = inner {
            if stack.len() >= MAX_DEPTH {
                return Err(self.malformed_here(format!(
                    "containers nested more than {MAX_DEPTH} deep in the value of \"{}\"; no \
                     library nests more than a few levels",
                    key_of(stack)
                )));
            }
            stack.push(Open {
                tag: inner,
                key: None,
                want_key: true,
            });
        }
        Ok(())
    }
}
