"""One run of a durable job: claim, keep the lease, write ahead, finish - for any job kind.

``claim_job`` is what ``push_customers(job_id=...)`` and
``import_csv(job_id=...)`` sit on::

    async with claim_job(store, job_id, "push_customers", automation_uuid) as run:
        if run.done:
            return run.result_as(PushResult)          # nothing is sent
        for source in run.leftover_sources():         # an earlier attempt's, maybe open
            ...DELETE it; await run.set_source_state(source.uuid, new_state)
        await run.start_attempt(new_uuid)             # written BEFORE the first packet
        ...send...
        await run.set_source_state(new_uuid, SourceState.CLOSED)
        await run.finish(result)                      # stored, then the lease released

Decisions:

* the claim happens on entry, before the caller sends anything, so a live
  second run fails with :class:`JobInProgressError` having sent nothing;
* a job found done is only read, not claimed: done is final, so its result
  needs no lease, and a re-run costs one read instead of two writes (two
  fsyncs on SQLite). Cleanup, which changes a done job's sources, asks for the
  lease with ``hold_done=True``;
* while the body runs, a background task renews the lease every third of the
  store's ``lease_ttl``; when a renewal finds the lease taken over, or no
  renewal succeeded before the lease ran out (store unreachable), the body is
  cancelled and the block raises :class:`LeaseLostError` - another run may be
  working on the job, so this one must not send another packet;
* leaving the block on an exception records the attempt as ``failed`` (if
  that write fails too, the body's exception is raised with a note saying so);
  leaving it without ``finish`` (a done job read, a cleanup pass) only
  releases the lease.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, TypeVar

from contactflow_automizy._converter import converter
from contactflow_automizy.errors import ConfigurationError, LeaseLostError
from contactflow_automizy.jobs import rules
from contactflow_automizy.jobs.records import JobRecord, JobState, SourceRecord, SourceState
from contactflow_automizy.jobs.store import JobStore, utc_now

__all__ = ["JobRun", "claim_job", "new_owner", "required_store", "store_for"]

T = TypeVar("T")


def new_owner() -> str:
    """A lease owner id unique to one run, that says where it runs (for ``jobs show``)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class JobRun:
    """The claimed job while its block runs; use :func:`claim_job` to get one."""

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        kind: str,
        target: str,
        *,
        owner: str | None = None,
        hold_done: bool = False,
    ) -> None:
        self.store = store
        self.job_id = job_id
        self.kind = kind
        self.target = target
        self.owner = owner or new_owner()
        self.hold_done = hold_done
        self._record: JobRecord | None = None
        self._finished = False
        #: Set as ``finish`` starts: the lease is being let go, so a renewal that
        #: finds it gone has lost nothing.
        self._letting_go = False
        self._lost: LeaseLostError | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = 0
        self._keeper: asyncio.Task[None] | None = None

    @property
    def record(self) -> JobRecord:
        """The job as this run last wrote or read it."""
        if self._record is None:
            raise RuntimeError("enter the claim_job block first")
        return self._record

    @property
    def done(self) -> bool:
        """A previous run completed the job: return its stored result, send nothing."""
        return self.record.done

    @property
    def owned(self) -> bool:
        """Whether this run holds the lease: False for a done job (unless ``hold_done``)."""
        return self.record.owned_by(self.owner)

    @property
    def result(self) -> dict[str, Any] | None:
        """The stored result's JSON data (None unless done)."""
        return self.record.result

    def result_as(self, cls: type[T]) -> T:
        """The stored result structured back into ``cls`` through the package's converter."""
        if self.record.result is None:
            raise ValueError(f"job {self.job_id!r} has no stored result")
        return converter.structure(self.record.result, cls)

    def leftover_sources(self) -> tuple[SourceRecord, ...]:
        """Earlier attempts' sources the server may still hold open: delete them first."""
        return rules.leftover_sources(self.record)

    async def start_attempt(self, source_uuid: str | None = None) -> JobRecord:
        """Write the new attempt (and its source, as ``open``) ahead of its first request."""
        self._record = await self.store.start_attempt(
            self.job_id, owner=self.owner, source_uuid=source_uuid
        )
        return self._record

    async def set_source_state(self, source_uuid: str, state: SourceState) -> JobRecord:
        self._record = await self.store.set_source_state(
            self.job_id, owner=self.owner, source_uuid=source_uuid, state=state
        )
        return self._record

    async def finish(self, result: object, counts: Mapping[str, int] | None = None) -> JobRecord:
        """Store ``result`` (an attrs object or JSON data) as done, then release the lease."""
        data = converter.unstructure(result)
        if not isinstance(data, Mapping):
            raise TypeError(f"a job's result must serialise to a JSON object, not {type(data)}")
        self._letting_go = True
        self._record = await self.store.finish(
            self.job_id, owner=self.owner, state=JobState.DONE, result=data, counts=counts
        )
        self._finished = True
        return self._record

    async def __aenter__(self) -> JobRun:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("claim_job must run inside an asyncio task")
        if not self.hold_done:
            known = await self.store.get(self.job_id)
            if known is not None and known.done:
                rules.check_same_work(known, self.kind, self.target)
                self._record = known
                return self
        self._record = await self.store.claim(
            self.job_id, kind=self.kind, target=self.target, owner=self.owner
        )
        if self.owned:
            self._task = task
            self._cancelling = task.cancelling()
            self._keeper = asyncio.create_task(self._keep_lease(), name=f"lease {self.job_id}")
        return self

    async def _keep_lease(self) -> None:
        """Renew every ttl/3; on a lost lease, cancel the body (see the module docstring)."""
        ttl = self.store.lease_ttl
        expires = time.monotonic() + ttl
        while True:
            await asyncio.sleep(ttl / 3)
            started = time.monotonic()
            try:
                await self.store.renew(self.job_id, owner=self.owner)
            except LeaseLostError as exc:
                if self._letting_go:
                    return  # a renewal racing ``finish``: the lease was released, not lost
                self._lost = exc
            except Exception as exc:
                if time.monotonic() < expires:
                    continue  # try again; the lease still holds
                self._lost = LeaseLostError(self.job_id, utc_now())
                self._lost.add_note(f"no renewal succeeded in time; the last failed with {exc!r}")
            else:
                expires = started + ttl
                continue
            assert self._task is not None
            self._task.cancel()
            return

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:  # never swallows: code after an ``async with`` block is reachable
        if self._keeper is not None:
            self._keeper.cancel()  # before any await: it can no longer cancel the body
            await asyncio.gather(self._keeper, return_exceptions=True)
        if self._lost is not None:
            assert self._task is not None
            if self._task.uncancel() <= self._cancelling:
                raise self._lost from exc  # our cancellation, not the caller's
            return False
        if not self.owned or self._finished or isinstance(exc, LeaseLostError):
            return False  # nothing to record, or no longer ours to record
        if exc is None:
            self._record = await self.store.release(self.job_id, owner=self.owner)
            return False
        try:
            self._record = await self.store.finish(
                self.job_id, owner=self.owner, state=JobState.FAILED, counts=self.record.counts
            )
        except Exception as store_error:
            # The body's error is the one to report; the lease runs out by itself.
            exc.add_note(f"recording the failure in the job store failed too: {store_error!r}")
        return False


