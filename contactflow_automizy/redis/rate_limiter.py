"""``RedisRateLimiter``: one request budget shared by every process using the same key.

Built on pyrate-limiter (MIT, actively released; 4.5 added the constant-state
algorithms used here).  Compared with ``limits``: ``limits`` offers fixed,
moving and sliding windows with ``hit``/``test`` but no waiting acquire and no
GCRA, and its moving window keeps one Redis entry per request;
pyrate-limiter's ``GCRA`` with ``RedisStateStore`` keeps one number per key,
decides atomically in one Lua script that works with ``redis.asyncio``, and
returns the exact wait with a refusal.

Tuning, and why pyrate-limiter's own ``Limiter`` is not used: its blocking
acquire sleeps ``retry_after + buffer_ms`` (50 ms by default) and serves one
waiter per process at a time, so at 50 requests/s (a permit every 20 ms) one
process got a permit every ~70 ms: 14 requests/s.  It also schedules a
background leak task that a GCRA bucket does not need.  This class asks the
store directly and sleeps exactly the wait it returns, which keeps 1-4
processes within a few percent of the limit (``benchmarks/bench_limiter.py``).

Neither library can pause every holder, so ``pause()`` writes a small
"paused until" key (epoch milliseconds, moved only later by a Lua compare),
which ``acquire()`` reads before asking for a permit: two round trips per
permit.  Times are wall-clock milliseconds of each client, as in
pyrate-limiter's Redis store: hosts sharing a key need synchronised clocks.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from contactflow_automizy._extras import require
from contactflow_automizy._lifecycle import AsyncClosable
from contactflow_automizy._ratelimit import default_burst
from contactflow_automizy._validate import positive_int, positive_number
from contactflow_automizy.errors import ConfigurationError
from contactflow_automizy.redis._client import connect

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisRateLimiter"]

#: Set the pause key to ARGV[1] (epoch ms) unless it already holds a later time.
_PAUSE_LUA = """
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or tonumber(ARGV[1]) > current then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""

#: The pause key outlives its end by this much, so clocks that differ by less keep it.
_PAUSE_KEY_GRACE_MS = 1000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class RedisRateLimiter(AsyncClosable):
    """``rate`` requests per second, bursts of up to ``burst``, for everyone on ``key``.

    ``url_or_client`` is a ``redis://`` URL (the limiter makes and closes its
    own client) or a ``redis.asyncio.Redis`` client (yours to close).  Needs
    the ``redis`` extra.  Processes sharing a key must use the same rate and
    burst.  A cancelled ``acquire()`` spends nothing: a wait holds no permit,
    and a permit granted by a round trip the cancel interrupted is given back.
    """

    def __init__(
        self, url_or_client: str | Redis, key: str, rate: float, burst: int | None = None
    ) -> None:
        self.rate = positive_number("rate", rate)
        self.burst = default_burst(self.rate) if burst is None else positive_int("burst", burst)
        if not isinstance(key, str) or not key:
            raise ConfigurationError("key must be a non-empty string")
        self.key = key
        pyrate = require("pyrate_limiter", "redis")
        self._redis, self._owns_client = connect(url_or_client, "RedisRateLimiter")
        # GCRA spaces permits one emission interval apart; Rate(1000, interval) makes that
        # interval ``interval`` microseconds, precise to 1 us for any rate up to 10^6/s.
        emission_us = max(1, round(1_000_000 / self.rate))
        self._rates = [pyrate.Rate(1000, emission_us, burst=self.burst)]
        self._gcra = pyrate.GCRA()
        self._store = pyrate.RedisStateStore(self._redis, key)
        self._pause_key = f"{key}:paused-until"
        self._pause_script = self._redis.register_script(_PAUSE_LUA)
        self._lock = asyncio.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"RedisRateLimiter(key={self.key!r}, rate={self.rate:g}, burst={self.burst})"

    async def acquire(self) -> None:
        # One waiter per process at a time: arrival order here, one poller per process
        # there.  Polling is the point: the wait is decided in Redis, no Event spans processes.
        async with self._lock:
            while (wait_ms := await self._take()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait_ms / 1000)

    async def pause(self, seconds: float) -> None:
        until_ms = _now_ms() + max(0, round(seconds * 1000))
        ttl_ms = until_ms - _now_ms() + _PAUSE_KEY_GRACE_MS
        await self._pause_script(keys=[self._pause_key], args=[until_ms, ttl_ms])

    async def close(self) -> None:
        """Close the client if this limiter made it; calling it again does nothing."""
        if not self._closed:
            self._closed = True
            if self._owns_client:
                await self._redis.aclose()

    async def _take(self) -> int:
        """Spend a permit and return 0, or return the milliseconds to wait before asking again."""
        now = _now_ms()
        paused_until = await self._redis.get(self._pause_key)
        if paused_until is not None and int(paused_until) > now:
            return int(paused_until) - now
        check = asyncio.ensure_future(self._check(now, 1))
        try:
            decision = await asyncio.shield(check)
        except asyncio.CancelledError:
            # The script may already have granted a permit nobody will use: learn its
            # answer (the round trip is under way) and give the permit back.
            if (await check).allowed:
                await self._check(_now_ms(), -1)
            raise
        if decision.allowed:
            return 0
        return max(1, decision.retry_after_ms or 1)

    async def _check(self, now_ms: int, weight: int) -> Any:
        """One atomic GCRA step in Redis.

        Weight -1 moves the theoretical arrival time back one interval, exactly
        undoing a grant; the cancellation test pins this on the installed version.
        """
        return await self._store.check(self._gcra, self._rates, now_ms, weight)
