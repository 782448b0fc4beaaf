"""What the daemon answers, as plain typed values.

Answers are ordinary (mutable) dataclasses: building a frozen one costs three
times as much, and a GET's answer is built on every call. Arguments for the
batch forms (``*Item``) are frozen.

Field names follow the daemon's JSON vocabulary (``protocol/PROTOCOL.md``):
times are milliseconds (``*_ms``: instants since the Unix epoch, or
durations), and every lookup carries one ``status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional, Tuple, Union

JSON = Any
"""A JSON value as ``json.loads`` returns it (API payloads are JSON documents)."""

KvStatus = Literal["hit", "negative", "miss"]
ApiStatus = Literal["found", "not_found", "failed"]


@dataclass
class KvValue:
    """A generic-cache lookup: a value, a "known absent" marker, or nothing."""

    status: KvStatus
    value: Optional[bytes] = None
    expires_in_ms: Optional[int] = None

    @property
    def hit(self) -> bool:
        """A live value."""
        return self.status == "hit"

    @property
    def negative(self) -> bool:
        """A live "looked, found nothing" marker: an answer, not a miss."""
        return self.status == "negative"

    @property
    def miss(self) -> bool:
        """Nothing live under the key."""
        return self.status == "miss"


@dataclass
class KvStored:
    """What a set did."""

    expires_in_ms: Optional[int]
    evicted: int
    persistent: bool


@dataclass(frozen=True)
class KvItem:
    """One entry of a batch set (``kv_set_many``)."""

    key: str
    value: Union[bytes, str] = b""
    ttl_ms: Optional[int] = None
    negative: bool = False
    tags: Tuple[str, ...] = ()


@dataclass
class MediaFlags:
    """Kinds of media a track is (Apple's booleans)."""

    podcast: bool = False
    has_video: bool = False
    movie: bool = False
    tv_show: bool = False
    music_video: bool = False
    audiobook: bool = False
    itunes_u: bool = False
    protected: bool = False
    purchased: bool = False
    apple_music: bool = False
    disabled: bool = False
    compilation: bool = False


@dataclass
class Track:
    """One track of the library snapshot. Dates are Unix milliseconds."""

    id: str
    track_id: Optional[int] = None
    name: Optional[str] = None
    artist: Optional[str] = None
    album_artist: Optional[str] = None
    album: Optional[str] = None
    genre: Optional[str] = None
    composer: Optional[str] = None
    year: Optional[int] = None
    release_date_ms: Optional[int] = None
    date_added_ms: Optional[int] = None
    date_modified_ms: Optional[int] = None
    track_number: Optional[int] = None
    track_count: Optional[int] = None
    disc_number: Optional[int] = None
    disc_count: Optional[int] = None
    duration_ms: Optional[int] = None
    size: Optional[int] = None
    location: Optional[str] = None
    track_type: Optional[str] = None
    kind: Optional[str] = None
    media: MediaFlags = field(default_factory=MediaFlags)
    play_count: Optional[int] = None
    play_date_ms: Optional[int] = None
    skip_count: Optional[int] = None
    rating: Optional[int] = None


@dataclass
class TrackPage:
    """One page of ``list_tracks``."""

    total: int
    offset: int
    tracks: List[Track]

    @property
    def more(self) -> bool:
        """Tracks follow this page."""
        return self.offset + len(self.tracks) < self.total


@dataclass
class TrackCount:
    """Tracks in the snapshot, and the seq the snapshot is at."""

    tracks: int
    seq: int


@dataclass
class AlbumSummary:
    """One album of the library."""

    artist: str
    album: str
    tracks: int
    year: Optional[int]


@dataclass
class FieldChange:
    """One changed field of a modified track (values rendered as text)."""

    field: str
    old: Optional[str]
    new: Optional[str]


@dataclass
class Event:
    """Something that happened, at its position ``seq`` in the event log.

    ``kind`` is the event's snake_case name; the subclasses carry its data.
    Unknown kinds (from a newer daemon) arrive as this base class, with the
    data left in ``raw``.
    """

    seq: int
    kind: str
    raw: Dict[str, object] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class TrackAdded(Event):
    """A track appeared."""

    track: Optional[Track] = None


@dataclass
class TrackRemoved(Event):
    """A track disappeared (as it was)."""

    track: Optional[Track] = None


@dataclass
class TrackModified(Event):
    """Fields that caches depend on changed (the track as it is now)."""

    track: Optional[Track] = None
    changes: List[FieldChange] = field(default_factory=list)


@dataclass
class LibrarySynced(Event):
    """A re-read finished; the counts of the events before it."""

    added: int = 0
    removed: int = 0
    modified: int = 0


@dataclass
class LibraryImported(Event):
    """The first import into an empty data dir: everything is new."""

    tracks: int = 0


@dataclass
class EntriesInvalidated(Event):
    """Cache entries were dropped."""

    content_type: str = ""
    keys: List[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class FingerprintChanged(Event):
    """A track's file changed (size, duration, dates, location) while the
    fields ``TrackModified`` reports did not: replaced or re-encoded."""

    track: Optional[Track] = None
    changes: List[FieldChange] = field(default_factory=list)


@dataclass
class ManualInvalidation(Event):
    """Someone invalidated entries (``invalidate_*``). ``target`` is ``track``,
    ``album``, ``artist``, ``content_type`` or ``all``; its arguments (``id``,
    ``artist``, ``album``, ``name``) are in ``raw``."""

    target: str = ""
    dropped: int = 0


@dataclass
class ChangesPage:
    """Logged events after a seq.

    ``fresh_instance`` is true when the asked-for seq is older than the log (or
    from another history): forget what you derived, re-read everything, then
    continue from ``next_since``. When ``more``, ask again from ``next_since``.
    """

    events: List[Event]
    current_seq: int
    fresh_instance: bool
    more: bool
    next_since: Optional[int]


@dataclass
class SyncReport:
    """What one re-read of the library did.

    ``outcome`` is ``unchanged``, ``synced``, ``imported`` or ``failed``; the
    counts apply to ``synced`` (and ``imported`` for ``added``), ``message``
    to ``failed``.
    """

    outcome: str
    tracks: int
    duration_ms: int
    added: int = 0
    removed: int = 0
    modified: int = 0
    seq: Optional[int] = None
    message: Optional[str] = None


@dataclass
class AlbumYear:
    """An album's cached release year."""

    artist: str
    album: str
    year: int
    confidence: int
    source: str
    stored_at_ms: int
    album_fingerprint: str
    expires_in_ms: Optional[int]


@dataclass
class AlbumYearStored:
    """What a set of an album year did: whether it became current, and what is."""

    stored: bool
    current: AlbumYear


@dataclass(frozen=True)
class AlbumYearItem:
    """One entry of a batch set (``set_album_years``)."""

    artist: str
    album: str
    year: int
    confidence: int = 0
    source: str = "client"
    force: bool = False
    stored_at_ms: Optional[int] = None


@dataclass
class ApiEntry:
    """A cached API answer: found (with a JSON payload), not found, or failed."""

    source: str
    artist: str
    album: str
    status: ApiStatus
    stored_at_ms: int
    expires_in_ms: Optional[int]
    payload: JSON = None
    metadata: Dict[str, str] = field(default_factory=dict)
    error: Optional[str] = None


@dataclass(frozen=True)
class ApiItem:
    """One entry of a batch set (``set_api_results``).

    ``status`` is ``found`` (``payload`` is a JSON document), ``not_found``,
    or ``failed`` (``error`` says why).
    """

    source: str
    artist: str
    album: str
    status: ApiStatus
    payload: JSON = None
    metadata: Optional[Dict[str, str]] = None
    error: Optional[str] = None
    stored_at_ms: Optional[int] = None


@dataclass
class ApiStored:
    """What a set of an API answer did."""

    expires_in_ms: Optional[int]


@dataclass
class Lease:
    """Nobody had the value: this connection holds the lease to fetch it.

    Store the value (any set of the key completes the lease). Others asking
    meanwhile wait for that set; the lease lapses after ``expires_in_ms`` or
    when this connection closes.
    """

    lease_id: int
    expires_in_ms: int


@dataclass
class CacheTotals:
    """Counters summed over every generic-cache namespace."""

    namespaces: int = 0
    entries: int = 0
    bytes: int = 0
    hits: int = 0
    negative_hits: int = 0
    misses: int = 0
    expirations: int = 0
    evictions: int = 0


@dataclass
class LibraryError:
    """Why the library could not be read, and when."""

    kind: str
    message: str
    at_ms: int


@dataclass
class SyncProgress:
    """A re-read under way."""

    phase: str
    done: int
    total: int


@dataclass
class LibraryStatus:
    """The library part of ``status``."""

    path: str
    format: str
    tracks: int
    last_sync_ms: Optional[int]
    last_error: Optional[LibraryError]
    seq: int
    oldest_seq: int
    progress: Optional[SyncProgress]
    #: Values the last parse left out instead of refusing the file.
    dropped_values: int = 0
    #: The first of them: where it is and why.
    first_dropped: Optional[str] = None


@dataclass
class Status:
    """The daemon's status."""

    daemon_version: str
    protocol_version: int
    pid: int
    uptime_ms: int
    socket: str
    data_dir: str
    connections: int
    max_connections: int
    cache: CacheTotals
    library: Optional[LibraryStatus]
    #: Content type -> invalidation strategy (``time_based``, ``event_driven``,
    #: ``fingerprint_based``, ``hybrid``).
    strategies: Dict[str, str] = field(default_factory=dict)


@dataclass
class NamespaceStats:
    """Counters of one generic-cache namespace."""

    name: str
    persistent: bool
    entries: int = 0
    bytes: int = 0
    max_entries: int = 0
    max_bytes: int = 0
    hits: int = 0
    negative_hits: int = 0
    misses: int = 0
    sets: int = 0
    deletes: int = 0
    expirations: int = 0
    evictions: int = 0
    #: TTL of values stored without one, ms (None: never expires).
    ttl_ms: Optional[int] = None
    #: TTL of "known absent" entries stored without one, ms.
    negative_ttl_ms: Optional[int] = None
    #: Which library changes drop tagged entries.
    strategy: str = "time_based"
    #: ``default``, ``config`` (the daemon's config file names it) or ``declared``.
    origin: str = "default"

    @property
    def hit_rate(self) -> float:
        """Share of lookups answered (a negative hit is an answer), 0..1."""
        answered = self.hits + self.negative_hits
        total = answered + self.misses
        return answered / total if total else 0.0


@dataclass
class NamespaceDeclared:
    """What ``declare_namespace`` did. ``changed`` is False when the same
    declaration was in force already; ``overridden`` lists the fields the
    daemon's config file sets for the namespace (they win); ``namespace`` is
    the policy in force now."""

    changed: bool
    overridden: List[str]
    namespace: NamespaceStats


@dataclass
class ContentTypeStats:
    """Counters of one domain content type (``album_year``, ...)."""

    name: str
    ttl_ms: Optional[int]
    strategy: str
    entries: int = 0
    bytes: int = 0
    max_entries: int = 0
    max_bytes: int = 0
    hits: int = 0
    misses: int = 0
    expirations: int = 0
    evictions: int = 0
    invalidations: Dict[str, int] = field(default_factory=dict)
    coalesced: int = 0

    @property
    def hit_rate(self) -> float:
        """Share of lookups answered from the cache, 0..1."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@dataclass
class Stats:
    """Per-namespace and per-content-type statistics."""

    namespaces: List[NamespaceStats]
    content_types: List[ContentTypeStats]

    def namespace(self, name: str) -> Optional[NamespaceStats]:
        """One namespace's counters, if it has been used."""
        return next((n for n in self.namespaces if n.name == name), None)

    def content_type(self, name: str) -> Optional[ContentTypeStats]:
        """One content type's counters."""
        return next((c for c in self.content_types if c.name == name), None)


@dataclass
class Subscribed:
    """Where a subscription started."""

    current_seq: int
    oldest_seq: int


@dataclass
class Welcome:
    """What the daemon announced in the handshake."""

    daemon_version: str
    protocol_version: int
    capabilities: List[str]
    max_line_bytes: int
