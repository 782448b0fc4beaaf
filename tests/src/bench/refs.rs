//! Reference tools measured in the same run as the library benchmarks:
//! reading the file from the page cache, `xmllint --stream`, expat with no
//! handlers (through Python's pyexpat) and Python's plistlib (each only when
//! installed).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// One reference: name, seconds, peak RSS in KiB (when known).
pub struct Reference {
    /// What ran.
    pub name: String,
    /// Wall time, seconds.
    pub secs: f64,
    /// Peak RSS, KiB.
    pub max_rss_kib: Option<u64>,
}

fn timed(name: &str, cmd: &mut Command) -> Option<Reference> {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| Reference {
        name: name.to_owned(),
        secs: start.elapsed().as_secs_f64(),
        max_rss_kib: None,
    })
}

/// The references available on this machine, for `file`.
pub fn measure(file: &Path) -> Vec<Reference> {
    let mut out = Vec::new();
    // Warm the page cache first, so every tool reads from memory.
    let _ = std::fs::read(file);
    if let Ok(bytes) = (|| {
        let start = Instant::now();
        let b = std::fs::read(file)?;
        Ok::<_, std::io::Error>((start.elapsed().as_secs_f64(), b.len()))
    })() {
        out.push(Reference {
            name: "read the file (page cache)".into(),
            secs: bytes.0,
            max_rss_kib: None,
        });
    }
    out.extend(timed(
        "xmllint --stream --noout",
        Command::new("xmllint")
            .args(["--stream", "--noout"])
            .arg(file),
    ));
    // Expat with no handlers is the floor for any expat-based reader;
    // plistlib (expat plus building the objects) is how GenreUpdater reads.
    out.extend(python(
        "expat, no handlers (Python pyexpat)",
        "import xml.parsers.expat",
        "xml.parsers.expat.ParserCreate().ParseFile(f)",
        file,
    ));
    out.extend(python(
        "Python plistlib.load",
        "import plistlib",
        "plistlib.load(f)",
        file,
    ));
    out
}

/// Times `body` inside Python (after `setup`, with the file open as `f`, so
/// the interpreter's start-up is not counted) and reads back its peak RSS.
///
/// The peak is `VmHWM`, which belongs to the address space `execve` made.
/// `getrusage`'s `ru_maxrss` survives `execve`, so it reported this process's
/// own peak (the benchmark's, ~400 MiB after the 100,000-track runs) when
/// that was larger than Python's.
fn python(name: &str, setup: &str, body: &str, file: &Path) -> Option<Reference> {
    let script = format!(
        "import sys,time\n{setup}\nf=open(sys.argv[1],'rb')\nt=time.time()\n{body}\n\
         hwm=[l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n\
         print(time.time()-t, hwm[0])"
    );
    let o = Command::new("python3")
        .args(["-c", &script])
        .arg(file)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&o.stdout);
    let mut parts = text.split_whitespace();
    Some(Reference {
        name: name.to_owned(),
        secs: parts.next()?.parse().ok()?,
        max_rss_kib: Some(parts.next()?.parse().ok()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's peak RSS is Python's, not inherited from a larger
    /// parent: this test makes itself large first (it read ~200 MiB before
    /// the fix).
    #[test]
    fn a_python_reference_reports_its_own_peak_not_the_parents() {
        let big: Vec<u8> = (0..200usize << 20).map(|i| i as u8).collect();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doc.xml");
        std::fs::write(&file, b"<a><b>x</b></a>").unwrap();
        let r = python(
            "expat",
            "import xml.parsers.expat",
            "xml.parsers.expat.ParserCreate().ParseFile(f)",
            &file,
        )
        .expect("python3 runs (.ci/run installs it)");
        let rss = r.max_rss_kib.unwrap();
        assert!(rss > 1024 && rss < 100 * 1024, "peak {rss} KiB");
        assert_eq!(big[12345], 12345usize as u8);
    }
}
