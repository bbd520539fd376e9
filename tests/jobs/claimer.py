"""A job run in its own process, for the tests that race and kill real processes.

    python -m tests.jobs.claimer STORE JOB_ID [--prefix P] [--ttl S] [--source UUID]

``STORE`` is ``sqlite:///path`` or ``redis://...``. Prints ``ready``, waits
for one line on stdin (so the test can start every process at once), claims
the job with ``claim_job`` and prints one JSON line: ``{"won": true, ...}``
after writing ``--source`` ahead, or ``{"won": false, "expires_at": ...}``. A
winner holds the job (renewing its lease) until stdin closes - or until the
test kills it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from contactflow_automizy import JobInProgressError
from contactflow_automizy.jobs import SQLiteJobStore, TransactionalJobStore, claim_job
from contactflow_automizy.redis import RedisJobStore

KIND, TARGET = "push_customers", "734e4f25-f179-406a-bdfa-12cd4a997014"


def open_store(url: str, prefix: str, ttl: float) -> SQLiteJobStore | RedisJobStore:
    if url.startswith("sqlite:///"):
        return SQLiteJobStore(url.removeprefix("sqlite:///"), lease_ttl=ttl)
    return RedisJobStore(url, prefix=prefix, lease_ttl=ttl)


def say(message: object) -> None:
    print(message if isinstance(message, str) else json.dumps(message), flush=True)


async def run(store: TransactionalJobStore, job_id: str, source: str | None) -> None:
    say("ready")
    await asyncio.to_thread(sys.stdin.readline)
    try:
        async with claim_job(store, job_id, KIND, TARGET) as job:
            if source is not None:
                await job.start_attempt(source)
            say({"won": True, "owner": job.owner, "attempt": job.record.attempt})
            await asyncio.to_thread(sys.stdin.read)  # hold the job until stdin closes
    except JobInProgressError as exc:
        say({"won": False, "expires_at": exc.expires_at.isoformat()})


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("job_id")
    parser.add_argument("--prefix", default="cfa:")
    parser.add_argument("--ttl", type=float, default=30.0)
    parser.add_argument("--source")
    args = parser.parse_args()
    store = open_store(args.store, args.prefix, args.ttl)
    try:
        await run(store, args.job_id, args.source)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
