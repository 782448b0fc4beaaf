"""One asyncio JSON Lines connection. A reader task routes each answer to the
request waiting for it (by id), so any number of coroutines can have requests
in flight on one connection (pipelining), and pushed events to a queue.
"""

from __future__ import annotations

import asyncio
import itertools
import select
from typing import Any, Dict, List, Optional, Sequence, TypeVar, Union

from . import _wire
from . import types as t
from ._connection import DEFAULT_MAX_LINE
from .commands import Command
from .errors import (
    ConnectionClosed,
    DaemonNotRunning,
    ProtocolError,
    ServerError,
    TimeoutError,
    TrackcacheError,
)

T = TypeVar("T")
Obj = Dict[str, Any]

#: What the event queue carries: an event object, or why the connection ended.
QueueItem = Union[Obj, BaseException]


class AsyncConnection:
    """Open with ``await AsyncConnection.open(...)``."""

    def __init__(
        self,
        path: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        timeout: Optional[float],
    ) -> None:
        self.path = path
        self.timeout = timeout
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._pending: Dict[int, "asyncio.Future[Obj]"] = {}
        self.events: "asyncio.Queue[QueueItem]" = asyncio.Queue()
        self.closed = False
        self.max_line = DEFAULT_MAX_LINE
        self.welcome = t.Welcome("", 0, [], 0)
        self._task: Optional["asyncio.Task[None]"] = None
        self._drain_lock = asyncio.Lock()
        self._poll = select.poll()
        sock = writer.get_extra_info("socket")
        if sock is not None:
            self._poll.register(sock.fileno(), select.POLLIN)

    @classmethod
    async def open(
        cls, path: str, client_name: str, timeout: Optional[float]
    ) -> "AsyncConnection":
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(path, limit=DEFAULT_MAX_LINE + 2), timeout
            )
        except OSError as e:
            raise DaemonNotRunning(path, e.strerror or str(e)) from e
        except asyncio.TimeoutError as e:
            raise DaemonNotRunning(path, f"no answer within {timeout} s") from e
        conn = cls(path, reader, writer, timeout)
        try:
            writer.write(_wire.hello_line(client_name))
            line = await asyncio.wait_for(reader.readline(), timeout)
            if not line:
                raise ConnectionClosed(f"the daemon at {path} closed the connection at once")
            conn.welcome = _wire.welcome(_wire.parse(line))
        except asyncio.TimeoutError as e:
            await conn.aclose()
            raise TimeoutError(f"the daemon did not answer the handshake within {timeout} s") from e
        except BaseException:
            await conn.aclose()
            raise
        if conn.welcome.max_line_bytes:
            conn.max_line = conn.welcome.max_line_bytes
        conn._task = asyncio.get_running_loop().create_task(conn._read_loop())
        return conn

    def idle_readable(self) -> bool:
        """Whether a connection with nothing in flight has something to read:
        most likely the daemon closed it (it restarted) and the reader task has
        not run yet to notice."""
        return not self._pending and bool(self._poll.poll(0))

    async def _read_loop(self) -> None:
        """Routes every message until the connection ends, then fails the waiters."""
        why: BaseException
        try:
            while True:
                line = await self._reader.readline()
                if not line.endswith(b"\n"):
                    why = ConnectionClosed(
                        f"the daemon at {self.path} closed the connection (did it stop?)"
                    )
                    break
                msg = _wire.parse(line)
                if "id" in msg:
                    id, body, err = _wire.reply(msg)
                    fut = self._pending.pop(id, None)
                    if fut is not None and not fut.done():
                        if err is not None:
                            fut.set_exception(err)
                        else:
                            fut.set_result(body or {})
                elif "event" in msg:
                    self.events.put_nowait(msg["event"])
                else:
                    fatal = _wire.fatal_error(msg)
                    why = fatal or ProtocolError(f"unexpected message from the daemon: {msg!r}")
                    break
        except asyncio.CancelledError:
            why = ConnectionClosed("the connection was closed")
        except (OSError, ValueError, TrackcacheError) as e:
            # ValueError: asyncio's own "line over the limit".
            why = e if isinstance(e, TrackcacheError) else ConnectionClosed(
                f"reading from the daemon at {self.path} failed: {e}"
            )
        self._fail(why)

    def _fail(self, why: BaseException) -> None:
        self.closed = True
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(why)
        self.events.put_nowait(why)
        self._writer.close()

    async def _send(self, data: bytes) -> None:
        if self.closed:
            raise ConnectionClosed(f"the connection to {self.path} is closed")
        self._writer.write(data)
        if self._writer.transport.get_write_buffer_size():
            # One drainer at a time: concurrent drain() asserts on Python < 3.10.
            async with self._drain_lock:
                await self._writer.drain()

    def _register(self, cmd: Command[Any]) -> "tuple[int, asyncio.Future[Obj], bytes]":
        id = next(self._ids)
        line = _wire.request_line(id, cmd, self.max_line)
        fut: "asyncio.Future[Obj]" = asyncio.get_running_loop().create_future()
        return id, fut, line

    async def _wait(self, id: int, fut: "asyncio.Future[Obj]") -> Obj:
        if self.timeout is None:
            return await fut
        try:
            return await asyncio.wait_for(fut, self.timeout)
        except asyncio.TimeoutError as e:
            # The id is retired: a late answer is dropped, the connection stays good.
            self._pending.pop(id, None)
            raise TimeoutError(f"the daemon did not answer within {self.timeout} s") from e

    async def send_request(self, cmd: Command[Any]) -> "tuple[int, asyncio.Future[Obj]]":
        """Sends one request; its id and the future of its raw answer."""
        id, fut, line = self._register(cmd)
        self._pending[id] = fut
        await self._send(line)
        return id, fut

    async def call(self, cmd: Command[T]) -> T:
        id, fut, line = self._register(cmd)
        self._pending[id] = fut
        await self._send(line)
        return cmd.decode(await self._wait(id, fut))

    async def pipeline(self, cmds: Sequence[Command[Any]]) -> List[Any]:
        """All requests in one write; answers in order, ServerErrors in place."""
        regs = [self._register(cmd) for cmd in cmds]
        for id, fut, _ in regs:
            self._pending[id] = fut
        await self._send(b"".join(line for _, _, line in regs))
        out: List[Any] = []
        for cmd, (id, fut, _) in zip(cmds, regs):
            try:
                out.append(cmd.decode(await self._wait(id, fut)))
            except ServerError as e:
                if e.fatal:
                    raise
                out.append(e)
        return out

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if not self.closed:
            self._fail(ConnectionClosed("the connection was closed"))
        try:
            await self._writer.wait_closed()
        except OSError:
            pass  # closing a connection the daemon already dropped
