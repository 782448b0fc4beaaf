"""The blocking Client against the real daemon: every method, a miss, a
negative entry, an error, pipelining and a daemon restart between calls."""

from __future__ import annotations

import threading
import time
from typing import Callable, List, Union

import pytest

import trackcache
from trackcache import AlbumYearItem, ApiItem, KvItem

from conftest import Daemon, wait_until


def test_ping_status_and_stats(daemon: Daemon, client: trackcache.Client) -> None:
    assert client.ping() is True
    w = client.welcome
    assert w.protocol_version == 1 and "json" in w.capabilities and w.max_line_bytes > 0
    st = client.status()
    assert st.socket == daemon.socket and st.library is None and st.connections >= 1
    client.kv_set("stats_ns", "k", "v")
    client.kv_get("stats_ns", "k")
    client.kv_get("stats_ns", "nope")
    ns = client.stats().namespace("stats_ns")
    assert ns is not None and (ns.entries, ns.hits, ns.misses, ns.sets) == (1, 1, 1, 1)
    assert ns.hit_rate == 0.5
    assert {c.name for c in client.stats().content_types} >= {"album_year", "failed_api_lookup"}


def test_kv_hit_miss_negative_delete_clear(client: trackcache.Client) -> None:
    stored = client.kv_set("pages", "home", b"<html>", ttl_ms=0)
    assert stored.expires_in_ms is None and stored.persistent is False
    hit = client.kv_get("pages", "home")
    assert hit.status == "hit" and hit.value == b"<html>" and hit.expires_in_ms is None
    assert client.get("pages", "home") == b"<html>"
    # A miss is data, not an error.
    assert client.kv_get("pages", "nope") == trackcache.KvValue("miss")
    assert client.get("pages", "nope") is None
    # A negative entry is an answer: "looked, found nothing".
    client.kv_set("search", "artist|unknown song", negative=True, ttl_ms=60_000)
    neg = client.kv_get("search", "artist|unknown song")
    assert neg.negative and neg.value is None and 0 < (neg.expires_in_ms or 0) <= 60_000
    assert client.kv_delete("pages", "home") is True
    assert client.kv_delete("pages", "home") is False
    for i in range(3):
        client.kv_set("bulk", f"k{i}", str(i))
    assert client.kv_clear("bulk") == 3
    assert client.kv_get("bulk", "k0").miss


def test_kv_values_of_any_bytes(client: trackcache.Client) -> None:
    raw = bytes(range(256))
    client.kv_set("bin", "all", raw)
    assert client.kv_get("bin", "all").value == raw
    client.kv_set("bin", "text", "naïve ☃")
    assert client.kv_get("bin", "text").value == "naïve ☃".encode()


def test_kv_ttl_runs_out(client: trackcache.Client) -> None:
    client.kv_set("short", "k", "v", ttl_ms=50)
    assert client.kv_get("short", "k").hit
    wait_until("the entry to expire", lambda: client.kv_get("short", "k").miss)


def test_an_error_carries_the_daemons_code_and_message(client: trackcache.Client) -> None:
    with pytest.raises(trackcache.BadRequest) as err:
        client.kv_get("bad name!", "k")
    assert err.value.code == "bad_request" and err.value.code_number == 1
    assert "invalid namespace" in err.value.message
    # The connection goes on after an error.
    assert client.ping()


def test_library_requests_without_a_library_are_unavailable(client: trackcache.Client) -> None:
    with pytest.raises(trackcache.Unavailable):
        client.track_count()


def test_no_daemon_says_where_it_looked(tmp_path: object) -> None:
    path = "/tmp/tcpy-no-daemon-here.sock"
    with pytest.raises(trackcache.DaemonNotRunning, match="no trackcached is answering at " + path):
        trackcache.Client(path).ping()


def test_batch_kv(client: trackcache.Client) -> None:
    stored = client.kv_set_many(
        "batch", [KvItem("a", "1"), KvItem("b", negative=True, ttl_ms=10_000), KvItem("c", b"\xff")]
    )
    assert [isinstance(s, trackcache.KvStored) for s in stored] == [True] * 3
    got = client.kv_get_many("batch", ["a", "b", "c", "zz"])
    assert [g.status for g in got if isinstance(g, trackcache.KvValue)] == ["hit", "negative", "hit", "miss"]
    first = got[0]
    assert isinstance(first, trackcache.KvValue) and first.value == b"1"


