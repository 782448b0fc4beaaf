//! The request-path suite: the scenarios of the performance issue, each run
//! `runs` times against trackcached and Redis in the same session, reported
//! as min / median / max with the ratio, and the targets checked from the
//! numbers (never by a timed unit test).

use std::io;
use std::path::PathBuf;

use super::run::{preload, run, Config};
use super::Target;

/// Where the servers are.
#[derive(Clone, Debug)]
pub struct Servers {
    /// trackcached's socket.
    pub trackcache: PathBuf,
    /// redis-server (no persistence) socket.
    pub redis: PathBuf,
    /// redis-server with `appendonly yes`, `appendfsync everysec`.
    pub redis_aof: Option<PathBuf>,
    /// A bare echo server's socket (the floor).
    pub echo: PathBuf,
}

/// One scenario's settings.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Name in the report.
    pub name: &'static str,
    /// Connections.
    pub connections: usize,
    /// Pipeline depth.
    pub pipeline: usize,
    /// Share of GETs.
    pub read_ratio: f64,
    /// Durable writes (persistent namespace vs Redis AOF).
    pub durable: bool,
}

/// The scenarios of the issue.
pub const SCENARIOS: [Scenario; 7] = [
    Scenario {
        name: "GET, 1 connection",
        connections: 1,
        pipeline: 1,
        read_ratio: 1.0,
        durable: false,
    },
    Scenario {
        name: "SET, 1 connection",
        connections: 1,
        pipeline: 1,
        read_ratio: 0.0,
        durable: false,
    },
    Scenario {
        name: "GET, 50 connections",
        connections: 50,
        pipeline: 1,
        read_ratio: 1.0,
        durable: false,
    },
    Scenario {
        name: "SET, 50 connections",
        connections: 50,
        pipeline: 1,
        read_ratio: 0.0,
        durable: false,
    },
    Scenario {
        name: "GET, 50 conns, pipeline 16",
        connections: 50,
        pipeline: 16,
        read_ratio: 1.0,
        durable: false,
    },
    Scenario {
        name: "SET, 50 conns, pipeline 16",
        connections: 50,
        pipeline: 16,
        read_ratio: 0.0,
        durable: false,
    },
    Scenario {
        name: "durable SET, 50 connections",
        connections: 50,
        pipeline: 1,
        read_ratio: 0.0,
        durable: true,
    },
];

/// Min, median and max of some runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spread {
    /// Smallest.
    pub min: f64,
    /// Median.
    pub median: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `v` (not empty).
    pub fn of(mut v: Vec<f64>) -> Self {
        v.sort_by(f64::total_cmp);
        Self {
            min: v.first().copied().unwrap_or(0.0),
            median: v.get(v.len() / 2).copied().unwrap_or(0.0),
            max: v.last().copied().unwrap_or(0.0),
        }
    }
}

/// Throughput and latency of one server in one scenario over the runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    /// Requests per second.
    pub ops: Spread,
    /// Median latency, µs.
    pub p50: Spread,
    /// 99th percentile, µs.
    pub p99: Spread,
    /// 99.9th percentile, µs.
    pub p999: Spread,
    /// Server CPU per request, µs (`None` when the server's CPU time is unknown).
    pub cpu_us: Option<Spread>,
}

/// A scenario's results.
#[derive(Clone, Debug)]
pub struct Row {
    /// The scenario.
    pub scenario: Scenario,
    /// trackcached.
    pub trackcache: Measured,
    /// Redis.
    pub redis: Measured,
}

/// Sizes of a suite run.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Measured requests per run.
    pub requests: u64,
    /// Warm-up requests per run.
    pub warmup: u64,
    /// Keys (preloaded).
    pub keyspace: u64,
    /// Value bytes.
    pub value_size: usize,
    /// Runs per scenario and server.
    pub runs: usize,
}

fn config(socket: PathBuf, target: Target, sc: &Scenario, sz: &Sizes) -> Config {
    Config {
        socket,
        target,
        connections: sc.connections,
        pipeline: sc.pipeline,
        requests: sz.requests,
        keyspace: sz.keyspace,
        value_size: sz.value_size,
        read_ratio: sc.read_ratio,
        warmup: sz.warmup,
        namespace: if sc.durable {
            "bench-durable".into()
        } else {
            "bench".into()
        },
    }
}

/// Per-run samples of one server, turned into spreads at the end.
#[derive(Default)]
struct Samples {
    ops: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    p999: Vec<f64>,
    cpu_us: Vec<f64>,
}

