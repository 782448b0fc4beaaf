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

The namespace's policy: the cache declares it when it is made
(``declare_namespace``: ``ttl_seconds``, ``negative_ttl_seconds`` for
``NOT_FOUND``, ``max_size`` as the entry bound, and ``persistent`` for caches
kept across runs, like musicdl's Spotify collections), and writes use the
namespace's TTLs. A setting the daemon's config file gives the namespace wins
over the declaration (``overridden`` says which); ``stats()`` reports the
policy the daemon actually enforces.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, Optional

from .client import Client
from .types import NamespaceDeclared


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
    TTL) applies to ``NOT_FOUND``; ``persistent`` keeps the entries across
    daemon restarts (default: the daemon's default); ``client`` shares a
    connection between caches. The namespace is declared with these settings
    on first use (``declared()`` returns the answer: the policy in force, and
    what the daemon's config file overrode), so making a cache never fails.
    """

    def __init__(
        self,
        max_size: int = 1000,
        ttl_seconds: int = 3600,
        *,
        namespace: str = "musicdl",
        negative_ttl_seconds: Optional[int] = None,
        persistent: Optional[bool] = None,
        client: Optional[Client] = None,
        socket: Optional[str] = None,
    ) -> None:
        self.max_size = max_size
        self.ttl_seconds = ttl_seconds
        self.negative_ttl_seconds = (
            ttl_seconds if negative_ttl_seconds is None else negative_ttl_seconds
        )
        self.namespace = namespace
        self.persistent = persistent
        self.client = client or Client(socket, client_name="musicdl")
        self._declared: Optional[NamespaceDeclared] = None
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def declared(self) -> NamespaceDeclared:
        """Declares the namespace (once; the daemon keeps it across restarts)
        and returns the daemon's answer."""
        with self._lock:
            if self._declared is not None:
                return self._declared

        def ms(seconds: int) -> Optional[int]:
            return int(seconds * 1000) if seconds > 0 else None  # <= 0: nothing is stored

        answer = self.client.declare_namespace(
            self.namespace,
            ttl_ms=ms(self.ttl_seconds),
            negative_ttl_ms=ms(self.negative_ttl_seconds),
            max_entries=self.max_size if self.max_size >= 1 else None,
            persistent=self.persistent,
        )
        with self._lock:
            self._declared = answer
        return answer

    def get(self, key: str) -> Optional[Any]:
        """The value, ``NOT_FOUND`` for a negative entry, or None (a miss)."""
        self.declared()
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
        """Caches ``value`` (any JSON data, or ``NOT_FOUND``) for the namespace's
        TTL (the declared one, unless the daemon's config file sets another)."""
        self.declared()
        negative = value is NOT_FOUND
        seconds = self.negative_ttl_seconds if negative else self.ttl_seconds
        if seconds <= 0:
            # musicdl's entry would be expired by the next read; the daemon would
            # read a TTL of 0 as "never expires".
            self.client.kv_delete(self.namespace, key)
            return
        if negative:
            self.client.kv_set(self.namespace, key, negative=True)
        else:
            encoded = json.dumps(value, ensure_ascii=False)
            self.client.kv_set(self.namespace, key, encoded)

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
        self.declared()
        ns = self.client.stats().namespace(self.namespace)
        with self._lock:
            hits, misses = self._hits, self._misses
        total = hits + misses
        hit_rate = hits / total * 100 if total else 0.0
        ttl_ms = ns.ttl_ms if ns else None
        return {
            "size": ns.entries if ns else 0,
            "max_size": ns.max_entries if ns else self.max_size,
            "ttl_seconds": ttl_ms // 1000 if ttl_ms is not None else self.ttl_seconds,
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
