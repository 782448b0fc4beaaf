"""The GenreUpdater adapter, method by method, with GenreUpdater's conventions
(string years, always-replace, TTL edge cases, sync generic methods), and its
lease: two processes never fetch the same album twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, TypeVar

import pytest

import trackcache
from trackcache.genreupdater import (
    AlbumCacheEntry,
    CachedApiResult,
    CacheOrchestrator,
    default_generic_ttl,
    hash_generic_key,
)

from conftest import Daemon, wait_until

T = TypeVar("T")


def with_cache(daemon: Daemon, body: Callable[[CacheOrchestrator], Awaitable[T]], **kw: Any) -> T:
    async def run() -> T:
        cache = CacheOrchestrator({"caching": {"default_ttl_seconds": 600}}, socket=daemon.socket, **kw)
        await cache.initialize()
        try:
            return await body(cache)
        finally:
            await cache.shutdown()

    return asyncio.run(asyncio.wait_for(run(), 60))


def test_album_years_are_strings_and_always_replaced(daemon: Daemon) -> None:
    async def body(cache: CacheOrchestrator) -> None:
        assert await cache.get_album_year("Pink Floyd", "The Wall") is None
        await cache.store_album_year("Pink Floyd", "The Wall", "1979", confidence=90)
        assert await cache.get_album_year("pink floyd", "the wall") == "1979"
        entry = await cache.get_album_year_entry_from_cache("Pink Floyd", "The Wall")
        assert isinstance(entry, AlbumCacheEntry)
        assert (entry.artist, entry.album, entry.year, entry.confidence) == ("Pink Floyd", "The Wall", "1979", 90)
        assert abs(entry.timestamp - dt.datetime.now().timestamp()) < 60
        # GenreUpdater replaces whatever is cached, even with a lower confidence.
        await cache.store_album_year_in_cache(" Pink Floyd ", "The Wall ", " 1980 ")
        assert await cache.get_album_year_from_cache("Pink Floyd", "The Wall") == "1980"
        with pytest.raises(ValueError, match="not a whole number"):
            await cache.store_album_year("Pink Floyd", "The Wall", "late seventies")
        await cache.invalidate_album_cache("Pink Floyd", "The Wall")
        assert await cache.get_album_year("Pink Floyd", "The Wall") is None
        await cache.store_album_year("A", "B", "2001")
        await cache.invalidate_all_albums()
        assert await cache.get_album_year("A", "B") is None

    with_cache(daemon, body)


def test_an_album_year_older_than_30_days_is_a_miss(make_daemon: Callable[..., Daemon]) -> None:
    # The daemon is told to keep years forever (for other programs); GenreUpdater's
    # 30 days still apply to GenreUpdater.
    daemon = make_daemon("[content_types.album_year]\nttl_secs = 0\n")
    day_ms = 86_400_000
    now = trackcache.commands.now_ms()
    with daemon.client() as c:
        c.set_album_year("Old", "Album", 1970, stored_at_ms=now - 31 * day_ms)
        c.set_album_year("Recent", "Album", 1971, stored_at_ms=now - 29 * day_ms)
        assert c.get_album_year("Old", "Album") is not None

    async def body(cache: CacheOrchestrator) -> None:
        assert await cache.get_album_year("Old", "Album") is None
        assert await cache.get_album_year("Recent", "Album") == "1971"

    with_cache(daemon, body)


def test_generate_album_key_is_genreupdaters() -> None:
    expected = hashlib.sha256(b"pink floyd|the wall").hexdigest()
    assert CacheOrchestrator.generate_album_key(" Pink Floyd", "The Wall ") == expected
    assert hash_generic_key("tracks_all") == hashlib.sha256(b"tracks_all").hexdigest()
    assert hash_generic_key({"b": 1, "a": 2}) == hashlib.sha256(b'{"a": 2, "b": 1}').hexdigest()


def test_default_ttl_comes_from_genreupdaters_config() -> None:
    assert default_generic_ttl(None) == 300
    assert default_generic_ttl({"caching": {"default_ttl_seconds": 0}, "cache_ttl_seconds": 42}) == 42

    class Caching:
        default_ttl_seconds = 900

    class Config:
        caching = Caching()

    assert default_generic_ttl(Config()) == 900


def test_generic_get_set_invalidate_are_synchronous(daemon: Daemon) -> None:
    async def body(cache: CacheOrchestrator) -> None:
        assert cache.get("tracks_all") is None
        cache.set("tracks_all", [{"id": "1", "name": "x"}])
        assert cache.get("tracks_all") == [{"id": "1", "name": "x"}]
        cache.set({"artist": "A", "page": 2}, "dict keys work", ttl=60)
        assert cache.get({"page": 2, "artist": "A"}) == "dict keys work"
        cache.invalidate("tracks_all")
        assert cache.get("tracks_all") is None
        # TTL edge cases, as GenreUpdater: 0 or less expires at once (the daemon
        # alone would keep a TTL of 0 forever).
        cache.set("k", "v")
        cache.set("k", "gone", ttl=0)
        assert cache.get("k") is None
        cache.set(7, "int keys", ttl=-5)
        assert cache.get(7) is None
        await cache.set_async("a", {"n": 1}, ttl=1)
        assert await cache.get_async("a") == {"n": 1}
        with daemon.client() as c:
            got = c.kv_get("genreupdater", hash_generic_key("a"))
            assert got.hit and 0 < (got.expires_in_ms or 0) <= 1000
            default = c.kv_get("genreupdater", hash_generic_key({"artist": "A", "page": 2}))
            assert 0 < (default.expires_in_ms or 0) <= 60_000
        wait_until("the 1 s entry to expire", lambda: cache.get("a") is None)

    with_cache(daemon, body)


def test_pydantic_like_values_are_dumped(daemon: Daemon) -> None:
    class Model:
        def model_dump(self, mode: str = "python") -> Dict[str, Any]:
            return {"id": "7", "mode": mode}

    async def body(cache: CacheOrchestrator) -> None:
        await cache.set_async("m", [Model()])
        assert cache.get("m") == [{"id": "7", "mode": "json"}]
        with pytest.raises(TypeError, match="cannot cache a object"):
            cache.set("bad", object())

    with_cache(daemon, body)


def test_compute_on_miss_computes_once(daemon: Daemon) -> None:
    calls: List[str] = []

    async def compute() -> Any:
        calls.append("x")
        return {"computed": len(calls)}

    async def body(cache: CacheOrchestrator) -> None:
        assert await cache.get_async("expensive", compute) == {"computed": 1}
        assert await cache.get_async("expensive", compute) == {"computed": 1}
        assert calls == ["x"]
        # A compute that fails releases the lease at once: the next caller computes.
        async def broken() -> Any:
            raise RuntimeError("API down")

        with pytest.raises(RuntimeError):
            await cache.get_async("fragile", broken)
        assert await cache.get_async("fragile", compute) == {"computed": 2}

    with_cache(daemon, body)


def test_api_answers_found_not_found_failed(daemon: Daemon) -> None:
    async def body(cache: CacheOrchestrator) -> None:
        assert await cache.get_cached_api_result("Pink Floyd", "The Wall", "musicbrainz") is None
        await cache.set_cached_api_result("Pink Floyd", "The Wall", "musicbrainz", "1979", metadata={"score": 98})
        found = await cache.get_cached_api_result("pink floyd", "the wall", "musicbrainz")
        assert isinstance(found, CachedApiResult)
        assert found.year == "1979" and found.api_response == {"year": "1979", "score": 98}
        assert found.model_dump()["source"] == "musicbrainz"
        await cache.set_cached_api_result("Pink Floyd", "The Wall", "discogs", None, is_negative=True)
        await cache.set_cached_api_result("Pink Floyd", "The Wall", "lastfm", None)
        for source in ("discogs", "lastfm"):
            r = await cache.get_cached_api_result("Pink Floyd", "The Wall", source)
            assert r is not None and r.year is None and r.api_response == {"year": None}
        with daemon.client() as c:
            assert c.get_api_result("discogs", "Pink Floyd", "The Wall").status == "not_found"  # type: ignore[union-attr]
            assert c.get_api_result("lastfm", "Pink Floyd", "The Wall").status == "failed"  # type: ignore[union-attr]

    with_cache(daemon, body)


def test_a_year_less_answer_is_served_for_one_hour(daemon: Daemon) -> None:
    hour_ago = trackcache.commands.now_ms() - 3_601_000
    with daemon.client() as c:
        c.set_api_result("discogs", "A", "B", "not_found", stored_at_ms=hour_ago)

    async def body(cache: CacheOrchestrator) -> None:
        assert await cache.get_cached_api_result("A", "B", "discogs") is None

    with_cache(daemon, body)


def test_invalidate_for_track_and_everything(lib_daemon: Daemon) -> None:
    class TrackDict:
        def model_dump(self) -> Dict[str, Any]:
            return {"id": "A1", "artist": "Pink Floyd", "original_artist": "The Pink Floyd", "album": "The Wall"}

    async def body(cache: CacheOrchestrator) -> None:
        cache.set("tracks_all", [1])
        cache.set("tracks_Pink Floyd", [2])
        cache.set("tracks_The Pink Floyd", [3])
        cache.set("tracks_Radiohead", [4])
        await cache.store_album_year("Pink Floyd", "The Wall", "1979")
        await cache.set_cached_api_result("Pink Floyd", "The Wall", "musicbrainz", "1979")
        with lib_daemon.client() as c:
            since = c.track_count().seq
        await cache.invalidate_for_track(TrackDict())
        assert [cache.get(k) for k in ("tracks_all", "tracks_Pink Floyd", "tracks_The Pink Floyd")] == [None] * 3
        with lib_daemon.client() as c:
            reported = [e for e in c.changes(since).events if isinstance(e, trackcache.ManualInvalidation)]
        # The report reaches the daemon's other clients as events.
        assert [(e.target, e.raw.get("id")) for e in reported] == [("album", None), ("track", "A1")]
        assert cache.get("tracks_Radiohead") == [4]
        assert await cache.get_album_year("Pink Floyd", "The Wall") is None
        assert await cache.get_cached_api_result("Pink Floyd", "The Wall", "musicbrainz") is None
        # A plain mapping works too.
        await cache.invalidate_for_track({"artist": "Radiohead", "album": ""})
        assert cache.get("tracks_Radiohead") is None
        await cache.store_album_year("X", "Y", "2000")
        cache.set("g", 1)
        with lib_daemon.client() as c:
            c.kv_set("other-tool", "k", "kept")
        await cache.invalidate_all()
        assert await cache.get_album_year("X", "Y") is None and cache.get("g") is None
        with lib_daemon.client() as c:
            assert c.get("other-tool", "k") == b"kept"  # other programs' entries stay
        cache.set("g", 2)
        await cache.clear()
        assert cache.get("g") is None

    with_cache(lib_daemon, body)


def test_last_run_timestamp(daemon: Daemon) -> None:
    async def body(cache: CacheOrchestrator) -> None:
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        assert await cache.get_last_run_timestamp() == epoch
        before = dt.datetime.now(dt.timezone.utc)
        await cache.update_last_run_timestamp()
        got = await cache.get_last_run_timestamp()
        assert got.tzinfo is not None and before - dt.timedelta(seconds=1) <= got <= dt.datetime.now(dt.timezone.utc)
        await cache.set_last_run_timestamp(dt.datetime(2024, 5, 1, 12, 0))
        assert await cache.get_last_run_timestamp() == dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
        # The persistence hooks have nothing to do: the daemon acknowledged every write durably.
        await cache.save_all_to_disk()
        await cache.sync_cache()
        await cache.save_cache()
        await cache.load_cache()

    with_cache(daemon, body)


def test_initialize_without_a_daemon_raises_like_genreupdater() -> None:
    async def body() -> None:
        cache = CacheOrchestrator(None, socket="/tmp/tcpy-absent.sock")
        with pytest.raises(RuntimeError, match="Cache service initialization failed"):
            await cache.initialize()

    asyncio.run(body())


FETCHER = textwrap.dedent(
    """
    import asyncio, sys, time
    from trackcache.genreupdater import CacheOrchestrator

    async def main(socket, log):
        cache = CacheOrchestrator(None, socket=socket)
        await cache.initialize()

        async def fetch():
            with open(log, "a") as f:
                f.write("fetch\\n")
            await asyncio.sleep(0.3)  # a slow API, so the other process arrives meanwhile
            return ("1997", 90)

        year = await cache.fetch_album_year("Radiohead", "OK Computer", fetch)
        print(year)
        await cache.shutdown()

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def test_two_processes_never_fetch_the_same_album_twice(daemon: Daemon, tmp_path: Path) -> None:
    script = tmp_path / "fetcher.py"
    script.write_text(FETCHER)
    log = tmp_path / "fetches.log"
    procs = [
        subprocess.Popen([sys.executable, str(script), daemon.socket, str(log)], stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=30)[0].decode().strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs == ["1997", "1997"]
    assert log.read_text() == "fetch\n"


def test_fetch_that_finds_nothing_stores_nothing(daemon: Daemon) -> None:
    async def body(cache: CacheOrchestrator) -> None:
        async def nothing() -> Optional[Tuple[str, int]]:
            return None

        assert await cache.fetch_album_year("Nobody", "Nothing", nothing) is None
        assert await cache.get_album_year("Nobody", "Nothing") is None

        async def found() -> Optional[Tuple[str, int]]:
            return ("2010", 80)

        # The lease was released when the first fetch found nothing.
        assert await cache.fetch_album_year("Nobody", "Nothing", found) == "2010"
        assert await cache.fetch_album_year("Nobody", "Nothing", nothing) == "2010"

    with_cache(daemon, body, wait_ms=2_000)
