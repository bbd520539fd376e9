"""One process of the shared-limiter tests: acquire in a loop, print when each permit came.

Run as ``python -m tests.redis.limiter_process URL KEY RATE BURST DURATION [--local]``.
It prints ``ready`` once connected, reads the common start time (epoch seconds)
from stdin, acquires from then until ``DURATION`` later, and prints the epoch
time of every permit as one JSON list.  ``--local`` uses a LocalRateLimiter of
the same rate instead: what each process would do without a shared limiter.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from contactflow_automizy import LocalRateLimiter, RateLimiter
from contactflow_automizy.redis import RedisRateLimiter


async def main(url: str, key: str, rate: float, burst: int, duration: float, local: bool) -> None:
    redis_limiter = RedisRateLimiter(url, key, rate, burst)
    limiter: RateLimiter = LocalRateLimiter(rate, burst) if local else redis_limiter
    await redis_limiter._redis.ping()  # connected before the clock starts
    print("ready", flush=True)
    start = float(await asyncio.to_thread(sys.stdin.readline))
    await asyncio.sleep(max(0.0, start - time.time()))
    stop = start + duration
    stamps: list[float] = []
    while time.time() < stop:
        await limiter.acquire()
        stamps.append(time.time())
    print(json.dumps([stamp for stamp in stamps if stamp < stop]))
    await redis_limiter.close()


if __name__ == "__main__":
    url, key, rate, burst, duration = sys.argv[1:6]
    asyncio.run(main(url, key, float(rate), int(burst), float(duration), "--local" in sys.argv))
