"""Exceptions, in the manner of redis-py and pywatchman: one base class, a
connection family, and one class per daemon error code.

Every error the daemon sends becomes a :class:`ServerError` subclass carrying
the daemon's ``code`` (its stable snake_case name), ``code_number`` and
``message``. Codes this package does not know yet still arrive as a plain
:class:`ServerError` with their name and number, never as a crash.
"""

from __future__ import annotations

import builtins
from typing import Dict, Optional, Type

__all__ = [
    "TrackcacheError",
    "FetchFailed",
    "ConnectionError",
    "DaemonNotRunning",
    "ConnectionClosed",
    "TimeoutError",
    "ProtocolError",
    "ServerError",
    "BadRequest",
    "NotFound",
    "TooLarge",
    "Unavailable",
    "InternalError",
    "VersionMismatch",
    "TooManyConnections",
    "PermissionDenied",
    "ShuttingDown",
    "MalformedFrame",
    "HandshakeRequired",
    "StorageFull",
    "WaitTimeout",
    "ResyncRequired",
    "error_for",
]


class TrackcacheError(Exception):
    """Base class of every error raised by this package."""


class FetchFailed(TrackcacheError):
    """A lookup waited on another caller's lease, and that caller reported that
    its fetch failed (``fail_lease``); ``error`` is what it said. Asking again
    gets a lease of your own."""

    def __init__(self, error: str) -> None:
        self.error = error
        super().__init__(f"the caller holding the lease could not fetch the value: {error}")


class ConnectionError(TrackcacheError, builtins.ConnectionError):
    """The socket could not be reached, or the connection broke."""


class DaemonNotRunning(ConnectionError):
    """Nothing answers at the socket path."""

    def __init__(self, socket: str, reason: str) -> None:
        self.socket = socket
        super().__init__(
            f"no trackcached is answering at {socket}: {reason}. Start one with "
            f"`trackcached --socket {socket}` (or `systemctl --user start trackcached`), "
            "or point TRACKCACHE_SOCKET (or the socket argument) at a running daemon."
        )


class ConnectionClosed(ConnectionError):
    """The daemon closed the connection (it stopped, or refused us)."""


class TimeoutError(TrackcacheError, builtins.TimeoutError):
    """No answer came within the client's timeout."""


class ProtocolError(TrackcacheError):
    """The daemon sent something this client cannot make sense of."""


class ServerError(TrackcacheError):
    """The daemon answered with an error.

    ``code`` is the stable snake_case name (``"bad_request"``), ``code_number``
    its number in the wire protocol, ``message`` says what was wrong and what to
    do. ``fatal`` is true when the daemon closed the connection after it.
    """

    code: str = "unknown"
    code_number: Optional[int] = None

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        code_number: Optional[int] = None,
        fatal: bool = False,
    ) -> None:
        if code is not None:
            self.code = code
        if code_number is not None:
            self.code_number = code_number
        self.message = message
        self.fatal = fatal
        super().__init__(f"{self.code}: {message}")


class BadRequest(ServerError):
    """Invalid arguments (bad namespace, empty key, ...)."""

    code, code_number = "bad_request", 1


class NotFound(ServerError):
    """The named thing does not exist (a cache miss is never this error)."""

    code, code_number = "not_found", 2


class TooLarge(ServerError):
    """A line, value or reply is over a limit."""

    code, code_number = "too_large", 3


class Unavailable(ServerError):
    """The daemon cannot serve this now (for example: no library configured)."""

    code, code_number = "unavailable", 4


class InternalError(ServerError):
    """A bug or an unexpected failure inside the daemon."""

    code, code_number = "internal", 5


class VersionMismatch(ServerError):
    """This client and the daemon speak protocol versions that cannot talk."""

    code, code_number = "version_mismatch", 6


class TooManyConnections(ServerError):
    """The daemon's connection cap is reached."""

    code, code_number = "too_many_connections", 7


class PermissionDenied(ServerError):
    """The daemon runs as another user."""

    code, code_number = "permission_denied", 8


class ShuttingDown(ServerError):
    """The daemon is stopping."""

    code, code_number = "shutting_down", 9


class MalformedFrame(ServerError):
    """The daemon could not decode what this client sent (a client bug)."""

    code, code_number = "malformed_frame", 10


class HandshakeRequired(ServerError):
    """A request came before the handshake (a client bug)."""

    code, code_number = "handshake_required", 11


class StorageFull(ServerError):
    """The disk refused a write; nothing changed."""

    code, code_number = "storage_full", 12


class WaitTimeout(ServerError, TimeoutError):
    """A wait inside the daemon (for another caller's lease) ran out."""

    code, code_number = "timeout", 13


class ResyncRequired(TrackcacheError):
    """A subscription cannot continue without a gap: re-read what you derived.

    Raised by ``subscribe`` when the daemon sends ``resync`` (the subscriber fell
    behind, or asked for history the log no longer has). ``seq`` is the seq the
    stream continues after: re-read what you need, then subscribe again with
    ``since=err.seq``.
    """

    def __init__(self, seq: int) -> None:
        self.seq = seq
        super().__init__(
            f"the event stream needs a resync (continues after seq {seq}): "
            f"re-read what you derived from events, then subscribe(since={seq})"
        )


_BY_CODE: Dict[str, Type[ServerError]] = {
    cls.code: cls
    for cls in (
        BadRequest,
        NotFound,
        TooLarge,
        Unavailable,
        InternalError,
        VersionMismatch,
        TooManyConnections,
        PermissionDenied,
        ShuttingDown,
        MalformedFrame,
        HandshakeRequired,
        StorageFull,
        WaitTimeout,
    )
}
_BY_NUMBER: Dict[int, Type[ServerError]] = {
    cls.code_number: cls for cls in _BY_CODE.values() if cls.code_number is not None
}


def error_for(code: object, message: str, *, fatal: bool = False) -> ServerError:
    """The exception for a daemon error, by code name (or number)."""
    if isinstance(code, int) and not isinstance(code, bool):
        known = _BY_NUMBER.get(code)
        if known is not None:
            return known(message, fatal=fatal)
        return ServerError(message, code=f"unknown ({code})", code_number=code, fatal=fatal)
    name = str(code)
    cls = _BY_CODE.get(name)
    if cls is not None:
        return cls(message, fatal=fatal)
    return ServerError(message, code=name, fatal=fatal)
