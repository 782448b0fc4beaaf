//! Writes a synthetic music library file for tests and benchmarks:
//! `gen-library --tracks 100000 --seed 1 --format apple-xml --style quirky -o Library.xml`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, ValueEnum};
use trackcache_daemon::sources::LibraryFormat;
use trackcache_tests::generator::{
    generate, write_apple_xml, write_applescript_records, write_jsonl, XmlStyle,
};

/// Generate a deterministic synthetic music library.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Number of tracks.
    #[arg(long, default_value_t = 1_000)]
    tracks: usize,
    /// Seed; the same seed and track count give the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// File format: apple-xml, jsonl or applescript-records.
    #[arg(long, default_value = "apple-xml")]
    format: LibraryFormat,
    /// XML spelling (apple-xml only): what Music.app writes, or every quirk.
    #[arg(long, value_enum, default_value_t = Style::Plain)]
    style: Style,
    /// Where to write; replaced atomically.
    #[arg(short = 'o', long)]
    output: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Style {
    Plain,
    Quirky,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let tracks = generate(args.tracks, args.seed);
    let bytes = match args.format {
        LibraryFormat::AppleXml => {
            let style = match args.style {
                Style::Plain => XmlStyle::plain(),
                Style::Quirky => XmlStyle::quirky(),
            };
            write_apple_xml(&tracks, &style)
        }
        LibraryFormat::Jsonl => write_jsonl(&tracks),
        LibraryFormat::AppleScriptRecords => write_applescript_records(&tracks),
    };
    write_atomically(&args.output, &bytes)?;
    let style = match args.format {
        LibraryFormat::AppleXml => format!(", {:?} style", args.style).to_lowercase(),
        LibraryFormat::Jsonl | LibraryFormat::AppleScriptRecords => String::new(),
    };
    println!(
        "wrote {} tracks ({}{style}, seed {}) to {}: {} bytes ({:.1} MB)",
        tracks.len(),
        args.format,
        args.seed,
        args.output.display(),
        bytes.len(),
        bytes.len() as f64 / 1e6
    );
    Ok(())
}

/// Writes to a temporary file next to `path` and renames it over `path`, so
/// a reader (the daemon watching the file) never sees a half-written one.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write {}", file.path().display()))?;
    file.persist(path)
        .with_context(|| format!("cannot rename the temporary file to {}", path.display()))?;
    Ok(())
}
