//! `plan` over directories: every file listed, explicit files checked
//! against their option, oldest files of a kind read first.

use super::*;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn every_file_is_listed_with_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "cache/album_years.csv",
        "artist,album,year\r\nA,B,1999\r\n",
    );
    write(d, "cache/cache.json", r#"{"h": [1, 99999999999]}"#);
    write(d, "last_incremental_run.log", "2025-09-10T12:00:00+00:00");
    write(d, "main/main.log", "INFO started\nINFO done\n");
    write(d, "cache/deeper/x.json", "{}");
    let p = plan(&Sources::dir(d)).unwrap();
    let listed: Vec<(&str, &str)> = p
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.holds.name()))
        .collect();
    assert_eq!(
        listed,
        [
            ("cache/album_years.csv", "album_years"),
            ("cache/cache.json", "generic_cache"),
            ("cache/deeper/", "not_understood"),
            ("last_incremental_run.log", "last_run"),
            ("main/main.log", "not_understood"),
        ]
    );
    assert_eq!(
        (
            p.album_years.len(),
            p.api.len(),
            p.generic.len(),
            p.last_runs.len()
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(p.generic[0].1.namespace, DEFAULT_NAMESPACE);
}

#[test]
fn explicit_files_must_hold_what_their_option_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "moved/years.csv", "artist,album,year\nA,B,1999\n");
    write(
        d,
        "moved/generic.json",
        r#"{"h": {"value": 1, "expires_at": 99999999999}}"#,
    );
    let s = Sources {
        dir: None,
        files: vec![(
            "--album-years",
            Holds::AlbumYears,
            d.join("moved/years.csv"),
        )],
        ..Sources::dir(d)
    };
    let p = plan(&s).unwrap();
    assert_eq!(
        (p.album_years.len(), p.files[0].given_as),
        (1, Some("--album-years"))
    );
    let s = Sources {
        dir: None,
        files: vec![(
            "--api-cache",
            Holds::ApiAnswers,
            d.join("moved/generic.json"),
        )],
        ..Sources::dir(d)
    };
    let e = plan(&s).unwrap_err().to_string();
    assert!(
        e.contains("--api-cache")
            && e.contains("the generic cache")
            && e.contains("not API answers"),
        "{e}"
    );
    let s = Sources {
        dir: None,
        files: vec![("--last-run", Holds::LastRun, d.join("nope.log"))],
        ..Sources::dir(d)
    };
    assert!(plan(&s).unwrap_err().to_string().contains("cannot read"));
    // An explicit file found again in the directory is read once.
    let s = Sources {
        files: vec![(
            "--album-years",
            Holds::AlbumYears,
            d.join("moved/years.csv"),
        )],
        ..Sources::dir(d)
    };
    assert_eq!(plan(&s).unwrap().album_years.len(), 1);
}

#[test]
fn no_cache_at_all_is_an_error_that_lists_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let e = plan(&Sources::dir(dir.path())).unwrap_err().to_string();
    assert!(
        e.contains("found no GenreUpdater cache") && e.contains("holds no files"),
        "{e}"
    );
    write(dir.path(), "cache.json", "{\"k\": ");
    let e = plan(&Sources::dir(dir.path())).unwrap_err().to_string();
    assert!(
        e.contains("cache.json: damaged (not valid JSON") && e.contains("line 1, column"),
        "{e}"
    );
    let e = plan(&Sources::dir(dir.path().join("nope")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not a directory"), "{e}");
}
