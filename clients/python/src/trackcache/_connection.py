"""One blocking JSON Lines connection: connect, handshake, send lines, read
messages, match replies to requests by id. Events that arrive while a reply is
awaited are kept for whoever reads events.
"""

from __future__ import annotations

import collections
import itertools
import select
import socket
import struct
import time
from typing import Any, Deque, Dict, List, Optional, Sequence, TypeVar

from . import _wire
from . import types as t
from .commands import Command
from .errors import (
    ConnectionClosed,
    ConnectionError,
    DaemonNotRunning,
    ProtocolError,
    ServerError,
    TimeoutError,
)

T = TypeVar("T")
Obj = Dict[str, Any]

#: Largest line accepted from the daemon before the handshake says otherwise.
DEFAULT_MAX_LINE = 16 * 1024 * 1024


class Connection:
    """A handshaken connection. Not thread-safe: ``Client`` serializes calls."""

    def __init__(self, path: str, client_name: str, timeout: Optional[float]) -> None:
        self.path = path
        self.timeout = timeout
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError as e:
            sock.close()
            raise DaemonNotRunning(path, e.strerror or str(e)) from e
        self._sock = sock
        self.set_timeout(timeout)
        self._buf = bytearray()
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        self._ids = itertools.count(1)
        self.events: Deque[Obj] = collections.deque()
        self.closed = False
        self.max_line = DEFAULT_MAX_LINE
        try:
            self._send(_wire.hello_line(client_name))
            self.welcome: t.Welcome = _wire.welcome(self.read_message())
        except BaseException:
            self.close()
            raise
        if self.welcome.max_line_bytes:
            self.max_line = self.welcome.max_line_bytes

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._sock.close()

    def fileno(self) -> int:
        return self._sock.fileno()

    def stale(self) -> bool:
        """Whether an idle connection has something to read: the daemon closed
        it (it restarted) or said something unasked. Either way, do not reuse it."""
        return bool(self._buf) or bool(self._poll.poll(0))

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except (socket.timeout, BlockingIOError) as e:
            self.close()
            raise TimeoutError(f"the daemon did not take our request within {self.timeout} s") from e
        except OSError as e:
            self.close()
            raise ConnectionClosed(f"writing to the daemon at {self.path} failed: {e}") from e

    def _recv(self) -> None:
        """One read from the socket into the buffer (bounded by the timeout)."""
        try:
            chunk = self._sock.recv(1 << 18)
        except (socket.timeout, BlockingIOError) as e:
            # A late reply would be taken for the next request's: start over.
            self.close()
            raise TimeoutError(f"the daemon did not answer within {self.timeout} s") from e
        except OSError as e:
            self.close()
            raise ConnectionClosed(f"reading from the daemon at {self.path} failed: {e}") from e
        if not chunk:
            self.close()
            raise ConnectionClosed(f"the daemon at {self.path} closed the connection (did it stop?)")
        self._buf += chunk

    def _line(self, deadline: Optional[float]) -> Optional[bytes]:
        """The next line, or None when ``deadline`` (monotonic) passes first."""
        buf = self._buf
        start = 0
        while True:
            i = buf.find(b"\n", start)
            if i >= 0:
                line = bytes(buf[:i])
                del buf[: i + 1]
                return line
            if len(buf) > self.max_line:
                self.close()
                raise ProtocolError(f"the daemon sent a line longer than {self.max_line} bytes")
            start = len(buf)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._sock], [], [], left)[0]:
                    return None
            self._recv()

    def _message(self, line: bytes) -> Obj:
        msg = _wire.parse(line)
        fatal = _wire.fatal_error(msg)
        if fatal is not None:
            self.close()
            raise fatal
        return msg

    def read_message(self) -> Obj:
        """The next message (a fatal one raises, after closing)."""
        line = self._line(None)
        assert line is not None  # no deadline: a line or an exception
        return self._message(line)

    def poll_message(self, timeout: Optional[float]) -> Optional[Obj]:
        """The next message, or None when none came within ``timeout`` seconds
        (None = wait forever). The connection stays usable after a None."""
        if timeout is None:
            return self.read_message()
        line = self._line(time.monotonic() + timeout)
        return None if line is None else self._message(line)

    def set_timeout(self, timeout: Optional[float]) -> None:
        """Bounds each read and write by the kernel (SO_RCVTIMEO / SO_SNDTIMEO) on
        a blocking socket. A Python socket timeout would poll before every send
        and every receive: two more system calls per request."""
        self.timeout = timeout
        self._sock.settimeout(None)
        whole = 0 if timeout is None else int(timeout)
        micros = 0 if timeout is None else max(int((timeout - whole) * 1_000_000), 0)
        if timeout is not None and whole == 0 and micros == 0:
            micros = 1  # a zero timeval means "no timeout"
        tv = struct.pack("ll", whole, micros)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, tv)

    def send_request(self, cmd: Command[Any]) -> int:
        """Sends one request; its id."""
        id = next(self._ids)
        self._send(_wire.request_line(id, cmd, self.max_line))
        return id

    def call(self, cmd: Command[T]) -> T:
        """Sends one request and waits for its answer."""
        want = next(self._ids)
        self._send(_wire.request_line(want, cmd, self.max_line))
        if not self._buf:
            # The usual case, flattened: one read holding exactly our answer.
            self._recv()
            buf = self._buf
            if buf.find(b"\n") == len(buf) - 1:
                msg = _wire.parse(bytes(buf[:-1]))
                buf.clear()
                body = msg.get("reply")
                if body is not None and msg.get("id") == want:
                    return cmd.decode(body)
                return self._answer(want, cmd, msg)
        return self._answer(want, cmd, None)

    def _answer(self, want: int, cmd: Command[T], msg: Optional[Obj]) -> T:
        """Reads until the answer to request ``want``; events are kept."""
        while True:
            if msg is None:
                msg = self.read_message()
            else:
                fatal = _wire.fatal_error(msg)
                if fatal is not None:
                    self.close()
                    raise fatal
            if "id" in msg:
                id, body, err = _wire.reply(msg)
                if id != want:
                    raise ProtocolError(f"a reply to request {id} while waiting for {want}")
                if err is not None:
                    raise err
                assert body is not None  # reply() returns one of the two
                return cmd.decode(body)
            if "event" in msg:
                self.events.append(msg["event"])
                msg = None
                continue
            raise ProtocolError(f"unexpected message from the daemon: {msg!r}")

    def pipeline(self, cmds: Sequence[Command[Any]]) -> List[Any]:
        """Sends every request without waiting for answers; answers in request
        order, with a ServerError in place of each request that failed.

        Answers are read while the requests are still being written: the daemon
        answers as it reads, and once its answers fill the socket it stops
        reading, so writing everything first would block both sides for good.
        """
        ids: Dict[int, int] = {}
        lines: List[bytes] = []
        for i, cmd in enumerate(cmds):
            id = next(self._ids)
            ids[id] = i
            lines.append(_wire.request_line(id, cmd, self.max_line))
        data = memoryview(b"".join(lines))
        sent = 0
        out: List[Any] = [None] * len(cmds)
        pending = len(cmds)
        while pending:
            if sent < len(data):
                sent += self._send_some(data[sent:])
            while pending:
                line = self._buffered_line()
                if line is None:
                    if sent < len(data):
                        break  # nothing to read yet: write more first
                    self._recv()
                    continue
                msg = self._message(line)
                if "event" in msg:
                    self.events.append(msg["event"])
                    continue
                id, body, err = _wire.reply(msg)
                i = ids.pop(id, -1)
                if i < 0:
                    raise ProtocolError(f"a reply to unknown request {id}")
                out[i] = err if err is not None else cmds[i].decode(body or {})
                pending -= 1
        return out

    def _send_some(self, data: memoryview) -> int:
        """Writes what the socket takes now (at least one byte), reading answers
        into the buffer when it takes nothing; how many bytes were written."""
        while True:
            readable, writable, _ = select.select([self._sock], [self._sock], [], self.timeout)
            if not readable and not writable:
                self.close()
                raise TimeoutError(f"the daemon took nothing and said nothing for {self.timeout} s")
            if readable:
                self._recv()
            if writable:
                try:
                    # Never block here: the daemon may be waiting for us to read.
                    return self._sock.send(data[: 1 << 18], socket.MSG_DONTWAIT)
                except BlockingIOError:
                    return 0
                except OSError as e:
                    self.close()
                    raise ConnectionClosed(f"writing to the daemon at {self.path} failed: {e}") from e
            if readable:
                return 0

    def _buffered_line(self) -> Optional[bytes]:
        """A whole line already read, or None."""
        i = self._buf.find(b"\n")
        if i < 0:
            return None
        line = bytes(self._buf[:i])
        del self._buf[: i + 1]
        return line


def raise_first(results: Sequence[Any]) -> None:
    """Raises the first ServerError among pipeline results, if any."""
    for r in results:
        if isinstance(r, ServerError):
            raise r


__all__ = ["Connection", "ConnectionError", "raise_first"]
