"""Benchmark: customers/s of a fleet of queue workers, without a limit and at a shared one.

Each run starts a fresh emulator process, a fresh queue on one local
redis-server and N ``contactflow-automizy worker`` processes (1, 2, 4), waits
until every worker listens, then queues ``--jobs`` push jobs of
``--customers`` customers each (JSON Lines files, packets of 1,000) and times
them from queueing to the last result.

1. Unlimited: does the fleet scale with workers?  On a 2-core machine the
   emulator, redis-server and the workers share the two cores, so it cannot
   scale far: the table says where the CPU runs out, not what a real API does.
2. ``--rate`` (50 req/s) on the shared ``RedisRateLimiter``: does the fleet sit
   at the limit?  The steady rate is counted from the emulator's request log
   (``GET /_emulator/requests``), one second after the first request to the
   last, and should be within 5 % of the limit.

    python -m benchmarks.bench_fleet [--jobs 12] [--customers 50000] [--rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from benchmarks._common import print_table
from contactflow_automizy import ContactflowClient
from contactflow_automizy.workers import WorkerSettings, build_app
from tests.services.emulator_process import run_emulator
from tests.services.fleet import Fleet
from tests.services.redis_server import start_redis

WORKER_COUNTS = (1, 2, 4)
RESULT_TIMEOUT = 600


def _listening(log_dir: Path) -> int:
    """Workers whose log says they listen (start-up is not part of the timing)."""
    return sum("Listening started" in p.read_text() for p in log_dir.glob("*.log"))


async def run(
    redis_url: str, workers: int, jobs: int, customers: int, rate: float | None
) -> list[Any]:
    settings = WorkerSettings(
        redis_url=redis_url,
        queue=f"bench-{uuid.uuid4().hex}",
        rate_limit=rate,
        rate_limit_key=f"bench-rate-{uuid.uuid4().hex}",
    )
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            emu = stack.enter_context(run_emulator())
            http = await stack.enter_async_context(aiohttp.ClientSession())
            async with ContactflowClient(emu.token, emu.node, emu.contactflow_url) as cf:
                automation = str((await cf.create_automation(name="bench")).uuid)
            files = []
            for n in range(jobs):
                path = log_dir / f"customers-{n}.jsonl"
                lines = (orjson.dumps({"userPk": f"j{n}-{i}"}) for i in range(customers))
                path.write_bytes(b"\n".join(lines) + b"\n")
                files.append(str(path))
            env = {
                **emu.client_env(),
                "CFA_REDIS_URL": redis_url,
                "CFA_QUEUE": settings.queue,
                "CFA_RATE_LIMIT_KEY": settings.rate_limit_key,
            }
            if rate is not None:
                env["CFA_RATE_LIMIT"] = str(rate)
            fleet = Fleet(env, log_dir)
            app = build_app(settings)
            await app.broker.startup()
            await fleet.start(workers)
            try:
                async with asyncio.timeout(60):
                    while _listening(log_dir) < workers:  # noqa: ASYNC110 (other processes)
                        await asyncio.sleep(0.05)
                started = time.time()
                queued = [
                    await app.push_customers_job.kiq(f"bench-{uuid.uuid4()}", automation, path)
                    for path in files
                ]
                results = [
                    await q.wait_result(check_interval=0.02, timeout=RESULT_TIMEOUT) for q in queued
                ]
                elapsed = time.time() - started
            finally:
                await fleet.stop()
                await app.broker.shutdown()
            assert not any(r.is_err for r in results), [r.error for r in results]
            log = await emu.control(http, "requests", since=str(started))
    stamps = sorted(r["at"] for r in log["requests"])
    total = jobs * customers
    row: list[Any] = [workers, total, len(stamps), elapsed, total / elapsed]
    if rate is not None:
        steady = [s for s in stamps if s >= stamps[0] + 1.0]
        steady_rate = (len(steady) - 1) / (steady[-1] - steady[0])
        off = steady_rate / rate - 1
        row += [steady_rate, f"{off * 100:+.1f} %", "yes" if abs(off) <= 0.05 else "NO"]
    return row


async def main_async(args: argparse.Namespace) -> None:
    with start_redis() as server:
        unlimited = [
            await run(server.url, n, args.jobs, args.customers, None) for n in WORKER_COUNTS
        ]
        limited = [
            await run(server.url, n, args.jobs, args.customers, args.rate) for n in WORKER_COUNTS
        ]
    headers = ["workers", "customers", "requests", "seconds", "customers/s"]
    print_table(
        f"Fleet, no limit ({args.jobs} jobs x {args.customers:,} customers; 2 cores shared "
        "by the emulator, redis-server and the workers)",
        headers,
        unlimited,
    )
    print_table(
        f"Fleet at a shared limit of {args.rate:g} req/s",
        [*headers, "steady req/s", "vs limit", "within 5 %"],
        limited,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=50.0)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
