#!/usr/bin/env python3
"""One GenreUpdater-style run against trackcached.

1. read the library (the daemon's snapshot of it),
2. look up every album's year in one batch request,
3. fetch the missing ones (here from a fake API) under the daemon's lease, so
   that two runs at once never fetch one album twice, and store them,
4. record the run.

Run it twice: the second run finds every year in the cache and fetches
nothing (albums the fake API knows nothing about are remembered as negative
answers, as GenreUpdater does). With ``--check`` it exits 1 when a run did not
behave so, which is how CI uses it.

    TRACKCACHE_SOCKET=/tmp/demo/trackcached.sock python3 genreupdater_run.py --check
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import zlib
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import trackcache
from trackcache.genreupdater import CacheOrchestrator

Album = Tuple[str, str]
SOURCE = "fake-api"


def fake_api_year(album: Album, track_years: List[int]) -> Optional[Tuple[str, int]]:
    """A stand-in for MusicBrainz: knows most albums, a few not at all."""
    h = zlib.crc32(f"{album[0]}|{album[1]}".encode())
    if h % 10 == 0:
        return None
    year = min(track_years) if track_years else 1960 + h % 60
    return str(year), 80


async def read_library(tc: trackcache.AsyncClient, wait: float) -> Dict[Album, List[int]]:
    """Albums (album artist else artist, album) and their tracks' years."""
    deadline = time.monotonic() + wait
    while True:
        lib = (await tc.status()).library
        if lib is None:
            raise SystemExit("the daemon has no library configured (start it with --library)")
        if lib.last_sync_ms is not None:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"the library was not read within {wait} s")
        await asyncio.sleep(0.05)  # polling the daemon's first read, bounded by --wait
    albums: Dict[Album, List[int]] = defaultdict(list)
    async for t in tc.iter_tracks():
        artist = t.album_artist or t.artist
        if artist and artist.strip() and t.album and t.album.strip():
            albums[(artist, t.album)].extend([t.year] if t.year else [])
    return albums


async def run(socket: Optional[str], concurrency: int, wait: float) -> Dict[str, int]:
    cache = CacheOrchestrator(None, socket=socket)
    await cache.initialize()
    tc = cache.client
    counts = {"albums": 0, "cached": 0, "fetched": 0, "known_absent": 0, "not_found": 0, "waited": 0}
    try:
        last = await cache.get_last_run_timestamp()
        albums = await read_library(tc, wait)
        counts["albums"] = len(albums)
        keys = sorted(albums)
        years = await tc.get_album_years(keys)
        missing = []
        for key, got in zip(keys, years):
            if isinstance(got, trackcache.ServerError):
                raise got
            if got is not None:
                counts["cached"] += 1
            else:
                missing.append(key)
        # Albums the API already said it does not know: GenreUpdater's API cache.
        answers = await tc.get_api_results([(SOURCE, a, b) for a, b in missing])
        to_fetch = []
        for key, answer in zip(missing, answers):
            if isinstance(answer, trackcache.ApiEntry) and answer.status == "not_found":
                counts["known_absent"] += 1
            else:
                to_fetch.append(key)

        limit = asyncio.Semaphore(concurrency)

        async def fetch_one(key: Album) -> None:
            fetched = False

            async def fetch() -> Optional[Tuple[str, int]]:
                nonlocal fetched
                fetched = True
                await asyncio.sleep(0.001)  # the network
                found = fake_api_year(key, albums[key])
                await cache.set_cached_api_result(
                    key[0], key[1], SOURCE, found[0] if found else None, is_negative=found is None
                )
                return found

            async with limit:
                year = await cache.fetch_album_year(key[0], key[1], fetch)
            if fetched:
                counts["fetched" if year is not None else "not_found"] += 1
            else:
                counts["waited"] += 1  # another run fetched it while we waited

        await asyncio.gather(*(fetch_one(k) for k in to_fetch))
        await cache.update_last_run_timestamp()
        print(
            f"last run {last:%Y-%m-%d %H:%M:%S} UTC; {counts['albums']} albums: "
            f"{counts['cached']} years cached, {counts['fetched']} fetched and stored, "
            f"{counts['not_found']} unknown to the API, {counts['known_absent']} known absent, "
            f"{counts['waited']} fetched by another run meanwhile"
        )
        return counts
    finally:
        await cache.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--socket", help="daemon socket (default: TRACKCACHE_SOCKET, else the XDG default)")
    ap.add_argument("--concurrency", type=int, default=16, help="fetches at once (default 16)")
    ap.add_argument("--wait", type=float, default=60, help="seconds to wait for the library's first read")
    ap.add_argument("--check", action="store_true", help="run twice; exit 1 unless the second run fetched nothing")
    args = ap.parse_args()
    first = asyncio.run(run(args.socket, args.concurrency, args.wait))
    if not args.check:
        return 0
    second = asyncio.run(run(args.socket, args.concurrency, args.wait))
    ok = (
        first["albums"] > 0
        and first["fetched"] + first["not_found"] + first["cached"] + first["known_absent"] + first["waited"]
        == first["albums"]
        and second["fetched"] == second["not_found"] == 0
        and second["cached"] == first["cached"] + first["fetched"] + first["waited"]
        and second["known_absent"] == first["known_absent"] + first["not_found"]
    )
    print("check:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
