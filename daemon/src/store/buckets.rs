//! The bucket layout of the tracks (and of the sled cache snapshot of
//! earlier versions, still read when upgrading): many
//! small records stored as a few hundred large sled values, because sled
//! takes ~20 µs per small insert and a tenth of that per byte in large ones.
//!
//! Layout, version 1: `[1][count: u32 LE]` then per record
//! `[key length: u16 LE][key][value length: u32 LE][value]`. One record is
//! found by walking the lengths, without decoding the others.

use std::collections::BTreeMap;

const LAYOUT: u8 = 1;

/// The bucket of `key` among `buckets`.
pub fn bucket_of(key: &[u8], buckets: u32) -> u32 {
    (xxhash_rust::xxh3::xxh3_64(key) % u64::from(buckets)) as u32
}

/// The sled key of bucket `b` under a one-byte prefix.
pub fn bucket_key(prefix: u8, b: u32) -> [u8; 5] {
    let mut k = [prefix; 5];
    k[1..].copy_from_slice(&b.to_be_bytes());
    k
}

/// Walks a bucket's records. Stops at the first malformed one (a damaged
/// bucket yields what precedes the damage).
pub fn records(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let count = match bytes {
        [LAYOUT, a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    };
    let mut at = 5;
    (0..count).map_while(move |_| {
        let key_len = usize::from(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
        let key = bytes.get(at + 2..at + 2 + key_len)?;
        at += 2 + key_len;
        let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let value = bytes.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((key, value))
    })
}

/// Encodes records (keys longer than u16::MAX bytes cannot occur: callers
/// store track ids and cache keys of at most 1 KiB plus a namespace).
pub fn encode<'a>(recs: impl ExactSizeIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<u8> {
    let mut out = vec![LAYOUT];
    out.extend_from_slice(&(recs.len() as u32).to_le_bytes());
    for (k, v) in recs {
        let k = &k[..k.len().min(usize::from(u16::MAX))];
        out.extend_from_slice(&(k.len() as u16).to_le_bytes());
        out.extend_from_slice(k);
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
        out.extend_from_slice(v);
    }
    out
}

/// Encodes a map of records.
pub fn encode_map(map: &BTreeMap<Vec<u8>, Vec<u8>>) -> Vec<u8> {
    encode(map.iter().map(|(k, v)| (&k[..], &v[..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let mut m = BTreeMap::new();
        m.insert(b"A".to_vec(), vec![1, 2, 3]);
        m.insert("Björk".as_bytes().to_vec(), vec![]);
        let bytes = encode_map(&m);
        let got: Vec<(&[u8], &[u8])> = records(&bytes).collect();
        assert_eq!(
            got,
            vec![(&b"A"[..], &[1u8, 2, 3][..]), ("Björk".as_bytes(), &[][..])]
        );
        assert_eq!(
            records(&bytes[..bytes.len() - 1]).count(),
            1,
            "damaged tail"
        );
        assert_eq!(records(&[7, 1, 0, 0, 0]).count(), 0, "unknown layout");
        assert_eq!(records(&[]).count(), 0);
    }

    #[test]
    fn keys_spread_over_buckets() {
        let used: std::collections::HashSet<u32> = (0..5000)
            .map(|i| bucket_of(format!("{i:016X}").as_bytes(), 512))
            .collect();
        assert!(used.len() > 500, "{}", used.len());
    }
}
