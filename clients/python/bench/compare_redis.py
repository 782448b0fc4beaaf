#!/usr/bin/env python3
"""The Python client against trackcached, and redis-py against redis-server,
in one run on one machine, both over Unix sockets.

Measures, per round (the order of the two alternates between rounds):

- GET latency: p50 and p99 of single blocking GETs of one existing key with a
  64-byte value (``Client.kv_get`` vs ``redis.Redis.get``), the same GET written
  as bare JSON on a socket (the floor: what the package adds is the difference),
  and ``AsyncClient.kv_get`` awaited one at a time;
- 10,000 album-year gets from Python: one request each, pipelined, and one
  batch request (``get_album_years``); redis-py's GETs one by one and one
  MGET of 10,000 keys as the reference.

Prints a Markdown report with the min, median and max over the rounds.

    python3 clients/python/bench/compare_redis.py --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

import redis

import trackcache
from trackcache import AlbumYearItem

REPO = Path(__file__).resolve().parents[3]
VALUE = b"v" * 64


def wait_for(what: str, ready: Callable[[], bool], seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > end:
            sys.exit(f"{what} did not come up within {seconds} s")
        time.sleep(0.02)


def answers(fn: Callable[[], object]) -> bool:
    try:
        fn()
        return True
    except (OSError, trackcache.ConnectionError, redis.exceptions.ConnectionError):
        return False


def latencies_us(call: Callable[[], object], n: int) -> List[float]:
    for _ in range(min(n // 10, 2000)):  # warm-up
        call()
    out = [0.0] * n
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for i in range(n):
            t0 = clock()
            call()
            out[i] = (clock() - t0) / 1000
    finally:
        gc.enable()
    return out


def async_latencies_us(sock: str, n: int) -> List[float]:
    """``latencies_us`` for ``AsyncClient.kv_get``, awaited one at a time."""

    async def body() -> List[float]:
        async with trackcache.AsyncClient(sock) as tc:
            for _ in range(min(n // 10, 2000)):
                await tc.kv_get("bench", "key")
            out = [0.0] * n
            clock = time.perf_counter_ns
            gc.disable()
            try:
                for i in range(n):
                    t0 = clock()
                    await tc.kv_get("bench", "key")
                    out[i] = (clock() - t0) / 1000
            finally:
                gc.enable()
            return out

    return asyncio.run(body())


def raw_json_get(sock_path: str) -> Callable[[], object]:
    """The floor: the same GET as bare JSON Lines on a socket (no package)."""
    import json
    import socket

    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.sendall(b'{"hello":{"version":1,"bytes":"text"}}\n')
    s.recv(65536)
    line = b'{"id":1,"request":{"kv_get":{"namespace":"bench","key":"key"}}}\n'
    send, recv, loads = s.sendall, s.recv, json.loads

    def get() -> object:
        send(line)
        return loads(recv(65536))

    return get


def pct(xs: List[float], p: float) -> float:
    s = sorted(xs)
    return s[min(int(len(s) * p), len(s) - 1)]


def timed_ms(fn: Callable[[], object]) -> float:
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1000
    finally:
        gc.enable()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_bin = os.environ.get("TRACKCACHED") or str(REPO / "target" / "release" / "trackcached")
    ap.add_argument("--trackcached", default=default_bin, help="daemon binary (default: target/release)")
    ap.add_argument("--requests", type=int, default=20_000, help="GETs per latency sample")
    ap.add_argument("--albums", type=int, default=10_000, help="album years in the batch comparison")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tcbench"))
    procs: List["subprocess.Popen[bytes]"] = []
    try:
        tc_sock, redis_sock = str(work / "tc.sock"), str(work / "redis.sock")
        (work / "config.toml").write_text("")
        procs.append(subprocess.Popen(
            [args.trackcached, "--socket", tc_sock, "--data-dir", str(work / "data"),
             "--config", str(work / "config.toml"), "--log-level", "warn"],
            stdin=subprocess.DEVNULL))
        procs.append(subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", redis_sock, "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(work), "--logfile", str(work / "redis.log")],
            stdin=subprocess.DEVNULL))
        tc = trackcache.Client(tc_sock)
        r = redis.Redis(unix_socket_path=redis_sock)
        wait_for("trackcached", lambda: answers(tc.ping))
        wait_for("redis-server", lambda: answers(r.ping))

        tc.kv_set("bench", "key", VALUE, ttl_ms=0)
        r.set("key", VALUE)
        assert tc.kv_get("bench", "key").value == VALUE and r.get("key") == VALUE
        albums = [(f"artist {i % 997}", f"album {i}") for i in range(args.albums)]
        for i in range(0, len(albums), 2000):
            tc.set_album_years(
                [AlbumYearItem(a, b, 1960 + j % 60, 90, "bench") for j, (a, b) in enumerate(albums[i:i + 2000], i)]
            )
        r.mset({f"{a}|{b}": str(1960 + j % 60) for j, (a, b) in enumerate(albums)})
        rkeys = [f"{a}|{b}" for a, b in albums]

        rows: Dict[str, List[float]] = {}

        def add(name: str, v: float) -> None:
            rows.setdefault(name, []).append(v)

        def run_tc() -> None:
            lat = latencies_us(lambda: tc.kv_get("bench", "key"), args.requests)
            add("trackcache GET p50 (us)", pct(lat, 0.50))
            add("trackcache GET p99 (us)", pct(lat, 0.99))
            raw = latencies_us(raw_json_get(tc_sock), args.requests)
            add("floor: bare JSON Lines GET from Python, no package, p50 (us)", pct(raw, 0.50))
            alat = async_latencies_us(tc_sock, args.requests)
            add("trackcache AsyncClient GET p50 (us)", pct(alat, 0.50))
            add("trackcache: 10,000 album years, one request each (ms)",
                timed_ms(lambda: [tc.get_album_year(a, b) for a, b in albums]))

            def piped() -> None:
                p = tc.pipeline()
                for a, b in albums:
                    p.get_album_year(a, b)
                p.execute()

            add("trackcache: 10,000 album years, pipelined (ms)", timed_ms(piped))
            got = []
            add("trackcache: 10,000 album years, one batch request (ms)",
                timed_ms(lambda: got.append(tc.get_album_years(albums))))
            assert all(isinstance(y, trackcache.AlbumYear) for y in got[0])

        def run_redis() -> None:
            lat = latencies_us(lambda: r.get("key"), args.requests)
            add("redis-py GET p50 (us)", pct(lat, 0.50))
            add("redis-py GET p99 (us)", pct(lat, 0.99))
            add("redis-py: 10,000 GETs, one request each (ms)", timed_ms(lambda: [r.get(k) for k in rkeys]))
            add("redis-py: 10,000 keys, one MGET (ms)", timed_ms(lambda: r.mget(rkeys)))

        load_before = os.getloadavg()
        for rnd in range(args.rounds):
            for run in ((run_tc, run_redis) if rnd % 2 == 0 else (run_redis, run_tc)):
                run()
        load_after = os.getloadavg()

        ratios = [t / rr for t, rr in zip(rows["trackcache GET p50 (us)"], rows["redis-py GET p50 (us)"])]
        print(f"# Python clients: trackcache {trackcache.__version__} (JSON Lines) vs redis-py {redis.__version__}\n")
        print(f"- machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
              f"Python {platform.python_version()}, redis-server "
              f"{subprocess.run(['redis-server', '--version'], capture_output=True, text=True).stdout.split()[2]}")
        print(f"- load average before / after: {load_before[0]:.2f} / {load_after[0]:.2f}")
        print(f"- {args.rounds} rounds, {args.requests} GETs per latency sample; min / median / max over rounds\n")
        print("| measure | min | median | max |\n|---|---|---|---|")
        for name, vs in rows.items():
            print(f"| {name} | {min(vs):.1f} | {statistics.median(vs):.1f} | {max(vs):.1f} |")
        print(f"| trackcache / redis-py GET p50 ratio (per round) | {min(ratios):.2f} | "
              f"{statistics.median(ratios):.2f} | {max(ratios):.2f} |")
        tc.close()
        r.close()
        return 0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
