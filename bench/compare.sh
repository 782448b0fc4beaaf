#!/usr/bin/env bash
# Request-path benchmark, trackcached and redis-server side by side.
#
# Installs redis-server from Debian if it is missing, starts it twice on Unix
# sockets (no persistence; and appendonly yes / appendfsync everysec for the
# durable scenario), starts trackcached on a temp data dir, runs
# `trackcache-bench suite` against all of them in the same session, stops
# everything and prints the markdown tables with the ratios and targets.
#
#   bench/compare.sh                      # 3 runs, 200,000 requests each
#   RUNS=5 REQUESTS=500000 bench/compare.sh
#   bench/compare.sh --check              # exit 1 if a target is missed
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
REQUESTS=${REQUESTS:-200000}
KEYSPACE=${KEYSPACE:-100000}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found: installing it from Debian" >&2
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2
fi

target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -q -p trackcache-daemon --bin trackcached -p trackcache-tests --bin trackcache-bench

dir=$(mktemp -d)
pids=()
cleanup() {
  for s in "$dir/redis.sock" "$dir/redis-aof.sock"; do
    [[ -S $s ]] && redis-cli -s "$s" shutdown nosave >/dev/null 2>&1 || true
  done
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

wait_for_socket() {
  for _ in $(seq 1 500); do
    [[ -S $1 ]] && return 0
    sleep 0.02
  done
  echo "no socket at $1 after 10 s" >&2
  return 1
}

mkdir -p "$dir/aof"
redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
  --save '' --appendonly no --dir "$dir" --logfile "$dir/redis.log" &
pids+=($!)
redis-server --port 0 --unixsocket "$dir/redis-aof.sock" --unixsocketperm 700 \
  --save '' --appendonly yes --appendfsync everysec --dir "$dir/aof" --logfile "$dir/redis-aof.log" &
pids+=($!)

cat >"$dir/trackcache.toml" <<TOML
[cache.namespaces.bench]
max_entries = 10000000
max_bytes = 4294967296
ttl_secs = 0

[cache.namespaces.bench-durable]
max_entries = 10000000
max_bytes = 4294967296
ttl_secs = 0
persistent = true
TOML
"$target/release/trackcached" --socket "$dir/trackcache.sock" --data-dir "$dir/data" \
  --config "$dir/trackcache.toml" --log-level warn 2>"$dir/trackcached.log" &
pids+=($!)

for s in redis.sock redis-aof.sock trackcache.sock; do wait_for_socket "$dir/$s"; done

echo "# Request path: trackcached vs redis-server $(redis-server --version | grep -oE 'v=[0-9.]+' | cut -d= -f2)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(uname -sr)"
echo
"$target/release/trackcache-bench" suite \
  --trackcache "$dir/trackcache.sock" --redis "$dir/redis.sock" --redis-aof "$dir/redis-aof.sock" \
  --runs "$RUNS" --requests "$REQUESTS" --keyspace "$KEYSPACE" "$@"
