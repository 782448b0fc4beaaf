"""A drop-in for GenreUpdater's ``CacheOrchestrator``, backed by trackcached.

Same public methods, arguments, return types and sync/async split as
GenreUpdater's ``services.cache.orchestrator.CacheOrchestrator``. Where
GenreUpdater's conventions differ from the daemon's, this follows GenreUpdater,
because its callers rely on them:

- years are strings (``"1979"``); storing a year always replaces the cached one
  (no confidence contest), as GenreUpdater's album cache does;
- album years are served for 30 days from when they were stored, and API
  answers without a year for 1 hour (GenreUpdater's policies), whatever longer
  TTL the daemon is configured with for other programs;
- generic entries: ``ttl`` is in seconds, ``None`` is the configured default
  (300 s unless ``config.caching.default_ttl_seconds`` or
  ``config.cache_ttl_seconds`` says otherwise), and ``ttl <= 0`` means the entry
  expires at once (the daemon would read 0 as "never");
- ``get``, ``set`` and ``invalidate`` are synchronous, the rest are coroutines.

Compute-on-miss (``get_async`` with ``compute_func``, and ``fetch_album_year``)
takes the daemon's lease, so two GenreUpdater processes never compute or fetch
the same thing at once: the second waits for the first one's answer.

The module's README section documents every method.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple

from . import commands as c
from . import types as t
from ._aconnection import AsyncConnection
from .aio import AsyncClient
from .client import Client
from .errors import TrackcacheError

DAY = 86_400
#: GenreUpdater's policies, in seconds.
ALBUM_YEAR_TTL = 30 * DAY
FAILED_API_TTL = 3_600
GENERIC_TTL = 300

#: Content types GenreUpdater's ``invalidate_all`` empties (plus its generic namespace).
_DOMAIN_TYPES = ("album_year", "successful_api_metadata", "negative_result", "failed_api_lookup")

CacheableKey = Any
CacheableValue = Any


@dataclass
class AlbumCacheEntry:
    """GenreUpdater's album-year entry: ``year`` is a string, ``timestamp`` Unix seconds."""

    artist: str
    album: str
    year: str
    timestamp: float
    confidence: int = 0


@dataclass
class CachedApiResult:
    """GenreUpdater's cached API answer (``year`` None: the source had none)."""

    artist: str
    album: str
    year: Optional[str]
    source: str
    timestamp: float
    ttl: Optional[int] = None
    metadata: Dict[str, Any] = field(default_factory=dict)
    api_response: Optional[Dict[str, Any]] = None

    def model_dump(self, **_kwargs: Any) -> Dict[str, Any]:
        """As a dict, like GenreUpdater's pydantic model."""
        return {
            "artist": self.artist,
            "album": self.album,
            "year": self.year,
            "source": self.source,
            "timestamp": self.timestamp,
            "ttl": self.ttl,
            "metadata": self.metadata,
            "api_response": self.api_response,
        }


def _normalize(text: str) -> str:
    return text.strip().lower() if text else ""


def hash_generic_key(key_data: CacheableKey) -> str:
    """GenreUpdater's generic key: SHA-256 of the key (dicts as sorted JSON)."""
    if isinstance(key_data, dict):
        text = json.dumps(key_data, sort_keys=True, default=str)
    else:
        text = str(key_data)
    return hashlib.sha256(text.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json")
        except TypeError:
            return dump()
    raise TypeError(
        f"cannot cache a {type(value).__name__}: values must be JSON data or pydantic models"
    )


def _encode_value(value: CacheableValue) -> str:
    return json.dumps(value, default=_jsonable, ensure_ascii=False)


def _decode_value(got: t.KvValue) -> CacheableValue:
    return json.loads(got.value) if got.value is not None else None


def _setting(config: object, *path: str) -> Any:
    """``config.a.b`` (attributes or mapping keys), or None."""
    node: Any = config
    for name in path:
        if node is None:
            return None
        node = node.get(name) if isinstance(node, Mapping) else getattr(node, name, None)
    return node


def default_generic_ttl(config: object) -> int:
    """GenreUpdater's default generic TTL from its config, else 300 s."""
    for path in (("caching", "default_ttl_seconds"), ("cache_ttl_seconds",)):
        ttl = _setting(config, *path)
        if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) and ttl > 0:
            return int(ttl)
    return GENERIC_TTL


