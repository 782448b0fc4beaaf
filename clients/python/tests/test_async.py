"""AsyncClient against the real daemon: every method family, concurrency on
one connection, a miss, a negative entry, an error, and a daemon restart."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, TypeVar

import pytest

import trackcache
from trackcache import AlbumYearItem, ApiItem, KvItem

from conftest import Daemon

T = TypeVar("T")


def run(coro: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(coro(), 30))  # type: ignore[arg-type]


def test_everything_once(daemon: Daemon) -> None:
    async def body() -> None:
        async with daemon.async_client() as c:
            assert await c.ping()
            assert (await c.welcome()).protocol_version == 1
            assert (await c.status()).socket == daemon.socket
            await c.kv_set("a", "k", "v", ttl_ms=0, tags=["artist:x"])
            assert (await c.kv_get("a", "k")).value == b"v"
            assert await c.get("a", "k") == b"v"
            assert (await c.kv_get("a", "nope")).miss
            await c.kv_set("a", "neg", negative=True)
            assert (await c.kv_get("a", "neg")).negative
            assert await c.kv_delete("a", "k")
            assert await c.kv_clear("a") == 1
            await c.kv_set_many("m", [KvItem("x", "1"), KvItem("y", "2")])
            assert [v.value for v in await c.kv_get_many("m", ["x", "y"])] == [b"1", b"2"]  # type: ignore[union-attr]
            ns = (await c.stats()).namespace("m")
            assert ns is not None and ns.entries == 2
            stored = await c.set_album_year("A", "B", 1999, confidence=80)
            assert stored.stored
            got = await c.get_album_year("a", "b")
            assert got is not None and got.year == 1999
            out = await c.set_album_years([AlbumYearItem("C", "D", 2000)])
            assert isinstance(out[0], trackcache.AlbumYearStored)
            years = await c.get_album_years([("C", "D"), ("E", "F")])
            assert isinstance(years[0], trackcache.AlbumYear) and years[1] is None
            assert await c.delete_album_year("A", "B")
            await c.set_api_result("mb", "A", "B", "found", payload={"y": 1})
            api = await c.get_api_result("mb", "A", "B")
            assert api is not None and api.payload == {"y": 1}
            await c.set_api_results([ApiItem("mb", "C", "D", "not_found")])
            many = await c.get_api_results([("mb", "C", "D")])
            assert isinstance(many[0], trackcache.ApiEntry) and many[0].status == "not_found"
            assert await c.delete_api_result("mb", "A", "B")
            assert isinstance(await c.lookup_album_year("Q", "R"), trackcache.Lease)
            assert isinstance(await c.lookup_api_result("mb", "Q", "R"), trackcache.Lease)
            assert isinstance(await c.lookup_kv("l", "k"), trackcache.Lease)
            assert await c.invalidate_album("C", "D") == 2
            assert await c.invalidate_artist("nobody") == 0
            assert await c.invalidate_track("nothing") == 0
            assert await c.invalidate_content_type("album_year") == 0
            assert await c.invalidate_all() >= 0
            assert await c.get_last_run("me") is None
            await c.set_last_run("me", 5)
            assert await c.get_last_run("me") == 5
            with pytest.raises(trackcache.Unavailable):
                await c.track_count()
            with pytest.raises(trackcache.BadRequest) as err:
                await c.kv_set("bad name!", "k", "v")
            assert err.value.code == "bad_request"
            assert await c.ping()

    run(body)


def test_library_methods(lib_daemon: Daemon) -> None:
    async def body() -> None:
        async with lib_daemon.async_client() as c:
            assert (await c.track_count()).tracks == 4
            t = await c.get_track("C1")
            assert t is not None and t.track_id == 42
            assert (await c.list_tracks(artist="radiohead")).total == 1
            ids = [t.id async for t in c.iter_tracks(page_size=3)]
            assert sorted(ids) == ["A1", "A2", "B1", "C1"]
            assert len(await c.list_albums()) == 3
            page = await c.changes(0, limit=1)
            assert len(page.events) == 1 and page.more and page.next_since is not None
            report = await c.rescan(wait=True)
            assert report is not None and report.outcome == "unchanged"
            assert await c.rescan() is None

    run(body)


def test_concurrent_requests_share_one_connection(daemon: Daemon) -> None:
    async def body() -> None:
        async with daemon.async_client() as c:
            await asyncio.gather(*(c.kv_set("conc", f"k{i}", str(i)) for i in range(200)))
            got = await asyncio.gather(*(c.kv_get("conc", f"k{i}") for i in range(200)))
            assert [g.value for g in got] == [str(i).encode() for i in range(200)]
            p = c.pipeline()
            p.kv_get("conc", "k1").kv_get("bad name!", "x")
            with pytest.raises(trackcache.BadRequest):
                await p.execute()
            p.kv_get("conc", "k2").kv_get("bad name!", "x")
            mixed = await p.execute(raise_on_error=False)
            assert mixed[0].value == b"2" and isinstance(mixed[1], trackcache.BadRequest)
            assert (await c.status()).connections == 1

    run(body)


def test_a_pipeline_larger_than_the_socket_buffers(daemon: Daemon) -> None:
    async def body() -> None:
        async with daemon.async_client() as c:
            await c.kv_set("big", "v", "x" * 4096)
            p = c.pipeline()
            for _ in range(4000):
                p.kv_get("big", "v")
            out = await p.execute()
            assert len(out) == 4000 and all(o.value == b"x" * 4096 for o in out)

    run(body)


def test_reconnects_after_a_restart(daemon: Daemon) -> None:
    async def body() -> None:
        async with daemon.async_client() as c:
            assert await c.ping()
            daemon.restart()
            last: Any = None
            for _ in range(3):  # the loop may not have seen the old connection end yet
                try:
                    last = await c.ping()
                    break
                except trackcache.ConnectionError as e:
                    last = e
            assert last is True

    run(body)


def test_no_daemon() -> None:
    async def body() -> None:
        with pytest.raises(trackcache.DaemonNotRunning):
            await trackcache.AsyncClient("/tmp/tcpy-nothing.sock").ping()

    run(body)
