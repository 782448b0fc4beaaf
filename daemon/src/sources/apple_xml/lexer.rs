//! Property-list tokens and values over the [`Scanner`], and the errors
//! they produce.
//!
//! The lexer owns the "where are we" state used in messages, so that every
//! error can say which track it was in and whether the file merely ends
//! early (truncated) or is wrong (malformed). It reads values (scalars, and
//! containers by skipping them with validation, see [`super::skip`]) but
//! knows nothing about tracks.
//!
//! A lexer reads one piece of the file at a time; its [`Origin`] says where
//! the piece sits, for positions, and whether the file goes on after it.
//! When it does, running out of input is not an error of the file but a
//! sign to read more: the error built for it is a cheap placeholder that
//! the caller never shows (see [`Lexer::ran_out`]).
//!
//! It also enforces the [`Limits`]: each field through its scanner, and
//! each item the parser holds whole through [`Lexer::start_item`]; and it
//! counts the values the parser drops ([`Lexer::drop_value`]).

use std::borrow::Cow;

mod items;

pub(super) use items::Dropped;

use super::scan::{Item, ScanError, Scanner};
use super::token::{Tag, Tok};
use crate::sources::lines::Lines;
use crate::sources::{LibraryError, LibraryFormat, Limits, Position};

/// A value that was read. Scalar text is kept unparsed so that the caller
/// pays for number and date parsing only for the keys it wants.
pub(super) enum Value<'a> {
    Str(Cow<'a, str>),
    Int(Cow<'a, str>),
    Date(Cow<'a, str>),
    Bool(bool),
    /// `<real>`, `<data>`, a container, or an empty scalar: validated, not
    /// kept. What it was, for messages (`a <dict>`, `an empty <integer/>`).
    Other(&'static str),
}

/// The start of a value: a scalar read whole, or a container still open.
pub(super) enum Begun<'a> {
    Value(Value<'a>),
    Container(Tag),
}

/// Which part of the document is being read, for error messages.
#[derive(Clone, Debug)]
pub(super) enum Place<'a> {
    Prolog,
    Header,
    /// Inside the value of a top-level key such as `Playlists`.
    TopValue(Cow<'a, str>),
    /// Inside the Tracks dict, between tracks.
    Tracks,
    /// Inside one track's dict: its key in the Tracks dict and where it opened.
    Track {
        key: Cow<'a, str>,
        start: usize,
    },
    /// After the library dict closed.
    Epilogue,
}

/// Where a lexer's input sits in the file.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Origin {
    /// File offset of the input's first byte.
    pub(super) base: u64,
    /// Line breaks before the input (a placeholder when a piece is read
    /// ahead on another thread: its errors are then never shown).
    pub(super) lines: Lines,
    /// The file goes on after the input.
    pub(super) more: bool,
}

/// Property-list tokens of one document, or of one piece of it.
pub(super) struct Lexer<'a> {
    scan: Scanner<'a>,
    /// The input, for line numbers in errors.
    input: &'a [u8],
    origin: Origin,
    place: Place<'a>,
    limits: Limits,
    /// Where the item started by [`Self::start_item`] begins.
    item: usize,
    dropped: Dropped,
    /// `dropped.count` when the current item began, for [`Self::forget_item`].
    dropped_before_item: u64,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a [u8], origin: Origin, limits: Limits) -> Self {
        Self {
            scan: Scanner::new(input, origin.base == 0, limits.max_field_bytes),
            input,
            origin,
            place: Place::Prolog,
            limits,
            item: 0,
            dropped: Dropped::default(),
            dropped_before_item: 0,
        }
    }

    /// True when `e` only says that this lexer's input ran out before the
    /// file did (or before the item's bound: see [`Self::capped`]). The
    /// caller should read more and try again, unless it was the bound.
    pub(super) fn ran_out(&self, e: &LibraryError) -> bool {
        self.more() && e.is_truncated()
    }

    /// Whether more input could follow this lexer's: the file goes on, or
    /// the current item's bound hides the rest.
    pub(super) fn more(&self) -> bool {
        self.origin.more || self.scan.capped()
    }

    /// The next byte to read.
    pub(super) fn pos(&self) -> usize {
        self.scan.pos()
    }

    /// Skips whitespace and returns where the next token starts.
    pub(super) fn skip_whitespace(&mut self) -> usize {
        self.scan.skip_whitespace()
    }

    pub(super) fn set_place(&mut self, place: Place<'a>) {
        self.place = place;
    }

    /// File offset where the last token returned by [`Self::next`] began.
    pub(super) fn tok_start(&self) -> usize {
        self.scan.tok_start()
    }

    /// The next significant token.
    pub(super) fn next(&mut self) -> Result<Tok, LibraryError> {
        self.scan.next().map_err(|e| self.scan_error(e))
    }

    /// The text content of the element `tag` that was just opened, up to and
    /// including its closing tag.
    #[inline]
    pub(super) fn text(&mut self, tag: Tag) -> Result<Cow<'a, str>, LibraryError> {
        self.scan.text(tag).map_err(|e| self.scan_error(e))
    }

    /// [`Self::text`] for the value of `key`, which errors name.
    #[inline]
    pub(super) fn value_text(&mut self, tag: Tag, key: &str) -> Result<Cow<'a, str>, LibraryError> {
        self.scan.text(tag).map_err(|e| match e {
            ScanError::TooLong { at, .. } => self.too_large(
                at,
                format!("the <{}> value of \"{key}\"", tag.name()),
                self.limits.max_field_bytes,
            ),
            e => self.scan_error(e),
        })
    }

    /// Consumes `markup` if it comes next (see [`Scanner::eat`]).
    #[inline(always)]
    pub(super) fn eat(&mut self, markup: &'static [u8]) -> bool {
        self.scan.eat(markup)
    }

    /// The next key of a dict, or `None` at its `</dict>`.
    pub(super) fn next_key(&mut self, dict: &str) -> Result<Option<Cow<'a, str>>, LibraryError> {
        if !self.eat(b"<key>") {
            match self.next()? {
                Tok::Open(Tag::Key) => {}
                Tok::Close(Tag::Dict) => return Ok(None),
                tok => return Err(self.unexpected(tok, &format!("<key> or </dict> in {dict}"))),
            }
        }
        self.text(Tag::Key).map(Some)
    }

    fn scan_error(&self, e: ScanError) -> LibraryError {
        match e {
            ScanError::Truncated => self.truncated(),
            ScanError::Malformed { at, reason } => self.malformed_at(at, reason),
            ScanError::TooLong { at, what } => {
                let what = match what {
                    Item::Text(Tag::Key) => "a <key>".to_owned(),
                    Item::Text(tag) => format!("a <{}> value", tag.name()),
                    Item::Markup(what) => what.to_owned(),
                };
                self.too_large(at, what, self.limits.max_field_bytes)
            }
        }
    }

    /// The error for `what`, starting at offset `at`, over `limit` bytes.
    fn too_large(&self, at: usize, what: String, limit: usize) -> LibraryError {
        LibraryError::TooLarge {
            format: LibraryFormat::AppleXml,
            at: self.position(at),
            track: self.track(),
            what,
            limit,
        }
    }

    /// The key of the track being read, if any.
    fn track(&self) -> Option<String> {
        match &self.place {
            Place::Track { key, .. } => Some(key.clone().into_owned()),
            _ => None,
        }
    }

    /// Reads the value of dict key `key`.
    pub(super) fn value(&mut self, key: &str) -> Result<Value<'a>, LibraryError> {
        let tok = self.next()?;
        match self.begin_value(tok, key)? {
            Some(Begun::Value(v)) => Ok(v),
            Some(Begun::Container(tag)) => {
                self.skip_container(tag, Cow::Borrowed(key))?;
                Ok(Value::Other(match tag {
                    Tag::Dict => "a <dict>",
                    _ => "an <array>",
                }))
            }
            None => Err(self.no_value(key, tok)),
        }
    }

    /// Reads the value of `key` and throws it away, after validating it.
    pub(super) fn skip_value(&mut self, key: Cow<'a, str>) -> Result<(), LibraryError> {
        let tok = self.next()?;
        match self.begin_value(tok, &key)? {
            Some(Begun::Value(_)) => Ok(()),
            Some(Begun::Container(tag)) => self.skip_container(tag, key),
            None => Err(self.no_value(&key, tok)),
        }
    }

    /// The error for a dict key followed by `tok` instead of a value.
    pub(super) fn no_value(&self, key: &str, tok: Tok) -> LibraryError {
        if tok == Tok::Eof {
            return self.truncated();
        }
        self.malformed_here(format!(
            "key \"{key}\" has no value: found {tok} where a value should be"
        ))
    }

    /// Starts reading the value of `key` whose first token is `tok`;
    /// `None` if `tok` cannot start a value.
    pub(super) fn begin_value(
        &mut self,
        tok: Tok,
        key: &str,
    ) -> Result<Option<Begun<'a>>, LibraryError> {
        let value = match tok {
            Tok::Open(Tag::String) => Value::Str(self.value_text(Tag::String, key)?),
            Tok::Open(Tag::Integer) => Value::Int(self.value_text(Tag::Integer, key)?),
            Tok::Open(Tag::Date) => Value::Date(self.value_text(Tag::Date, key)?),
            Tok::Open(Tag::Real) => {
                self.value_text(Tag::Real, key)?;
                Value::Other("a <real>")
            }
            Tok::Open(Tag::Data) => {
                self.value_text(Tag::Data, key)?;
                Value::Other("a <data>")
            }
            // `<true></true>` is the same element as `<true/>` in XML.
            Tok::Open(tag @ (Tag::True | Tag::False)) => {
                let start = self.tok_start();
                if !is_blank(&self.value_text(tag, key)?) {
                    return Err(self.malformed_at(start, format!("<{}> has content", tag.name())));
                }
                Value::Bool(tag == Tag::True)
            }
            Tok::Open(tag @ (Tag::Dict | Tag::Array)) => return Ok(Some(Begun::Container(tag))),
            Tok::Empty(Tag::True) => Value::Bool(true),
            Tok::Empty(Tag::False) => Value::Bool(false),
            Tok::Empty(Tag::String) => Value::Str(Cow::Borrowed("")),
            Tok::Empty(Tag::Dict) => Value::Other("an empty <dict/>"),
            Tok::Empty(Tag::Array) => Value::Other("an empty <array/>"),
            Tok::Empty(Tag::Integer) => Value::Other("an empty <integer/>"),
            Tok::Empty(Tag::Real) => Value::Other("an empty <real/>"),
            Tok::Empty(Tag::Date) => Value::Other("an empty <date/>"),
            Tok::Empty(Tag::Data) => Value::Other("an empty <data/>"),
            Tok::Open(Tag::Key | Tag::Plist) | Tok::Empty(Tag::Key | Tag::Plist) => {
                return Ok(None)
            }
            Tok::Close(_) | Tok::Eof => return Ok(None),
        };
        Ok(Some(Begun::Value(value)))
    }

    /// The error for `tok` where the parser expected something else.
    pub(super) fn unexpected(&self, tok: Tok, expected: &str) -> LibraryError {
        if tok == Tok::Eof {
            return self.truncated();
        }
        self.malformed_here(format!("expected {expected}, found {tok}"))
    }

    /// A malformed-file error at the start of the last token.
    pub(super) fn malformed_here(&self, reason: String) -> LibraryError {
        self.malformed_at(self.tok_start(), reason)
    }

    /// A malformed-file error at file offset `at`.
    pub(super) fn malformed_at(&self, at: usize, reason: String) -> LibraryError {
        LibraryError::Malformed {
            format: LibraryFormat::AppleXml,
            at: self.position(at),
            track: self.track(),
            reason,
        }
    }

    /// The file position of byte `at` of the input.
    fn position(&self, at: usize) -> Position {
        let Origin { base, lines, .. } = self.origin;
        lines.position(base, self.input, at)
    }

    /// The error for a document that ends where it does now; when the file
    /// goes on, a placeholder for [`Self::ran_out`] that costs nothing to
    /// build (no line count, no message).
    pub(super) fn truncated(&self) -> LibraryError {
        if self.more() {
            return LibraryError::Truncated {
                format: LibraryFormat::AppleXml,
                at: Position { line: 0, offset: 0 },
                context: String::new(),
            };
        }
        let context = match &self.place {
            Place::Prolog => "before the <plist> root element".to_owned(),
            Place::Header => "inside the library's top-level <dict>".to_owned(),
            Place::TopValue(key) => format!("inside the value of \"{key}\""),
            Place::Tracks => "inside the Tracks <dict>, between two tracks".to_owned(),
            Place::Track { key, start } => format!(
                "inside track {key}'s <dict> (opened at line {})",
                self.position(*start).line
            ),
            Place::Epilogue => "before </plist>".to_owned(),
        };
        LibraryError::Truncated {
            format: LibraryFormat::AppleXml,
            at: self.position(self.input.len()),
            context,
        }
    }
}

/// Whitespace-only text (indentation between elements).
fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}
