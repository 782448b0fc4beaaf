//! Property-list tokens over quick-xml's borrowed reader, and the errors
//! they produce.
//!
//! The lexer owns the "where are we" state used in messages, so that every
//! error can say which track it was in and whether the file merely ends
//! early (truncated) or is wrong (malformed). It reads values (scalars, and
//! containers by skipping them with validation) but knows nothing about
//! tracks.

use std::borrow::Cow;
use std::fmt;

use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

use crate::library::{LibraryError, LibraryFormat, Position};

/// The element names a property list may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tag {
    Plist,
    Dict,
    Array,
    Key,
    String,
    Integer,
    Real,
    Date,
    Data,
    True,
    False,
}

impl Tag {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "key" => Self::Key,
            "string" => Self::String,
            "integer" => Self::Integer,
            "dict" => Self::Dict,
            "date" => Self::Date,
            "true" => Self::True,
            "false" => Self::False,
            "array" => Self::Array,
            "real" => Self::Real,
            "data" => Self::Data,
            "plist" => Self::Plist,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Plist => "plist",
            Self::Dict => "dict",
            Self::Array => "array",
            Self::Key => "key",
            Self::String => "string",
            Self::Integer => "integer",
            Self::Real => "real",
            Self::Date => "date",
            Self::Data => "data",
            Self::True => "true",
            Self::False => "false",
        }
    }
}

/// A significant XML event: whitespace, comments, the declaration and the
/// DOCTYPE are skipped by [`Lexer::next`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    Open(Tag),
    Empty(Tag),
    Close(Tag),
    Eof,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open(t) => write!(f, "<{}>", t.name()),
            Self::Empty(t) => write!(f, "<{}/>", t.name()),
            Self::Close(t) => write!(f, "</{}>", t.name()),
            Self::Eof => f.write_str("the end of the file"),
        }
    }
}

