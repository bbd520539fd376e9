"""Client-side rate limits: the :class:`RateLimiter` protocol and the in-process one.

A :class:`Session` calls ``acquire()`` before every attempt, and ``pause()``
when a 429 says ``Retry-After``, so a bulk job stays under an account's quota
instead of discovering it through 429s.  :class:`LocalRateLimiter` serves one
process; ``contactflow_automizy.redis.RedisRateLimiter`` shares one budget
between processes and machines.

Default burst: at most half the rate (at least 1).  A window of ``w`` seconds
then holds at most ``rate * w + burst`` requests, so no 5 s window exceeds the
limit by more than 10 %; a burst equal to the rate (the old default) allowed
20 %.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from contactflow_automizy._validate import positive_int, positive_number
from contactflow_automizy.errors import ConfigurationError

__all__ = ["LocalRateLimiter", "RateLimiter", "as_rate_limiter", "default_burst"]

#: Token arithmetic in floats drifts by a few ulps; a token this close to whole counts as whole.
_EPSILON = 1e-9


@runtime_checkable
class RateLimiter(Protocol):
    """What a :class:`Session` needs from a rate limiter."""

    async def acquire(self) -> None:
        """Wait until one request may start.

        Cancelling a waiting ``acquire()`` must leave nothing behind: no permit
        spent, nothing held.
        """

    async def pause(self, seconds: float) -> None:
        """Hold every holder of this limiter for ``seconds`` (a 429's ``Retry-After``).

        A pause only ever moves the end later: a shorter one never cuts a longer one short.
        """


def default_burst(rate: float) -> int:
    """Half the rate, at least 1: see the module docstring."""
    return max(1, math.floor(rate / 2))


class LocalRateLimiter:
    """A token bucket for one process: ``rate`` requests per second, bursts of up to ``burst``.

    Waiters are served in arrival order (one waits at a time, behind a lock).
    The clock and sleep are injectable for tests.
    """

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = positive_number("rate", rate)
        self.burst = default_burst(self.rate) if burst is None else positive_int("burst", burst)
        self._tokens = float(self.burst)
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._paused_until = -math.inf
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"LocalRateLimiter(rate={self.rate:g}, burst={self.burst})"

    async def acquire(self) -> None:
        # Nothing is spent before the sleep, so a cancelled wait costs no token.
        async with self._lock:
            while (wait := self._take()) > 0:
                await self._sleep(wait)

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _take(self) -> float:
        """Spend a token and return 0, or return the seconds until one (or the pause's end)."""
        now = self._clock()
        if now < self._paused_until:
            return self._paused_until - now
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0 - _EPSILON:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


def as_rate_limiter(value: float | RateLimiter | None) -> RateLimiter | None:
    """A number is requests/second in this process; a limiter is used as given.

    A session's injectable ``sleep`` paces retries only: a limiter keeps its
    own clock and sleep, which must agree (a fake sleep against a real clock
    would spin).
    """
    if value is None or isinstance(value, RateLimiter):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(
            f"rate_limit must be requests/second or a RateLimiter, got {type(value).__name__}"
        )
    return LocalRateLimiter(value)
