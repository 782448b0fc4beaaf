"""Where the daemon listens by default: the same rule as the CLI and the daemon.

``TRACKCACHE_SOCKET`` when set (and not empty), else
``$XDG_RUNTIME_DIR/trackcache/trackcached.sock`` when that variable is an
absolute path, else ``/tmp/trackcache-$UID/trackcached.sock``.
"""

from __future__ import annotations

import os
from typing import Mapping, Optional

SOCKET_ENV = "TRACKCACHE_SOCKET"
SOCKET_FILE = "trackcached.sock"


def socket_path_from(env: Mapping[str, str], uid: int) -> str:
    """The socket path for an environment and a uid (pure, for tests)."""
    explicit = env.get(SOCKET_ENV, "")
    if explicit:
        return explicit
    runtime = env.get("XDG_RUNTIME_DIR", "")
    # A relative XDG_RUNTIME_DIR is invalid per the XDG spec; the daemon
    # ignores it too, so both sides still meet at the /tmp fallback.
    if runtime and os.path.isabs(runtime):
        return os.path.join(runtime, "trackcache", SOCKET_FILE)
    return os.path.join(f"/tmp/trackcache-{uid}", SOCKET_FILE)


def default_socket_path(env: Optional[Mapping[str, str]] = None) -> str:
    """The socket a client uses when given none."""
    return socket_path_from(os.environ if env is None else env, os.getuid())