def test_library_tracks_albums_changes_rescan(lib_daemon: Daemon) -> None:
    with lib_daemon.client() as c:
        count = c.track_count()
        assert count.tracks == 4 and count.seq >= 1
        t = c.get_track("A1")
        assert t is not None and t.artist == "Pink Floyd" and t.year == 1979
        assert c.get_track("C1").track_id == 42  # type: ignore[union-attr]
        assert c.get_track("NOPE") is None
        page = c.list_tracks(artist="pink floyd", limit=2)
        assert page.total == 3 and len(page.tracks) == 2 and page.more
        assert [t.id for t in c.iter_tracks(artist="PINK FLOYD", page_size=2)] == ["B1", "A1", "A2"]
        assert c.list_tracks(album="ok computer").tracks[0].id == "C1"
        albums = {(a.artist, a.album): a for a in c.list_albums()}
        assert albums[("Pink Floyd", "The Wall")].tracks == 2
        assert albums[("Radiohead", "OK Computer")].year == 1997
        assert [a.album for a in c.list_albums("radiohead")] == ["OK Computer"]
        changes = c.changes(0)
        assert not changes.fresh_instance and changes.current_seq == count.seq
        assert changes.events[-1].kind == "library_synced"
        report = c.rescan(wait=True)
        assert report is not None and report.outcome == "unchanged" and report.tracks == 4
        assert c.rescan() is None


def test_a_track_named_by_its_track_id_number(make_daemon: Callable[..., Daemon]) -> None:
    # A track without a Persistent ID is "track-<n>", and "<n>" names it too.
    d = make_daemon(library=[{"track_id": 77, "name": "x", "artist": "A", "album": "B"}])
    with d.client() as c:
        wait_until("the import", lambda: c.track_count().tracks == 1)
        for name in ("77", "track-77"):
            t = c.get_track(name)
            assert t is not None and t.id == "track-77" and t.track_id == 77


def test_album_years(client: trackcache.Client) -> None:
    stored = client.set_album_year("Pink Floyd", "The Wall", 1979, confidence=95, source="musicbrainz")
    assert stored.stored and stored.current.year == 1979
    got = client.get_album_year("pink floyd", "the wall ")
    assert got is not None and (got.artist, got.confidence, got.source) == ("Pink Floyd", 95, "musicbrainz")
    assert len(got.album_fingerprint) == 16
    assert client.get_album_year("Pink Floyd", "The Wall", min_confidence=99) is None
    kept = client.set_album_year("Pink Floyd", "The Wall", 1980, confidence=10)
    assert not kept.stored and kept.current.year == 1979
    forced = client.set_album_year("Pink Floyd", "The Wall", 1980, confidence=10, force=True)
    assert forced.stored and forced.current.year == 1980
    assert client.get_album_year("Radiohead", "OK Computer") is None
    assert client.delete_album_year("Pink Floyd", "The Wall") is True
    assert client.delete_album_year("Pink Floyd", "The Wall") is False


def test_album_years_in_batches(client: trackcache.Client) -> None:
    out = client.set_album_years(
        [AlbumYearItem("A", "x", 2001, 90), AlbumYearItem(" ", "blank", 2002), AlbumYearItem("B", "y", 2003)]
    )
    assert isinstance(out[0], trackcache.AlbumYearStored) and out[0].stored
    assert isinstance(out[1], trackcache.BadRequest)
    got = client.get_album_years([("a", "X"), ("nobody", "none"), ("B", "y"), ("", "")])
    years: List[Union[int, None, str]] = [
        g.year if isinstance(g, trackcache.AlbumYear) else (g if g is None else g.code) for g in got
    ]
    assert years == [2001, None, 2003, "bad_request"]


def test_api_answers(client: trackcache.Client) -> None:
    client.set_api_result("musicbrainz", "Pink Floyd", "The Wall", "found", payload={"id": "x"}, metadata={"year": "1979"})
    client.set_api_result("discogs", "Pink Floyd", "The Wall", "failed", error="429 Too Many Requests")
    client.set_api_result("lastfm", "Pink Floyd", "The Wall", "not_found")
    found = client.get_api_result("musicbrainz", "pink floyd", "the wall")
    assert found is not None and found.status == "found" and found.payload == {"id": "x"}
    assert found.metadata == {"year": "1979"} and found.expires_in_ms is None
    failed = client.get_api_result("discogs", "Pink Floyd", "The Wall")
    assert failed is not None and failed.status == "failed" and failed.error == "429 Too Many Requests"
    assert 0 < (failed.expires_in_ms or 0) <= 3_600_000
    nf = client.get_api_result("lastfm", "Pink Floyd", "The Wall")
    assert nf is not None and nf.status == "not_found"
    assert client.get_api_result("musicbrainz", "Radiohead", "OK Computer") is None
    assert client.delete_api_result("lastfm", "Pink Floyd", "The Wall") is True
    assert client.get_api_result("lastfm", "Pink Floyd", "The Wall") is None
    stored = client.set_api_results(
        [ApiItem("mb", "A", "x", "found", payload=[1, 2]), ApiItem("mb", "B", "y", "failed", error="e")]
    )
    assert all(isinstance(s, trackcache.ApiStored) for s in stored)
    many = client.get_api_results([("mb", "A", "x"), ("mb", "B", "y"), ("mb", "C", "z")])
    assert [m.status if isinstance(m, trackcache.ApiEntry) else m for m in many] == ["found", "failed", None]