/// A value that was read. Scalar text is kept unparsed so that the caller
/// pays for number and date parsing only for the keys it wants.
pub(super) enum Value<'a> {
    Str(Cow<'a, str>),
    Int(Cow<'a, str>),
    Date(Cow<'a, str>),
    Bool(bool),
    /// `<real>`, `<data>`, a container, or an empty scalar: validated, not kept.
    Other,
}

/// The start of a value: a scalar read whole, or a container still open.
enum Begun<'a> {
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

/// Property-list tokens of one document.
pub(super) struct Lexer<'a> {
    reader: Reader<&'a [u8]>,
    /// The whole file, for line numbers in errors.
    input: &'a [u8],
    /// Bytes before what the reader sees (a UTF-8 BOM), so offsets in
    /// errors are offsets in the file.
    base: usize,
    /// File offset where the last token returned by `next` began.
    tok_start: usize,
    place: Place<'a>,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a [u8]) -> Self {
        let base = if input.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut reader = Reader::from_reader(&input[base..]);
        // Nesting is validated by the parser itself, which always knows the
        // one closing tag it expects; quick-xml's own check would copy every
        // element name onto a stack for nothing.
        reader.config_mut().check_end_names = false;
        Self {
            reader,
            input,
            base,
            tok_start: base,
            place: Place::Prolog,
        }
    }

    pub(super) fn set_place(&mut self, place: Place<'a>) {
        self.place = place;
    }

    /// File offset where the last token returned by [`Self::next`] began.
    pub(super) fn tok_start(&self) -> usize {
        self.tok_start
    }

    fn offset(&self) -> usize {
        self.base + self.reader.buffer_position() as usize
    }

    /// The next significant token.
    pub(super) fn next(&mut self) -> Result<Tok, LibraryError> {
        loop {
            self.tok_start = self.offset();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(self.xml_error(&e, self.tok_start)),
            };
            return Ok(match event {
                Event::Start(e) => Tok::Open(self.tag(e.name().as_ref())?),
                Event::Empty(e) => Tok::Empty(self.tag(e.name().as_ref())?),
                Event::End(e) => Tok::Close(self.tag(e.name().as_ref())?),
                Event::Text(t) if is_blank(&t) => continue,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
                Event::Text(_) | Event::GeneralRef(_) | Event::CData(_) => {
                    return Err(self.malformed_here(
                        "text outside of any <key> or value element; is this really \
                         an Apple Music or iTunes library XML file?"
                            .into(),
                    ))
                }
                Event::Eof => Tok::Eof,
            });
        }
    }

    fn tag(&self, name: &str) -> Result<Tag, LibraryError> {
        Tag::from_name(name).ok_or_else(|| {
            self.malformed_here(format!(
                "unexpected element <{name}>: a library is a property list, which has \
                 only plist, dict, array, key, string, integer, real, date, data, true \
                 and false elements"
            ))
        })
    }

    /// The text content of the element `tag` that was just opened, up to and
    /// including its closing tag. Borrowed from the input unless it had to
    /// be pieced together (entities, CDATA, CR normalisation).
    pub(super) fn text(&mut self, tag: Tag) -> Result<Cow<'a, str>, LibraryError> {
        let mut out = Cow::Borrowed("");
        loop {
            let at = self.offset();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(self.xml_error(&e, at)),
            };
            match event {
                Event::Text(t) => append(&mut out, t.into_inner()),
                Event::CData(t) => append(&mut out, t.into_inner()),
                Event::GeneralRef(r) => self.push_reference(&mut out, &r, at)?,
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(e) if e.name().as_ref() == tag.name() => break,
                Event::Eof => return Err(self.truncated()),
                Event::End(e) => {
                    return Err(self.malformed_at(
                        at,
                        format!("</{}> closes <{}>", e.name().as_ref(), tag.name()),
                    ))
                }
                Event::Start(e) | Event::Empty(e) => {
                    return Err(self.malformed_at(
                        at,
                        format!("element <{}> inside <{}>", e.name().as_ref(), tag.name()),
                    ))
                }
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(
                        self.malformed_at(at, format!("declaration inside <{}>", tag.name()))
                    )
                }
            }
        }
        // XML turns CRLF and lone CR into LF inside text; an export written
        // with CRLF line endings must give the same strings as one with LF.
        if out.contains('\r') {
            out = Cow::Owned(out.replace("\r\n", "\n").replace('\r', "\n"));
        }
        Ok(out)
    }

    /// Appends what `&name;` stands for: the five XML entities and
    /// character references such as `&#38;` (the only ones a plist has).
    fn push_reference(
        &self,
        out: &mut Cow<'a, str>,
        r: &BytesRef<'_>,
        at: usize,
    ) -> Result<(), LibraryError> {
        let bad = |why: String| self.malformed_at(at, why);
        match r.resolve_char_ref() {
            Ok(Some(c)) => out.to_mut().push(c),
            Ok(None) => match quick_xml::escape::resolve_xml_entity(r) {
                Some(s) => out.to_mut().push_str(s),
                None => {
                    return Err(bad(format!(
                        "unknown entity &{};: a property list only uses &amp; &lt; &gt; \
                         &quot; &apos; and numeric references",
                        &**r
                    )))
                }
            },
            Err(e) => return Err(bad(format!("bad character reference &{};: {e}", &**r))),
        }
        Ok(())
    }

    /// Reads the value of dict key `key`.
    pub(super) fn value(&mut self, key: &str) -> Result<Value<'a>, LibraryError> {
        let tok = self.next()?;
        match self.begin_value(tok)? {
            Some(Begun::Value(v)) => Ok(v),
            Some(Begun::Container(tag)) => {
                self.skip_container(tag, Cow::Owned(key.to_owned()))?;
                Ok(Value::Other)
            }
            None => Err(self.no_value(key, tok)),
        }
    }

    /// Reads the value of `key` and throws it away, after validating it.
    pub(super) fn skip_value(&mut self, key: Cow<'a, str>) -> Result<(), LibraryError> {
        let tok = self.next()?;
        match self.begin_value(tok)? {
            Some(Begun::Value(_)) => Ok(()),
            Some(Begun::Container(tag)) => self.skip_container(tag, key),
            None => Err(self.no_value(&key, tok)),
        }
    }

    /// The error for a dict key followed by `tok` instead of a value.
    fn no_value(&self, key: &str, tok: Tok) -> LibraryError {
        if tok == Tok::Eof {
            return self.truncated();
        }
        self.malformed_here(format!(
            "key \"{key}\" has no value: found {tok} where a value should be"
        ))
    }

    /// Starts reading a value whose first token is `tok`; `None` if `tok`
    /// cannot start a value.
    fn begin_value(&mut self, tok: Tok) -> Result<Option<Begun<'a>>, LibraryError> {
        let value = match tok {
            Tok::Open(Tag::String) => Value::Str(self.text(Tag::String)?),
            Tok::Open(Tag::Integer) => Value::Int(self.text(Tag::Integer)?),
            Tok::Open(Tag::Date) => Value::Date(self.text(Tag::Date)?),
            Tok::Open(tag @ (Tag::Real | Tag::Data)) => {
                self.text(tag)?;
                Value::Other
            }
            // `<true></true>` is the same element as `<true/>` in XML.
            Tok::Open(tag @ (Tag::True | Tag::False)) => {
                let start = self.tok_start;
                if !is_blank(&self.text(tag)?) {
                    return Err(self.malformed_at(start, format!("<{}> has content", tag.name())));
                }
                Value::Bool(tag == Tag::True)
            }
            Tok::Open(tag @ (Tag::Dict | Tag::Array)) => return Ok(Some(Begun::Container(tag))),
            Tok::Empty(Tag::True) => Value::Bool(true),
            Tok::Empty(Tag::False) => Value::Bool(false),
            Tok::Empty(Tag::String) => Value::Str(Cow::Borrowed("")),
            Tok::Empty(
                Tag::Dict | Tag::Array | Tag::Integer | Tag::Real | Tag::Date | Tag::Data,
            ) => Value::Other,
            Tok::Open(Tag::Key | Tag::Plist) | Tok::Empty(Tag::Key | Tag::Plist) => {
                return Ok(None)
            }
            Tok::Close(_) | Tok::Eof => return Ok(None),
        };
        Ok(Some(Begun::Value(value)))
    }

    /// Skips the dict or array `first` that was just opened, checking that
    /// it is well formed: every dict key has a value, every tag is closed.
    /// Iterative, so a deeply nested hostile file cannot overflow the stack.
    fn skip_container(&mut self, first: Tag, key: Cow<'a, str>) -> Result<(), LibraryError> {
        struct Open<'k> {
            tag: Tag,
            /// The key whose value this container is (for messages).
            key: Cow<'k, str>,
            /// In a dict: a key comes next (else a value).
            want_key: bool,
        }
        let mut stack = vec![Open {
            tag: first,
            key,
            want_key: true,
        }];
        while let Some(top) = stack.last_mut() {
            let tok = self.next()?;
            match (top.tag, top.want_key, tok) {
                (_, _, Tok::Eof) => return Err(self.truncated()),
                (Tag::Dict, true, Tok::Open(Tag::Key)) => {
                    top.key = self.text(Tag::Key)?;
                    top.want_key = false;
                }
                (Tag::Dict, true, Tok::Close(Tag::Dict))
                | (Tag::Array, _, Tok::Close(Tag::Array)) => {
                    stack.pop();
                }
                (Tag::Dict, true, tok) => {
                    return Err(self.malformed_here(format!(
                        "expected <key> or </dict> in the dict of \"{}\", found {tok}",
                        top.key
                    )))
                }
                (tag, _, tok) => {
                    top.want_key = true;
                    let key = top.key.clone();
                    match self.begin_value(tok)? {
                        Some(Begun::Value(_)) => {}
                        Some(Begun::Container(inner)) => stack.push(Open {
                            tag: inner,
                            key,
                            want_key: true,
                        }),
                        None if tag == Tag::Dict => return Err(self.no_value(&key, tok)),
                        None => {
                            return Err(self.malformed_here(format!(
                            "expected a value or </array> in the array of \"{key}\", found {tok}"
                        )))
                        }
                    }
                }
            }
        }
        Ok(())
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
        self.malformed_at(self.tok_start, reason)
    }

    /// A malformed-file error at file offset `at`.
    pub(super) fn malformed_at(&self, at: usize, reason: String) -> LibraryError {
        let track = match &self.place {
            Place::Track { key, .. } => Some(key.clone().into_owned()),
            _ => None,
        };
        LibraryError::Malformed {
            format: LibraryFormat::AppleXml,
            at: Position::locate(self.input, at),
            track,
            reason,
        }
    }

    /// The error for a document that ends where it does now.
    pub(super) fn truncated(&self) -> LibraryError {
        let context = match &self.place {
            Place::Prolog => "before the <plist> root element".to_owned(),
            Place::Header => "inside the library's top-level <dict>".to_owned(),
            Place::TopValue(key) => format!("inside the value of \"{key}\""),
            Place::Tracks => "inside the Tracks <dict>, between two tracks".to_owned(),
            Place::Track { key, start } => format!(
                "inside track {key}'s <dict> (opened at line {})",
                Position::locate(self.input, *start).line
            ),
            Place::Epilogue => "before </plist>".to_owned(),
        };
        LibraryError::Truncated {
            format: LibraryFormat::AppleXml,
            at: Position::locate(self.input, self.input.len()),
            context,
        }
    }

    /// Maps a quick-xml error. With all input in memory, quick-xml's syntax
    /// errors all mean "the input ended inside markup" (except `<!` followed
    /// by something unknown), and a bad reference or UTF-8 sequence at the
    /// very end is one cut in half: those are truncations.
    /// `event_start` is where the failed event began: quick-xml records a
    /// more precise position for markup errors but none for bad UTF-8.
    fn xml_error(&self, e: &quick_xml::Error, event_start: usize) -> LibraryError {
        use quick_xml::errors::SyntaxError;

        let at = event_start.max(self.base + self.reader.error_position() as usize);
        let cut_off = match e {
            quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => at + 2 >= self.input.len(),
            quick_xml::Error::Syntax(_) => true,
            _ => self.offset() >= self.input.len(),
        };
        if cut_off {
            return self.truncated();
        }
        self.malformed_at(at, format!("not well-formed XML: {e}"))
    }
}

/// Whitespace-only text (indentation between elements).
fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Appends `piece` to `out`, borrowing when `out` is still empty so the
/// common one-piece text costs no allocation.
fn append<'a>(out: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if out.is_empty() {
        *out = piece;
    } else {
        out.to_mut().push_str(&piece);
    }
}
