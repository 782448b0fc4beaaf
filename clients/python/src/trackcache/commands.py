"""One builder per request the daemon serves: its JSON name, its arguments, and
how to read its reply. Pure: the clients send these, pipelines queue them.

``Client`` and ``AsyncClient`` expose every builder as a method of the same
name and arguments; a pipeline (``client.pipeline()``) takes the same calls.
"""

from __future__ import annotations

import base64
import json
import json.encoder
import time
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

from . import _decode as d
from . import types as t
from .errors import FetchFailed, ProtocolError, ServerError

T = TypeVar("T")
Obj = Dict[str, Any]
Value = Union[bytes, str]

CONTENT_TYPES = (
    "album_year",
    "successful_api_metadata",
    "negative_result",
    "failed_api_lookup",
    "generic",
)


class Command(Generic[T]):
    """A request ready to send, and the decoder of its reply.

    The hot requests (a GET, a SET, an album year) come with ``text``, their
    ``{"name":{...}}`` JSON written directly: a general JSON encoder costs several
    times the rest of the client's work per request. The others are encoded from
    ``args``.
    """

    __slots__ = ("name", "_args", "decode", "text")

    def __init__(
        self,
        name: str,
        args: Optional[Obj],
        decode: Callable[[Obj], T],
        text: Optional[str] = None,
    ) -> None:
        self.name = name
        self._args = args
        self.decode = decode
        self.text = text

    @property
    def args(self) -> Obj:
        """The request's arguments (parsed back from ``text`` for a hot request)."""
        if self._args is None:
            parsed: Obj = json.loads(self.text or "{}")[self.name]
            self._args = parsed
        return self._args

    def __repr__(self) -> str:
        return f"Command({self.name!r}, {self.args!r})"


#: JSON string literal of a str (C), with its quotes.
_q: Callable[[str], str] = json.encoder.encode_basestring


def now_ms() -> int:
    """The current time as Unix milliseconds (what ``*_at_ms`` arguments take)."""
    return time.time_ns() // 1_000_000


def put_value(args: Obj, value: Value) -> Obj:
    """Puts a kv value into request arguments: text as is, other bytes as base64.

    Connections ask for the daemon's text mode, so UTF-8 values travel as plain
    JSON strings; ``value_base64`` is accepted in either mode.
    """
    if isinstance(value, str):
        args["value"] = value
    else:
        try:
            args["value"] = value.decode("utf-8")
        except UnicodeDecodeError:
            args["value_base64"] = base64.b64encode(value).decode("ascii")
    return args


def _pong(reply: Obj) -> bool:
    return bool(reply.get("pong", False))


def _none(reply: Obj) -> None:
    return None


def _count(field: str) -> Callable[[Obj], int]:
    return lambda reply: int(reply.get(field, 0))


# --- daemon -----------------------------------------------------------------


def ping() -> Command[bool]:
    """Liveness check; True when the daemon answered."""
    return Command("ping", {}, _pong)


def status() -> Command[t.Status]:
    """Version, uptime, paths, connections, cache totals, library state."""
    return Command("status", {}, d.status)


def stats() -> Command[t.Stats]:
    """Counters per generic-cache namespace and per domain content type."""
    return Command("stats", {}, d.stats)


def shutdown() -> Command[None]:
    """Asks the daemon to stop gracefully (as on SIGTERM)."""
    return Command("shutdown", {}, _none)


# --- generic kv cache -------------------------------------------------------


def kv_get(namespace: str, key: str) -> Command[t.KvValue]:
    """A generic-cache entry: ``hit`` (with ``value``), ``negative`` or ``miss``."""
    text = f'{{"kv_get":{{"namespace":{_q(namespace)},"key":{_q(key)}}}}}'
    return Command("kv_get", None, d.kv_value, text)