def test_lookup_gives_one_lease_and_the_others_wait(daemon: Daemon) -> None:
    with daemon.client() as a, daemon.client() as b:
        lease = a.lookup_album_year("Radiohead", "OK Computer", lease_ms=10_000)
        assert isinstance(lease, trackcache.Lease) and lease.expires_in_ms <= 10_000
        answer: List[object] = []
        waiter = threading.Thread(
            target=lambda: answer.append(b.lookup_album_year("Radiohead", "OK Computer", wait_ms=10_000))
        )
        waiter.start()
        wait_until(
            "the second lookup to wait on the lease",
            lambda: (a.stats().content_type("album_year") or trackcache.types.ContentTypeStats("", None, "")).coalesced == 1,
        )
        a.set_album_year("Radiohead", "OK Computer", 1997, confidence=90)
        waiter.join(timeout=10)
        assert len(answer) == 1 and isinstance(answer[0], trackcache.AlbumYear)
        assert answer[0].year == 1997
        # A cached value is answered at once.
        assert isinstance(b.lookup_album_year("Radiohead", "OK Computer"), trackcache.AlbumYear)


def test_a_failed_fetch_reaches_the_waiting_caller(daemon: Daemon) -> None:
    with daemon.client() as a, daemon.client() as b:
        assert isinstance(a.lookup_kv("pages", "home", lease_ms=10_000), trackcache.Lease)
        raised: List[BaseException] = []

        def wait() -> None:
            try:
                b.lookup_kv("pages", "home", wait_ms=10_000)
            except trackcache.FetchFailed as e:
                raised.append(e)

        waiter = threading.Thread(target=wait)
        waiter.start()
        wait_until(
            "the second lookup to wait on the lease",
            lambda: (a.stats().content_type("generic") or trackcache.types.ContentTypeStats("", None, "")).coalesced == 1,
        )
        with daemon.client() as other:  # b is busy waiting: one call at a time per client
            assert other.fail_lease("kv", "503 from the source", namespace="pages", key="home") is False
        assert a.fail_lease("kv", "503 from the source", namespace="pages", key="home") is True
        waiter.join(timeout=10)
        assert len(raised) == 1 and raised[0].error == "503 from the source"
        # The failure is not cached: the next caller fetches itself.
        assert isinstance(b.lookup_kv("pages", "home"), trackcache.Lease)


def test_lookup_of_kv_and_api_and_a_lease_that_lapses(client: trackcache.Client, daemon: Daemon) -> None:
    assert isinstance(client.lookup_kv("ns", "k"), trackcache.Lease)
    client.kv_set("ns", "k", "v")
    hit = client.lookup_kv("ns", "k")
    assert isinstance(hit, trackcache.KvValue) and hit.value == b"v"
    assert isinstance(client.lookup_api_result("mb", "A", "B"), trackcache.Lease)
    client.set_api_result("mb", "A", "B", "not_found")
    api = client.lookup_api_result("mb", "A", "B")
    assert isinstance(api, trackcache.ApiEntry) and api.status == "not_found"
    # A holder that never answers: the waiter's wait runs out with a typed timeout.
    assert isinstance(client.lookup_kv("ns", "slow", lease_ms=5_000), trackcache.Lease)
    with daemon.client() as other:
        with pytest.raises(trackcache.WaitTimeout):
            other.lookup_kv("ns", "slow", wait_ms=50)


def test_invalidation_and_tags(lib_daemon: Daemon) -> None:
    with lib_daemon.client() as c:
        c.set_album_year("Pink Floyd", "The Wall", 1979)
        c.set_album_year("Pink Floyd", "Animals", 1977)
        c.set_album_year("Radiohead", "OK Computer", 1997)
        c.kv_set("pages", "wall", "x", tags=["album:Pink Floyd|The Wall"])
        assert c.invalidate_album("Pink Floyd", "The Wall") == 2
        assert c.kv_get("pages", "wall").miss
        assert c.invalidate_track("B1") == 1  # Animals' year
        assert c.invalidate_artist("Radiohead") == 1
        c.set_api_result("mb", "A", "B", "failed", error="x")
        assert c.invalidate_content_type("failed_api_lookup") == 1
        c.kv_set("g", "k", "v")
        c.set_album_year("X", "Y", 2000)
        assert c.invalidate_all() == 2
        with pytest.raises(trackcache.BadRequest):
            c.invalidate_content_type("no_such_type")


