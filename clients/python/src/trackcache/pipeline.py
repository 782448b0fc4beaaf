"""Pipelines: calls queued by name (the ``commands`` builders) and sent at once.

``execute()`` returns the answers in order. With ``raise_on_error`` (the
default, as redis-py) the first failed call's ServerError is raised after every
answer was read; otherwise failures stay in place in the list.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable, List

from . import commands as c
from ._connection import raise_first
from .commands import Command

if TYPE_CHECKING:
    from .aio import AsyncClient
    from .client import Client

#: Builders that are not requests.
_NOT_CALLS = frozenset({"now_ms", "put_value", "kv_set_args"})


def _builder(name: str) -> Callable[..., Command[Any]]:
    builder = getattr(c, name, None)
    if (
        name.startswith("_")
        or name in _NOT_CALLS
        or not inspect.isfunction(builder)
        or builder.__module__ != c.__name__
    ):
        raise AttributeError(f"a pipeline has no call {name!r}")
    return builder


class Pipeline:
    """Calls queued for ``Client`` (``client.pipeline()``)."""

    def __init__(self, client: "Client") -> None:
        self._client = client
        self._queue: List[Command[Any]] = []

    def add(self, cmd: Command[Any]) -> "Pipeline":
        """Queues a prepared request."""
        self._queue.append(cmd)
        return self

    def __getattr__(self, name: str) -> Callable[..., "Pipeline"]:
        builder = _builder(name)

        def queue(*args: Any, **kwargs: Any) -> "Pipeline":
            return self.add(builder(*args, **kwargs))

        return queue

    def __len__(self) -> int:
        return len(self._queue)

    def execute(self, raise_on_error: bool = True) -> List[Any]:
        """Sends the queued calls and returns their answers, in order."""
        queued, self._queue = self._queue, []
        if not queued:
            return []
        results = self._client.execute_many(queued)
        if raise_on_error:
            raise_first(results)
        return results

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc: object) -> None:
        self._queue = []


class AsyncPipeline:
    """``Pipeline`` for ``AsyncClient``: queue calls by name, ``await execute()``."""

    def __init__(self, client: "AsyncClient") -> None:
        self._client = client
        self._queue: List[Command[Any]] = []

    def add(self, cmd: Command[Any]) -> "AsyncPipeline":
        """Queues a prepared request."""
        self._queue.append(cmd)
        return self

    def __getattr__(self, name: str) -> Callable[..., "AsyncPipeline"]:
        builder = _builder(name)

        def queue(*args: Any, **kwargs: Any) -> "AsyncPipeline":
            return self.add(builder(*args, **kwargs))

        return queue

    def __len__(self) -> int:
        return len(self._queue)

    async def execute(self, raise_on_error: bool = True) -> List[Any]:
        """Sends the queued calls and returns their answers, in order."""
        queued, self._queue = self._queue, []
        if not queued:
            return []
        results = await self._client.execute_many(queued)
        if raise_on_error:
            raise_first(results)
        return results

    async def __aenter__(self) -> "AsyncPipeline":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._queue = []
