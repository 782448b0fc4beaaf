"""Reply objects of the JSON vocabulary (``protocol/PROTOCOL.md``) into typed
values. Pure functions: no sockets here.

Decoding is lenient where the protocol allows growth (unknown fields are
ignored, absent optional fields take their defaults) and strict where a
mistake would give a wrong answer (a missing ``status`` is a ProtocolError).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Callable, Dict, List, Optional, Type, TypeVar

from . import types as t
from .errors import ProtocolError, ServerError, error_for

Obj = Dict[str, Any]
T = TypeVar("T")


def status_of(reply: Obj) -> str:
    """The reply's ``status``, which every lookup carries."""
    status = reply.get("status")
    if not isinstance(status, str):
        raise ProtocolError(f"reply without a status: {reply!r}")
    return status


def value_bytes(reply: Obj) -> bytes:
    """A kv value: text (``value`` in text mode) or base64 (``value_base64``)."""
    text = reply.get("value")
    if isinstance(text, str):
        return text.encode("utf-8")
    b64 = reply.get("value_base64")
    if isinstance(b64, str):
        try:
            return base64.b64decode(b64, validate=True)
        except binascii.Error as e:
            raise ProtocolError(f"value_base64 is not base64: {e}") from e
    raise ProtocolError(f"a kv hit without a value: {reply!r}")


def kv_value(reply: Obj) -> t.KvValue:
    status = reply.get("status")
    if status == "hit":
        text = reply.get("value")
        value = text.encode("utf-8") if type(text) is str else value_bytes(reply)
        return t.KvValue("hit", value, reply.get("expires_in_ms"))
    if status == "negative":
        return t.KvValue("negative", None, reply.get("expires_in_ms"))
    if status == "miss":
        return t.KvValue("miss")
    raise ProtocolError(f"unexpected kv status {status!r} in {reply!r}")


def kv_stored(reply: Obj) -> t.KvStored:
    return t.KvStored(
        expires_in_ms=reply.get("expires_in_ms"),
        evicted=int(reply.get("evicted", 0)),
        persistent=bool(reply.get("persistent", False)),
    )


def deleted(reply: Obj) -> bool:
    """Whether a delete removed a live entry."""
    return status_of(reply) == "deleted"


def media(obj: Optional[Obj]) -> t.MediaFlags:
    if not obj:
        return t.MediaFlags()
    return t.MediaFlags(**{k: bool(v) for k, v in obj.items() if k in _MEDIA_FIELDS})


_MEDIA_FIELDS = frozenset(t.MediaFlags.__dataclass_fields__)
_TRACK_FIELDS = frozenset(t.Track.__dataclass_fields__) - {"media"}


def track(obj: Obj) -> t.Track:
    fields = {k: v for k, v in obj.items() if k in _TRACK_FIELDS}
    return t.Track(media=media(obj.get("media")), **fields)


def album_year(obj: Obj) -> t.AlbumYear:
    # Positional and unconverted: a batch decodes 10,000 of these per request.
    return t.AlbumYear(
        obj["artist"],
        obj["album"],
        obj["year"],
        obj["confidence"],
        obj["source"],
        obj["stored_at_ms"],
        obj.get("album_fingerprint", ""),
        obj.get("expires_in_ms"),
    )


def album_year_lookup(reply: Obj) -> Optional[t.AlbumYear]:
    status = reply.get("status")
    if status == "hit":
        return album_year(reply)
    if status == "miss":
        return None
    raise ProtocolError(f"unexpected album-year status {status!r}")


def album_year_stored(reply: Obj) -> t.AlbumYearStored:
    return t.AlbumYearStored(status_of(reply) == "stored", album_year(reply["current"]))


