//! Driving one benchmark: connections on a single-threaded event loop, each
//! keeping `pipeline` requests in flight until the shared request budget is
//! spent; latency of every request (its batch's round trip) goes into an HDR
//! histogram.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use trackcache_protocol::{
    codec, ClientMessage, Hello, ServerMessage, DEFAULT_MAX_FRAME_LEN, PROTOCOL_VERSION,
};

use super::{cpu, echo::Echo, resp::Resp, tc::Tc, Target, Wire};

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Server socket.
    pub socket: PathBuf,
    /// Which server and wire.
    pub target: Target,
    /// Concurrent connections.
    pub connections: usize,
    /// Requests in flight per connection.
    pub pipeline: usize,
    /// Measured requests in all.
    pub requests: u64,
    /// Distinct keys.
    pub keyspace: u64,
    /// Bytes per value.
    pub value_size: usize,
    /// Share of GETs (the rest are SETs), 0..=1.
    pub read_ratio: f64,
    /// Unmeasured requests first.
    pub warmup: u64,
    /// trackcache namespace.
    pub namespace: String,
}

/// The outcome of a run.
pub struct Report {
    /// Requests answered.
    pub ops: u64,
    /// Wall time of the measured part.
    pub elapsed: Duration,
    /// Latency in nanoseconds.
    pub hist: Histogram<u64>,
    /// CPU time the server used during the measured part (not for the
    /// in-process echo server, nor when the kernel would not say).
    pub server_cpu: Option<Duration>,
}

impl Report {
    /// Requests per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64()
    }

    /// Latency quantile in microseconds.
    pub fn quantile_us(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }

    /// Server CPU microseconds per request, when known.
    pub fn server_cpu_us_per_op(&self) -> Option<f64> {
        let cpu = self.server_cpu?;
        (self.ops > 0).then(|| cpu.as_secs_f64() * 1e6 / self.ops as f64)
    }
}

fn new_hist() -> Histogram<u64> {
    // 1 ns .. 60 s at 3 significant digits: the bounds are constants.
    Histogram::new_with_bounds(1, 60_000_000_000, 3)
        .unwrap_or_else(|e| unreachable!("valid bounds: {e}"))
}

fn key(k: u64) -> [u8; 16] {
    let mut out = *b"key:000000000000";
    let digits = format!("{:012}", k % 1_000_000_000_000);
    out[4..].copy_from_slice(digits.as_bytes());
    out
}

fn wire(cfg: &Config) -> Box<dyn Wire + Send> {
    match cfg.target {
        Target::Trackcache => Box::new(Tc::new(&cfg.namespace)),
        Target::Redis => Box::new(Resp),
        Target::Echo => Box::new(Echo),
    }
}

async fn connect(cfg: &Config) -> io::Result<UnixStream> {
    let mut s = UnixStream::connect(&cfg.socket).await.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot connect to {}: {e}", cfg.socket.display()),
        )
    })?;
    if cfg.target == Target::Trackcache {
        let hello = ClientMessage::Hello(Hello {
            protocol_version: PROTOCOL_VERSION,
            client_name: "trackcache-bench".into(),
            capabilities: Vec::new(),
        });
        let frame = codec::encode_frame(&hello, DEFAULT_MAX_FRAME_LEN).map_err(io::Error::other)?;
        s.write_all(&frame).await?;
        let mut header = [0u8; 4];
        s.read_exact(&mut header).await?;
        let mut payload =
            vec![
                0u8;
                codec::check_frame_len(codec::frame_len(header), DEFAULT_MAX_FRAME_LEN)
                    .map_err(io::Error::other)?
            ];
        s.read_exact(&mut payload).await?;
        match codec::decode_server(&payload) {
            Ok(ServerMessage::Welcome(_)) => {}
            other => return Err(io::Error::other(format!("handshake failed: {other:?}"))),
        }
    }
    Ok(s)
}

