//! Writes the fuzz targets' seed corpora, made by code (`fuzz_seeds`):
//! `fuzz-seeds fuzz/corpus` fills `fuzz/corpus/<target>/`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;

/// Write the seed inputs of every fuzz target.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The corpus directory; each target gets a subdirectory.
    dir: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    for (target, seeds) in trackcache_tests::fuzz_seeds::all() {
        let dir = args.dir.join(target);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        for (name, bytes) in &seeds {
            let path = dir.join(format!("seed-{name}"));
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        println!("{target}: {} seeds in {}", seeds.len(), dir.display());
    }
    Ok(())
}
