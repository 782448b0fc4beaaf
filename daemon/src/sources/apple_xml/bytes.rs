//! Byte searches for the scanner, hand-written where the general tools
//! (memchr) cost more than they save on the short texts of a library.

/// The first `<`, `&` or CR in `b` at or after `from`.
///
/// Hand-written SWAR (eight bytes per step with the "has zero byte" bit
/// trick) because this runs on every text of the file and most texts are
/// shorter than what memchr3 needs to pay off its setup.
#[inline]
pub(super) fn find_special(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Bytes of `v` equal to `c` get their high bit set (the lowest such
    // byte reliably; higher ones may be false positives, which is fine as
    // only the first match is used).
    let has = |v: u64, c: u8| {
        let x = v ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut j = from;
    while let Some(chunk) = b.get(j..).and_then(<[u8]>::first_chunk::<8>) {
        let v = u64::from_le_bytes(*chunk);
        let hits = has(v, b'<') | has(v, b'&') | has(v, b'\r');
        if hits != 0 {
            return Some(j + (hits.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    let tail = b.get(j..)?;
    tail.iter()
        .position(|&c| matches!(c, b'<' | b'&' | b'\r'))
        .map(|n| j + n)
}

#[cfg(test)]
mod tests {
    use super::find_special;

    #[test]
    fn finds_the_first_special_byte_at_every_position() {
        for len in 0..40 {
            for at in 0..len {
                for special in [b'<', b'&', b'\r'] {
                    let mut text = vec![b'a'; len];
                    text[at] = special;
                    // A later special byte must not hide the first one.
                    if at + 3 < len {
                        text[at + 3] = b'<';
                    }
                    for from in 0..=at {
                        assert_eq!(find_special(&text, from), Some(at), "{len} {at} {from}");
                    }
                }
            }
            assert_eq!(find_special(&vec![b'x'; len], 0), None);
        }
        // Multi-byte UTF-8 never contains these bytes.
        assert_eq!(find_special("é€<".as_bytes(), 0), Some(5));
    }
}