def claim_job(
    store: JobStore,
    job_id: str,
    kind: str,
    target: str,
    *,
    owner: str | None = None,
    hold_done: bool = False,
) -> JobRun:
    """Claim ``job_id`` for one run: ``async with claim_job(...) as run:``.

    Entering raises :class:`ConfigurationError` when the id was used for
    another ``kind`` or ``target``, and :class:`JobInProgressError` when
    another live run holds it; an expired lease is taken over. A done job is
    read without its lease unless ``hold_done`` (see the module docstring).
    """
    return JobRun(store, job_id, kind, target, owner=owner, hold_done=hold_done)


def store_for(
    job_id: str | None, job_store: JobStore | None, default: JobStore | None
) -> JobStore | None:
    """The store of a call with ``job_id`` (:func:`required_store`); None without a job
    id (a ``job_store=`` alone is then unused)."""
    if job_id is None:
        return None
    return required_store(f"job_id={job_id!r}", job_store, default)


def required_store(what: str, job_store: JobStore | None, default: JobStore | None) -> JobStore:
    """The call's own ``job_store=``, else the session's (``default``).

    With neither, a :class:`ConfigurationError` says ``what`` needs one, before any request.
    """
    store = job_store if job_store is not None else default
    if store is None:
        raise ConfigurationError(
            f"{what} needs a job store: Session(job_store=...) or job_store=..."
        )
    return store