def kv_set_args(
    namespace: str,
    key: str,
    value: Value = b"",
    *,
    ttl_ms: Optional[int] = None,
    negative: bool = False,
    tags: Iterable[str] = (),
) -> Obj:
    args: Obj = {"namespace": namespace, "key": key}
    if negative:
        args["negative"] = True
    else:
        put_value(args, value)
    if ttl_ms is not None:
        args["ttl_ms"] = _ms(ttl_ms, "ttl_ms")
    tag_list = list(tags)
    if tag_list:
        args["tags"] = tag_list
    return args


def kv_set(
    namespace: str,
    key: str,
    value: Value = b"",
    *,
    ttl_ms: Optional[int] = None,
    negative: bool = False,
    tags: Iterable[str] = (),
) -> Command[t.KvStored]:
    """Stores a value, or with ``negative=True`` a "looked, found nothing" marker.

    ``ttl_ms``: None = the namespace's default (its negative TTL for a negative
    entry), 0 = never expires. ``tags`` (``artist:NAME``, ``album:ARTIST|ALBUM``,
    ``track:ID``) make a library change that touches them drop the entry.
    """
    if not negative and not tags and (ttl_ms is None or type(ttl_ms) is int and ttl_ms >= 0):
        text = value if isinstance(value, str) else _utf8(value)
        if text is not None:
            ttl = "" if ttl_ms is None else f',"ttl_ms":{ttl_ms}'
            body = f'{{"kv_set":{{"namespace":{_q(namespace)},"key":{_q(key)},"value":{_q(text)}{ttl}}}}}'
            return Command("kv_set", None, d.kv_stored, body)
    args = kv_set_args(namespace, key, value, ttl_ms=ttl_ms, negative=negative, tags=tags)
    return Command("kv_set", args, d.kv_stored)


def _utf8(value: bytes) -> Optional[str]:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def kv_delete(namespace: str, key: str) -> Command[bool]:
    """Removes one entry; True when a live one existed."""
    return Command("kv_delete", {"namespace": namespace, "key": key}, d.deleted)


def kv_clear(namespace: str) -> Command[int]:
    """Removes every entry of a namespace; how many there were."""
    return Command("kv_clear_namespace", {"namespace": namespace}, _count("removed"))


def declare_namespace(
    namespace: str,
    *,
    ttl_ms: Optional[int] = None,
    negative_ttl_ms: Optional[int] = None,
    max_entries: Optional[int] = None,
    max_bytes: Optional[int] = None,
    persistent: Optional[bool] = None,
    strategy: Optional[str] = None,
) -> Command[t.NamespaceDeclared]:
    """Declares a namespace's policy; what is left out comes from the daemon's
    ``[cache.default]``, and what its config file sets for the namespace wins.
    Idempotent, and durable when it returns. ``ttl_ms`` 0 = never expires."""
    args: Dict[str, Any] = {"namespace": namespace}
    for name, v in (
        ("ttl_ms", ttl_ms),
        ("negative_ttl_ms", negative_ttl_ms),
        ("max_entries", max_entries),
        ("max_bytes", max_bytes),
        ("persistent", persistent),
        ("strategy", strategy),
    ):
        if v is not None:
            args[name] = v
    return Command("declare_namespace", args, d.declared)


# --- library ----------------------------------------------------------------


def track_count() -> Command[t.TrackCount]:
    """Tracks in the snapshot and its seq."""
    return Command(
        "track_count", {}, lambda r: t.TrackCount(int(r["tracks"]), int(r["seq"]))
    )


def get_track(id: str) -> Command[Optional[t.Track]]:
    """One track by Persistent ID, ``track-<Track ID>`` or Track ID; None if absent."""
    return Command("get_track", {"id": id}, d.track_lookup)


