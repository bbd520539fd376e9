"""A client process for the crash tests: runs one push or import job, or kills itself.

    python -m tests.jobs.crash_client push|import BASE TOKEN NODE API_KEY TARGET JOB STORE N

``STORE`` is ``sqlite:///<path>`` or ``<redis url>|<prefix>`` (read as
``tests/jobs/claimer.py`` reads them); leases last 2 s.
``TARGET`` is the automation uuid (push: customers ``u0``...) or the list id
(import: rows ``c0@example.com``...); ``N`` how many.

The test hook lives here, not in the SDK: ``CFA_TEST_KILL_AT`` names a point
at which this process SIGKILLs itself, seen through a store wrapper:
``after-write-ahead`` (the attempt and its source are stored, FIRST not sent),
``before-closed-write`` (LAST answered, its source not yet recorded closed),
``before-finish`` (the source recorded, the result not yet stored).
``CFA_TEST_ON_BUSY=fail`` exits with code 3 on ``JobInProgressError``; by
default the process waits until the lease expires and tries again, as a queue
worker does (SPEC section 11).  The result is printed as ``RESULT <json>``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from contactflow_automizy import (
    AutomizyClient,
    ContactflowClient,
    JobInProgressError,
    Session,
)
from contactflow_automizy._converter import converter
from contactflow_automizy.jobs import JobStore, SourceState, TransactionalJobStore
from tests.jobs import claimer

LEASE_TTL = 2.0
KILL_AT = os.environ.get("CFA_TEST_KILL_AT", "")


def die_at(point: str) -> None:
    if point == KILL_AT:
        print(f"KILLED {point}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


class Hooked:
    """The real store, with :func:`die_at` between its writes."""

    def __init__(self, store: TransactionalJobStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def start_attempt(self, job_id: str, **kwargs: Any) -> Any:
        record = await self._store.start_attempt(job_id, **kwargs)
        die_at("after-write-ahead")
        return record

    async def set_source_state(self, job_id: str, **kwargs: Any) -> Any:
        if kwargs["state"] is SourceState.CLOSED:
            die_at("before-closed-write")
        return await self._store.set_source_state(job_id, **kwargs)

    async def finish(self, job_id: str, **kwargs: Any) -> Any:
        die_at("before-finish")
        return await self._store.finish(job_id, **kwargs)


def open_store(spec: str) -> TransactionalJobStore:
    url, _, prefix = spec.partition("|")
    return claimer.open_store(url, prefix, LEASE_TTL)


async def run_job(args: list[str], store: JobStore) -> Any:
    kind, base, token, node, api_key, target, job_id, _, count = args
    n = int(count)
    async with Session(job_store=store, max_retries=0) as session:
        if kind == "push":
            cf = ContactflowClient(token, node, base + "/contactflow", session=session)
            customers = ({"userPk": f"u{i}"} for i in range(n))
            return await cf.push_customers(target, customers, packet_size=1000, job_id=job_id)
        az = AutomizyClient(api_key, base, session=session)
        rows = ({"email": f"c{i}@example.com", "firstname": f"N{i}"} for i in range(n))
        return await az.import_csv(rows, list_ids=[int(target)], job_id=job_id)


async def main(args: list[str]) -> int:
    real = open_store(args[7])
    store: Any = Hooked(real)
    try:
        while True:
            try:
                result = await run_job(args, store)
            except JobInProgressError as busy:
                if os.environ.get("CFA_TEST_ON_BUSY") == "fail":
                    print(f"BUSY {busy.expires_at.isoformat()}", flush=True)
                    return 3
                await asyncio.sleep(max(0.0, (busy.expires_at - datetime.now(UTC)).total_seconds()))
                continue
            print("RESULT " + orjson.dumps(converter.unstructure(result)).decode(), flush=True)
            return 0
    finally:
        await real.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
