//! Shell completions and man pages, generated from the clap definitions so
//! they never drift from the real flags: `trackcache completions SHELL`
//! prints a script, and the hidden `trackcache generate-docs DIR` writes the
//! man pages and every completion script (the Debian package runs it).

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Args;

/// The shells `generate-docs` writes scripts for, with their file names.
const SCRIPTS: [(Shell, &str); 3] = [
    (Shell::Bash, "trackcache.bash"),
    (Shell::Zsh, "_trackcache"),
    (Shell::Fish, "trackcache.fish"),
];

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Args::command(), "trackcache", out);
}

/// Writes `man/` (one page per command and subcommand, section 1) and
/// `completions/` (bash, zsh, fish) under `dir`.
pub fn docs(dir: &Path) -> std::io::Result<()> {
    let man = dir.join("man");
    let scripts = dir.join("completions");
    std::fs::create_dir_all(&man)?;
    std::fs::create_dir_all(&scripts)?;
    clap_mangen::generate_to(Args::command(), &man)?;
    for (shell, name) in SCRIPTS {
        let mut f = std::fs::File::create(scripts.join(name))?;
        completions(shell, &mut f);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_subcommands() {
        for (shell, _) in SCRIPTS {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("album-year"), "{shell}: {text}");
        }
    }

    #[test]
    fn man_pages_cover_the_commands() {
        let dir = tempfile::tempdir().unwrap();
        docs(dir.path()).unwrap();
        let page = std::fs::read_to_string(dir.path().join("man/trackcache.1")).unwrap();
        assert!(page.contains(".TH trackcache 1"), "{page}");
        assert!(page.contains("album\\-year"), "{page}");
        assert!(dir.path().join("man/trackcache-kv.1").exists());
        assert!(
            std::fs::metadata(dir.path().join("completions/_trackcache"))
                .unwrap()
                .len()
                > 0
        );
    }
}