/// One connection's loop; returns how many requests it completed.
async fn drive(
    cfg: Arc<Config>,
    budget: Arc<AtomicU64>,
    seed: u64,
    only_sets: bool,
    hist: &mut Histogram<u64>,
) -> io::Result<u64> {
    let mut s = connect(&cfg).await?;
    let mut wire = wire(&cfg);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let value = vec![b'v'; cfg.value_size];
    let (mut out, mut inbuf) = (Vec::with_capacity(64 * 1024), Vec::with_capacity(64 * 1024));
    let mut done = 0;
    loop {
        let want = cfg.pipeline as u64;
        let got = budget.fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| {
            Some(b.saturating_sub(want))
        });
        let n = got.map_or(0, |b| b.min(want));
        if n == 0 {
            return Ok(done);
        }
        out.clear();
        for _ in 0..n {
            let k = key(rng.random_range(0..cfg.keyspace));
            if !only_sets && rng.random::<f64>() < cfg.read_ratio {
                wire.get(&mut out, &k);
            } else {
                wire.set(&mut out, &k, &value);
            }
        }
        let t0 = Instant::now();
        s.write_all(&out).await?;
        let mut answered = 0;
        while answered < n {
            let mut pos = 0;
            while answered < n {
                match wire.parse(&inbuf[pos..])? {
                    Some(used) => {
                        pos += used;
                        answered += 1;
                    }
                    None => break,
                }
            }
            inbuf.drain(..pos);
            if answered < n {
                let mut chunk = [0u8; 64 * 1024];
                let r = s.read(&mut chunk).await?;
                if r == 0 {
                    return Err(io::Error::other("the server closed the connection"));
                }
                inbuf.extend_from_slice(&chunk[..r]);
            }
        }
        let dt = t0.elapsed().as_nanos() as u64;
        hist.record_n(dt.max(1), n).map_err(io::Error::other)?;
        done += n;
    }
}

async fn phase(cfg: &Arc<Config>, requests: u64, only_sets: bool, seed: u64) -> io::Result<Report> {
    let budget = Arc::new(AtomicU64::new(requests));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..cfg.connections {
        let (cfg, budget) = (cfg.clone(), budget.clone());
        tasks.push(tokio::task::spawn_local(async move {
            let mut h = new_hist();
            let n = drive(cfg, budget, seed.wrapping_add(c as u64), only_sets, &mut h).await?;
            Ok::<_, io::Error>((n, h))
        }));
    }
    let mut hist = new_hist();
    let mut ops = 0;
    for t in tasks {
        let (n, h) = t.await.map_err(io::Error::other)??;
        ops += n;
        hist.add(h).map_err(io::Error::other)?;
    }
    Ok(Report {
        ops,
        elapsed: start.elapsed(),
        hist,
        server_cpu: None,
    })
}

/// Sets every key of the keyspace once (so GETs hit), on 8 pipelined connections.
pub async fn preload(cfg: &Config) -> io::Result<()> {
    let mut c = cfg.clone();
    c.connections = c.connections.clamp(1, 8);
    c.pipeline = 64;
    c.read_ratio = 0.0;
    let cfg = Arc::new(c);
    // Sets walk random keys; 3x the keyspace covers nearly all of it, and
    // a miss or two in a GET benchmark changes nothing measurable.
    phase(&cfg, cfg.keyspace * 3, true, 7).await.map(drop)
}

/// Warm-up, then the measured run.
pub async fn run(cfg: Config) -> io::Result<Report> {
    let cfg = Arc::new(cfg);
    if cfg.warmup > 0 {
        phase(&cfg, cfg.warmup, false, 11).await?;
    }
    // The server's CPU time is a bonus column: without /proc or SO_PEERCRED
    // the run still reports throughput and latency.
    let pid = match cfg.target {
        Target::Echo => None,
        _ => cpu::peer_pid(&cfg.socket).ok().flatten(),
    };
    let before = pid.and_then(|p| cpu::cpu_time(p).ok());
    let mut report = phase(&cfg, cfg.requests, false, 13).await?;
    if let (Some(pid), Some(before)) = (pid, before) {
        report.server_cpu = cpu::cpu_time(pid).ok().map(|t| t.saturating_sub(before));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_a_fixed_length() {
        assert_eq!(&key(42), b"key:000000000042");
        assert_eq!(key(1 << 50).len(), 16);
    }

    #[test]
    fn the_echo_floor_runs() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("echo.sock");
        super::super::echo::serve(&socket).unwrap();
        let cfg = Config {
            socket,
            target: Target::Echo,
            connections: 2,
            pipeline: 4,
            requests: 400,
            keyspace: 10,
            value_size: 8,
            read_ratio: 0.5,
            warmup: 40,
            namespace: String::new(),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let report = rt
            .block_on(tokio::task::LocalSet::new().run_until(run(cfg)))
            .unwrap();
        assert_eq!(report.ops, 400);
        assert!(report.ops_per_sec() > 0.0 && report.quantile_us(0.5) > 0.0);
    }
}
