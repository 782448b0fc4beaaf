//! Names in the cache: client namespaces and keys are validated here;
//! internal namespaces (`@album_year`, ...) can never be named by a client.

use super::generic::CacheError;

/// Most namespaces one daemon keeps; guards memory against a client that
/// invents a namespace per request.
pub const MAX_NAMESPACES: usize = 1024;
/// Longest key in bytes.
pub const MAX_KEY_LEN: usize = 1024;

/// The namespace that holds a content type's entries.
pub fn internal_name(content_type: &str) -> String {
    format!("@{content_type}")
}

/// Checks a client namespace name: 1-64 characters of `A-Za-z0-9_.:-`
/// (so never an internal `@` name).
pub fn validate_namespace(ns: &str) -> Result<(), CacheError> {
    let ok = !ns.is_empty()
        && ns.len() <= 64
        && ns
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(CacheError::BadName(format!(
            "invalid namespace {ns:?}: use 1-64 characters of A-Z a-z 0-9 _ . : -"
        )))
    }
}

pub(super) fn validate_key(key: &str) -> Result<(), CacheError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(CacheError::BadName(format!(
            "invalid key of {} bytes: keys must be 1-{MAX_KEY_LEN} bytes",
            key.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names_are_validated() {
        for ok in ["a", "music.brainz:v1", "A_b-9"] {
            assert!(validate_namespace(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "has space",
            "nul\0",
            &"x".repeat(65),
            "é",
            "@album_year",
        ] {
            assert!(validate_namespace(bad).is_err(), "{bad:?}");
        }
        assert!(validate_key("").is_err());
        assert!(validate_key(&"k".repeat(MAX_KEY_LEN + 1)).is_err());
    }
}
