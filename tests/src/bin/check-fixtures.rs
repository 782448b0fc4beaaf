//! Parses every library listed in a fixtures folder's README.md with the
//! daemon's apple-xml parser and checks the track counts the README gives:
//! `check-fixtures /work/shared/fixtures`. Exits non-zero on any mismatch.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::Parser;
use trackcache_daemon::sources::{parse, LibraryFormat};

/// Check real-world library files against the counts in their README.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Fixtures folder holding README.md and the files it lists.
    dir: PathBuf,
}

/// What the README says a file should give.
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    Tracks(usize),
    Error,
}

fn main() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let readme_path = args.dir.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .with_context(|| format!("cannot read {}", readme_path.display()))?;
    let rows = table_rows(&readme).with_context(|| format!("in {}", readme_path.display()))?;
    if rows.is_empty() {
        bail!("{} lists no files", readme_path.display());
    }
    let mut failures = 0;
    for (file, expected) in &rows {
        if !check(&args.dir, file, expected) {
            failures += 1;
        }
    }
    println!(
        "{} files, {} ok, {failures} failed",
        rows.len(),
        rows.len() - failures
    );
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Parses one file and prints its line; true when it is as expected.
fn check(dir: &Path, file: &str, expected: &Expected) -> bool {
    let bytes = match std::fs::read(dir.join(file)) {
        Ok(bytes) => bytes,
        Err(e) => {
            println!("FAIL  {file}: cannot read it: {e}");
            return false;
        }
    };
    let started = Instant::now();
    let result = parse(LibraryFormat::AppleXml, &bytes);
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let (ok, got) = match (&result, expected) {
        (Ok(lib), Expected::Tracks(n)) => (
            lib.tracks.len() == *n,
            match &lib.warnings.first {
                None => format!("{} tracks", lib.tracks.len()),
                Some(first) => format!(
                    "{} tracks, {} values dropped (the first: {first})",
                    lib.tracks.len(),
                    lib.warnings.count
                ),
            },
        ),
        (Ok(lib), Expected::Error) => (false, format!("{} tracks", lib.tracks.len())),
        (Err(e), Expected::Tracks(_)) => (false, format!("error: {e}")),
        (Err(e), Expected::Error) => (true, format!("error: {e}")),
    };
    let want = match expected {
        Expected::Tracks(n) => format!("{n} tracks"),
        Expected::Error => "an error".to_owned(),
    };
    let status = if ok { "ok  " } else { "FAIL" };
    println!("{status}  {file}: expected {want}, got {got} ({ms:.1} ms)");
    ok
}

/// The `file` and `tracks` columns of the README's markdown table.
fn table_rows(readme: &str) -> anyhow::Result<Vec<(String, Expected)>> {
    let mut columns: Option<(usize, usize)> = None;
    let mut rows = Vec::new();
    for line in readme.lines().map(str::trim).filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Some((file_col, tracks_col)) = columns else {
            let find = |name: &str| cells.iter().position(|c| c.eq_ignore_ascii_case(name));
            if let (Some(f), Some(t)) = (find("file"), find("tracks")) {
                columns = Some((f, t));
            }
            continue;
        };
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
        {
            continue; // The |---|---| separator.
        }
        let (Some(file), Some(tracks)) = (cells.get(file_col), cells.get(tracks_col)) else {
            bail!("table row has too few columns: {line}");
        };
        let expected = match *tracks {
            "error" => Expected::Error,
            n => Expected::Tracks(
                n.parse()
                    .with_context(|| format!("bad track count {n:?} in: {line}"))?,
            ),
        };
        rows.push((file.trim_matches('`').to_owned(), expected));
    }
    if columns.is_none() {
        bail!("no markdown table with `file` and `tracks` columns");
    }
    Ok(rows)
}
