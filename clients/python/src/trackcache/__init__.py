"""Client for ``trackcached``, the music-library cache daemon.

``Client`` (blocking) and ``AsyncClient`` (asyncio) speak the daemon's JSON
Lines protocol over its Unix socket, found the way the CLI finds it
(``TRACKCACHE_SOCKET``, else the XDG default). Errors the daemon answers are
raised as ``ServerError`` subclasses carrying its ``code`` and ``message``.

Drop-in adapters: ``trackcache.genreupdater.CacheOrchestrator`` and
``trackcache.musicdl.TTLCache``.
"""

from . import commands
from ._paths import default_socket_path
from .aio import AsyncClient, AsyncPipeline
from .asubscription import AsyncSubscription
from .client import Client, Pipeline
from .errors import (
    BadRequest,
    ConnectionClosed,
    ConnectionError,
    DaemonNotRunning,
    HandshakeRequired,
    InternalError,
    MalformedFrame,
    NotFound,
    PermissionDenied,
    ProtocolError,
    ResyncRequired,
    ServerError,
    ShuttingDown,
    StorageFull,
    TimeoutError,
    TooLarge,
    TooManyConnections,
    TrackcacheError,
    Unavailable,
    VersionMismatch,
    WaitTimeout,
)
from .subscription import Subscription
from .types import (
    AlbumSummary,
    AlbumYear,
    AlbumYearItem,
    AlbumYearStored,
    ApiEntry,
    ApiItem,
    ApiStored,
    ChangesPage,
    EntriesInvalidated,
    Event,
    KvItem,
    KvStored,
    KvValue,
    Lease,
    LibraryImported,
    LibrarySynced,
    Stats,
    Status,
    SyncReport,
    Track,
    TrackAdded,
    TrackCount,
    TrackModified,
    TrackPage,
    TrackRemoved,
)

__version__ = "0.1.0"

__all__ = [
    "AlbumSummary",
    "AlbumYear",
    "AlbumYearItem",
    "AlbumYearStored",
    "ApiEntry",
    "ApiItem",
    "ApiStored",
    "AsyncClient",
    "AsyncPipeline",
    "AsyncSubscription",
    "BadRequest",
    "ChangesPage",
    "Client",
    "ConnectionClosed",
    "ConnectionError",
    "DaemonNotRunning",
    "EntriesInvalidated",
    "Event",
    "HandshakeRequired",
    "InternalError",
    "KvItem",
    "KvStored",
    "KvValue",
    "Lease",
    "LibraryImported",
    "LibrarySynced",
    "MalformedFrame",
    "NotFound",
    "PermissionDenied",
    "Pipeline",
    "ProtocolError",
    "ResyncRequired",
    "ServerError",
    "ShuttingDown",
    "Stats",
    "Status",
    "StorageFull",
    "Subscription",
    "SyncReport",
    "TimeoutError",
    "TooLarge",
    "TooManyConnections",
    "Track",
    "TrackAdded",
    "TrackCount",
    "TrackModified",
    "TrackPage",
    "TrackRemoved",
    "TrackcacheError",
    "Unavailable",
    "VersionMismatch",
    "WaitTimeout",
    "commands",
    "default_socket_path",
]
