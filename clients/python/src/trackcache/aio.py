"""The asyncio client: the same methods as ``Client``, as coroutines.

One connection shared by every coroutine: requests from concurrent tasks are
in flight together and answers are matched by id, so ``asyncio.gather`` over
many lookups pipelines them. The connection opens on first use, and again
after it broke (a daemon restart costs the calls in flight, not the client).
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import commands as c
from . import types as t
from ._aconnection import AsyncConnection
from ._paths import default_socket_path
from .asubscription import AsyncSubscription
from .pipeline import AsyncPipeline
from .client import DEFAULT_TIMEOUT
from .commands import BatchResult, Command, Value
from .errors import ServerError

T = TypeVar("T")


class AsyncClient:
    """An asyncio client of ``trackcached`` (arguments as ``Client``)::

        async with trackcache.AsyncClient() as tc:
            years = await asyncio.gather(*(tc.get_album_year(a, b) for a, b in albums))
    """

    def __init__(
        self,
        socket: Optional[str] = None,
        *,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        client_name: str = "trackcache-python",
    ) -> None:
        self.socket = socket or default_socket_path()
        self.timeout = timeout
        self.client_name = client_name
        self._conn: Optional[AsyncConnection] = None
        # Created in the loop that uses it (Python 3.9 binds locks at creation).
        self._lock: Optional[asyncio.Lock] = None

    # --- connection -----------------------------------------------------

    async def _connection(self) -> AsyncConnection:
        conn = self._conn
        if conn is not None and not conn.closed and conn.idle_readable():
            # Let the reader task see what is there (an end of file after a
            # daemon restart) before a request is written into a dead socket.
            await asyncio.sleep(0)
        if conn is not None and not conn.closed:
            return conn
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            conn = self._conn
            if conn is None or conn.closed:
                conn = self._conn = await AsyncConnection.open(
                    self.socket, self.client_name, self.timeout
                )
            return conn

    async def connect(self) -> "AsyncClient":
        """Connects now (otherwise the first call does); raises DaemonNotRunning."""
        await self._connection()
        return self

    async def welcome(self) -> t.Welcome:
        """What the daemon announced (connects if needed)."""
        return (await self._connection()).welcome

    async def aclose(self) -> None:
        """Closes the connection (a later call opens a new one)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.aclose()

    close = aclose

    async def __aenter__(self) -> "AsyncClient":
        return await self.connect()

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()

    async def execute(self, cmd: Command[T]) -> T:
        """Sends one prepared request and returns its answer."""
        return await (await self._connection()).call(cmd)

    async def execute_many(self, cmds: List[Command[Any]]) -> List[Any]:
        """Pipelines prepared requests; answers in order, ServerErrors in place."""
        return await (await self._connection()).pipeline(cmds)

    def pipeline(self) -> "AsyncPipeline":
        """Queues calls, then sends them in one write with ``await p.execute()``."""
        return AsyncPipeline(self)

    def subscribe(
        self,
        since: Optional[int] = None,
        *,
        reconnect_timeout: Optional[float] = 30.0,
    ) -> AsyncSubscription:
        """Events as they happen (see ``Client.subscribe``); ``async for`` it."""

        async def connect() -> AsyncConnection:
            return await AsyncConnection.open(self.socket, self.client_name, self.timeout)

        return AsyncSubscription(connect, since, reconnect_timeout)

    # --- daemon -----------------------------------------------------------

    async def ping(self) -> bool:
        """True when the daemon answers."""
        return await self.execute(c.ping())

    async def status(self) -> t.Status:
        """Version, uptime, paths, connections, cache totals, library state."""
        return await self.execute(c.status())

    async def stats(self) -> t.Stats:
        """Counters per namespace and per content type."""
        return await self.execute(c.stats())

    async def shutdown(self) -> None:
        """Asks the daemon to stop gracefully."""
        await self.execute(c.shutdown())

    # --- generic kv -----------------------------------------------------------

    async def kv_get(self, namespace: str, key: str) -> t.KvValue:
        """``hit`` (with ``value``), ``negative`` or ``miss``."""
        return await self.execute(c.kv_get(namespace, key))

    async def get(self, namespace: str, key: str) -> Optional[bytes]:
        """The value, or None (a miss or a negative entry), as redis-py's ``get``."""
        return (await self.execute(c.kv_get(namespace, key))).value

    async def kv_set(
        self,
        namespace: str,
        key: str,
        value: Value = b"",
        *,
        ttl_ms: Optional[int] = None,
        negative: bool = False,
        tags: Iterable[str] = (),
    ) -> t.KvStored:
        """Stores a value (or a negative entry); see ``commands.kv_set``."""
        return await self.execute(
            c.kv_set(namespace, key, value, ttl_ms=ttl_ms, negative=negative, tags=tags)
        )

    async def kv_delete(self, namespace: str, key: str) -> bool:
        """True when a live entry was removed."""
        return await self.execute(c.kv_delete(namespace, key))

    async def kv_clear(self, namespace: str) -> int:
        """Removes every entry of a namespace; how many."""
        return await self.execute(c.kv_clear(namespace))

    async def declare_namespace(
        self,
        namespace: str,
        *,
        ttl_ms: Optional[int] = None,
        negative_ttl_ms: Optional[int] = None,
        max_entries: Optional[int] = None,
        max_bytes: Optional[int] = None,
        persistent: Optional[bool] = None,
        strategy: Optional[str] = None,
    ) -> t.NamespaceDeclared:
        """Declares a namespace's policy (idempotent, durable when it returns);
        see ``commands.declare_namespace``."""
        return await self.execute(
            c.declare_namespace(
                namespace,
                ttl_ms=ttl_ms,
                negative_ttl_ms=negative_ttl_ms,
                max_entries=max_entries,
                max_bytes=max_bytes,
                persistent=persistent,
                strategy=strategy,
            )
        )

    async def kv_get_many(self, namespace: str, keys: Iterable[str]) -> BatchResult[t.KvValue]:
        """Many keys in one request, in order (a ServerError in place of a failed item)."""
        return await self.execute(c.kv_get_many(namespace, keys))

    async def kv_set_many(
        self, namespace: str, entries: Iterable[t.KvItem]
    ) -> BatchResult[t.KvStored]:
        """Many entries in one request (made durable together)."""
        return await self.execute(c.kv_set_many(namespace, entries))

    # --- library --------------------------------------------------------------

    async def track_count(self) -> t.TrackCount:
        """Tracks in the snapshot, and its seq."""
        return await self.execute(c.track_count())

    async def get_track(self, id: str) -> Optional[t.Track]:
        """One track by Persistent ID or Track ID; None if there is none."""
        return await self.execute(c.get_track(id))

    async def list_tracks(
        self,
        *,
        artist: Optional[str] = None,
        album_artist: Optional[str] = None,
        album: Optional[str] = None,
        genre: Optional[str] = None,
        limit: int = 0,
        offset: int = 0,
    ) -> t.TrackPage:
        """One page of tracks in album order (filters: exact normalized match)."""
        return await self.execute(
            c.list_tracks(
                artist=artist,
                album_artist=album_artist,
                album=album,
                genre=genre,
                limit=limit,
                offset=offset,
            )
        )

    async def iter_tracks(
        self,
        *,
        artist: Optional[str] = None,
        album_artist: Optional[str] = None,
        album: Optional[str] = None,
        genre: Optional[str] = None,
        page_size: int = 10_000,
    ) -> AsyncIterator[t.Track]:
        """Every matching track, page by page."""
        offset = 0
        while True:
            page = await self.list_tracks(
                artist=artist,
                album_artist=album_artist,
                album=album,
                genre=genre,
                limit=page_size,
                offset=offset,
            )
            for tr in page.tracks:
                yield tr
            offset += len(page.tracks)
            if not page.tracks or offset >= page.total:
                return

    async def list_albums(self, artist: Optional[str] = None) -> List[t.AlbumSummary]:
        """Albums with track counts and earliest year."""
        return await self.execute(c.list_albums(artist))

    async def changes(self, since: int = 0, limit: int = 0) -> t.ChangesPage:
        """Logged events after ``since``."""
        return await self.execute(c.changes(since, limit))

    async def rescan(self, wait: bool = False) -> Optional[t.SyncReport]:
        """Re-reads the library; with ``wait``, what the re-read did."""
        return await self.execute(c.rescan(wait))

    # --- album years ----------------------------------------------------------

    async def get_album_year(
        self, artist: str, album: str, min_confidence: int = 0
    ) -> Optional[t.AlbumYear]:
        """The cached year, or None."""
        return await self.execute(c.get_album_year(artist, album, min_confidence))

    async def set_album_year(
        self,
        artist: str,
        album: str,
        year: int,
        *,
        confidence: int = 100,
        source: str = "manual",
        force: bool = False,
        stored_at_ms: Optional[int] = None,
    ) -> t.AlbumYearStored:
        """Stores a year (a lower confidence does not replace a higher one unless forced)."""
        return await self.execute(
            c.set_album_year(
                artist,
                album,
                year,
                confidence=confidence,
                source=source,
                force=force,
                stored_at_ms=stored_at_ms,
            )
        )

    async def delete_album_year(self, artist: str, album: str) -> bool:
        """True when a live entry was removed."""
        return await self.execute(c.delete_album_year(artist, album))

    async def get_album_years(
        self, albums: Iterable[Tuple[str, str]], min_confidence: int = 0
    ) -> BatchResult[Optional[t.AlbumYear]]:
        """Many (artist, album) years in one request, in order."""
        return await self.execute(c.get_album_years(albums, min_confidence))

    async def set_album_years(
        self, entries: Iterable[t.AlbumYearItem]
    ) -> BatchResult[t.AlbumYearStored]:
        """Many years in one request."""
        return await self.execute(c.set_album_years(entries))

    # --- API answers ----------------------------------------------------------

    async def get_api_result(self, source: str, artist: str, album: str) -> Optional[t.ApiEntry]:
        """A cached answer (found / not_found / failed), or None."""
        return await self.execute(c.get_api_result(source, artist, album))

    async def set_api_result(
        self,
        source: str,
        artist: str,
        album: str,
        status: t.ApiStatus,
        *,
        payload: t.JSON = None,
        metadata: Optional[Mapping[str, str]] = None,
        error: Optional[str] = None,
        stored_at_ms: Optional[int] = None,
    ) -> t.ApiStored:
        """Stores a source's answer; see ``commands.set_api_result``."""
        return await self.execute(
            c.set_api_result(
                source,
                artist,
                album,
                status,
                payload=payload,
                metadata=metadata,
                error=error,
                stored_at_ms=stored_at_ms,
            )
        )

    async def delete_api_result(self, source: str, artist: str, album: str) -> bool:
        """True when a live entry was removed."""
        return await self.execute(c.delete_api_result(source, artist, album))

    async def get_api_results(
        self, keys: Iterable[Tuple[str, str, str]]
    ) -> BatchResult[Optional[t.ApiEntry]]:
        """Many (source, artist, album) answers in one request."""
        return await self.execute(c.get_api_results(keys))

    async def set_api_results(self, entries: Iterable[t.ApiItem]) -> BatchResult[t.ApiStored]:
        """Many answers in one request."""
        return await self.execute(c.set_api_results(entries))

    # --- single flight --------------------------------------------------------

    async def lookup_album_year(
        self, artist: str, album: str, *, lease_ms: int = 0, wait_ms: int = 0
    ) -> Union[t.AlbumYear, t.Lease]:
        """The year, or the lease to fetch it (then ``set_album_year``)."""
        return await self.execute(c.lookup_album_year(artist, album, lease_ms=lease_ms, wait_ms=wait_ms))

    async def lookup_api_result(
        self, source: str, artist: str, album: str, *, lease_ms: int = 0, wait_ms: int = 0
    ) -> Union[t.ApiEntry, t.Lease]:
        """The answer, or the lease to ask the source (then ``set_api_result``)."""
        return await self.execute(
            c.lookup_api_result(source, artist, album, lease_ms=lease_ms, wait_ms=wait_ms)
        )

    async def lookup_kv(
        self, namespace: str, key: str, *, lease_ms: int = 0, wait_ms: int = 0
    ) -> Union[t.KvValue, t.Lease]:
        """The entry, or the lease to compute it (then ``kv_set``)."""
        return await self.execute(c.lookup_kv(namespace, key, lease_ms=lease_ms, wait_ms=wait_ms))

    async def fail_lease(self, cache: str, error: str, **key: str) -> bool:
        """Tells the callers waiting on this connection's lease that fetching
        failed (they get ``FetchFailed``); see ``commands.fail_lease``."""
        return await self.execute(c.fail_lease(cache, error, **key))

    # --- invalidation and last runs -------------------------------------------

    async def invalidate_track(self, id: str) -> int:
        """Drops what derives from one track; entries dropped."""
        return await self.execute(c.invalidate_track(id))

    async def invalidate_album(self, artist: str, album: str) -> int:
        """Drops an album's year, API answers and ``album:`` tags."""
        return await self.execute(c.invalidate_album(artist, album))

    async def invalidate_artist(self, name: str) -> int:
        """Drops an artist's years, API answers and ``artist:`` tags."""
        return await self.execute(c.invalidate_artist(name))

    async def invalidate_content_type(self, name: str) -> int:
        """Drops every entry of one content type."""
        return await self.execute(c.invalidate_content_type(name))

    async def invalidate_all(self) -> int:
        """Drops every cache entry (of every program)."""
        return await self.execute(c.invalidate_all())

    async def get_last_run(self, client: str) -> Optional[int]:
        """Unix ms of ``client``'s last recorded run, or None."""
        return await self.execute(c.get_last_run(client))

    async def set_last_run(self, client: str, at_ms: Optional[int] = None) -> None:
        """Records a run (default: now)."""
        await self.execute(c.set_last_run(client, at_ms))



__all__ = ["AsyncClient", "AsyncPipeline", "ServerError"]
