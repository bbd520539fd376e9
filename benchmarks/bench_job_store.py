"""Micro-benchmark: what a durable job costs in its store, per store.

Two operations, each timed per round with ``time.perf_counter``:

* **job**: one whole ``claim_job`` run of a new job - claim, write an
  attempt's source ahead, finish with a result (three store transactions plus
  starting and stopping the lease-renewal task). This is the store's fixed
  overhead on every ``push_customers(job_id=...)``;
* **re-run done**: ``claim_job`` of a job that is already done, reading its
  stored result back (one read: a done job is not claimed) - what re-running
  a completed job costs in its store (SPEC goal: no request, < 50 ms).

SQLite uses a file in a temporary directory (``synchronous=FULL``: each commit
is an fsync on that disk). Redis is a real ``redis-server`` on loopback: the
one given with ``--redis-url``, or one started here and stopped after.
Prints median and min-max over ``--rounds`` (after a few warm-up rounds).

    python -m benchmarks.bench_job_store [--rounds 300] [--redis-url redis://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks._common import median, print_table
from contactflow_automizy import MemoryJobStore, PushResult, SQLiteJobStore
from contactflow_automizy.jobs import TransactionalJobStore, claim_job
from contactflow_automizy.redis import RedisJobStore

WARMUP = 10
TARGET = "734e4f25-f179-406a-bdfa-12cd4a997014"
RESULT = PushResult(
    source_uuid="bench", customers=1_000_000, packets=1_000, requests=1_000, retries=0, elapsed=1.4
)


async def one_job(store: TransactionalJobStore, job_id: str) -> None:
    async with claim_job(store, job_id, "push_customers", TARGET) as run:
        await run.start_attempt(str(uuid.uuid4()))
        await run.finish(RESULT, counts={"customers": RESULT.customers})


async def rerun_done(store: TransactionalJobStore, job_id: str) -> None:
    async with claim_job(store, job_id, "push_customers", TARGET) as run:
        assert run.done and run.result_as(PushResult) == RESULT


async def timings(store: TransactionalJobStore, rounds: int) -> tuple[list[float], list[float]]:
    jobs: list[float] = []
    reruns: list[float] = []
    for i in range(WARMUP + rounds):
        job_id = f"bench-{uuid.uuid4().hex}-{i}"
        started = time.perf_counter()
        await one_job(store, job_id)
        between = time.perf_counter()
        await rerun_done(store, job_id)
        ended = time.perf_counter()
        if i >= WARMUP:
            jobs.append(between - started)
            reruns.append(ended - between)
    return jobs, reruns


@contextlib.contextmanager
def redis_url(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    from tests.services.redis_server import start_redis  # the test suite's throw-away server

    with start_redis() as server:
        yield server.url


def cell(values: list[float]) -> list[float]:
    ms = [v * 1e3 for v in values]
    return [median(ms), min(ms), max(ms)]


async def run_all(rounds: int, url: str, folder: Path) -> list[list[object]]:
    stores: dict[str, Callable[[], TransactionalJobStore]] = {
        "MemoryJobStore": MemoryJobStore,
        "SQLiteJobStore (temp file)": lambda: SQLiteJobStore(folder / "jobs.sqlite"),
        "RedisJobStore (loopback)": lambda: RedisJobStore(url, prefix=f"bench-{uuid.uuid4()}:"),
    }
    rows: list[list[object]] = []
    for name, make in stores.items():
        store = make()
        try:
            jobs, reruns = await timings(store, rounds)
        finally:
            await store.close()
        rows.append([name, *cell(jobs), *cell(reruns)])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    with redis_url(args.redis_url) as url, tempfile.TemporaryDirectory() as folder:
        rows = asyncio.run(run_all(args.rounds, url, Path(folder)))
    print_table(
        f"job store latency in ms, {args.rounds} rounds each (median, min, max)",
        [
            "store",
            "job median",
            "job min",
            "job max",
            "re-run done median",
            "re-run min",
            "re-run max",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
