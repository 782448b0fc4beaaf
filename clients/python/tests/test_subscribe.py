"""Subscriptions: events as they happen, reconnect-and-resume across a daemon
restart (nothing skipped, nothing twice), and ``resync`` raised to the caller."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest

import trackcache

from conftest import Daemon, track_line


def next_of(sub: trackcache.Subscription, kind: str) -> trackcache.Event:
    """The next event of ``kind`` (others are skipped), within 15 s."""
    while True:
        ev = sub.next_event(timeout=15)
        assert ev is not None, f"no {kind} event within 15 s"
        if ev.kind == kind:
            return ev


def test_events_as_they_happen(lib_daemon: Daemon, library: List[Dict[str, Any]]) -> None:
    with lib_daemon.client() as c, c.subscribe() as sub:
        assert sub.subscribed is not None
        assert sub.next_event(timeout=0.05) is None  # nothing happened yet
        lib_daemon.write_library(library + [track_line("D1", "Björk", "Homogenic", year=1997)])
        added = next_of(sub, "track_added")
        assert isinstance(added, trackcache.TrackAdded)
        assert added.track is not None and added.track.id == "D1"
        synced = sub.next_event(timeout=15)
        assert isinstance(synced, trackcache.LibrarySynced) and synced.added == 1
        assert sub.last_seq == synced.seq
        c.set_album_year("Pink Floyd", "The Wall", 1979)
        c.invalidate_album("Pink Floyd", "The Wall")
        inv = next_of(sub, "entries_invalidated")
        assert isinstance(inv, trackcache.EntriesInvalidated)
        assert inv.content_type == "album_year" and inv.reason == "manual"


def test_replay_since_a_seq(lib_daemon: Daemon) -> None:
    with lib_daemon.client() as c, c.subscribe(since=0) as sub:
        first = sub.next_event(timeout=15)
        assert first is not None and first.seq == 1


def test_resumes_after_a_daemon_restart(lib_daemon: Daemon, library: List[Dict[str, Any]]) -> None:
    with lib_daemon.client() as c, c.subscribe(reconnect_timeout=30) as sub:
        lib_daemon.write_library(library + [track_line("D1", "Björk", "Homogenic")])
        before = next_of(sub, "library_synced")
        # Changes made while the daemon is down are logged when it starts again.
        lib_daemon.stop()
        lib_daemon.write_library(library + [track_line("D1", "Björk", "Homogenic"), track_line("E1", "Air", "Moon Safari")])
        lib_daemon.start()
        seen: List[trackcache.Event] = []
        while not seen or seen[-1].kind != "library_synced":
            ev = sub.next_event(timeout=15)
            assert ev is not None, f"events after the restart: {seen}"
            seen.append(ev)
        assert sub.reconnects == 1
        assert seen[0].seq == before.seq + 1  # resumed right after the last one seen
        assert [e.seq for e in seen] == list(range(before.seq + 1, before.seq + 1 + len(seen)))
        added = [e for e in seen if isinstance(e, trackcache.TrackAdded)]
        assert [e.track.id for e in added if e.track] == ["E1"]


def test_resync_is_raised_not_skipped(lib_daemon: Daemon) -> None:
    with lib_daemon.client() as c:
        current = c.track_count().seq
        # A seq from another history (newer than the daemon's): the stream must resync.
        with c.subscribe(since=current + 1000) as sub:
            with pytest.raises(trackcache.ResyncRequired) as err:
                sub.next_event(timeout=15)
            assert err.value.seq == current
            assert sub.last_seq == current
            # The subscription goes on after the resync.
            c.set_album_year("Pink Floyd", "Animals", 1977)
            c.invalidate_album("Pink Floyd", "Animals")
            ev = next_of(sub, "entries_invalidated")
            assert ev.seq > current


def test_async_subscription_resumes_and_raises_resync(lib_daemon: Daemon, library: List[Dict[str, Any]]) -> None:
    async def body() -> None:
        c = lib_daemon.async_client()
        sub = c.subscribe()
        async with sub:
            lib_daemon.write_library(library + [track_line("D1", "Björk", "Homogenic")])
            got: Optional[trackcache.Event] = None
            while got is None or got.kind != "library_synced":
                got = await sub.next_event(timeout=15)
                assert got is not None
            lib_daemon.restart()
            lib_daemon.write_library(library)  # D1 removed while subscribed again
            removed = None
            async for ev in sub:
                if isinstance(ev, trackcache.TrackRemoved):
                    removed = ev
                    break
            assert removed is not None and removed.track is not None and removed.track.id == "D1"
            assert removed.seq == got.seq + 1
            assert sub.reconnects == 1
        seq = (await c.track_count()).seq
        async with c.subscribe(since=seq + 50) as stale:
            with pytest.raises(trackcache.ResyncRequired):
                await stale.next_event(timeout=15)
        await c.aclose()

    asyncio.run(asyncio.wait_for(body(), 60))
