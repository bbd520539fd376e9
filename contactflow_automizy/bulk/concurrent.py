"""Run an async function over many items with bounded concurrency, keeping every outcome.

``map_concurrent`` collects one :class:`Outcome` per item, in input order;
``iter_concurrent`` yields them as soon as they can be yielded in order, so a
stream of any length is processed in constant memory.  Nothing is dropped: an
exception raised by ``func`` becomes that item's ``Outcome.error``; anything
else (the input iterator failing, ``on_progress`` raising, cancellation)
stops the work, cancels and awaits every task started, and propagates.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from typing import Generic, TypeVar, cast

import attrs

from contactflow_automizy._progress import Progress, ProgressCallback
from contactflow_automizy._validate import positive_int
from contactflow_automizy.bulk._streams import Items, aiterate, known_length

__all__ = ["Outcome", "iter_concurrent", "map_concurrent"]

ItemT = TypeVar("ItemT")
T = TypeVar("T")

#: How far finished items may run ahead of the oldest unfinished one, in multiples
#: of ``concurrency``; bounds memory when one item is slow.
WINDOW_FACTOR = 2


@attrs.frozen
class Outcome(Generic[ItemT, T]):
    """What became of one item: its position, the item, and a value or an error."""

    index: int
    item: ItemT
    value: T | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> T:
        """The value, or raise the item's error."""
        if self.error is not None:
            raise self.error
        return cast(T, self.value)


async def _attempt(
    func: Callable[[ItemT], Awaitable[T]], index: int, item: ItemT
) -> Outcome[ItemT, T]:
    try:
        return Outcome(index, item, value=await func(item))
    except Exception as exc:
        return Outcome(index, item, error=exc)


def iter_concurrent(
    func: Callable[[ItemT], Awaitable[T]],
    items: Items[ItemT],
    *,
    concurrency: int = 8,
    on_progress: ProgressCallback | None = None,
) -> AsyncGenerator[Outcome[ItemT, T], None]:
    """Yield ``Outcome(func(item))`` for every item, in input order.

    At most ``concurrency`` calls run at once and at most
    ``WINDOW_FACTOR * concurrency`` items are held; ``on_progress`` is called
    as each call finishes.  Close the iterator when leaving early
    (``async with contextlib.aclosing(iter_concurrent(...)) as outcomes``):
    that cancels and awaits the calls still running.
    """
    return _ordered(func, items, positive_int("concurrency", concurrency), on_progress)


async def _ordered(
    func: Callable[[ItemT], Awaitable[T]],
    items: Items[ItemT],
    concurrency: int,
    on_progress: ProgressCallback | None,
) -> AsyncGenerator[Outcome[ItemT, T], None]:
    total = known_length(items)
    window = WINDOW_FACTOR * concurrency
    began = time.perf_counter()
    running: set[asyncio.Task[Outcome[ItemT, T]]] = set()
    ready: dict[int, Outcome[ItemT, T]] = {}
    started = done = failed = next_index = 0  # items: taken, finished, failed, yielded
    source = aiterate(items)
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) < concurrency and started - next_index < window:
                try:
                    item = await anext(source)
                except StopAsyncIteration:
                    exhausted = True
                    break
                running.add(asyncio.create_task(_attempt(func, started, item)))
                started += 1
            if next_index in ready:
                yield ready.pop(next_index)
                next_index += 1
                continue
            if not running:
                return
            finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                outcome = task.result()
                ready[outcome.index] = outcome
                done += 1
                failed += not outcome.ok
                if on_progress is not None:
                    on_progress(Progress(done, total, failed, time.perf_counter() - began))
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await source.aclose()


async def map_concurrent(
    func: Callable[[ItemT], Awaitable[T]],
    items: Items[ItemT],
    *,
    concurrency: int = 8,
    on_progress: ProgressCallback | None = None,
) -> list[Outcome[ItemT, T]]:
    """One :class:`Outcome` per item, in input order; see :func:`iter_concurrent`."""
    async with aclosing(
        iter_concurrent(func, items, concurrency=concurrency, on_progress=on_progress)
    ) as outcomes:
        return [outcome async for outcome in outcomes]
