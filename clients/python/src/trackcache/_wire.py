"""The JSON Lines envelope: the hello line, request lines, and sorting what the
daemon sends into welcome, reply, error, event and fatal. Pure: both clients
put these bytes on their sockets.
"""

from __future__ import annotations

import json
import json.scanner
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple

from . import types as t
from .errors import ProtocolError, ServerError, TooLarge, error_for

if TYPE_CHECKING:
    from .commands import Command

PROTOCOL_VERSION = 1
Obj = Dict[str, Any]

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
# The C scanner itself: JSONDecoder.decode adds a Python layer and a regex per line.
_scan: Callable[[str, int], Tuple[Any, int]] = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # typeshed mistypes it


def hello_line(client_name: str) -> bytes:
    """The first line: protocol version, our name, and text mode for kv values
    (UTF-8 values travel as JSON strings; others as ``value_base64``)."""
    hello = {
        "hello": {
            "version": PROTOCOL_VERSION,
            "client": client_name,
            "capabilities": [],
            "bytes": "text",
        }
    }
    return _encode(hello).encode("utf-8") + b"\n"


def request_line(id: int, cmd: "Command[Any]", max_line: int) -> bytes:
    """One request line. A line the daemon would refuse is refused here: the
    daemon answers an over-long line by closing the connection, which would
    fail every other request in flight on it."""
    body = cmd.text if cmd.text is not None else _encode({cmd.name: cmd.args})
    line = f'{{"id":{id},"request":{body}}}\n'.encode("utf-8")
    if max_line and len(line) > max_line + 1:
        raise TooLarge(
            f"the {cmd.name} request is {len(line) - 1} bytes and the daemon reads lines of "
            f"at most {max_line}: send less at once (split a batch, or store a smaller value)"
        )
    return line


def parse(line: bytes) -> Obj:
    """One line from the daemon as a JSON object."""
    try:
        text = line.decode("utf-8")
        msg, end = _scan(text, 0)
    except (UnicodeDecodeError, ValueError, StopIteration) as e:
        raise ProtocolError(f"the daemon sent a line that is not JSON ({e!r}): {line[:200]!r}") from e
    if end != len(text) and text[end:].strip():
        raise ProtocolError(f"the daemon sent a line with text after its JSON: {line[:200]!r}")
    if not isinstance(msg, dict):
        raise ProtocolError(f"the daemon sent JSON that is not an object: {line[:200]!r}")
    return msg


def welcome(msg: Obj) -> t.Welcome:
    """The daemon's answer to hello, or the error it refused us with."""
    if "welcome" in msg:
        w = msg["welcome"]
        return t.Welcome(
            daemon_version=str(w.get("daemon_version", "")),
            protocol_version=int(w.get("version", 0)),
            capabilities=[str(c) for c in w.get("capabilities") or []],
            max_line_bytes=int(w.get("max_line_bytes", 0)),
        )
    fatal = fatal_error(msg)
    if fatal is not None:
        raise fatal
    raise ProtocolError(f"expected a welcome, got {msg!r}")


def fatal_error(msg: Obj) -> Optional[ServerError]:
    """The error of a ``fatal`` message (the daemon closes after it), if it is one."""
    body = msg.get("fatal")
    if not isinstance(body, dict):
        return None
    return error_for(body.get("code", "unknown"), str(body.get("message", "")), fatal=True)


def reply(msg: Obj) -> Tuple[int, Optional[Obj], Optional[ServerError]]:
    """``(id, reply, None)`` or ``(id, None, error)`` of a reply or error message."""
    id = msg["id"]
    body = msg.get("reply")
    if isinstance(body, dict):
        return id, body, None
    err = msg.get("error")
    if isinstance(err, dict):
        return id, None, error_for(err.get("code", "unknown"), str(err.get("message", "")))
    raise ProtocolError(f"a message with an id but neither reply nor error: {msg!r}")
