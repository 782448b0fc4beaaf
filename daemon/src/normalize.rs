//! The one normalization used everywhere names are matched: track filters,
//! album keys of the album-year and API caches, dependency tags.
//!
//! `normalize(s)` = Unicode NFKC, then lower-case, then whitespace trimmed at
//! both ends and every inner run of whitespace collapsed to one space. So
//! "The Wall ", "the  wall" and "ＴＨＥ ＷＡＬＬ" (full-width) all meet. Accents are
//! kept: "Björk" and "Bjork" are different artists.

use unicode_normalization::UnicodeNormalization;

/// The normalized form of a name.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    };
    if s.is_ascii() {
        // ASCII is already NFKC; skip the decomposition machinery.
        for c in s.chars() {
            push(c.to_ascii_lowercase(), &mut out);
        }
    } else {
        for c in s.nfkc().flat_map(char::to_lowercase) {
            push(c, &mut out);
        }
    }
    out
}

/// Whether two names normalize to the same form.
pub fn same(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_folds_case_and_collapses_whitespace() {
        assert_eq!(normalize("  The   Wall "), "the wall");
        assert_eq!(normalize("The\tWall\n"), "the wall");
        assert!(same("The Wall ", "the wall"));
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("   "), "");
    }

    #[test]
    fn applies_nfkc_and_unicode_case() {
        assert_eq!(
            normalize("ＴＨＥ ＷＡＬＬ"),
            "the wall",
            "full-width letters"
        );
        assert_eq!(normalize("ÉTÉ"), "été");
        // Composed and decomposed é meet.
        assert!(same("Caf\u{e9}", "Cafe\u{301}"));
        assert_eq!(normalize("ﬁve"), "five", "ligature");
        assert_eq!(
            normalize("Sigur\u{a0}Rós"),
            "sigur rós",
            "no-break space is whitespace"
        );
    }

    #[test]
    fn keeps_accents_and_punctuation() {
        assert!(!same("Björk", "Bjork"));
        assert_eq!(normalize("AC/DC & Friends"), "ac/dc & friends");
    }
}
