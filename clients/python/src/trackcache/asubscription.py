"""The asyncio event subscription: ``Subscription``'s behaviour (resume after a
daemon restart from the last seq seen; ``resync`` raised, never skipped) as an
async iterator.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Optional, Type

from . import _decode
from . import types as t
from ._aconnection import AsyncConnection
from .commands import Command
from .errors import ConnectionError, ProtocolError, ResyncRequired, ShuttingDown
from .subscription import RETRY_FIRST, RETRY_MAX

Obj = Dict[str, Any]


def _raw(reply: Obj) -> Obj:
    return reply


class AsyncSubscription(AsyncIterator[t.Event]):
    """``async for`` it for events; ``await next_event(timeout)`` polls."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[AsyncConnection]],
        since: Optional[int],
        reconnect_timeout: Optional[float],
    ) -> None:
        self._connect = connect
        self._conn: Optional[AsyncConnection] = None
        self.reconnect_timeout = reconnect_timeout
        self.last_seq: Optional[int] = since
        self.subscribed: Optional[t.Subscribed] = None
        self.reconnects = 0
        self.closed = False

    async def _subscribe(self) -> AsyncConnection:
        conn = await self._connect()
        try:
            args = {} if self.last_seq is None else {"since_seq": self.last_seq}
            id, fut = await conn.send_request(Command("subscribe", args, _raw))
            body = await conn._wait(id, fut)
        except BaseException:
            await conn.aclose()
            raise
        self.subscribed = t.Subscribed(int(body["current_seq"]), int(body["oldest_seq"]))
        if self.last_seq is None:
            self.last_seq = self.subscribed.current_seq
        return conn

    async def _reconnect(self, cause: BaseException) -> AsyncConnection:
        if self._conn is not None:
            await self._conn.aclose()
            self._conn = None
        if self.reconnect_timeout is not None and self.reconnect_timeout <= 0:
            raise cause
        deadline = (
            None if self.reconnect_timeout is None else time.monotonic() + self.reconnect_timeout
        )
        pause = RETRY_FIRST
        while True:
            try:
                conn = await self._subscribe()
                self.reconnects += 1
                return conn
            except (ConnectionError, ShuttingDown) as e:
                cause = e
            if deadline is not None and time.monotonic() + pause > deadline:
                raise ConnectionError(
                    f"the subscription lost the daemon and could not resubscribe within "
                    f"{self.reconnect_timeout} s (last seq seen: {self.last_seq}): {cause}"
                ) from cause
            await asyncio.sleep(pause)  # backoff between attempts while the daemon restarts
            pause = min(pause * 2, RETRY_MAX)

    async def _connection(self) -> AsyncConnection:
        if self.closed:
            raise ConnectionError("the subscription is closed")
        if self._conn is None:
            if self.subscribed is None:
                self._conn = await self._subscribe()
            else:
                self._conn = await self._reconnect(ConnectionError("connection lost"))
        return self._conn

    async def open(self) -> "AsyncSubscription":
        """Subscribes now (otherwise the first read does)."""
        await self._connection()
        return self

    def _take(self, raw: Obj) -> Optional[t.Event]:
        ev = _decode.event(raw)
        if ev.kind == "resync":
            self.last_seq = ev.seq
            raise ResyncRequired(ev.seq)
        if self.last_seq is not None and ev.seq <= self.last_seq:
            return None  # already handed out before a reconnection
        self.last_seq = ev.seq
        return ev

    async def next_event(self, timeout: Optional[float] = None) -> Optional[t.Event]:
        """The next event; None when none came within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            conn = await self._connection()
            item: object
            if not conn.events.empty():
                item = conn.events.get_nowait()
            else:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                try:
                    item = await asyncio.wait_for(conn.events.get(), left)
                except asyncio.TimeoutError:
                    return None
            if isinstance(item, (ConnectionError, ShuttingDown)):
                self._conn = await self._reconnect(item)
                continue
            if isinstance(item, BaseException):
                raise item
            if not isinstance(item, dict):
                raise ProtocolError(f"unexpected item on a subscription: {item!r}")
            ev = self._take(item)
            if ev is not None:
                return ev

    async def __anext__(self) -> t.Event:
        ev = await self.next_event(None)
        assert ev is not None  # no timeout: an event or an exception
        return ev

    def __aiter__(self) -> "AsyncSubscription":
        return self

    async def aclose(self) -> None:
        self.closed = True
        if self._conn is not None:
            await self._conn.aclose()
            self._conn = None

    async def __aenter__(self) -> "AsyncSubscription":
        return await self.open()

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()
