//! Fields of a JSON Lines track read leniently: a value of the wrong kind
//! (a year as a string, a date that is no date) is kept as [`Loose::Bad`]
//! rather than failing the line, so that the parser can drop it with a
//! warning, as the apple-xml parser does, instead of refusing the library.
//!
//! This is JSON-only machinery (`deserialize_any`), which is why it lives
//! on the input-only `TrackLine` and never on the protocol types.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::sources::plist_date::parse_plist_date;

/// A field as read.
#[derive(Debug, Default)]
pub(super) enum Loose<T> {
    /// Missing or `null`.
    #[default]
    Absent,
    /// A usable value.
    Value(T),
    /// A value that cannot be used: what it was, e.g. `is "x", not a number`.
    Bad(String),
}

impl<T> Loose<T> {
    /// The value, reporting a bad one to `dropped` with the field's name.
    pub(super) fn take(self, field: &str, dropped: &mut dyn FnMut(&str, String)) -> Option<T> {
        match self {
            Self::Absent => None,
            Self::Value(v) => Some(v),
            Self::Bad(why) => {
                dropped(field, why);
                None
            }
        }
    }
}

impl<T: fmt::Display> Loose<T> {
    /// [`Self::take`], also dropping a value that is not `ok`.
    pub(super) fn take_if(
        self,
        field: &str,
        dropped: &mut dyn FnMut(&str, String),
        ok: impl FnOnce(&T) -> bool,
    ) -> Option<T> {
        match self.take(field, dropped) {
            Some(v) if !ok(&v) => {
                dropped(field, format!("is {v}, out of range"));
                None
            }
            v => v,
        }
    }
}

/// A scalar a field may hold, and how each kind of JSON value becomes one.
pub(super) trait Scalar: Sized {
    /// What the field wants, for messages.
    const EXPECTED: &'static str;

    fn from_i64(v: i64) -> Result<Self, String> {
        Err(format!("is the number {v}"))
    }
    fn from_u64(v: u64) -> Result<Self, String> {
        Err(format!("is the number {v}"))
    }
    fn from_f64(v: f64) -> Result<Self, String> {
        Err(format!("is the number {v}"))
    }
    fn from_str(v: &str) -> Result<Self, String> {
        Err(format!("is the string {:?}", shown(v)))
    }
}

impl Scalar for String {
    const EXPECTED: &'static str = "a string";

    fn from_str(v: &str) -> Result<Self, String> {
        Ok(v.to_owned())
    }
}

/// Integers of the model: a number in the type's range.
macro_rules! integer {
    ($($t:ty => $expected:literal),*) => {$(
        impl Scalar for $t {
            const EXPECTED: &'static str = $expected;

            fn from_i64(v: i64) -> Result<Self, String> {
                Self::try_from(v).map_err(|_| format!("is {v}, out of range"))
            }
            fn from_u64(v: u64) -> Result<Self, String> {
                Self::try_from(v).map_err(|_| format!("is {v}, out of range"))
            }
        }
    )*};
}
integer!(
    u8 => "a whole number from 0 to 255",
    u32 => "a whole number from 0 to 4294967295",
    u64 => "a whole number, not negative",
    i32 => "a whole number"
);

/// A date: integer (or fractional) Unix seconds, or an RFC 3339 / ISO 8601
/// string, as the apple-xml `<date>` takes them.
#[derive(Debug)]
pub(super) struct Date(pub(super) i64);

impl Scalar for Date {
    const EXPECTED: &'static str = "a date (Unix seconds, or a string like 2020-09-09T10:11:28Z)";

    fn from_i64(v: i64) -> Result<Self, String> {
        Ok(Self(v))
    }
    fn from_u64(v: u64) -> Result<Self, String> {
        i64::try_from(v)
            .map(Self)
            .map_err(|_| format!("is {v}, out of range"))
    }
    fn from_f64(v: f64) -> Result<Self, String> {
        // `as` saturates; an absurd date is still only a date.
        if v.is_finite() {
            Ok(Self(v.floor() as i64))
        } else {
            Err(format!("is {v}"))
        }
    }
    fn from_str(v: &str) -> Result<Self, String> {
        OffsetDateTime::parse(v, &Rfc3339)
            .map(|t| t.unix_timestamp())
            .ok()
            .or_else(|| parse_plist_date(v))
            .map(Self)
            .ok_or_else(|| format!("is {:?}", shown(v)))
    }
}

/// At most the first 40 characters of `text`, for a message.
fn shown(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

impl<'de, T: Scalar> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Fine here: this type is only ever read from JSON.
        deserializer.deserialize_any(LooseVisitor(PhantomData))
    }
}

struct LooseVisitor<T>(PhantomData<T>);

impl<T: Scalar> LooseVisitor<T> {
    fn wrap(r: Result<T, String>) -> Loose<T> {
        match r {
            Ok(v) => Loose::Value(v),
            Err(why) => Loose::Bad(format!("{why}, not {}", T::EXPECTED)),
        }
    }
}

impl<'de, T: Scalar> Visitor<'de> for LooseVisitor<T> {
    type Value = Loose<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Self::wrap(Err(format!("is {v}"))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Self::wrap(T::from_i64(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Self::wrap(T::from_u64(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Self::wrap(T::from_f64(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Self::wrap(T::from_str(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Loose::Absent)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Loose::Absent)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::wrap(Err("is an array".into())))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::wrap(Err("is an object".into())))
    }
}
