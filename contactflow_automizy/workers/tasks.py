"""The worker's jobs, and the one ``Session`` each worker process runs them on.

``push_customers_job`` and ``import_csv_job`` are plain coroutines (registered
as taskiq tasks by :mod:`.app`), so they can be called directly too.  Each
runs its job under the caller's job id on the process's ``Session``, whose
job store and shared limiter make a re-delivered or repeated job safe: a done
job answers its stored result, an interrupted one starts again from the
start of the file (see the durable-jobs section of the README).

A run that meets another live run of the same job (``JobInProgressError``,
also its subclass ``LeaseLostError``) waits until that lease's ``expires_at``
and tries again: the queue may deliver a job twice (a stalled worker's
message re-delivered), and a job is never failed for it.  Every attempt logs
``started`` and how it ended on the ``contactflow_automizy.workers`` logger,
with ``job_id`` and ``event`` on the record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from contactflow_automizy import (
    AutomizyClient,
    ContactflowClient,
    CsvImportResult,
    PushResult,
    Session,
)
from contactflow_automizy._ratelimit import RateLimiter
from contactflow_automizy._record_files import is_json_lines, read_customers, read_json_lines
from contactflow_automizy.errors import ConfigurationError, JobInProgressError
from contactflow_automizy.jobs.store import utc_now
from contactflow_automizy.workers.settings import WorkerSettings

__all__ = [
    "WorkerResources",
    "close_resources",
    "current_resources",
    "import_csv_job",
    "open_resources",
    "push_customers_job",
    "run_when_free",
]

log = logging.getLogger("contactflow_automizy.workers")

T = TypeVar("T")

#: Added to a busy lease's remaining time before trying again, so the retry finds it expired.
RECHECK_MARGIN = 0.05


class WorkerResources:
    """One worker process's ``Session`` (shared limiter, job store) and its clients.

    The clients are made when a job first needs them, so a worker missing one
    API's credentials fails only the jobs that need that API, each with a
    ``ConfigurationError`` naming the variable.
    """

    def __init__(self, session: Session, closers: Iterable[Callable[[], Awaitable[None]]]) -> None:
        self.session = session
        self._closers = list(closers)
        self._contactflow: ContactflowClient | None = None
        self._automizy: AutomizyClient | None = None

    def contactflow(self) -> ContactflowClient:
        if self._contactflow is None:
            self._contactflow = ContactflowClient(session=self.session)
        return self._contactflow

    def automizy(self) -> AutomizyClient:
        if self._automizy is None:
            self._automizy = AutomizyClient(session=self.session)
        return self._automizy

    async def close(self) -> None:
        await self.session.close()
        for close in self._closers:
            await close()


_current: WorkerResources | None = None


async def open_resources(settings: WorkerSettings) -> WorkerResources:
    """Build this process's resources from ``settings`` (on worker start-up)."""
    global _current
    store = settings.job_store()
    limiter: RateLimiter | None = None
    closers = [store.close]
    if settings.rate_limit is not None:
        from contactflow_automizy.redis import RedisRateLimiter

        limiter = RedisRateLimiter(
            settings.redis_url,
            key=settings.rate_limit_key,
            rate=settings.rate_limit,
            burst=settings.rate_burst,
        )
        closers.append(limiter.close)
    _current = WorkerResources(Session(rate_limit=limiter, job_store=store), closers)
    return _current


async def close_resources() -> None:
    """Close this process's resources (on worker shut-down); nothing to do if none are open."""
    global _current
    if _current is not None:
        resources, _current = _current, None
        await resources.close()


def current_resources() -> WorkerResources:
    """The resources the worker start-up opened in this process."""
    if _current is None:
        raise ConfigurationError(
            "no worker session in this process: run the job in a worker "
            "(contactflow-automizy worker) or call open_resources() first"
        )
    return _current


async def run_when_free(
    job_id: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    now: Callable[[], datetime] = utc_now,
) -> T:
    """``attempt()``, again after each ``JobInProgressError`` once its lease has expired."""
    while True:
        log.info("job %s: attempt started", job_id, extra={"job_id": job_id, "event": "started"})
        try:
            result = await attempt()
        except JobInProgressError as exc:
            wait = max(0.0, (exc.expires_at - now()).total_seconds()) + RECHECK_MARGIN
            log.info(
                "job %s: another run holds it; trying again in %.2f s",
                job_id,
                wait,
                extra={"job_id": job_id, "event": "busy"},
            )
            await sleep(wait)
            continue
        except BaseException as exc:
            log.info(
                "job %s: attempt ended with %s",
                job_id,
                type(exc).__name__,
                extra={"job_id": job_id, "event": "failed"},
            )
            raise
        log.info("job %s: attempt done", job_id, extra={"job_id": job_id, "event": "done"})
        return result


def _readable(source: str) -> Path:
    path = Path(source)
    if not path.is_file():
        raise ConfigurationError(f"no such file on this worker: {source}")
    return path


async def push_customers_job(job_id: str, automation_uuid: str, source: str) -> PushResult:
    """Push the customers in ``source`` (CSV or JSON Lines) into the automation, as ``job_id``."""
    path = _readable(source)
    client = current_resources().contactflow()
    return await run_when_free(
        job_id,
        lambda: client.push_customers(automation_uuid, read_customers(path), job_id=job_id),
    )


async def import_csv_job(job_id: str, list_ids: list[int], source: str) -> CsvImportResult:
    """Import the contacts in ``source`` (CSV, or JSON Lines of flat objects) as job ``job_id``."""
    path = _readable(source)
    client = current_resources().automizy()

    def rows() -> Path | Iterable[dict[str, Any]]:
        return read_json_lines(path) if is_json_lines(path) else path

    return await run_when_free(
        job_id, lambda: client.import_csv(rows(), list_ids=list_ids, job_id=job_id)
    )
