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
    let (mut j, _, _) = JournalFile::open(dir.path()).unwrap();
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
    assert_eq!(decode_all(&buf), (ops(), 0));
    for cut in 1..buf.len() {
        let (got, torn) = decode_all(&buf[..cut]);
        assert!(got.len() < 3, "cut {cut}");
        assert_eq!(got[..], ops()[..got.len()], "a prefix, in order");
        let mut whole = Vec::new();
        for op in &got {
            encode(op, &mut whole);
        }
        assert_eq!(torn, cut - whole.len(), "the rest is reported torn");
    }
    let mut damaged = buf.clone();
    damaged[12] ^= 0xff;
    assert_eq!(
        decode_all(&damaged).0.len(),
        0,
        "a bad checksum stops the replay"
    );
}

#[test]
fn segments_are_replayed_in_order_and_dropped_after_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, found, _) = JournalFile::open(dir.path()).unwrap();
    assert!(found.is_empty());
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
    let (j, found, torn) = JournalFile::open(dir.path()).unwrap();
    assert_eq!((found, torn), (ops()[..2].to_vec(), 0));
    j.drop_upto(covered).unwrap();
    drop(j);
    let (_, found, _) = JournalFile::open(dir.path()).unwrap();
    assert_eq!(
        found,
        vec![ops()[1].clone()],
        "only the uncovered segment is left"
    );
}
