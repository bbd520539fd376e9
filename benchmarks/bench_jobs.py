"""What ``job_id=`` costs a whole push, and what re-running a completed job costs (issue 13).

``push_customers`` of 1,000,000 lazily generated customers into the emulator
(another process), in pairs: one push without a job id, one with a new job id
in the store (SQLite file, then Redis), alternating which goes first, in one
client process per store after a warm-up. On a shared machine the time of a
1.5 s push drifts by more than the store costs, so the overhead is the median
of the pairs' ratios (job / plain), each pair run back to back (goal <= 1.05x).
After each job push the same job runs again: it is done, so the call returns
the stored result (``already_done``) - timed end to end, with the session's
request counter read before and after (goal: no request, < 50 ms).

    python -m benchmarks.bench_jobs [--customers 1000000] [--pairs 6] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks._common import (
    BENCH_NODE,
    BENCH_TOKEN,
    median,
    print_table,
    run_isolated,
    serve_emulator,
    server_process,
)
from benchmarks.bench_job_store import redis_url
from benchmarks.bench_push import customers
from contactflow_automizy import ContactflowClient, Session
from contactflow_automizy.emulator.contactflow import PREFIX
from contactflow_automizy.jobs import TransactionalJobStore
from contactflow_automizy.jobs.urls import job_store_from_url

Result = dict[str, float]


async def _push(cf: ContactflowClient, count: int, job_id: str | None) -> float:
    automation = (await cf.create_automation(name="bench jobs")).uuid
    assert automation is not None
    started = time.perf_counter()
    result = await cf.push_customers(automation, customers(count), job_id=job_id)
    elapsed = time.perf_counter() - started
    assert result.customers == count and not result.already_done
    if job_id is not None:  # the same job again: done
        requests = cf.session.stats.requests
        started = time.perf_counter()
        again = await cf.push_customers(automation, customers(count), job_id=job_id)
        RERUNS.append(
            ((time.perf_counter() - started) * 1000, cf.session.stats.requests - requests)
        )
        assert again.already_done and again.source_uuid == result.source_uuid
    return elapsed


RERUNS: list[tuple[float, int]] = []


class TimedStore:
    """The real store, adding up the time the calls spend waiting in it (``spent``):
    every call but a renewal is on the push's critical path, so this is what the
    job adds to a push, free of the drift between two runs."""

    def __init__(self, store: TransactionalJobStore) -> None:
        self.store = store
        self.spent = 0.0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)
        if name in ("lease_ttl", "renew") or not callable(method):
            return method

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - started

        return timed


async def _pairs(base: str, count: int, store_url: str, pairs: int) -> Result:
    """``pairs`` pushes without and with a job id, alternating which goes first."""
    RERUNS.clear()
    plain: list[float] = []
    job: list[float] = []
    async with job_store_from_url(store_url) as real:
        store = TimedStore(real)
        session = Session(max_connections=4, job_store=store)  # type: ignore[arg-type]
        cf = ContactflowClient(BENCH_TOKEN, BENCH_NODE, base, session=session)
        await _push(cf, 10_000, None)  # warm: connections, imports, the store's file
        await _push(cf, 10_000, f"warm-{uuid.uuid4()}")
        RERUNS.clear()
        in_store: list[float] = []
        for i in range(pairs):
            for with_job in (i % 2 == 0, i % 2 != 0):
                job_id = f"bench-{uuid.uuid4()}" if with_job else None
                before = store.spent
                (job if with_job else plain).append(await _push(cf, count, job_id))
                if with_job:  # the push and its re-run; the re-run is timed on its own
                    in_store.append(store.spent - before - RERUNS[-1][0] / 1000)
        await session.close()
    ratios = sorted(j / p for j, p in zip(job, plain, strict=True))
    return {
        "plain": median(plain),
        "job": median(job),
        "ratio": median(ratios),
        "store_ms": median(in_store) * 1000,
        "store_ratio": 1 + median(in_store) / median(plain),
        "rerun_ms": median([ms for ms, _ in RERUNS]),
        "rerun_requests": max(n for _, n in RERUNS),
    }


def client_run(base: str, count: int, store_url: str, pairs: int) -> Result:
    return asyncio.run(_pairs(base, count, store_url, pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--redis-url")
    args = parser.parse_args()

    with (
        redis_url(args.redis_url) as redis,
        tempfile.TemporaryDirectory() as folder,
        server_process(serve_emulator) as port,
    ):
        base = f"http://127.0.0.1:{port}{PREFIX}"
        stores = {"SQLite": f"sqlite:///{Path(folder) / 'jobs.sqlite'}", "Redis": redis}
        results = {
            name: run_isolated(client_run, base, args.customers, url, args.pairs)
            for name, url in stores.items()
        }
    print_table(
        f"push_customers of {args.customers:,} customers: {args.pairs} pairs (without, with a "
        "job id, alternating), medians",
        [
            "store",
            "no job id s",
            "job id s",
            "ratio (median of pairs)",
            "in store ms",
            "1 + store / plain",
            "re-run done ms",
            "re-run requests",
        ],
        [
            [
                name,
                r["plain"],
                r["job"],
                r["ratio"],
                r["store_ms"],
                r["store_ratio"],
                r["rerun_ms"],
                int(r["rerun_requests"]),
            ]
            for name, r in results.items()
        ],
    )
    print("goals: a job id costs <= 1.05x the time; re-running a done job: no request, < 50 ms")


if __name__ == "__main__":
    main()
