"""Consuming a sync or async iterable lazily: item by item, or in fixed-size chunks.

Bulk helpers accept either kind of input and must never materialise it.  Sync
iterables are read with ``islice`` (no per-item coroutine overhead); async
ones with ``anext``.  An async iterator we opened is closed when we stop, so
an abandoned async generator is finalised now rather than by a task the
garbage collector schedules later.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Iterable, Sized
from itertools import islice
from typing import Any, TypeVar

__all__ = ["aiterate", "chunked", "known_length"]

T = TypeVar("T")

Items = Iterable[T] | AsyncIterable[T]


def known_length(items: Items[Any]) -> int | None:
    """``len(items)`` for sized inputs (lists, tuples), else None (generators)."""
    return len(items) if isinstance(items, Sized) else None


async def _close(iterator: object) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


async def aiterate(items: Items[T]) -> AsyncGenerator[T, None]:
    """Every item of ``items``, one at a time."""
    if not isinstance(items, AsyncIterable):
        for item in items:
            yield item
        return
    iterator = aiter(items)
    try:
        async for item in iterator:
            yield item
    finally:
        await _close(iterator)


async def chunked(items: Items[T], size: int) -> AsyncGenerator[list[T], None]:
    """Lists of ``size`` items (the last may be shorter; never empty)."""
    if not isinstance(items, AsyncIterable):
        sync_iterator = iter(items)
        while chunk := list(islice(sync_iterator, size)):
            yield chunk
        return
    iterator = aiter(items)
    try:
        chunk = []
        async for item in iterator:
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    finally:
        await _close(iterator)
