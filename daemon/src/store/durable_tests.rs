use super::*;
use crate::store::{KvRecord, PersistedKv};

fn entry(v: u8) -> PersistedKv {
    PersistedKv {
        value: vec![v; 8],
        negative: false,
        stored_at_ms: 1,
        expires_at_ms: None,
        tags: vec!["track:1".into()],
    }
}

fn segment_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("journal.")
        })
        .count()
}

#[test]
fn written_records_survive_a_stop_without_compaction() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.put_kv("ns", "kept", entry(1).fields()).unwrap();
        let e = s.set_last_run("gu", 7).unwrap();
        s.sync_blocking(e).unwrap();
        // Never written, so never acknowledged: may be lost, must not corrupt.
        s.put_kv("ns", "unwritten", entry(2).fields()).unwrap();
        // Dropped here with no compaction, like a process killed after
        // acknowledging "kept".
    }
    // A torn record at the end of the last segment.
    let last = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("journal.")
        })
        .max()
        .unwrap();
    let mut bytes = std::fs::read(&last).unwrap();
    bytes.extend_from_slice(&[40, 0, 0, 0, 1, 2]);
    std::fs::write(&last, &bytes).unwrap();
    let s = crate::store::open_again(dir.path()).unwrap();
    let (all, _) = s.load_kv().unwrap();
    assert!(
        all.iter().any(|r| r.key == "kept" && r.entry == entry(1)),
        "{all:?}"
    );
    assert_eq!(s.last_run("gu").unwrap(), Some(7));
}

#[test]
fn a_compaction_keeps_writes_made_during_it_and_drops_covered_segments() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let e = s.put_kv("ns", "a", entry(1).fields()).unwrap();
    s.sync_blocking(e).unwrap();
    let mut rotation = s.begin_compaction().unwrap();
    rotation.sync().unwrap();
    // A write after the rotation lands in the new segment, not the snapshot.
    let e = s.put_kv("ns", "b", entry(2).fields()).unwrap();
    s.sync_blocking(e).unwrap();
    let snapshot = vec![KvRecord {
        namespace: "ns".into(),
        key: "a".into(),
        entry: entry(1),
    }];
    s.write_kv_snapshot(&snapshot, &rotation).unwrap();
    s.end_compaction(rotation.covered).unwrap();
    assert_eq!(
        segment_files(dir.path()),
        1,
        "only the segment after the rotation is left"
    );
    drop(s);
    let s = crate::store::open_again(dir.path()).unwrap();
    let keys: Vec<String> = s.load_kv().unwrap().0.into_iter().map(|r| r.key).collect();
    assert_eq!(keys, vec!["a", "b"]);
}

/// The group commit used to drop the buffer of a write that failed, and
/// the writers behind it then "succeeded" with an empty write: the report
/// found acknowledged writes missing from the journal after a full disk.
#[test]
fn a_failed_write_fails_exactly_its_epoch_and_hands_back_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let before = s.put_kv("ns", "before", entry(1).fields()).unwrap();
    s.sync_blocking(before).unwrap();
    let doomed = s.put_kv("ns", "doomed", entry(2).fields()).unwrap();
    let run = s.set_last_run("gu", 9).unwrap();
    assert_eq!(doomed, run, "one epoch");
    // The next write(2) fails, as on a disk that is full or gone.
    let seg = s.journal.file.lock().current();
    let path = segment_of(dir.path());
    s.journal.file.lock().file = Arc::new(std::fs::File::open(&path).unwrap());
    let failure = s.sync_blocking(doomed).unwrap_err();
    assert_eq!(failure.lost, vec![("ns".to_owned(), "doomed".to_owned())]);
    assert_eq!(s.last_run("gu").unwrap(), None, "the run is forgotten");
    assert!(
        s.epoch_done(doomed).unwrap().is_err(),
        "a later look says failed too"
    );
    assert!(
        s.epoch_done(before).unwrap().is_ok(),
        "the earlier write stands"
    );
    assert!(s.degraded().is_some());
    assert!(
        matches!(
            s.put_kv("ns", "x", entry(3).fields()),
            Err(StoreError::Degraded(_))
        ),
        "refused before it is applied while degraded"
    );
    // A compaction heals the store.
    s.journal.file.lock().file = seg;
    let mut rotation = s.begin_compaction().unwrap();
    rotation.sync().unwrap();
    s.write_kv_snapshot(&[], &rotation).unwrap();
    s.end_compaction(rotation.covered).unwrap();
    assert!(s.degraded().is_none());
    let e = s.put_kv("ns", "after", entry(4).fields()).unwrap();
    s.sync_blocking(e).unwrap();
}

fn segment_of(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("journal.")
        })
        .max()
        .unwrap()
}