def list_tracks(
    *,
    artist: Optional[str] = None,
    album_artist: Optional[str] = None,
    album: Optional[str] = None,
    genre: Optional[str] = None,
    limit: int = 0,
    offset: int = 0,
) -> Command[t.TrackPage]:
    """One page of tracks in album order; filters match normalized values exactly.

    ``limit`` 0 means 100 (the daemon caps it at 10,000).
    """
    args: Obj = {"limit": limit, "offset": offset}
    for name, val in (
        ("artist", artist),
        ("album_artist", album_artist),
        ("album", album),
        ("genre", genre),
    ):
        if val is not None:
            args[name] = val
    return Command("list_tracks", args, lambda r: d.track_page(r, offset))


def list_albums(artist: Optional[str] = None) -> Command[List[t.AlbumSummary]]:
    """Albums with their track counts (only ``artist``'s, when given)."""
    args: Obj = {} if artist is None else {"artist": artist}
    return Command("list_albums", args, d.albums)


#: What ``changes`` with ``limit`` 0 means (PROTOCOL.md).
CHANGES_DEFAULT_LIMIT = 1_000


def changes(since: int = 0, limit: int = 0) -> Command[t.ChangesPage]:
    """Logged events after seq ``since`` (``limit`` 0 = 1,000, at most 10,000)."""
    # The default is sent explicitly: this daemon version reads 0 as 1.
    args = {"since_seq": since, "limit": limit or CHANGES_DEFAULT_LIMIT}
    return Command("changes", args, d.changes_page)


def rescan(wait: bool = False) -> Command[Optional[t.SyncReport]]:
    """Re-reads the library now; with ``wait``, returns what the re-read did."""
    return Command(
        "rescan", {"wait": wait}, lambda r: d.sync_report(r) if wait else None
    )


# --- album years ------------------------------------------------------------


def get_album_year(
    artist: str, album: str, min_confidence: int = 0
) -> Command[Optional[t.AlbumYear]]:
    """An album's cached year (normalized match); None on a miss."""
    conf = f',"min_confidence":{int(min_confidence)}' if min_confidence else ""
    text = f'{{"get_album_year":{{"artist":{_q(artist)},"album":{_q(album)}{conf}}}}}'
    return Command("get_album_year", None, d.album_year_lookup, text)


def _album_year_args(item: t.AlbumYearItem) -> Obj:
    args: Obj = {
        "artist": item.artist,
        "album": item.album,
        "year": item.year,
        "confidence": item.confidence,
        "source": item.source,
    }
    if item.force:
        args["force"] = True
    if item.stored_at_ms is not None:
        args["stored_at_ms"] = item.stored_at_ms
    return args


def set_album_year(
    artist: str,
    album: str,
    year: int,
    *,
    confidence: int = 100,
    source: str = "manual",
    force: bool = False,
    stored_at_ms: Optional[int] = None,
) -> Command[t.AlbumYearStored]:
    """Stores an album's year. A lower confidence does not replace a higher one
    unless ``force``; the answer says whether it was stored and what is current."""
    item = t.AlbumYearItem(artist, album, year, confidence, source, force, stored_at_ms)
    return Command("set_album_year", _album_year_args(item), d.album_year_stored)


def delete_album_year(artist: str, album: str) -> Command[bool]:
    """Forgets an album's year; True when a live entry existed."""
    return Command("delete_album_year", {"artist": artist, "album": album}, d.deleted)


# --- API answers ------------------------------------------------------------


def get_api_result(source: str, artist: str, album: str) -> Command[Optional[t.ApiEntry]]:
    """A cached API answer (``found``, ``not_found`` or ``failed``); None on a miss."""
    args = {"source": source, "artist": artist, "album": album}
    return Command("get_api_result", args, d.api_entry)


def _api_args(item: t.ApiItem) -> Obj:
    args: Obj = {
        "source": item.source,
        "artist": item.artist,
        "album": item.album,
        "status": item.status,
    }
    if item.status == "found":
        args["payload"] = item.payload
        if item.metadata:
            args["metadata"] = dict(item.metadata)
    elif item.status == "failed":
        args["error"] = item.error or ""
    if item.stored_at_ms is not None:
        args["stored_at_ms"] = item.stored_at_ms
    return args


