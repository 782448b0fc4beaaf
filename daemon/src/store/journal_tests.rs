use std::collections::HashSet;

use super::*;

fn ops() -> Vec<Op> {
    vec![
        Op::Insert {
            tree: 0,
            key: b"ns\0k".to_vec(),
            value: vec![1; 300],
        },
        Op::Remove {
            tree: 0,
            key: b"ns\0j".to_vec(),
        },
        Op::RemovePrefix {
            tree: 2,
            prefix: b"ns\0".to_vec(),
        },
    ]
}

/// Records written in place must keep the on-disk layout that older
/// journals were written in: these bytes are that layout, spelled out.
#[test]
fn the_record_layout_is_unchanged() {
    let mut buf = Vec::new();
    encode_insert(0, |k| k.extend_from_slice(b"n\0k"), |v| v.push(7), &mut buf);
    encode(
        &Op::Remove {
            tree: 1,
            key: b"x".to_vec(),
        },
        &mut buf,
    );
    let insert_payload = [1, 0, 3, 0, 0, 0, b'n', 0, b'k', 1, 0, 0, 0, 7];
    let remove_payload = [2, 1, 1, 0, 0, 0, b'x'];
    let mut want = Vec::new();
    for p in [&insert_payload[..], &remove_payload[..]] {
        want.extend_from_slice(&(p.len() as u32).to_le_bytes());
        want.extend_from_slice(&crc32fast::hash(p).to_le_bytes());
        want.extend_from_slice(p);
    }
    assert_eq!(buf, want);
}

/// The fsync thread and a compaction sync a segment outside the lock:
/// they get a handle only when something was appended since, and a
/// failed sync can ask for another.
#[test]
fn a_segment_is_handed_out_for_syncing_once_per_append() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = JournalFile::open(dir.path()).unwrap();
    assert!(j.take_unsynced().is_none(), "nothing appended yet");
    j.append(b"abc").unwrap();
    let f = j.take_unsynced().expect("appended since");
    f.sync_data().unwrap();
    assert!(j.take_unsynced().is_none(), "already handed out");
    j.mark_unsynced();
    assert!(j.take_unsynced().is_some(), "a failed sync is retried");
    j.append(b"def").unwrap();
    let (_, old) = j.rotate().unwrap();
    assert!(old.is_some(), "the old segment still needed a sync");
    assert!(j.take_unsynced().is_none(), "the new segment is clean");
    let (_, old) = j.rotate().unwrap();
    assert!(old.is_none(), "nothing appended to the segment rotated out");
}

#[test]
fn records_round_trip_and_a_torn_tail_is_dropped() {
    let mut buf = Vec::new();
    for op in ops() {
        encode(&op, &mut buf);
    }
    let whole = decode_all(&buf);
    assert_eq!((whole.ops, whole.torn, whole.damaged), (ops(), 0, 0));
    for cut in 1..buf.len() {
        let Decoded {
            ops: got,
            torn,
            damaged,
            ..
        } = decode_all(&buf[..cut]);
        assert_eq!(damaged, 0, "a cut is not damage");
        assert!(got.len() < 3, "cut {cut}");
        assert_eq!(got[..], ops()[..got.len()], "a prefix, in order");
        let mut whole = Vec::new();
        for op in &got {
            encode(op, &mut whole);
        }
        assert_eq!(torn, cut - whole.len(), "the rest is reported torn");
    }
}

/// One flipped byte used to stop the replay: every record after it was
/// lost (4,500 of 5,000 acknowledged writes in the report). Now only the
/// damaged record is, and the damage is counted.
#[test]
fn a_damaged_record_costs_that_record_only() {
    let many: Vec<Op> = (0..5000u32)
        .map(|i| Op::Insert {
            tree: 0,
            key: format!("ns\0k{i}").into_bytes(),
            value: i.to_le_bytes().repeat(8),
        })
        .collect();
    let mut buf = Vec::new();
    for op in &many {
        encode(op, &mut buf);
    }
    for at in [10, buf.len() / 10, buf.len() / 2, buf.len() - 100] {
        let mut damaged = buf.clone();
        damaged[at] ^= 0x41;
        let d = decode_all(&damaged);
        assert_eq!(d.ops.len(), 4999, "byte {at}: one record lost");
        assert!(
            d.damaged > 0 && d.damaged_regions == 1,
            "byte {at}: reported"
        );
        assert_eq!(d.torn, 0);
        let kept: HashSet<&Op> = d.ops.iter().collect();
        assert_eq!(many.iter().filter(|op| !kept.contains(op)).count(), 1);
    }
    // Damage in the last record cannot be told from a write cut short.
    let mut damaged = buf.clone();
    let last = damaged.len() - 3;
    damaged[last] ^= 0x41;
    let d = decode_all(&damaged);
    assert_eq!((d.ops.len(), d.damaged), (4999, 0));
    assert!(d.torn > 0);
    // Damage in the length field of a record is skipped the same way.
    let mut damaged = buf.clone();
    damaged[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(decode_all(&damaged).ops.len(), 4999);
}

/// A write that fails half-way must not leave part of itself in the
/// segment: later appends would come after a torn record.
#[test]
fn a_failed_append_leaves_the_segment_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = JournalFile::open(dir.path()).unwrap();
    let mut rec = Vec::new();
    encode(&ops()[0], &mut rec);
    j.append(&rec).unwrap();
    // A read-only handle makes the next write fail, as a full disk would.
    let path = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    j.file = Arc::new(File::open(&path).unwrap());
    assert!(j.append(&rec).is_err());
    assert_eq!(std::fs::metadata(&path).unwrap().len(), rec.len() as u64);
}

#[test]
fn segments_are_replayed_in_order_and_dropped_after_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, found) = JournalFile::open(dir.path()).unwrap();
    assert!(found.ops.is_empty());
    let rec = |op: &Op| {
        let mut b = Vec::new();
        encode(op, &mut b);
        b
    };
    j.append(&rec(&ops()[0])).unwrap();
    let (covered, unsynced) = j.rotate().unwrap();
    assert!(unsynced.is_some(), "the old segment was appended to");
    j.append(&rec(&ops()[1])).unwrap();
    drop(j);
    // A crash before the snapshot: both segments come back, in order.
    let (j, found) = JournalFile::open(dir.path()).unwrap();
    assert_eq!((found.ops, found.torn), (ops()[..2].to_vec(), 0));
    j.drop_upto(covered).unwrap();
    drop(j);
    let (_, found) = JournalFile::open(dir.path()).unwrap();
    assert_eq!(
        found.ops,
        vec![ops()[1].clone()],
        "only the uncovered segment is left"
    );
}
