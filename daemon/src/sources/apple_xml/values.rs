//! Reading the scalar values the parser keeps (header keys and track
//! fields) with the type each key expects.
//!
//! Each reader first tries the plain spelling of the element it expects
//! (`<string>` right after the key), which is what nearly every value of a
//! real export looks like, before the general path.
//!
//! A value that is there but unusable (another type than the key's, an
//! `<integer>` that is not a whole number, a `<date>` that is no date, a
//! number out of its field's range) is dropped: the field is left unknown
//! and the lexer counts a warning. The file still loads, and nothing can
//! serve a stale answer for it: a field that becomes unknown is a change
//! like any other, and invalidates what depends on it.

use super::lexer::{Lexer, Value};
use super::token::Tag;
use crate::sources::LibraryError;

/// Keeps the last well-typed value of a key.
pub(super) fn set<T>(field: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *field = value;
    }
}

/// What a value that is not the expected type is, for messages.
fn kind(value: &Value<'_>) -> &'static str {
    match value {
        Value::Str(_) => "a <string>",
        Value::Int(_) => "an <integer>",
        Value::Date(_) => "a <date>",
        Value::Bool(true) => "<true/>",
        Value::Bool(false) => "<false/>",
        Value::Other(what) => what,
    }
}

/// Reads the value of `key` the general way; a value that `pick` does not
/// take is dropped with a warning that it is not `expected`.
fn general<'a, T>(
    lx: &mut Lexer<'a>,
    key: &str,
    expected: &str,
    pick: impl FnOnce(Value<'a>) -> Result<T, Value<'a>>,
) -> Result<Option<T>, LibraryError> {
    let at = lx.skip_whitespace();
    match pick(lx.value(key)?) {
        Ok(v) => Ok(Some(v)),
        Err(other) => {
            let what = kind(&other);
            lx.drop_value(at, key, || format!("is {what}, not {expected}"));
            Ok(None)
        }
    }
}

/// The value of `key` if it is a `<string>`.
pub(super) fn string_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<String>, LibraryError> {
    if lx.eat(b"<string>") {
        return Ok(Some(lx.value_text(Tag::String, key)?.into_owned()));
    }
    general(lx, key, "a <string>", |v| match v {
        Value::Str(s) => Ok(s.into_owned()),
        v => Err(v),
    })
}

/// The value of `key` if it is an `<integer>` holding a 64-bit whole number.
pub(super) fn int_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<i64>, LibraryError> {
    let at = lx.skip_whitespace();
    let text = if lx.eat(b"<integer>") {
        lx.value_text(Tag::Integer, key)?
    } else {
        match general(lx, key, "an <integer>", |v| match v {
            Value::Int(text) => Ok(text),
            v => Err(v),
        })? {
            Some(text) => text,
            None => return Ok(None),
        }
    };
    match parse_integer(&text) {
        Ok(n) => Ok(Some(n)),
        Err(e) => {
            lx.drop_value(at, key, || {
                let text = shown(&text);
                format!("is the <integer> {text:?}, which is not a 64-bit whole number ({e})")
            });
            Ok(None)
        }
    }
}

/// An `<integer>`'s text: plain digits take a short loop (this runs for
/// about ten keys of every track); anything else goes through `str::parse`,
/// after trimming the whitespace XML allows around it.
fn parse_integer(text: &str) -> Result<i64, std::num::ParseIntError> {
    let b = text.as_bytes();
    if (1..=18).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        // 18 digits cannot overflow an i64.
        return Ok(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')));
    }
    text.trim().parse::<i64>()
}

/// The value of `key` as `T` if it is an `<integer>` in `T`'s range (and
/// `ok` for it): counts, sizes and durations are never negative, and a
/// wrapped or clamped number would be a lie.
pub(super) fn ranged<T: TryFrom<i64>>(
    lx: &mut Lexer<'_>,
    key: &str,
    ok: impl FnOnce(&T) -> bool,
) -> Result<Option<T>, LibraryError> {
    let at = lx.skip_whitespace();
    let Some(n) = int_value(lx, key)? else {
        return Ok(None);
    };
    match T::try_from(n).ok().filter(ok) {
        Some(v) => Ok(Some(v)),
        None => {
            lx.drop_value(at, key, || format!("is {n}, out of range"));
            Ok(None)
        }
    }
}

/// The value of `key` as Unix seconds if it is a `<date>` that parses (see
/// `plist_date`).
pub(super) fn date_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<i64>, LibraryError> {
    let at = lx.skip_whitespace();
    let text = if lx.eat(b"<date>") {
        lx.value_text(Tag::Date, key)?
    } else {
        match general(lx, key, "a <date>", |v| match v {
            Value::Date(text) => Ok(text),
            v => Err(v),
        })? {
            Some(text) => text,
            None => return Ok(None),
        }
    };
    match crate::sources::plist_date::parse_plist_date(&text) {
        Some(seconds) => Ok(Some(seconds)),
        None => {
            lx.drop_value(at, key, || {
                let text = shown(&text);
                format!("is the <date> {text:?}, not a date like 2020-09-09T10:11:28Z")
            });
            Ok(None)
        }
    }
}

/// At most the first 40 characters of `text`, for a message.
fn shown(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The value of `key` if it is `<true/>` or `<false/>`.
pub(super) fn bool_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<bool>, LibraryError> {
    if lx.eat(b"<true/>") {
        return Ok(Some(true));
    }
    general(lx, key, "<true/> or <false/>", |v| match v {
        Value::Bool(b) => Ok(b),
        v => Err(v),
    })
}
