//! Reference tools measured in the same run as the library benchmarks:
//! reading the file from the page cache, `xmllint --stream` and Python's
//! plistlib (each only when installed).

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
    let script =
        "import plistlib,resource,sys,time\nt=time.time()\nplistlib.load(open(sys.argv[1],'rb'))\n\
                  print(time.time()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)";
    if let Ok(o) = Command::new("python3")
        .args(["-c", script])
        .arg(file)
        .output()
    {
        let text = String::from_utf8_lossy(&o.stdout);
        let mut parts = text.split_whitespace();
        if let (Some(secs), Some(rss)) = (
            parts.next().and_then(|s| s.parse().ok()),
            parts.next().and_then(|s| s.parse().ok()),
        ) {
            out.push(Reference {
                name: "Python plistlib.load".into(),
                secs,
                max_rss_kib: Some(rss),
            });
        }
    }
    out
}
