//! Reading the library source: the file's stamp (mtime and size, captured
//! before reading and compared after), a streaming hash-only pass that
//! answers "did anything change?" without loading the file, and a counting
//! reader for progress. For the `command` format, running the exporter and
//! collecting its standard output.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use xxhash_rust::xxh3::Xxh3;

/// Read buffer size: large enough that syscalls do not show in profiles.
pub const BUF_SIZE: usize = 256 * 1024;

/// What identifies a version of the file without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Modification time, ns since the epoch.
    pub mtime_ns: i128,
    /// Size in bytes.
    pub size: u64,
}

/// The stamp of `path` now.
pub fn stamp(path: &Path) -> io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    let mtime_ns = match meta.modified()?.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    Ok(Stamp {
        mtime_ns,
        size: meta.len(),
    })
}

/// Opens the library file for reading, refusing anything but a regular
/// file: reading a directory fails late and obscurely, opening a FIFO
/// blocks until some writer comes (the re-read, and the shutdown waiting
/// for it, would hang), and a device like `/dev/zero` never ends. The open
/// itself does not block (`O_NONBLOCK`, which changes nothing for reads of
/// a regular file).
pub fn open_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)?;
    let kind = f.metadata()?.file_type();
    let what = if kind.is_file() {
        return Ok(f);
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {what}, not a library file; point [library] path at the exported file"),
    ))
}

/// Hash of a whole file, streamed (the file is never held in memory).
pub fn hash_file(path: &Path) -> io::Result<u128> {
    let mut f = open_file(path)?;
    let mut h = Xxh3::new();
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        match f.read(&mut buf) {
            Ok(0) => return Ok(h.digest128()),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Hash of bytes already in memory.
pub fn hash_bytes(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// A reader that hashes and counts what passes through it: the parse reads
/// the file once, and the hash proves afterwards that the bytes parsed are
/// the bytes the hash-only pass saw.
pub struct Tap<'p, R> {
    inner: R,
    hasher: Xxh3,
    progress: &'p AtomicU64,
}

impl<'p, R: Read> Tap<'p, R> {
    /// Wraps `inner`; `progress` receives the running byte count.
    pub fn new(inner: R, progress: &'p AtomicU64) -> Self {
        progress.store(0, Ordering::Relaxed);
        Self {
            inner,
            hasher: Xxh3::new(),
            progress,
        }
    }

    /// The hash of everything read so far.
    pub fn digest(&self) -> u128 {
        self.hasher.digest128()
    }
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Why an exporter run failed.
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    /// It could not be started.
    #[error("cannot run the exporter {program:?}: {source}")]
    Spawn {
        /// argv[0].
        program: String,
        /// The cause.
        source: io::Error,
    },
    /// It ran too long and was killed.
    #[error("the exporter did not finish within {0:?} and was stopped; raise [library] command_timeout_ms if it needs longer")]
    Timeout(Duration),
    /// It exited with an error.
    #[error("the exporter failed ({status}); its last error output: {stderr}")]
    Failed {
        /// Exit status.
        status: std::process::ExitStatus,
        /// Tail of its stderr.
        stderr: String,
    },
}

/// Runs the exporter and returns its standard output. Standard error is kept
/// (its tail) for the error message.
pub fn run_exporter(argv: &[String], timeout: Duration) -> Result<Vec<u8>, ExporterError> {
    let program = argv.first().cloned().unwrap_or_default();
    let mut child = std::process::Command::new(&program)
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|source| ExporterError::Spawn {
            program: program.clone(),
            source,
        })?;
    let (Some(mut out), Some(mut err)) = (child.stdout.take(), child.stderr.take()) else {
        unreachable!("both pipes were requested above");
    };
    let stderr_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let stdout_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        out.read_to_end(&mut buf).map(|_| buf)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|source| ExporterError::Spawn {
            program: program.clone(),
            source,
        })? {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ExporterError::Timeout(timeout));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = stdout_reader
        .join()
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let stderr = stderr_reader.join().unwrap_or_default();
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let tail: String = text
            .trim()
            .chars()
            .rev()
            .take(400)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(ExporterError::Failed {
            status,
            stderr: tail,
        });
    }
    Ok(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_hashes_agree() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let progress = AtomicU64::new(0);
        let mut tap = Tap::new(File::open(&p).unwrap(), &progress);
        let mut read = Vec::new();
        tap.read_to_end(&mut read).unwrap();
        assert_eq!(read, data);
        assert_eq!(tap.digest(), hash_file(&p).unwrap());
        assert_eq!(hash_bytes(&data), hash_file(&p).unwrap());
        assert_eq!(progress.load(Ordering::Relaxed), 1_000_000);
        let s = stamp(&p).unwrap();
        assert_eq!(s.size, 1_000_000);
    }

    #[test]
    fn exporter_output_errors_and_timeouts() {
        let ok = run_exporter(
            &[
                "/bin/sh".into(),
                "-c".into(),
                "echo hi; echo warn >&2".into(),
            ],
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(ok, b"hi\n");
        let err = run_exporter(
            &[
                "/bin/sh".into(),
                "-c".into(),
                "echo boom >&2; exit 3".into(),
            ],
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");
        let err = run_exporter(
            &["/bin/sh".into(), "-c".into(), "sleep 5".into()],
            Duration::from_millis(100),
        )
        .unwrap_err();
        assert!(matches!(err, ExporterError::Timeout(_)));
        let err =
            run_exporter(&["/nonexistent/exporter".into()], Duration::from_secs(1)).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/exporter"));
    }
}
