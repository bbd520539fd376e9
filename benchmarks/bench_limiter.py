"""Benchmark: what a rate limiter adds per request, and whether N processes sit at a shared limit.

1. Added latency: ``Session.send`` over a canned in-process transport (no
   network, so the limiter is the only difference) with no limiter, a
   ``LocalRateLimiter`` and a ``RedisRateLimiter`` on a real local
   redis-server, both set never to make anyone wait.  Rounds are interleaved;
   the table gives the median and min-max of the per-round means.
2. Fleet at the limit: 1, 2 and 4 processes (each with 4 tasks acquiring in a
   loop) share one ``RedisRateLimiter`` key at 50 requests/s.  The steady rate
   is counted after the first second (the initial burst spent), and should be
   within 5 % of the limit.

    python -m benchmarks.bench_limiter [--rounds 15] [--duration 6] [--rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from multiprocessing.synchronize import Event
from typing import Any

from yarl import URL

from benchmarks._common import median, print_table
from contactflow_automizy import LocalRateLimiter, Request, Session, Timeout
from contactflow_automizy._ratelimit import default_burst
from contactflow_automizy.redis import RedisRateLimiter
from tests.services.redis_server import start_redis

REQUEST = Request("GET", URL("http://bench.test/nodes/1"))
TASKS_PER_PROCESS = 4
#: Rate and burst no benchmark loop can reach: the limiter never makes anyone wait.
UNREACHABLE_RATE = 1_000_000.0
UNREACHABLE_BURST = 10**9


class _Canned:
    status = 200
    reason = "OK"
    headers: Mapping[str, str] = {}

    async def read(self, limit: int | None = None) -> bytes:
        return b"{}"

    async def iter_chunks(self, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        yield b"{}"

    async def aclose(self) -> None:
        return None


class CannedTransport:
    async def send(self, request: Request, timeout: Timeout) -> _Canned:
        return _Canned()

    async def aclose(self) -> None:
        return None


async def _mean_us(session: Session, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        await session.send(REQUEST)
    return (time.perf_counter() - start) / count * 1e6


async def added_latency(url: str, rounds: int) -> None:
    redis_limiter = RedisRateLimiter(
        url, f"bench:{uuid.uuid4().hex}", UNREACHABLE_RATE, burst=UNREACHABLE_BURST
    )
    sessions = {
        "no limiter": (Session(transport=CannedTransport()), 5000),
        "LocalRateLimiter": (
            Session(
                transport=CannedTransport(),
                rate_limit=LocalRateLimiter(UNREACHABLE_RATE, burst=UNREACHABLE_BURST),
            ),
            5000,
        ),
        "RedisRateLimiter": (Session(transport=CannedTransport(), rate_limit=redis_limiter), 1000),
    }
    means: dict[str, list[float]] = {name: [] for name in sessions}
    for session, count in sessions.values():
        await _mean_us(session, count // 10)  # warm up: connections, script load
    for _ in range(rounds):
        for name, (session, count) in sessions.items():
            means[name].append(await _mean_us(session, count))
    base = median(means["no limiter"])
    print_table(
        f"Session.send on a canned transport, µs per request ({rounds} interleaved rounds)",
        ["limiter", "median µs", "min-max µs", "added µs (median)"],
        [
            [name, median(values), f"{min(values):.1f}-{max(values):.1f}", median(values) - base]
            for name, values in means.items()
        ],
    )
    for session, _ in sessions.values():
        await session.close()
    await redis_limiter.close()


def _fleet_process(
    url: str, key: str, rate: float, duration: float, ready: Any, go: Event, start: Any, out: Any
) -> None:
    async def run() -> list[float]:
        async with RedisRateLimiter(url, key, rate) as limiter:
            await limiter._redis.ping()
            ready.put(True)
            await asyncio.to_thread(go.wait)
            stop = start.value + duration
            await asyncio.sleep(max(0.0, start.value - time.time()))
            stamps: list[float] = []

            async def task() -> None:
                while time.time() < stop:
                    await limiter.acquire()
                    stamps.append(time.time())

            await asyncio.gather(*(task() for _ in range(TASKS_PER_PROCESS)))
            return [stamp for stamp in stamps if stamp < stop]

    out.put(asyncio.run(run()))


def fleet_at_limit(url: str, processes: int, rate: float, duration: float) -> list[Any]:
    ctx = mp.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    start = ctx.Value("d", 0.0)
    key = f"bench:{uuid.uuid4().hex}"
    procs = [
        ctx.Process(target=_fleet_process, args=(url, key, rate, duration, ready, go, start, out))
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    try:
        for _ in procs:
            ready.get(timeout=60)
        start.value = time.time() + 0.3
        go.set()
        stamps = [stamp for _ in procs for stamp in out.get(timeout=duration + 60)]
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
    begin = start.value
    steady = [stamp for stamp in stamps if stamp >= begin + 1.0]
    steady_rate = len(steady) / (duration - 1.0)
    burst = default_burst(rate)
    return [
        processes,
        len(stamps),
        f"{rate * duration + burst:.0f}",
        steady_rate,
        f"{(steady_rate / rate - 1) * 100:+.1f} %",
        "yes" if abs(steady_rate / rate - 1) <= 0.05 else "NO",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    with start_redis() as server:
        asyncio.run(added_latency(server.url, args.rounds))
        rows = [fleet_at_limit(server.url, n, args.rate, args.duration) for n in (1, 2, 4)]
    print_table(
        f"Processes sharing one RedisRateLimiter key at {args.rate:g} req/s, {args.duration:g} s",
        ["processes", "permits", "max allowed", "steady req/s", "vs limit", "within 5 %"],
        rows,
    )


if __name__ == "__main__":
    main()
