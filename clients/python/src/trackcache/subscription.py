"""A blocking event subscription that survives daemon restarts.

It owns a connection of its own. It remembers the seq of the last event it
handed out; when the connection breaks (the daemon restarted, or is being
replaced) it reconnects and subscribes again ``since`` that seq, so nothing is
skipped and nothing is seen twice. A ``resync`` from the daemon (the
subscriber fell behind, or the history it asked for is gone) is raised as
ResyncRequired; the subscription itself goes on after it.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Callable, Dict, Iterator, Optional, Type

from . import _decode, _wire
from . import types as t
from ._connection import Connection
from .commands import Command
from .errors import ConnectionError, ProtocolError, ResyncRequired, ShuttingDown

Obj = Dict[str, Any]


def _raw(reply: Obj) -> Obj:
    return reply

#: First and largest pause between reconnection attempts, in seconds.
RETRY_FIRST = 0.02
RETRY_MAX = 1.0


class Subscription(Iterator[t.Event]):
    """Iterate it for events; ``next_event(timeout)`` polls. Close it when done."""

    def __init__(
        self,
        connect: Callable[[], Connection],
        since: Optional[int],
        reconnect_timeout: Optional[float],
    ) -> None:
        self._connect = connect
        self._conn: Optional[Connection] = None
        self.reconnect_timeout = reconnect_timeout
        #: The seq of the last event handed out (or where the stream started).
        self.last_seq: Optional[int] = since
        #: Where the latest (re)subscription started.
        self.subscribed: Optional[t.Subscribed] = None
        #: How many times the subscription reconnected.
        self.reconnects = 0
        self.closed = False

    # --- the connection -------------------------------------------------------

    def _subscribe(self) -> Connection:
        conn = self._connect()
        try:
            args = {} if self.last_seq is None else {"since_seq": self.last_seq}
            id = conn.send_request(Command("subscribe", args, _raw))
            while True:
                msg = conn.read_message()
                if msg.get("id") == id:
                    _, body, err = _wire.reply(msg)
                    if err is not None:
                        raise err
                    assert body is not None
                    break
                if "event" in msg:  # cannot come before the reply, but harmless
                    conn.events.append(msg["event"])
        except BaseException:
            conn.close()
            raise
        self.subscribed = t.Subscribed(int(body["current_seq"]), int(body["oldest_seq"]))
        if self.last_seq is None:
            self.last_seq = self.subscribed.current_seq
        return conn

    def _reconnect(self, cause: BaseException) -> Connection:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self.reconnect_timeout is not None and self.reconnect_timeout <= 0:
            raise cause
        deadline = (
            None if self.reconnect_timeout is None else time.monotonic() + self.reconnect_timeout
        )
        pause = RETRY_FIRST
        while True:
            try:
                conn = self._subscribe()
                self.reconnects += 1
                return conn
            except (ConnectionError, ShuttingDown) as e:
                cause = e
            if deadline is not None and time.monotonic() + pause > deadline:
                raise ConnectionError(
                    f"the subscription lost the daemon and could not resubscribe within "
                    f"{self.reconnect_timeout} s (last seq seen: {self.last_seq}): {cause}"
                ) from cause
            time.sleep(pause)  # backoff between attempts while the daemon restarts
            pause = min(pause * 2, RETRY_MAX)

    def _connection(self) -> Connection:
        if self.closed:
            raise ConnectionError("the subscription is closed")
        if self._conn is None or self._conn.closed:
            if self._conn is None and self.reconnects == 0 and self.subscribed is None:
                self._conn = self._subscribe()
            else:
                self._conn = self._reconnect(ConnectionError("connection lost"))
        return self._conn

    def open(self) -> "Subscription":
        """Subscribes now (otherwise the first read does)."""
        self._connection()
        return self

    # --- events ---------------------------------------------------------------

    def _take(self, raw: Obj) -> Optional[t.Event]:
        """The event to hand out; None for one already handed out (a replay
        overlapping what was seen before a reconnection)."""
        ev = _decode.event(raw)
        if ev.kind == "resync":
            self.last_seq = ev.seq
            raise ResyncRequired(ev.seq)
        if self.last_seq is not None and ev.seq <= self.last_seq:
            return None
        self.last_seq = ev.seq
        return ev

    def next_event(self, timeout: Optional[float] = None) -> Optional[t.Event]:
        """The next event; None when none came within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            conn = self._connection()
            if conn.events:
                ev = self._take(conn.events.popleft())
                if ev is not None:
                    return ev
                continue
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            try:
                msg = conn.poll_message(left)
            except (ConnectionError, ShuttingDown) as e:
                self._conn = self._reconnect(e)
                continue
            if msg is None:
                return None
            if "event" in msg:
                ev = self._take(msg["event"])
                if ev is not None:
                    return ev
                continue
            # A reply on a subscription connection cannot happen: we send nothing more.
            raise ProtocolError(f"unexpected message on a subscription: {msg!r}")

    def __next__(self) -> t.Event:
        ev = self.next_event(None)
        assert ev is not None  # no timeout: an event or an exception
        return ev

    def __iter__(self) -> "Subscription":
        return self

    def close(self) -> None:
        self.closed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "Subscription":
        return self.open()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()