def set_api_result(
    source: str,
    artist: str,
    album: str,
    status: t.ApiStatus,
    *,
    payload: t.JSON = None,
    metadata: Optional[Mapping[str, str]] = None,
    error: Optional[str] = None,
    stored_at_ms: Optional[int] = None,
) -> Command[t.ApiStored]:
    """Stores what a source answered: ``found`` (``payload``, any JSON, and string
    ``metadata``; kept until the library invalidates it), ``not_found`` (30 days by
    default) or ``failed`` (``error``; retried after 1 hour by default)."""
    item = t.ApiItem(
        source, artist, album, status, payload, dict(metadata or {}), error, stored_at_ms
    )
    return Command("set_api_result", _api_args(item), d.api_stored)


def delete_api_result(source: str, artist: str, album: str) -> Command[bool]:
    """Forgets one API answer; True when a live entry existed."""
    args = {"source": source, "artist": artist, "album": album}
    return Command("delete_api_result", args, d.deleted)


# --- single flight ----------------------------------------------------------


def _lookup(cache: str, key: Obj, lease_ms: int, wait_ms: int, hit: Callable[[Obj], T]) -> Command[Union[T, t.Lease]]:
    args: Obj = {"cache": cache, **key, "lease_ms": lease_ms, "wait_ms": wait_ms}

    def decode(reply: Obj) -> Union[T, t.Lease]:
        status = d.status_of(reply)
        if status == "lease":
            return d.lease(reply)
        if status == "failed" and "source" not in reply:
            # Not a cached failed API answer: the lease holder's failure.
            raise FetchFailed(str(reply.get("error", "")))
        return hit(reply)

    return Command("lookup", args, decode)


def fail_lease(cache: str, error: str, **key: str) -> Command[bool]:
    """Tells the callers waiting on this connection's lease of a key (``cache``
    ``album_year``, ``api`` or ``kv``, with that cache's key fields as for
    ``lookup_*``) that fetching failed: they get ``FetchFailed`` instead of
    fetching in turn. True when this connection held the lease."""
    args: Obj = {"cache": cache, **key, "error": error}
    return Command("fail_lease", args, lambda r: bool(r["held"]))


def _hit_year(reply: Obj) -> t.AlbumYear:
    return d.album_year(reply)


def _hit_api(reply: Obj) -> t.ApiEntry:
    entry = d.api_entry(reply)
    if entry is None:
        raise ProtocolError("a lookup answered miss instead of a value or a lease")
    return entry


def lookup_album_year(
    artist: str, album: str, *, lease_ms: int = 0, wait_ms: int = 0
) -> Command[Union[t.AlbumYear, t.Lease]]:
    """The album's year, or the lease to fetch it (single flight across programs).

    While another connection holds the lease, the daemon waits (up to ``wait_ms``,
    0 = 30 s) for its answer. A lease lasts ``lease_ms`` (0 = 30 s).
    """
    key = {"artist": artist, "album": album}
    return _lookup("album_year", key, lease_ms, wait_ms, _hit_year)


def lookup_api_result(
    source: str, artist: str, album: str, *, lease_ms: int = 0, wait_ms: int = 0
) -> Command[Union[t.ApiEntry, t.Lease]]:
    """An API answer, or the lease to ask the source (see ``lookup_album_year``)."""
    key = {"source": source, "artist": artist, "album": album}
    return _lookup("api", key, lease_ms, wait_ms, _hit_api)


def lookup_kv(
    namespace: str, key: str, *, lease_ms: int = 0, wait_ms: int = 0
) -> Command[Union[t.KvValue, t.Lease]]:
    """A kv entry (hit or negative), or the lease to compute it."""
    kv_key = {"namespace": namespace, "key": key}
    return _lookup("kv", kv_key, lease_ms, wait_ms, d.kv_value)


# --- invalidation and last runs ----------------------------------------------


