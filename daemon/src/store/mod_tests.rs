use super::*;

#[test]
fn a_second_open_of_the_same_dir_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path()).unwrap();
    let err = Store::open(dir.path())
        .err()
        .expect("second open must fail");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
}

#[test]
fn a_schema_1_library_is_dropped_for_reimport_and_the_log_kept() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        let meta = s.db.open_tree(META_TREE).unwrap();
        meta.insert(SCHEMA_KEY, &1u32.to_be_bytes()).unwrap();
        s.library.insert(b"tABC", vec![1, 2]).unwrap();
        s.library.insert(b"msnapshot", vec![1]).unwrap();
        s.library.insert(b"mlog", vec![1, 3, 1]).unwrap();
        s.flush().unwrap();
    }
    let s = open_again(dir.path()).unwrap();
    assert!(s.library.get(b"tABC").unwrap().is_none());
    assert!(s.library.get(b"msnapshot").unwrap().is_none());
    assert!(s.library.get(b"mlog").unwrap().is_some());
    let meta = s.db.open_tree(META_TREE).unwrap();
    assert_eq!(
        meta.get(SCHEMA_KEY).unwrap().unwrap().as_ref(),
        &SCHEMA_VERSION.to_be_bytes()
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        let meta = s.db.open_tree(META_TREE).unwrap();
        meta.insert(SCHEMA_KEY, &99u32.to_be_bytes()).unwrap();
        s.flush().unwrap();
    }
    let err = open_again(dir.path())
        .err()
        .expect("newer schema must fail");
    assert!(err.to_string().contains("schema version 99"), "{err}");
}
