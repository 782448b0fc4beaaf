"""The blocking client.

One connection, opened on first use and again after it broke (a daemon
restart costs the call that was in flight, not the client). Calls from several
threads are serialized. Every method is one request; ``pipeline()`` sends many
before reading any answer.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Iterable, Iterator, List, Mapping, Optional, Tuple, Type, TypeVar, Union

from . import commands as c
from . import types as t
from ._connection import Connection
from ._paths import default_socket_path
from .commands import BatchResult, Command, Value
from .errors import ServerError, TrackcacheError
from .pipeline import Pipeline
from .subscription import Subscription

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0


class Client:
    """A blocking client of ``trackcached``.

    ``socket``: the daemon's socket (default: ``TRACKCACHE_SOCKET``, else the XDG
    default, as the CLI). ``timeout``: seconds to wait for each answer (None =
    forever). ``client_name`` shows in the daemon's logs.

    Use it as a context manager, or call ``close()``::

        with trackcache.Client() as tc:
            tc.kv_set("musicbrainz", "pink floyd|the wall", b"1979", ttl_ms=3_600_000)
            print(tc.kv_get("musicbrainz", "pink floyd|the wall").value)
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
        self._conn: Optional[Connection] = None
        self._lock = threading.Lock()

    # --- connection -----------------------------------------------------

    def connect(self) -> "Client":
        """Connects now (otherwise the first call does); raises DaemonNotRunning."""
        with self._lock:
            self._connection()
        return self

    def _connection(self) -> Connection:
        conn = self._conn
        if conn is not None and not conn.closed and conn.stale():
            # As redis-py does with an idle pooled connection: a daemon restart
            # between calls must not fail the next call.
            conn.close()
        if conn is None or conn.closed:
            conn = self._conn = Connection(self.socket, self.client_name, self.timeout)
        return conn

    @property
    def welcome(self) -> t.Welcome:
        """What the daemon announced (connects if needed)."""
        with self._lock:
            return self._connection().welcome

    def close(self) -> None:
        """Closes the connection (a later call opens a new one)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> "Client":
        return self.connect()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def execute(self, cmd: Command[T]) -> T:
        """Sends one prepared request (see ``trackcache.commands``) and returns its answer."""
        with self._lock:
            conn = self._connection()
            try:
                return conn.call(cmd)
            except ServerError as e:
                if e.fatal:
                    conn.close()
                raise
            except BaseException:
                # Unknown state (a half-read line, an interrupt): start afresh next time.
                conn.close()
                raise

    def execute_many(self, cmds: List[Command[Any]]) -> List[Any]:
        """Pipelines prepared requests; answers in order, ServerErrors in place."""
        with self._lock:
            conn = self._connection()
            try:
                return conn.pipeline(cmds)
            except BaseException:
                conn.close()
                raise

    def pipeline(self) -> "Pipeline":
        """Queues calls, then sends them at once with ``execute()``::

            with tc.pipeline() as p:
                p.kv_get("ns", "a")
                p.kv_get("ns", "b")
                a, b = p.execute()
        """
        return Pipeline(self)

    def subscribe(
        self,
        since: Optional[int] = None,
        *,
        reconnect_timeout: Optional[float] = 30.0,
    ) -> Subscription:
        """Events as they happen, on a connection of their own.

        ``since``: replay the logged events after that seq first (None: only new
        ones). After a daemon restart the subscription reconnects (for up to
        ``reconnect_timeout`` seconds; None = forever) and resumes after the last
        seq it saw. A ``resync`` from the daemon is raised as ResyncRequired.
        """
        return Subscription(
            lambda: Connection(self.socket, self.client_name, None),
            since,
            reconnect_timeout,
        )

    # --- daemon -----------------------------------------------------------

    def ping(self) -> bool:
        """True when the daemon answers."""
        return self.execute(c.ping())

    def status(self) -> t.Status:
        """Version, uptime, paths, connections, cache totals, library state."""
        return self.execute(c.status())

    def stats(self) -> t.Stats:
        """Counters per namespace and per content type."""
        return self.execute(c.stats())

    def shutdown(self) -> None:
        """Asks the daemon to stop gracefully."""
        self.execute(c.shutdown())

    # --- generic kv -----------------------------------------------------------

    def kv_get(self, namespace: str, key: str) -> t.KvValue:
        """``hit`` (with ``value``), ``negative`` or ``miss``."""
        return self.execute(c.kv_get(namespace, key))

    def get(self, namespace: str, key: str) -> Optional[bytes]:
        """The value, or None (a miss or a negative entry), as redis-py's ``get``."""
        return self.execute(c.kv_get(namespace, key)).value

    def kv_set(
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
        return self.execute(
            c.kv_set(namespace, key, value, ttl_ms=ttl_ms, negative=negative, tags=tags)
        )

    def kv_delete(self, namespace: str, key: str) -> bool:
        """True when a live entry was removed."""
        return self.execute(c.kv_delete(namespace, key))

    def kv_clear(self, namespace: str) -> int:
        """Removes every entry of a namespace; how many."""
        return self.execute(c.kv_clear(namespace))

    def declare_namespace(
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
        return self.execute(
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

    def kv_get_many(self, namespace: str, keys: Iterable[str]) -> BatchResult[t.KvValue]:
        """Many keys in one request, in order (a ServerError in place of a failed item)."""
        return self.execute(c.kv_get_many(namespace, keys))

    def kv_set_many(
        self, namespace: str, entries: Iterable[t.KvItem]
    ) -> BatchResult[t.KvStored]:
        """Many entries in one request (made durable together)."""
        return self.execute(c.kv_set_many(namespace, entries))

    # --- library --------------------------------------------------------------

    def track_count(self) -> t.TrackCount:
        """Tracks in the snapshot, and its seq."""
        return self.execute(c.track_count())

    def get_track(self, id: str) -> Optional[t.Track]:
        """One track by Persistent ID or Track ID; None if there is none."""
        return self.execute(c.get_track(id))

    def list_tracks(
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
        return self.execute(
            c.list_tracks(
                artist=artist,
                album_artist=album_artist,
                album=album,
                genre=genre,
                limit=limit,
                offset=offset,
            )
        )

    def iter_tracks(
        self,
        *,
        artist: Optional[str] = None,
        album_artist: Optional[str] = None,
        album: Optional[str] = None,
        genre: Optional[str] = None,
        page_size: int = 10_000,
    ) -> Iterator[t.Track]:
        """Every matching track, page by page."""
        offset = 0
        while True:
            page = self.list_tracks(
                artist=artist,
                album_artist=album_artist,
                album=album,
                genre=genre,
                limit=page_size,
                offset=offset,
            )
            yield from page.tracks
            offset += len(page.tracks)
            if not page.tracks or offset >= page.total:
                return

    def list_albums(self, artist: Optional[str] = None) -> List[t.AlbumSummary]:
        """Albums with track counts and earliest year."""
        return self.execute(c.list_albums(artist))

    def changes(self, since: int = 0, limit: int = 0) -> t.ChangesPage:
        """Logged events after ``since``."""
        return self.execute(c.changes(since, limit))

    def rescan(self, wait: bool = False) -> Optional[t.SyncReport]:
        """Re-reads the library; with ``wait``, what the re-read did."""
        return self.execute(c.rescan(wait))

    # --- album years ----------------------------------------------------------

    def get_album_year(
        self, artist: str, album: str, min_confidence: int = 0
    ) -> Optional[t.AlbumYear]:
        """The cached year, or None."""
        return self.execute(c.get_album_year(artist, album, min_confidence))

    def set_album_year(
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
        return self.execute(
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

    def delete_album_year(self, artist: str, album: str) -> bool:
        """True when a live entry was removed."""
        return self.execute(c.delete_album_year(artist, album))

    def get_album_years(
        self, albums: Iterable[Tuple[str, str]], min_confidence: int = 0
    ) -> BatchResult[Optional[t.AlbumYear]]:
        """Many (artist, album) years in one request, in order."""
        return self.execute(c.get_album_years(albums, min_confidence))

    def set_album_years(
        self, entries: Iterable[t.AlbumYearItem]
    ) -> BatchResult[t.AlbumYearStored]:
        """Many years in one request."""
        return self.execute(c.set_album_years(entries))

    # --- API answers ----------------------------------------------------------

    def get_api_result(self, source: str, artist: str, album: str) -> Optional[t.ApiEntry]:
        """A cached answer (found / not_found / failed), or None."""
        return self.execute(c.get_api_result(source, artist, album))

    def set_api_result(
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
        return self.execute(
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

    def delete_api_result(self, source: str, artist: str, album: str) -> bool:
        """True when a live entry was removed."""
        return self.execute(c.delete_api_result(source, artist, album))

    def get_api_results(
        self, keys: Iterable[Tuple[str, str, str]]
    ) -> BatchResult[Optional[t.ApiEntry]]:
        """Many (source, artist, album) answers in one request."""
        return self.execute(c.get_api_results(keys))

    def set_api_results(self, entries: Iterable[t.ApiItem]) -> BatchResult[t.ApiStored]:
        """Many answers in one request."""
        return self.execute(c.set_api_results(entries))

    # --- single flight --------------------------------------------------------

    def lookup_album_year(
        self, artist: str, album: str, *, lease_ms: int = 0, wait_ms: int = 0
    ) -> Union[t.AlbumYear, t.Lease]:
        """The year, or the lease to fetch it (then ``set_album_year``)."""
        return self.execute(c.lookup_album_year(artist, album, lease_ms=lease_ms, wait_ms=wait_ms))

    def lookup_api_result(
        self, source: str, artist: str, album: str, *, lease_ms: int = 0, wait_ms: int = 0
    ) -> Union[t.ApiEntry, t.Lease]:
        """The answer, or the lease to ask the source (then ``set_api_result``)."""
        return self.execute(
            c.lookup_api_result(source, artist, album, lease_ms=lease_ms, wait_ms=wait_ms)
        )

    def lookup_kv(
        self, namespace: str, key: str, *, lease_ms: int = 0, wait_ms: int = 0
    ) -> Union[t.KvValue, t.Lease]:
        """The entry, or the lease to compute it (then ``kv_set``)."""
        return self.execute(c.lookup_kv(namespace, key, lease_ms=lease_ms, wait_ms=wait_ms))

    def fail_lease(self, cache: str, error: str, **key: str) -> bool:
        """Tells the callers waiting on this connection's lease that fetching
        failed (they get ``FetchFailed``); see ``commands.fail_lease``."""
        return self.execute(c.fail_lease(cache, error, **key))

    # --- invalidation and last runs -------------------------------------------

    def invalidate_track(self, id: str) -> int:
        """Drops what derives from one track; entries dropped."""
        return self.execute(c.invalidate_track(id))

    def invalidate_album(self, artist: str, album: str) -> int:
        """Drops an album's year, API answers and ``album:`` tags."""
        return self.execute(c.invalidate_album(artist, album))

    def invalidate_artist(self, name: str) -> int:
        """Drops an artist's years, API answers and ``artist:`` tags."""
        return self.execute(c.invalidate_artist(name))

    def invalidate_content_type(self, name: str) -> int:
        """Drops every entry of one content type."""
        return self.execute(c.invalidate_content_type(name))

    def invalidate_all(self) -> int:
        """Drops every cache entry (of every program)."""
        return self.execute(c.invalidate_all())

    def get_last_run(self, client: str) -> Optional[int]:
        """Unix ms of ``client``'s last recorded run, or None."""
        return self.execute(c.get_last_run(client))

    def set_last_run(self, client: str, at_ms: Optional[int] = None) -> None:
        """Records a run (default: now)."""
        self.execute(c.set_last_run(client, at_ms))


__all__ = ["Client", "Pipeline", "TrackcacheError"]
