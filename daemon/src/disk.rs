//! The on-disk encoding of structured values: a layout byte, then postcard.
//! The only module that names postcard, as `protocol`'s codec is the only
//! one that names bincode (decision 0018 says why there are two).
//!
//! The layout byte lets a later version change a value's shape and still
//! tell old bytes from new; bytes with an unknown layout decode to `None`,
//! and callers treat that as "not there" (a store is rebuildable).

use serde::{de::DeserializeOwned, Serialize};

/// The layout of every value written today.
const LAYOUT_V1: u8 = 1;

/// Encodes `v` (plain data: encoding cannot fail).
pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    match postcard::to_extend(v, vec![LAYOUT_V1]) {
        Ok(bytes) => bytes,
        // Invariant: serializing owned plain data into a Vec cannot fail.
        Err(e) => unreachable!("postcard cannot fail on plain data: {e}"),
    }
}

/// Decodes what `encode` wrote; `None` for damaged or unknown bytes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    match bytes.split_first() {
        Some((&LAYOUT_V1, rest)) => postcard::from_bytes(rest).ok(),
        _ => None,
    }
}

/// Encodes without the layout byte, for values whose layout is fixed by
/// the container they sit in (cache records, the index checkpoint).
pub fn encode_bare<T: Serialize>(v: &T) -> Vec<u8> {
    match postcard::to_allocvec(v) {
        Ok(bytes) => bytes,
        // Invariant: serializing owned plain data into a Vec cannot fail.
        Err(e) => unreachable!("postcard cannot fail on plain data: {e}"),
    }
}

/// Decodes what `encode_bare` wrote.
pub fn decode_bare<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    postcard::from_bytes(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_foreign_bytes_are_none() {
        let v = (7u32, "björk".to_owned(), Some(-1i32));
        assert_eq!(
            decode::<(u32, String, Option<i32>)>(&encode(&v)),
            Some(v.clone())
        );
        assert_eq!(
            decode_bare::<(u32, String, Option<i32>)>(&encode_bare(&v)),
            Some(v)
        );
        assert_eq!(decode::<u32>(&[2, 0]), None, "an unknown layout");
        assert_eq!(decode::<u32>(&[]), None);
    }
}