def _invalidate(target: str, **key: str) -> Command[int]:
    return Command("invalidate", {"target": target, **key}, _count("dropped"))


def invalidate_track(id: str) -> Command[int]:
    """Drops everything derived from one track; how many entries went."""
    return _invalidate("track", id=id)


def invalidate_album(artist: str, album: str) -> Command[int]:
    """Drops an album's year, its API answers and ``album:`` tagged entries."""
    return _invalidate("album", artist=artist, album=album)


def invalidate_artist(name: str) -> Command[int]:
    """Drops every album year and API answer of an artist, and ``artist:`` tags."""
    return _invalidate("artist", name=name)


def invalidate_content_type(name: str) -> Command[int]:
    """Drops every entry of one content type (see ``CONTENT_TYPES``)."""
    return _invalidate("content_type", name=name)


def invalidate_all() -> Command[int]:
    """Drops every cache entry of every program (the library snapshot stays)."""
    return _invalidate("all")


def get_last_run(client: str) -> Command[Optional[int]]:
    """When ``client`` last recorded a run (Unix ms); None if never (or in the future)."""
    return Command("get_last_run", {"client": client}, d.last_run)


def set_last_run(client: str, at_ms: Optional[int] = None) -> Command[None]:
    """Records a run of ``client`` at ``at_ms`` (Unix ms; default now)."""
    at = now_ms() if at_ms is None else _ms(at_ms, "at_ms")
    return Command("set_last_run", {"client": client, "at_ms": at}, _none)


# --- batches ----------------------------------------------------------------

BatchResult = List[Union[T, ServerError]]


def _batch(name: str, items: List[Obj], one: Callable[[Obj], T]) -> Command[BatchResult[T]]:
    return Command(name, {"items": items}, lambda r: d.batch(r, one))


def get_album_years(
    albums: Iterable[Tuple[str, str]], min_confidence: int = 0
) -> Command[BatchResult[Optional[t.AlbumYear]]]:
    """Many album years in one request, in order: each an entry, None (a miss),
    or the ServerError of that item."""
    items: List[Obj] = []
    for artist, album in albums:
        item: Obj = {"artist": artist, "album": album}
        if min_confidence:
            item["min_confidence"] = min_confidence
        items.append(item)
    return _batch("get_album_years", items, d.album_year_lookup)


def set_album_years(
    entries: Iterable[t.AlbumYearItem],
) -> Command[BatchResult[t.AlbumYearStored]]:
    """Many album years stored in one request (made durable together)."""
    return _batch("set_album_years", [_album_year_args(e) for e in entries], d.album_year_stored)


def get_api_results(
    keys: Iterable[Tuple[str, str, str]],
) -> Command[BatchResult[Optional[t.ApiEntry]]]:
    """Many API answers by (source, artist, album), in order."""
    items = [{"source": s, "artist": ar, "album": al} for s, ar, al in keys]
    return _batch("get_api_results", items, d.api_entry)


def set_api_results(entries: Iterable[t.ApiItem]) -> Command[BatchResult[t.ApiStored]]:
    """Many API answers stored in one request."""
    return _batch("set_api_results", [_api_args(e) for e in entries], d.api_stored)


def kv_get_many(namespace: str, keys: Iterable[str]) -> Command[BatchResult[t.KvValue]]:
    """Many keys of one namespace in one request, in order."""
    items = [{"namespace": namespace, "key": k} for k in keys]
    return _batch("kv_get_many", items, d.kv_value)


def kv_set_many(namespace: str, entries: Iterable[t.KvItem]) -> Command[BatchResult[t.KvStored]]:
    """Many entries of one namespace stored in one request."""
    items = [
        kv_set_args(namespace, e.key, e.value, ttl_ms=e.ttl_ms, negative=e.negative, tags=e.tags)
        for e in entries
    ]
    return _batch("kv_set_many", items, d.kv_stored)


def _ms(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of milliseconds >= 0, not {value!r}")
    return value