def _parse_year(year: str) -> int:
    try:
        return int(str(year).strip())
    except ValueError:
        raise ValueError(
            f"year {year!r} is not a whole number: trackcached stores years as numbers"
        ) from None


class CacheOrchestrator:
    """GenreUpdater's cache front, on trackcached.

    ``config`` is GenreUpdater's config (only its generic-TTL settings are
    read; any object or mapping, or None). ``socket`` defaults to the CLI's.
    ``namespace`` holds the generic entries; ``run_client`` names the last-run
    record; ``source`` is recorded with the years stored.
    """

    def __init__(
        self,
        config: object = None,
        logger: Optional[logging.Logger] = None,
        *,
        socket: Optional[str] = None,
        namespace: str = "genreupdater",
        run_client: str = "genreupdater",
        source: str = "genreupdater",
        timeout: Optional[float] = 10.0,
        lease_ms: int = 120_000,
        wait_ms: int = 120_000,
    ) -> None:
        self.config = config
        self.logger = logger or logging.getLogger(__name__)
        self.namespace = namespace
        self.run_client = run_client
        self.source = source
        self.lease_ms = lease_ms
        self.wait_ms = wait_ms
        self.default_ttl = default_generic_ttl(config)
        self.client = AsyncClient(socket, timeout=timeout, client_name="genreupdater")
        self.sync_client = Client(socket, timeout=timeout, client_name="genreupdater")

    # --- lifecycle ------------------------------------------------------------

    async def initialize(self) -> None:
        """Connects to the daemon; RuntimeError (as GenreUpdater) when it cannot."""
        try:
            await self.client.connect()
            self.sync_client.connect()
        except TrackcacheError as e:
            raise RuntimeError(f"Cache service initialization failed for: trackcached ({e})") from e

    async def shutdown(self) -> None:
        """Closes the connections (nothing is pending: every write was acknowledged)."""
        await self.client.aclose()
        self.sync_client.close()

    async def save_all_to_disk(self) -> None:
        """Nothing to do: the daemon made every write durable before acknowledging it."""

    async def sync_cache(self) -> None:
        """Nothing to do (see ``save_all_to_disk``)."""

    async def save_cache(self) -> None:
        """Nothing to do (see ``save_all_to_disk``)."""

    async def load_cache(self) -> None:
        """Nothing to do: the daemon loads its caches when it starts."""

    # --- album years ----------------------------------------------------------

    @staticmethod
    def _album_entry(ay: t.AlbumYear) -> Optional[AlbumCacheEntry]:
        stored = ay.stored_at_ms / 1000
        if time.time() - stored > ALBUM_YEAR_TTL:
            return None  # GenreUpdater's 30 days are over, whatever the daemon keeps
        return AlbumCacheEntry(ay.artist, ay.album, str(ay.year), stored, ay.confidence)

    async def get_album_year_entry_from_cache(
        self, artist: str, album: str
    ) -> Optional[AlbumCacheEntry]:
        """The whole entry (year, confidence, timestamp), or None."""
        ay = await self.client.get_album_year(artist, album)
        return None if ay is None else self._album_entry(ay)

    async def get_album_year(self, artist: str, album: str) -> Optional[str]:
        """The cached year as a string, or None."""
        entry = await self.get_album_year_entry_from_cache(artist, album)
        return None if entry is None else entry.year

    get_album_year_from_cache = get_album_year

    async def store_album_year(
        self, artist: str, album: str, year: str, confidence: int = 0
    ) -> None:
        """Stores (always replacing) an album's year; ``year`` must be a number as text."""
        await self.client.set_album_year(
            artist.strip(),
            album.strip(),
            _parse_year(year),
            confidence=confidence,
            source=self.source,
            force=True,
        )

    store_album_year_in_cache = store_album_year

    async def fetch_album_year(
        self,
        artist: str,
        album: str,
        fetch: Callable[[], Awaitable[Optional[Tuple[str, int]]]],
    ) -> Optional[str]:
        """The cached year, else ``fetch()``'s ``(year, confidence)`` stored and
        returned (None when it found nothing). Not in GenreUpdater: it fetches
        under the daemon's lease, so no two processes fetch one album at once."""
        cached = await self.get_album_year(artist, album)
        if cached is not None:
            return cached
        conn = await self._lease_connection()
        try:
            got = await conn.call(
                c.lookup_album_year(artist, album, lease_ms=self.lease_ms, wait_ms=self.wait_ms)
            )
            if isinstance(got, t.AlbumYear):
                return str(got.year)  # another process fetched it meanwhile
            found = await fetch()
            if found is None:
                return None
            year, confidence = found
            await conn.call(
                c.set_album_year(
                    artist.strip(),
                    album.strip(),
                    _parse_year(year),
                    confidence=confidence,
                    source=self.source,
                    force=True,
                )
            )
            return str(year).strip()
        finally:
            # Closing releases a lease nobody completed (nothing found, or an error).
            await conn.aclose()

    async def invalidate_album_cache(self, artist: str, album: str) -> None:
        """Forgets one album's year (its API answers stay, as in GenreUpdater)."""
        await self.client.delete_album_year(artist, album)

    async def invalidate_all_albums(self) -> None:
        """Forgets every album year."""
        await self.client.invalidate_content_type("album_year")

    @staticmethod
    def generate_album_key(artist: str, album: str) -> str:
        """GenreUpdater's album key: SHA-256 of ``artist|album`` (trimmed, lower case)."""
        text = f"{_normalize(artist)}|{_normalize(album)}"
        return hashlib.sha256(text.encode()).hexdigest()

    # --- API answers ----------------------------------------------------------

    async def get_cached_api_result(
        self, artist: str, album: str, source: str
    ) -> Optional[CachedApiResult]:
        """A source's cached answer, or None. Answers without a year are served
        for GenreUpdater's 1 hour."""
        entry = await self.client.get_api_result(source, artist, album)
        if entry is None:
            return None
        stored = entry.stored_at_ms / 1000
        if entry.status == "found":
            payload = entry.payload if isinstance(entry.payload, dict) else {}
            year = entry.metadata.get("year") or payload.get("year")
            year_text = str(year).strip() if year is not None else None
            response: Optional[Dict[str, Any]] = payload or None
        else:
            if time.time() - stored > FAILED_API_TTL:
                return None
            year_text, response = None, {"year": None}
        return CachedApiResult(
            entry.artist, entry.album, year_text or None, entry.source, stored, None, {}, response
        )

    async def set_cached_api_result(
        self,
        artist: str,
        album: str,
        source: str,
        year: Optional[str],
        *,
        metadata: Optional[Dict[str, Any]] = None,
        is_negative: bool = False,
    ) -> None:
        """Caches a source's answer: with a year it is kept until the library
        invalidates it; without one it is ``not_found`` (``is_negative``) or
        ``failed``, and read back for 1 hour."""
        year_text = str(year).strip() if year is not None else ""
        if year_text:
            # GenreUpdater keeps any answer that carries a year, even one marked negative.
            data: Dict[str, Any] = {"year": year_text}
            if metadata:
                data.update(metadata)
            await self.client.set_api_result(
                source, artist, album, "found", payload=data, metadata={"year": year_text}
            )
        elif is_negative:
            await self.client.set_api_result(source, artist, album, "not_found")
        else:
            await self.client.set_api_result(
                source, artist, album, "failed", error="no year in the answer"
            )

    # --- generic entries ------------------------------------------------------

    def get(self, key_data: CacheableKey) -> CacheableValue:
        """The cached value (as JSON data), or None. Synchronous."""
        return _decode_value(self.sync_client.kv_get(self.namespace, hash_generic_key(key_data)))

    def _ttl_ms(self, ttl: Optional[float]) -> Optional[int]:
        """The daemon's TTL for a GenreUpdater one; None: already expired."""
        seconds = self.default_ttl if ttl is None else ttl
        return int(seconds * 1000) if seconds > 0 else None

    def set(self, key_data: CacheableKey, value: CacheableValue, ttl: Optional[int] = None) -> None:
        """Caches a value for ``ttl`` seconds (None: the default). Synchronous."""
        key = hash_generic_key(key_data)
        ttl_ms = self._ttl_ms(ttl)
        if ttl_ms is None:
            self.sync_client.kv_delete(self.namespace, key)
        else:
            self.sync_client.kv_set(self.namespace, key, _encode_value(value), ttl_ms=ttl_ms)

    async def set_async(
        self, key_data: CacheableKey, value: CacheableValue, ttl: Optional[int] = None
    ) -> None:
        """``set``, as a coroutine."""
        key = hash_generic_key(key_data)
        ttl_ms = self._ttl_ms(ttl)
        if ttl_ms is None:
            await self.client.kv_delete(self.namespace, key)
        else:
            await self.client.kv_set(self.namespace, key, _encode_value(value), ttl_ms=ttl_ms)

    def invalidate(self, key_data: CacheableKey) -> None:
        """Forgets one generic entry. Synchronous."""
        self.sync_client.kv_delete(self.namespace, hash_generic_key(key_data))

    async def get_async(
        self,
        key_data: CacheableKey,
        compute_func: Optional[Callable[[], Awaitable[CacheableValue]]] = None,
    ) -> CacheableValue:
        """The cached value; on a miss, ``compute_func()``'s value, cached for the
        default TTL (computed under the daemon's lease: one process computes,
        the others wait for its value)."""
        key = hash_generic_key(key_data)
        cached = _decode_value(await self.client.kv_get(self.namespace, key))
        # A cached None counts as a miss, as in GenreUpdater.
        if cached is not None or compute_func is None:
            return cached
        conn = await self._lease_connection()
        try:
            looked = await conn.call(
                c.lookup_kv(self.namespace, key, lease_ms=self.lease_ms, wait_ms=self.wait_ms)
            )
            if isinstance(looked, t.KvValue):
                cached = _decode_value(looked)
                if cached is not None:
                    return cached  # another process computed it meanwhile
            computed = await compute_func()
            ttl_ms = self._ttl_ms(None)
            if ttl_ms is not None:
                await conn.call(
                    c.kv_set(self.namespace, key, _encode_value(computed), ttl_ms=ttl_ms)
                )
            return computed
        finally:
            await conn.aclose()

    async def _lease_connection(self) -> AsyncConnection:
        """A connection of its own for one lease: closing it releases the lease
        at once when the fetch failed, and its wait never delays other calls."""
        return await AsyncConnection.open(self.client.socket, "genreupdater", None)

    # --- invalidation and last runs -------------------------------------------

    async def invalidate_for_track(self, track: Any) -> None:
        """Forgets what a changed track makes stale: the generic track lists,
        the album's year and API answers, and (when the track has an ``id``)
        everything derived from the track itself. The daemon logs each as a
        ``manual_invalidation`` event, so its other clients see the report."""
        data = track.model_dump() if callable(getattr(track, "model_dump", None)) else track
        fields = dict(data) if isinstance(data, Mapping) else {}
        artist = str(fields.get("artist") or "").strip()
        original = str(fields.get("original_artist") or "").strip()
        album = str(fields.get("album") or "").strip()
        track_id = str(fields.get("id") or "").strip()
        p = self.client.pipeline()
        p.kv_delete(self.namespace, hash_generic_key("tracks_all"))
        for name in {a for a in (artist, original) if a}:
            p.kv_delete(self.namespace, hash_generic_key(f"tracks_{name}"))
        if artist and album:
            p.invalidate_album(artist, album)
        if track_id:
            p.invalidate_track(track_id)
        await p.execute()

    async def invalidate_all(self) -> None:
        """Empties GenreUpdater's caches: album years, API answers, generic entries."""
        p = self.client.pipeline()
        for name in _DOMAIN_TYPES:
            p.invalidate_content_type(name)
        p.kv_clear(self.namespace)
        await p.execute()

    clear = invalidate_all

    async def get_last_run_timestamp(self) -> _dt.datetime:
        """The last recorded run (UTC), or the epoch when there was none."""
        at_ms = await self.client.get_last_run(self.run_client)
        return _dt.datetime.fromtimestamp((at_ms or 0) / 1000, _dt.timezone.utc)

    async def update_last_run_timestamp(self) -> None:
        """Records a run now (GenreUpdater's ``IncrementalRunTracker`` does this)."""
        await self.client.set_last_run(self.run_client)

    async def set_last_run_timestamp(self, when: _dt.datetime) -> None:
        """Records a run at ``when`` (a naive datetime is taken as UTC)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        await self.client.set_last_run(self.run_client, int(when.timestamp() * 1000))
