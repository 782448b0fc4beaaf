//! The tokens of a property list: its element names ([`Tag`]) and the
//! start, empty and end tags the scanner reports ([`Tok`]).

use std::fmt;

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
    /// The tag named `name`. Slice patterns compile to a length switch and
    /// inline byte compares: this runs for every tag of the file.
    #[inline]
    pub(super) fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            [b'k', b'e', b'y'] => Self::Key,
            [b's', b't', b'r', b'i', b'n', b'g'] => Self::String,
            [b'i', b'n', b't', b'e', b'g', b'e', b'r'] => Self::Integer,
            [b'd', b'i', b'c', b't'] => Self::Dict,
            [b'd', b'a', b't', b'e'] => Self::Date,
            [b't', b'r', b'u', b'e'] => Self::True,
            [b'f', b'a', b'l', b's', b'e'] => Self::False,
            [b'a', b'r', b'r', b'a', b'y'] => Self::Array,
            [b'r', b'e', b'a', b'l'] => Self::Real,
            [b'd', b'a', b't', b'a'] => Self::Data,
            [b'p', b'l', b'i', b's', b't'] => Self::Plist,
            _ => return None,
        })
    }

    /// If `rest` starts with this tag's end tag written plainly (`</key>`),
    /// its length. Each arm compares with a constant, which the compiler
    /// turns into a couple of loads instead of a memcmp call.
    #[inline]
    pub(super) fn closes_at(self, rest: &[u8]) -> Option<usize> {
        match self {
            Self::Key => prefix_len(rest, b"</key>"),
            Self::String => prefix_len(rest, b"</string>"),
            Self::Integer => prefix_len(rest, b"</integer>"),
            Self::Date => prefix_len(rest, b"</date>"),
            Self::Dict => prefix_len(rest, b"</dict>"),
            Self::Array => prefix_len(rest, b"</array>"),
            Self::Real => prefix_len(rest, b"</real>"),
            Self::Data => prefix_len(rest, b"</data>"),
            Self::True => prefix_len(rest, b"</true>"),
            Self::False => prefix_len(rest, b"</false>"),
            Self::Plist => prefix_len(rest, b"</plist>"),
        }
    }

    /// The element name as written.
    pub(super) fn name(self) -> &'static str {
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

/// `Some(prefix.len())` if `rest` starts with `prefix`.
#[inline(always)]
fn prefix_len(rest: &[u8], prefix: &'static [u8]) -> Option<usize> {
    rest.starts_with(prefix).then_some(prefix.len())
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

impl Tok {
    /// The start tags that make up nearly all of a library, written plainly,
    /// with their length after the `<`: recognised without scanning the name.
    #[inline]
    pub(super) fn common_start(rest: &[u8]) -> Option<(Self, usize)> {
        let (tok, len) = match rest.first()? {
            b'k' => (Tok::Open(Tag::Key), prefix_len(rest, b"key>")?),
            b's' => (Tok::Open(Tag::String), prefix_len(rest, b"string>")?),
            b'i' => (Tok::Open(Tag::Integer), prefix_len(rest, b"integer>")?),
            b'd' if rest.get(1) == Some(&b'a') => {
                (Tok::Open(Tag::Date), prefix_len(rest, b"date>")?)
            }
            b'd' => (Tok::Open(Tag::Dict), prefix_len(rest, b"dict>")?),
            b't' => (Tok::Empty(Tag::True), prefix_len(rest, b"true/>")?),
            _ => return None,
        };
        Some((tok, len))
    }
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