impl Samples {
    async fn add(&mut self, cfg: &Config) -> io::Result<()> {
        let r = run(cfg.clone()).await?;
        self.ops.push(r.ops_per_sec());
        self.p50.push(r.quantile_us(0.5));
        self.p99.push(r.quantile_us(0.99));
        self.p999.push(r.quantile_us(0.999));
        self.cpu_us.extend(r.server_cpu_us_per_op());
        Ok(())
    }

    fn measured(self) -> Measured {
        Measured {
            ops: Spread::of(self.ops),
            p50: Spread::of(self.p50),
            p99: Spread::of(self.p99),
            p999: Spread::of(self.p999),
            cpu_us: (!self.cpu_us.is_empty()).then(|| Spread::of(self.cpu_us)),
        }
    }
}

async fn measure(cfg: &Config, runs: usize) -> io::Result<Measured> {
    let mut s = Samples::default();
    for _ in 0..runs {
        s.add(cfg).await?;
    }
    Ok(s.measured())
}

/// Runs both servers alternately, so that drift on a noisy machine hits both alike.
async fn measure_pair(
    tc: &Config,
    redis: &Config,
    runs: usize,
) -> io::Result<(Measured, Measured)> {
    let (mut a, mut b) = (Samples::default(), Samples::default());
    for _ in 0..runs {
        a.add(tc).await?;
        b.add(redis).await?;
    }
    Ok((a.measured(), b.measured()))
}

/// The bare round trip (echo, one connection), the floor.
pub async fn floor(servers: &Servers, sz: &Sizes) -> io::Result<Measured> {
    let sc = Scenario {
        name: "echo",
        connections: 1,
        pipeline: 1,
        read_ratio: 1.0,
        durable: false,
    };
    measure(
        &config(servers.echo.clone(), Target::Echo, &sc, sz),
        sz.runs,
    )
    .await
}

/// Preloads both servers, then runs every scenario on both, alternating.
pub async fn suite(servers: &Servers, sz: &Sizes) -> io::Result<Vec<Row>> {
    let plain = SCENARIOS[0];
    preload(&config(
        servers.trackcache.clone(),
        Target::Trackcache,
        &plain,
        sz,
    ))
    .await?;
    preload(&config(servers.redis.clone(), Target::Redis, &plain, sz)).await?;
    let mut rows = Vec::new();
    for sc in SCENARIOS {
        let redis_socket = match (sc.durable, &servers.redis_aof) {
            (false, _) => servers.redis.clone(),
            (true, Some(aof)) => aof.clone(),
            (true, None) => continue,
        };
        let (trackcache, redis) = measure_pair(
            &config(servers.trackcache.clone(), Target::Trackcache, &sc, sz),
            &config(redis_socket, Target::Redis, &sc, sz),
            sz.runs,
        )
        .await?;
        eprintln!(
            "{:32} trackcache {:>10.0} ops/s p50 {:>7.1} µs | redis {:>10.0} ops/s p50 {:>7.1} µs",
            sc.name,
            trackcache.ops.median,
            trackcache.p50.median,
            redis.ops.median,
            redis.p50.median
        );
        rows.push(Row {
            scenario: sc,
            trackcache,
            redis,
        });
    }
    Ok(rows)
}

/// One checked target.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// What the target says.
    pub target: String,
    /// What was measured.
    pub measured: String,
    /// Whether it holds.
    pub met: bool,
}

/// Checks the targets against the medians.
pub fn verdicts(rows: &[Row], floor: &Measured) -> Vec<Verdict> {
    let mut out = Vec::new();
    let find = |name: &str| rows.iter().find(|r| r.scenario.name == name);
    for name in ["GET, 1 connection", "SET, 1 connection"] {
        if let Some(r) = find(name) {
            let (tc, redis, fl) = (
                r.trackcache.p50.median,
                r.redis.p50.median,
                floor.p50.median,
            );
            out.push(Verdict {
                target: format!(
                    "{name}: p50 within 1.3x the bare round trip and not above Redis's"
                ),
                measured: format!(
                    "p50 {tc:.1} µs = {:.2}x the floor ({fl:.1} µs); Redis {redis:.1} µs",
                    tc / fl
                ),
                met: tc <= 1.3 * fl && tc <= redis,
            });
        }
    }
    for name in [
        "GET, 50 connections",
        "SET, 50 connections",
        "GET, 50 conns, pipeline 16",
        "SET, 50 conns, pipeline 16",
        "durable SET, 50 connections",
    ] {
        if let Some(r) = find(name) {
            let (tc, redis) = (r.trackcache.ops.median, r.redis.ops.median);
            out.push(Verdict {
                target: format!("{name}: at least Redis's throughput"),
                measured: format!("{tc:.0} vs {redis:.0} ops/s = {:.2}x", tc / redis),
                met: tc >= redis,
            });
        }
    }
    out
}