def api_entry(reply: Obj) -> Optional[t.ApiEntry]:
    status = status_of(reply)
    if status == "miss":
        return None
    if status not in ("found", "not_found", "failed"):
        raise ProtocolError(f"unexpected API status {status!r}")
    return t.ApiEntry(
        source=reply["source"],
        artist=reply["artist"],
        album=reply["album"],
        status=status,  # type: ignore[arg-type]  # checked against the literal's values above
        stored_at_ms=int(reply["stored_at_ms"]),
        expires_in_ms=reply.get("expires_in_ms"),
        payload=reply.get("payload"),
        metadata=dict(reply.get("metadata") or {}),
        error=reply.get("error"),
    )


def api_stored(reply: Obj) -> t.ApiStored:
    return t.ApiStored(reply.get("expires_in_ms"))


def lease(reply: Obj) -> t.Lease:
    return t.Lease(int(reply["lease_id"]), int(reply["expires_in_ms"]))


def field_change(obj: Obj) -> t.FieldChange:
    return t.FieldChange(obj["field"], obj.get("old"), obj.get("new"))


def _track_or_none(obj: Obj) -> Optional[t.Track]:
    raw = obj.get("track")
    return track(raw) if isinstance(raw, dict) else None


def event(obj: Obj) -> t.Event:
    """One event. ``resync`` and ``fresh_instance`` come back as plain Events:
    the callers decide what they mean (subscribe raises, changes flags)."""
    seq = int(obj["seq"])
    kind = str(obj.get("type", ""))
    if kind in ("track_added", "track_removed"):
        cls: Type[t.Event] = t.TrackAdded if kind == "track_added" else t.TrackRemoved
        return cls(seq, kind, obj, track=_track_or_none(obj))  # type: ignore[call-arg]
    if kind == "track_modified":
        changes = [field_change(c) for c in obj.get("changes") or []]
        return t.TrackModified(seq, kind, obj, track=_track_or_none(obj), changes=changes)
    if kind == "library_synced":
        return t.LibrarySynced(
            seq,
            kind,
            obj,
            added=int(obj.get("added", 0)),
            removed=int(obj.get("removed", 0)),
            modified=int(obj.get("modified", 0)),
        )
    if kind == "library_imported":
        return t.LibraryImported(seq, kind, obj, tracks=int(obj.get("tracks", 0)))
    if kind == "entries_invalidated":
        return t.EntriesInvalidated(
            seq,
            kind,
            obj,
            content_type=str(obj.get("content_type", "")),
            keys=[str(k) for k in obj.get("keys") or []],
            reason=str(obj.get("reason", "")),
        )
    if kind == "fingerprint_changed":
        changes = [field_change(c) for c in obj.get("changes") or []]
        return t.FingerprintChanged(seq, kind, obj, track=_track_or_none(obj), changes=changes)
    if kind == "manual_invalidation":
        return t.ManualInvalidation(
            seq, kind, obj, target=str(obj.get("target", "")), dropped=int(obj.get("dropped", 0))
        )
    return t.Event(seq, kind, obj)


def items(reply: Obj) -> List[Obj]:
    """The items of a list reply (``{"items":[...],"end":{...}}``)."""
    got = reply.get("items")
    if not isinstance(got, list):
        raise ProtocolError(f"a list reply without items: {reply!r}")
    return got


def end(reply: Obj) -> Obj:
    got = reply.get("end")
    return got if isinstance(got, dict) else {}


def track_page(reply: Obj, offset: int) -> t.TrackPage:
    """A page of tracks; ``offset`` is the one asked for (the reply gives the next)."""
    tracks = [track(o) for o in items(reply)]
    return t.TrackPage(total=int(end(reply).get("total", len(tracks))), offset=offset, tracks=tracks)


def albums(reply: Obj) -> List[t.AlbumSummary]:
    return [
        t.AlbumSummary(o["artist"], o["album"], int(o.get("tracks", 0)), o.get("year"))
        for o in items(reply)
    ]