def test_last_runs(client: trackcache.Client) -> None:
    assert client.get_last_run("genreupdater") is None
    client.set_last_run("genreupdater", 1_700_000_000_000)
    assert client.get_last_run("genreupdater") == 1_700_000_000_000
    before = trackcache.commands.now_ms()
    client.set_last_run("genreupdater")
    at = client.get_last_run("genreupdater")
    assert at is not None and before <= at <= trackcache.commands.now_ms()


def test_pipeline_answers_in_order(client: trackcache.Client) -> None:
    with client.pipeline() as p:
        p.kv_set("pipe", "a", "1").kv_set("pipe", "b", "2")
        p.kv_get("pipe", "a").kv_get("pipe", "b").kv_get("pipe", "c")
        out = p.execute()
    assert [o.value for o in out[2:]] == [b"1", b"2", None]
    p = client.pipeline()
    p.kv_get("bad name!", "x")
    p.ping()
    with pytest.raises(trackcache.BadRequest):
        p.execute()
    p.kv_get("bad name!", "x")
    p.ping()
    mixed = p.execute(raise_on_error=False)
    assert isinstance(mixed[0], trackcache.BadRequest) and mixed[1] is True


def test_a_pipeline_larger_than_the_socket_buffers(client: trackcache.Client) -> None:
    # 4,000 answers of 4 KB: far more than the socket buffers hold, so the daemon
    # stops reading until we read; writing everything first would deadlock.
    client.kv_set("big", "v", "x" * 4096)
    p = client.pipeline()
    for _ in range(4000):
        p.kv_get("big", "v")
    out = p.execute()
    assert len(out) == 4000 and all(o.value == b"x" * 4096 for o in out)


def test_a_restart_between_calls_is_invisible(daemon: Daemon) -> None:
    with daemon.client() as c:
        c.kv_set("persist", "k", "v")
        daemon.restart()
        assert c.ping()  # a new connection, without an error
        assert c.kv_get("persist", "k").miss  # a memory-only namespace starts empty


def test_shutdown(daemon: Daemon) -> None:
    with daemon.client() as c:
        c.shutdown()
    assert daemon.proc is not None
    wait_until("the daemon to exit", lambda: daemon.proc is not None and daemon.proc.poll() is not None)
    assert daemon.proc.returncode == 0


def test_timeout_is_typed(daemon: Daemon) -> None:
    with daemon.client() as holder, daemon.client(timeout=0.05) as impatient:
        assert isinstance(holder.lookup_kv("t", "k", lease_ms=5_000), trackcache.Lease)
        start = time.monotonic()
        with pytest.raises(trackcache.TimeoutError):
            impatient.lookup_kv("t", "k", wait_ms=2_000)
        assert time.monotonic() - start < 1.5
        assert impatient.ping()  # a fresh connection after the timeout


def test_declare_namespace_is_idempotent_and_kept(make_daemon: Callable[..., Daemon]) -> None:
    d = make_daemon('[cache.namespaces.mb]\nttl_secs = 60\n')
    with d.client() as c:
        first = c.declare_namespace("search", ttl_ms=86_400_000, negative_ttl_ms=3_600_000, max_entries=10_000, persistent=True)
        assert first.changed and first.overridden == []
        ns = first.namespace
        assert (ns.ttl_ms, ns.negative_ttl_ms, ns.max_entries, ns.persistent, ns.origin) == (
            86_400_000, 3_600_000, 10_000, True, "declared",
        )
        assert c.declare_namespace("search", ttl_ms=86_400_000, negative_ttl_ms=3_600_000, max_entries=10_000, persistent=True).changed is False
        over = c.declare_namespace("mb", ttl_ms=0, strategy="hybrid")
        assert over.overridden == ["ttl"] and over.namespace.ttl_ms == 60_000 and over.namespace.strategy == "hybrid"
        with pytest.raises(trackcache.BadRequest) as e:
            c.declare_namespace("x", strategy="event-driven")
        assert "event_driven" in str(e.value)
        assert c.status().strategies["album_year"] == "hybrid"
    d.restart()
    with d.client() as c:
        ns = c.stats().namespace("search")
        assert ns is not None and ns.origin == "declared" and ns.ttl_ms == 86_400_000


def test_manual_invalidations_are_events(lib_daemon: Daemon) -> None:
    with lib_daemon.client() as c:
        since = c.track_count().seq
        c.set_album_year("Pink Floyd", "The Wall", 1979)
        assert c.invalidate_album("Pink Floyd", "The Wall") == 1
        events = c.changes(since).events
        manual = [e for e in events if isinstance(e, trackcache.ManualInvalidation)]
        assert len(manual) == 1
        assert (manual[0].target, manual[0].dropped, manual[0].raw["album"]) == ("album", 1, "The Wall")
