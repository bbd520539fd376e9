"""``Gate``: at most N holders at once, with no coroutine on the way in while a place is free.

``asyncio.Semaphore.acquire()`` is a coroutine even when it does not wait,
and on a request's hot path every coroutine level is paid again at each
resumption.  A gate is entered with ``try_enter()`` (a plain call) and only a
caller that finds it full awaits ``enter()``.  Places are handed over in FIFO
order; a waiter cancelled after its place was handed over passes it on, so a
cancelled wait never leaks one.

Two users: ``Session(max_concurrency=)`` and the aiohttp transport, which
admits no more requests than its pool holds connections, so that waiting for a
connection happens here, before the attempt's timer starts (see
:class:`~contactflow_automizy.Timeout`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

__all__ = ["Gate"]


class Gate:
    """A counting gate of ``limit`` places (see the module docstring)."""

    __slots__ = ("_free", "_waiters")

    def __init__(self, limit: int) -> None:
        self._free = limit
        self._waiters: deque[asyncio.Future[None]] = deque()

    def __repr__(self) -> str:
        return f"<Gate free={self._free} waiting={len(self._waiters)}>"

    def try_enter(self) -> bool:
        """Take a place if one is free and nobody waits for it; never blocks."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        return False

    async def enter(self) -> None:
        """Take a place, waiting in line for one when none is free."""
        if self.try_enter():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # handed a place, then cancelled: the next in line gets it
            else:
                with contextlib.suppress(ValueError):  # leave() may have dropped it already
                    self._waiters.remove(waiter)
            raise

    def leave(self) -> None:
        """Give a place back: to the first live waiter, else to the free count."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