def changes_page(reply: Obj) -> t.ChangesPage:
    tail = end(reply)
    events = [event(o) for o in items(reply)]
    fresh = any(e.kind == "fresh_instance" for e in events)
    nxt = tail.get("next")
    return t.ChangesPage(
        events=[e for e in events if e.kind != "fresh_instance"],
        current_seq=int(tail.get("current_seq", 0)),
        fresh_instance=fresh,
        more=bool(tail.get("more", False)),
        next_since=int(nxt) if nxt is not None else None,
    )


def sync_report(reply: Obj) -> t.SyncReport:
    return t.SyncReport(
        outcome=str(reply.get("outcome", "")),
        tracks=int(reply.get("tracks", 0)),
        duration_ms=int(reply.get("duration_ms", 0)),
        added=int(reply.get("added") or reply.get("imported") or 0),
        removed=int(reply.get("removed", 0)),
        modified=int(reply.get("modified", 0)),
        seq=reply.get("seq"),
        message=reply.get("message"),
    )


def _known(cls: Type[T], obj: Obj) -> T:
    """``cls(**obj)`` keeping only the fields ``cls`` has (a newer daemon may send more)."""
    names = cls.__dataclass_fields__  # type: ignore[attr-defined]
    return cls(**{k: v for k, v in obj.items() if k in names})


def status(reply: Obj) -> t.Status:
    lib = reply.get("library")
    library: Optional[t.LibraryStatus] = None
    if isinstance(lib, dict):
        err = lib.get("last_error")
        prog = lib.get("progress")
        library = t.LibraryStatus(
            path=lib["path"],
            format=lib["format"],
            tracks=int(lib.get("tracks", 0)),
            last_sync_ms=lib.get("last_sync_ms"),
            last_error=_known(t.LibraryError, err) if isinstance(err, dict) else None,
            seq=int(lib.get("seq", 0)),
            oldest_seq=int(lib.get("oldest_seq", 0)),
            progress=_known(t.SyncProgress, prog) if isinstance(prog, dict) else None,
            dropped_values=int(lib.get("dropped_values", 0)),
            first_dropped=lib.get("first_dropped"),
        )
    return t.Status(
        daemon_version=reply["daemon_version"],
        protocol_version=int(reply["protocol_version"]),
        pid=int(reply["pid"]),
        uptime_ms=int(reply["uptime_ms"]),
        socket=reply["socket"],
        data_dir=reply["data_dir"],
        connections=int(reply["connections"]),
        max_connections=int(reply["max_connections"]),
        cache=_known(t.CacheTotals, reply.get("cache") or {}),
        library=library,
        strategies={str(k): str(v) for k, v in (reply.get("strategies") or {}).items()},
    )


def stats(reply: Obj) -> t.Stats:
    return t.Stats(
        namespaces=[_known(t.NamespaceStats, o) for o in reply.get("namespaces") or []],
        content_types=[
            _known(t.ContentTypeStats, o) for o in reply.get("content_types") or []
        ],
    )


def declared(reply: Obj) -> t.NamespaceDeclared:
    return t.NamespaceDeclared(
        changed=status_of(reply) == "stored",
        overridden=[str(f) for f in reply.get("overridden") or []],
        namespace=_known(t.NamespaceStats, reply.get("namespace") or {}),
    )


def last_run(reply: Obj) -> Optional[int]:
    if status_of(reply) != "found":
        return None
    return int(reply["at_ms"])


def track_lookup(reply: Obj) -> Optional[t.Track]:
    return track(reply["track"]) if status_of(reply) == "found" else None


def batch(
    reply: Obj, one: Callable[[Obj], T]
) -> List[Any]:
    """A batch reply: each item decoded by ``one``, or a ServerError in its place."""
    out: List[Any] = []
    for item in items(reply):
        if item.get("status") == "error":
            out.append(error_for(item.get("code", "unknown"), str(item.get("message", ""))))
        else:
            out.append(one(item))
    return out


def is_error(x: object) -> bool:
    return isinstance(x, ServerError)
