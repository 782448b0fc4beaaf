"""A drop-in for musicdl's ``TTLCache`` (its caching plan, ``core/cache.py``),
backed by a trackcached namespace.

Same methods and behaviour: ``get`` (None on a miss), ``set``, ``delete``,
``clear`` (keeps the counters), ``cleanup_expired``, ``stats`` (``size``,
``max_size``, ``ttl_seconds``, ``hits``, ``misses``, ``hit_rate`` as
``"75.50%"``) and ``reset_stats``. Thread-safe, as musicdl's is.

What changes: the entries live in the daemon, so every musicdl process (and
every run) shares them, and they survive restarts when the namespace is
persistent. Negative caching of audio searches uses ``NOT_FOUND`` in place of
musicdl's private sentinel: it is stored as the daemon's negative entry
("looked, found nothing") and read back as ``NOT_FOUND``, a hit.

The namespace's policy: every entry is written with this cache's TTL
(``ttl_seconds``; ``negative_ttl_seconds`` for ``NOT_FOUND``), so the TTL
policy travels with the writes. The daemon has no request to declare a
namespace's bounds yet, so ``max_size`` is enforced only when the daemon's
config gives the namespace that ``max_entries`` (see the README);
``stats()["max_size"]`` reports the bound the daemon actually enforces.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, Optional

from .client import Client


class _NotFound:
    """The "searched, found nothing" marker (a singleton)."""

    _instance: Optional["_NotFound"] = None

    def __new__(cls) -> "_NotFound":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "trackcache.musicdl.NOT_FOUND"

    def __bool__(self) -> bool:
        return False


#: Store this to cache "looked, found nothing"; ``get`` returns it for such entries.
NOT_FOUND = _NotFound()


class TTLCache:
    """musicdl's TTL + LRU cache, on trackcached.

    ``max_size`` and ``ttl_seconds`` as musicdl's. ``namespace`` names the
    daemon namespace (one per cache: ``musicdl.spotify``,
    ``musicdl.audio_search``, ...); ``negative_ttl_seconds`` (default: the same
    TTL) applies to ``NOT_FOUND``; ``client`` shares a connection between caches.
    """

    def __init__(
        self,
        max_size: int = 1000,
        ttl_seconds: int = 3600,
        *,
        namespace: str = "musicdl",
        negative_ttl_seconds: Optional[int] = None,
        client: Optional[Client] = None,
        socket: Optional[str] = None,
    ) -> None:
        self.max_size = max_size
        self.ttl_seconds = ttl_seconds
        self.negative_ttl_seconds = (
            ttl_seconds if negative_ttl_seconds is None else negative_ttl_seconds
        )
        self.namespace = namespace
        self.client = client or Client(socket, client_name="musicdl")
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: str) -> Optional[Any]:
        """The value, ``NOT_FOUND`` for a negative entry, or None (a miss)."""
        got = self.client.kv_get(self.namespace, key)
        with self._lock:
            if got.miss:
                self._misses += 1
            else:
                self._hits += 1
        if got.negative:
            return NOT_FOUND
        return None if got.value is None else json.loads(got.value)

    def set(self, key: str, value: Any) -> None:
        """Caches ``value`` (any JSON data, or ``NOT_FOUND``) for the cache's TTL."""
        negative = value is NOT_FOUND
        seconds = self.negative_ttl_seconds if negative else self.ttl_seconds
        if seconds <= 0:
            # musicdl's entry would be expired by the next read; the daemon would
            # read a TTL of 0 as "never expires".
            self.client.kv_delete(self.namespace, key)
            return
        ttl_ms = int(seconds * 1000)
        if negative:
            self.client.kv_set(self.namespace, key, negative=True, ttl_ms=ttl_ms)
        else:
            encoded = json.dumps(value, ensure_ascii=False)
            self.client.kv_set(self.namespace, key, encoded, ttl_ms=ttl_ms)

    def delete(self, key: str) -> bool:
        """Removes one entry; True when a live one existed."""
        return self.client.kv_delete(self.namespace, key)

    def clear(self) -> None:
        """Removes every entry of the namespace (the counters stay, as in musicdl)."""
        self.client.kv_clear(self.namespace)

    def cleanup_expired(self) -> None:
        """Nothing is left to do: the daemon removes each entry when its TTL runs
        out (its expiry task), so no expired entry is ever served or counted."""

    def stats(self) -> Dict[str, Any]:
        """musicdl's statistics: this cache's hits and misses, the namespace's
        size (shared with other processes) and the bound the daemon enforces."""
        ns = self.client.stats().namespace(self.namespace)
        with self._lock:
            hits, misses = self._hits, self._misses
        total = hits + misses
        hit_rate = hits / total * 100 if total else 0.0
        return {
            "size": ns.entries if ns else 0,
            "max_size": ns.max_entries if ns else self.max_size,
            "ttl_seconds": self.ttl_seconds,
            "hits": hits,
            "misses": misses,
            "hit_rate": f"{hit_rate:.2f}%",
        }

    def reset_stats(self) -> None:
        """Zeroes the hit and miss counters (the entries stay)."""
        with self._lock:
            self._hits = 0
            self._misses = 0

    def close(self) -> None:
        """Closes the connection."""
        self.client.close()
