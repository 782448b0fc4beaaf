//! Reading the scalar values the parser keeps (header keys and track
//! fields) with the type each key expects.
//!
//! Each reader first tries the plain spelling of the element it expects
//! (`<string>` right after the key), which is what nearly every value of a
//! real export looks like, before the general path. A value of another type
//! is validated and then treated as missing; a value of the right type that
//! does not parse (an `<integer>` that is not a whole number) is malformed.

use super::lexer::{Lexer, Value};
use super::token::Tag;
use crate::sources::LibraryError;

/// Keeps the last well-typed value of a key.
pub(super) fn set<T>(field: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *field = value;
    }
}

/// The value of `key` if it is a `<string>`; other value types are
/// validated and ignored, as a missing key would be.
pub(super) fn string_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<String>, LibraryError> {
    if lx.eat(b"<string>") {
        return Ok(Some(lx.text(Tag::String)?.into_owned()));
    }
    Ok(match lx.value(key)? {
        Value::Str(s) => Some(s.into_owned()),
        _ => None,
    })
}

/// The value of `key` if it is an `<integer>`; an `<integer>` that is not a
/// 64-bit whole number is a malformed file.
pub(super) fn int_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<i64>, LibraryError> {
    let text = if lx.eat(b"<integer>") {
        lx.text(Tag::Integer)?
    } else {
        let Value::Int(text) = lx.value(key)? else {
            return Ok(None);
        };
        text
    };
    match parse_integer(&text) {
        Ok(n) => Ok(Some(n)),
        Err(e) => Err(lx.malformed_here(format!(
            "the <integer> of \"{key}\" is {text:?}, which is not a 64-bit whole number ({e})"
        ))),
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

/// The value of `key` as Unix seconds if it is a `<date>`; a `<date>` that
/// does not parse is a malformed file.
pub(super) fn date_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<i64>, LibraryError> {
    let text = if lx.eat(b"<date>") {
        lx.text(Tag::Date)?
    } else {
        let Value::Date(text) = lx.value(key)? else {
            return Ok(None);
        };
        text
    };
    match crate::sources::plist_date::parse_plist_date(&text) {
        Some(seconds) => Ok(Some(seconds)),
        None => Err(lx.malformed_here(format!(
            "the <date> of \"{key}\" is {text:?}, not a date like 2020-09-09T10:11:28Z"
        ))),
    }
}

/// The value of `key` if it is `<true/>` or `<false/>`; `None` otherwise.
pub(super) fn bool_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<bool>, LibraryError> {
    if lx.eat(b"<true/>") {
        return Ok(Some(true));
    }
    Ok(match lx.value(key)? {
        Value::Bool(b) => Some(b),
        _ => None,
    })
}
