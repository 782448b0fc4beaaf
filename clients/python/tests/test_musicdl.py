"""The musicdl adapter: musicdl's TTLCache interface and behaviour, negative
caching of audio searches, and statistics."""

from __future__ import annotations

import threading
from typing import Callable, List

import trackcache
from trackcache.musicdl import NOT_FOUND, TTLCache

from conftest import Daemon, wait_until


def test_get_set_delete_clear(daemon: Daemon) -> None:
    cache = TTLCache(max_size=100, ttl_seconds=60, namespace="musicdl.spotify", socket=daemon.socket)
    try:
        assert cache.get("track:1") is None
        cache.set("track:1", {"name": "Hey You", "duration_ms": 280000})
        assert cache.get("track:1") == {"name": "Hey You", "duration_ms": 280000}
        cache.set("file_exists:/music/a.mp3", False)
        assert cache.get("file_exists:/music/a.mp3") is False
        cache.set("none", None)
        assert cache.get("none") is None  # stored None reads back as None (a hit, as in musicdl)
        assert cache.delete("track:1") is True
        assert cache.delete("track:1") is False
        assert cache.get("track:1") is None
        cache.clear()
        assert cache.get("file_exists:/music/a.mp3") is None
        with daemon.client() as c:
            entry = c.kv_get("musicdl.spotify", "none")
            assert entry.miss
    finally:
        cache.close()


def test_negative_search_results(daemon: Daemon) -> None:
    cache = TTLCache(ttl_seconds=86400, negative_ttl_seconds=3600, namespace="musicdl.audio_search", socket=daemon.socket)
    cache.set("audio_search:artist - unknown song", NOT_FOUND)
    assert cache.get("audio_search:artist - unknown song") is NOT_FOUND
    assert not NOT_FOUND and repr(NOT_FOUND) == "trackcache.musicdl.NOT_FOUND"
    with daemon.client() as c:
        neg = c.kv_get("musicdl.audio_search", "audio_search:artist - unknown song")
        assert neg.negative and 0 < (neg.expires_in_ms or 0) <= 3_600_000
        c.kv_set("musicdl.audio_search", "audio_search:a - b", '"https://music.example/watch?v=1"')
    assert cache.get("audio_search:a - b") == "https://music.example/watch?v=1"
    assert cache.stats()["hits"] == 2  # a negative entry is a hit: the search is not repeated


def test_ttl_as_musicdl(daemon: Daemon) -> None:
    short = TTLCache(ttl_seconds=1, namespace="md.short", socket=daemon.socket)
    short.set("k", "v")
    with daemon.client() as c:
        assert 0 < (c.kv_get("md.short", "k").expires_in_ms or 0) <= 1000
    wait_until("the entry to expire", lambda: short.get("k") is None)
    # A TTL of 0 expires at once in musicdl (the daemon would keep it forever).
    zero = TTLCache(ttl_seconds=0, namespace="md.zero", socket=daemon.socket)
    zero.set("k", "v")
    assert zero.get("k") is None
    zero.cleanup_expired()  # nothing to do: the daemon expires entries itself


def test_stats_and_reset(daemon: Daemon) -> None:
    cache = TTLCache(max_size=500, ttl_seconds=60, namespace="md.stats", socket=daemon.socket)
    empty = cache.stats()
    assert empty == {"size": 0, "max_size": 500, "ttl_seconds": 60, "hits": 0, "misses": 0, "hit_rate": "0.00%"}
    cache.set("a", 1)
    cache.set("b", 2)
    cache.get("a")
    cache.get("a")
    cache.get("b")
    cache.get("zz")
    s = cache.stats()
    assert (s["size"], s["hits"], s["misses"], s["hit_rate"]) == (2, 3, 1, "75.00%")
    assert s["max_size"] == 500  # declared: the daemon enforces it
    cache.clear()  # keeps the counters, as musicdl
    assert cache.stats()["hits"] == 3 and cache.stats()["size"] == 0
    cache.reset_stats()
    assert cache.stats()["hits"] == 0 and cache.stats()["misses"] == 0


def test_the_daemon_config_wins_over_the_declaration(make_daemon: Callable[..., Daemon]) -> None:
    daemon = make_daemon('[cache.namespaces."md.bounded"]\nmax_entries = 3\n')
    cache = TTLCache(max_size=100, ttl_seconds=60, namespace="md.bounded", socket=daemon.socket)
    for i in range(5):
        cache.set(f"k{i}", i)
    cache.get("k4")
    s = cache.stats()
    assert s["size"] == 3 and s["max_size"] == 3 and s["ttl_seconds"] == 60
    assert cache.get("k0") is None and cache.get("k4") == 4  # least recently used went first
    assert cache.declared().overridden == ["max_entries"]
    assert cache.declared().namespace.origin == "config"


def test_the_declared_policy_is_enforced_and_kept(make_daemon: Callable[..., Daemon]) -> None:
    daemon = make_daemon()
    spotify = TTLCache(max_size=2, ttl_seconds=86400, namespace="musicdl.spotify", persistent=True, socket=daemon.socket)
    for i in range(3):
        spotify.set(f"album:{i}", {"n": i})
    assert spotify.get("album:0") is None  # the declared bound, enforced by the daemon
    with daemon.client() as c:
        entry = c.kv_get("musicdl.spotify", "album:2")
        assert 86_000_000 < (entry.expires_in_ms or 0) <= 86_400_000  # the declared TTL
    spotify.close()
    daemon.restart()
    with daemon.client() as c:
        ns = c.stats().namespace("musicdl.spotify")
        assert ns is not None and (ns.origin, ns.persistent, ns.max_entries) == ("declared", True, 2)
    again = TTLCache(max_size=2, ttl_seconds=86400, namespace="musicdl.spotify", persistent=True, socket=daemon.socket)
    assert again.get("album:2") == {"n": 2}  # kept across the restart
    assert again.declared().changed is False  # the same declaration: nothing to do


def test_shared_between_processes_and_threads(daemon: Daemon) -> None:
    one = TTLCache(namespace="md.shared", socket=daemon.socket)
    two = TTLCache(namespace="md.shared", socket=daemon.socket)
    one.set("k", [1, 2])
    assert two.get("k") == [1, 2]
    errors: List[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                one.set(f"t{n}-{i}", i)
                assert one.get(f"t{n}-{i}") == i
        except BaseException as e:  # collected for the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert one.stats()["hits"] == 200


def test_an_unreachable_daemon_raises(daemon: Daemon) -> None:
    cache = TTLCache(namespace="md.x", socket="/tmp/tcpy-none.sock")  # making it never fails
    try:
        cache.get("k")
    except trackcache.DaemonNotRunning as e:
        assert "/tmp/tcpy-none.sock" in str(e)
    else:
        raise AssertionError("expected DaemonNotRunning")
