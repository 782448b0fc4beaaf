"""Fixtures that run the real ``trackcached`` on a temp socket and data dir.

The binary: ``$TRACKCACHED`` if set, else ``target/debug/trackcached`` of the
repository this package lives in (``cargo build -p trackcache-daemon``).
Waits poll with a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

import trackcache

REPO = Path(__file__).resolve().parents[3]
DEADLINE = 15.0


def daemon_binary() -> str:
    path = os.environ.get("TRACKCACHED") or str(REPO / "target" / "debug" / "trackcached")
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"trackcached not found at {path}: build it with `cargo build -p trackcache-daemon` "
            "or point TRACKCACHED at the binary"
        )
    return path


def wait_until(what: str, cond: Callable[[], bool], deadline: float = DEADLINE) -> None:
    """Polls ``cond`` until it holds; fails after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline} s waiting for {what}")
        time.sleep(0.005)


def track_line(id: str, artist: str, album: str, **more: Any) -> Dict[str, Any]:
    """One track of a JSON Lines library."""
    return {"id": id, "name": f"song {id}", "artist": artist, "album": album, **more}


class Daemon:
    """A ``trackcached`` process in a temp dir; restartable on the same data."""

    def __init__(self, root: Path, config: str = "", library: Optional[List[Dict[str, Any]]] = None) -> None:
        self.root = root
        self.socket = str(root / "run" / "trackcached.sock")
        self.data_dir = root / "data"
        self.library_path: Optional[Path] = None
        if library is not None:
            self.library_path = root / "library.jsonl"
            self.write_library(library)
            config += (
                f'\n[library]\npath = "{self.library_path}"\nformat = "jsonl"\n'
                "settle_ms = 20\npoll_ms = 200\n"
            )
        self.config = root / "config.toml"
        self.config.write_text(config)
        self.proc: Optional["subprocess.Popen[bytes]"] = None
        self.starts = 0

    def write_library(self, tracks: List[Dict[str, Any]]) -> None:
        """Replaces the library file in one rename (never half-written)."""
        assert self.library_path is not None
        tmp = self.library_path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(t) + "\n" for t in tracks))
        os.replace(tmp, self.library_path)

    def start(self) -> "Daemon":
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKCACHE_")}
        log = open(self.root / f"daemon-{self.starts}.log", "wb")
        self.starts += 1
        self.proc = subprocess.Popen(
            [
                daemon_binary(),
                "--socket", self.socket,
                "--data-dir", str(self.data_dir),
                "--config", str(self.config),
                "--log-level", "info",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
        )
        log.close()
        wait_until("the daemon to answer", self._answers)
        return self

    def _answers(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"trackcached exited with {self.proc.returncode}: {self.log()}")
        try:
            with trackcache.Client(self.socket, timeout=2) as c:
                return c.ping()
        except trackcache.ConnectionError:
            return False

    def log(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.root.glob("daemon-*.log")))

    def stop(self) -> None:
        """SIGTERM, then waits for the exit (bounded)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, **kw: Any) -> trackcache.Client:
        return trackcache.Client(self.socket, **kw)

    def async_client(self, **kw: Any) -> trackcache.AsyncClient:
        return trackcache.AsyncClient(self.socket, **kw)


@pytest.fixture
def make_daemon() -> Iterator[Callable[..., Daemon]]:
    """Builds and starts daemons (short temp paths: a socket path has ~100 bytes)."""
    made: List[Daemon] = []
    roots: List[str] = []

    def make(config: str = "", library: Optional[List[Dict[str, Any]]] = None) -> Daemon:
        root = tempfile.mkdtemp(prefix="tcpy")
        roots.append(root)
        d = Daemon(Path(root), config, library)
        made.append(d)
        return d.start()

    yield make
    for d in made:
        d.stop()
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def daemon(make_daemon: Callable[..., Daemon]) -> Daemon:
    """A daemon without a library."""
    return make_daemon()


@pytest.fixture
def library() -> List[Dict[str, Any]]:
    """A small library: two albums of one artist, one of another."""
    return [
        track_line("A1", "Pink Floyd", "The Wall", year=1979, track_number=1),
        track_line("A2", "Pink Floyd", "The Wall", year=1979, track_number=2),
        track_line("B1", "Pink Floyd", "Animals", year=1977, track_number=1),
        track_line("C1", "Radiohead", "OK Computer", year=1997, track_number=1, track_id=42),
    ]


@pytest.fixture
def lib_daemon(make_daemon: Callable[..., Daemon], library: List[Dict[str, Any]]) -> Daemon:
    """A daemon watching the ``library`` fixture, with the library read."""
    d = make_daemon(library=library)
    with d.client() as c:
        wait_until("the library import", lambda: c.track_count().tracks == len(library))
    return d


@pytest.fixture
def client(daemon: Daemon) -> Iterator[trackcache.Client]:
    with daemon.client() as c:
        yield c
