//! `trackcache-bench`: the load generator (`run`), the request-path suite
//! measured side by side with Redis (`suite`), the library-path
//! measurements (`library`) and batch against single requests (`batch`). `bench/compare.sh` starts the servers and runs
//! the suite; see BENCHMARKS.md.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use trackcache_tests::bench::run::{preload, run, Config};
use trackcache_tests::bench::suite::{self, Servers, Sizes};
use trackcache_tests::bench::{batch, echo, interference, library, Target};

/// Benchmarks for trackcache.
#[derive(Parser, Debug)]
#[command(name = "trackcache-bench", version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// One load run against one server.
    Run {
        /// Which server and wire.
        #[arg(long, value_enum)]
        target: Target,
        /// Server socket (ignored for echo, which starts its own).
        #[arg(long)]
        socket: Option<PathBuf>,
        /// Concurrent connections.
        #[arg(long, default_value_t = 1)]
        connections: usize,
        /// Requests in flight per connection.
        #[arg(long, default_value_t = 1)]
        pipeline: usize,
        /// Measured requests.
        #[arg(long, default_value_t = 100_000)]
        requests: u64,
        /// Distinct keys.
        #[arg(long, default_value_t = 100_000)]
        keyspace: u64,
        /// Value size in bytes.
        #[arg(long, default_value_t = 200)]
        value_size: usize,
        /// Share of GETs, 0..=1.
        #[arg(long, default_value_t = 0.5)]
        read_ratio: f64,
        /// Unmeasured requests first.
        #[arg(long, default_value_t = 10_000)]
        warmup: u64,
        /// trackcache namespace.
        #[arg(long, default_value = "bench")]
        namespace: String,
        /// Set every key once before the run.
        #[arg(long)]
        preload: bool,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The request-path suite against trackcached and Redis, with ratios and targets.
    Suite {
        /// trackcached socket.
        #[arg(long)]
        trackcache: PathBuf,
        /// redis-server socket (no persistence).
        #[arg(long)]
        redis: PathBuf,
        /// redis-server socket with appendonly yes / appendfsync everysec.
        #[arg(long)]
        redis_aof: Option<PathBuf>,
        /// Runs per scenario and server.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Measured requests per run.
        #[arg(long, default_value_t = 200_000)]
        requests: u64,
        /// Preloaded keys.
        #[arg(long, default_value_t = 100_000)]
        keyspace: u64,
        /// Exit 1 if a target is missed.
        #[arg(long)]
        check: bool,
    },
    /// Library-path measurements (parse, import, re-read, rename-to-event, start-up, RSS).
    Library(library::Args),
    /// Album-year gets as one batch request against single requests.
    Batch(batch::Args),
    /// GET latency on one connection while another lists every track and reads the log.
    Interference(interference::Args),
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // One thread, like redis-benchmark: the other core is the server's.
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn echo_socket() -> anyhow::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let sock = dir.path().join("echo.sock");
    echo::serve(&sock).context("starting the echo server")?;
    Ok((dir, sock))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.command {
        Command::Run {
            target,
            socket,
            connections,
            pipeline,
            requests,
            keyspace,
            value_size,
            read_ratio,
            warmup,
            namespace,
            preload: pre,
            json,
        } => {
            let (_dir, echo) = echo_socket()?;
            let socket = match target {
                Target::Echo => echo,
                _ => socket.context("--socket is required for trackcache and redis")?,
            };
            let cfg = Config {
                socket,
                target,
                connections,
                pipeline,
                requests,
                keyspace,
                value_size,
                read_ratio,
                warmup,
                namespace,
            };
            let local = tokio::task::LocalSet::new();
            let report = runtime()?.block_on(local.run_until(async {
                if pre {
                    preload(&cfg).await?;
                }
                run(cfg.clone()).await
            }))?;
            let (ops, p50, p99, p999) = (
                report.ops_per_sec(),
                report.quantile_us(0.5),
                report.quantile_us(0.99),
                report.quantile_us(0.999),
            );
            if json {
                println!(
                    "{}",
                    serde_json::json!({"target": format!("{target:?}").to_lowercase(), "connections": connections,
                        "pipeline": pipeline, "requests": report.ops, "ops_per_sec": ops,
                        "p50_us": p50, "p99_us": p99, "p999_us": p999,
                        "server_cpu_us_per_op": report.server_cpu_us_per_op()})
                );
            } else {
                let cpu = report
                    .server_cpu_us_per_op()
                    .map(|c| format!(", server CPU {c:.2} µs/request"))
                    .unwrap_or_default();
                println!("{target:?}: {ops:.0} ops/s, p50 {p50:.1} µs, p99 {p99:.1} µs, p99.9 {p999:.1} µs{cpu} ({} requests, {connections} conns, pipeline {pipeline})", report.ops);
            }
        }
        Command::Suite {
            trackcache,
            redis,
            redis_aof,
            runs,
            requests,
            keyspace,
            check,
        } => {
            let (_dir, echo) = echo_socket()?;
            let servers = Servers {
                trackcache,
                redis,
                redis_aof,
                echo,
            };
            let sizes = Sizes {
                requests,
                warmup: requests / 10,
                keyspace,
                value_size: 200,
                runs,
            };
            let local = tokio::task::LocalSet::new();
            let (floor, rows) = runtime()?.block_on(local.run_until(async {
                let floor = suite::floor(&servers, &sizes).await?;
                let rows = suite::suite(&servers, &sizes).await?;
                Ok::<_, std::io::Error>((floor, rows))
            }))?;
            print!("{}", library::markdown_suite(&floor, &rows, &sizes));
            let verdicts = suite::verdicts(&rows, &floor);
            let missed = verdicts.iter().filter(|v| !v.met).count();
            if check && missed > 0 {
                anyhow::bail!("{missed} target(s) missed");
            }
        }
        Command::Library(a) => library::main(a)?,
        Command::Batch(a) => batch::main(a)?,
        Command::Interference(a) => interference::main(a)?,
    }
    Ok(())
}
