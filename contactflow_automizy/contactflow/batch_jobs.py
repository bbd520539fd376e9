"""Durable pushes: ``push_customers(job_id=...)`` and ``cleanup_jobs`` (SPEC sections 8 and 11).

A push job is one :func:`~contactflow_automizy.jobs.claim_job` block around
:class:`~.batch_upload.BatchAttempt` runs.  A run of the job:

1. finds it done: returns the stored result with ``already_done=True`` and
   sends nothing;
2. deletes every source an earlier attempt may have left on the server
   (``open`` or ``unknown`` in the record) and records what the answer proves
   (:mod:`.batch_sources`): a 409 means that source is closed, so that attempt
   completed; a 404 leaves it ``unknown``, because only the attempt's own run
   knew whether its FIRST was answered and that run is gone - a FIRST still in
   the network would open the source later, so cleanup deletes it again after
   the grace period; any other failure stops the run before anything is sent
   (the source may be open, and a new attempt would add its customers twice);
3. finds a ``closed`` source (from step 2, or recorded by an attempt whose run
   died before it stored its result): the job is done; the result is rebuilt
   from the input (the caller passes the same input again; it is counted, not
   sent);
4. otherwise starts a new attempt under a new random source uuid, written to
   the store as ``open`` before its FIRST is sent, from the start of the
   input; whatever becomes of the attempt, its source's fate is recorded, and
   on success the result is stored before the lease is released.

Resuming "from the last acknowledged packet" is not offered: the API cannot
tell whether a packet that got no answer was stored, so only a restart under
a new source, after the old one is deleted, is exactly-once.

``cleanup_jobs`` settles what no run will: ``open`` sources of jobs that are
not done and whose lease has expired (their run died), and ``unknown`` sources
once the grace period has passed, of done jobs too.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping

import attrs

from contactflow_automizy._session import SessionStats
from contactflow_automizy.bulk._streams import Items, aiterate, known_length
from contactflow_automizy.contactflow.batch_sources import SourceState, after_delete
from contactflow_automizy.contactflow.batch_upload import (
    BatchAttempt,
    CustomerInput,
    PushResult,
    delete_source,
)
from contactflow_automizy.contactflow.customers import CustomersMixin
from contactflow_automizy.errors import JobInProgressError
from contactflow_automizy.jobs import (
    CLEANUP_GRACE,
    JobRun,
    JobStore,
    SourceRecord,
    claim_job,
    cleanup_candidates,
    cleanup_sources,
)
from contactflow_automizy.jobs.store import utc_now

__all__ = ["PUSH_KIND", "SourceCleanup", "cleanup_jobs", "push_job"]

#: The ``kind`` of a push job in its record.
PUSH_KIND = "push_customers"


@attrs.frozen
class SourceCleanup:
    """One source ``cleanup_jobs`` deleted (or, in a dry run, would delete).

    ``was`` is its state in the job record before; ``now`` what the DELETE's
    answer proved (None in a dry run: nothing was sent).
    """

    job_id: str
    automation_uuid: str
    source_uuid: str
    was: SourceState
    now: SourceState | None


async def push_job(
    client: CustomersMixin,
    store: JobStore,
    job_id: str,
    automation_uuid: str,
    customers: Items[CustomerInput],
    *,
    attempt: BatchAttempt,
    packet_size: int,
    node: str | None,
) -> PushResult:
    """Run push job ``job_id`` (see the module docstring); ``attempt`` is the upload under
    a new source that the run makes when the job needs one (step 4)."""
    path = {"automationUuid": automation_uuid}
    async with claim_job(store, job_id, PUSH_KIND, automation_uuid) as run:
        if run.done:
            return attrs.evolve(run.result_as(PushResult), already_done=True)
        stats = SessionStats()
        started = asyncio.get_running_loop().time()
        for source in run.leftover_sources():
            _, failure = await _delete_recorded(
                client, run, path, source, first_may_arrive=True, node=node, stats=stats
            )
            if failure is not None:
                failure.add_note(
                    f"deleting source {source.uuid} of an earlier attempt of job {job_id!r} "
                    "failed; no new attempt starts while it may be open: run the job again"
                )
                raise failure
        completed = next((s for s in run.record.sources if s.state is SourceState.CLOSED), None)
        if completed is not None:
            result = await _completed_result(completed.uuid, customers, packet_size, stats, started)
            await run.finish(attrs.evolve(result, already_done=False))
            return result
        await run.start_attempt(attempt.source_uuid)  # written ahead of the FIRST packet
        try:
            result = await attempt.run(customers)
        except BaseException as exc:
            await _record_fate(run, attempt, exc)
            raise
        await run.set_source_state(attempt.source_uuid, SourceState.CLOSED)
        await run.finish(result, counts={"customers": result.customers, "packets": result.packets})
        return result


async def _delete_recorded(
    client: CustomersMixin,
    run: JobRun,
    path: Mapping[str, str],
    source: SourceRecord,
    *,
    first_may_arrive: bool,
    node: str | None,
    stats: SessionStats,
) -> tuple[SourceState, BaseException | None]:
    """DELETE a recorded source and store what the answer proved: the state stored, and
    the DELETE's error if it proved nothing (the source then keeps its state: open, or
    unknown).  A cancellation is re-raised once the state is stored."""
    error, cancelled = await delete_source(client, path, source.uuid, node=node, stats=stats)
    proven = after_delete(error, first_may_arrive=first_may_arrive)
    failed = proven is SourceState.OPEN
    state = source.state if failed else proven
    await run.set_source_state(source.uuid, state)
    if cancelled:
        raise asyncio.CancelledError
    return state, error if failed else None


async def _record_fate(run: JobRun, attempt: BatchAttempt, exc: BaseException) -> None:
    """After a failed or cancelled attempt: what its source became (None: never stored)."""
    state = attempt.state or SourceState.DELETED
    try:
        await run.set_source_state(attempt.source_uuid, state)
    except Exception as store_error:
        # The attempt's error is the one to report; the source stays ``open`` in the
        # record, so the next run or cleanup deletes it.
        exc.add_note(f"recording source {attempt.source_uuid} as {state} failed: {store_error!r}")


async def _completed_result(
    source_uuid: str,
    customers: Items[CustomerInput],
    packet_size: int,
    stats: SessionStats,
    started: float,
) -> PushResult:
    """The result of an attempt that completed but whose run died before storing it."""
    count = known_length(customers)
    if count is None:
        count = 0
        async for _ in aiterate(customers):
            count += 1
    return PushResult(
        source_uuid=source_uuid,
        customers=count,
        # A stream of one packet is sent as FIRST and an empty LAST.
        packets=max(2, math.ceil(count / packet_size)),
        requests=stats.requests,
        retries=stats.retries,
        elapsed=asyncio.get_running_loop().time() - started,
        already_done=True,
    )


async def cleanup_jobs(
    client: CustomersMixin,
    store: JobStore,
    *,
    dry_run: bool = False,
    grace: float = CLEANUP_GRACE,
) -> list[SourceCleanup]:
    """Delete the sources no run will settle (see the module docstring); what was done.

    A job a live run holds is skipped: that run settles its own sources.
    """
    done: list[SourceCleanup] = []
    records = [r for r in await store.list() if r.kind == PUSH_KIND]
    for candidate in cleanup_candidates(records, utc_now(), grace):
        job = candidate.job
        if dry_run:
            done.extend(
                SourceCleanup(job.job_id, job.target, s.uuid, s.state, None)
                for s in candidate.sources
            )
            continue
        try:
            async with claim_job(store, job.job_id, job.kind, job.target, hold_done=True) as run:
                if run.owned:
                    done.extend(await _clean_job(client, run, grace))
        except JobInProgressError:
            continue
    return done


async def _clean_job(client: CustomersMixin, run: JobRun, grace: float) -> list[SourceCleanup]:
    cleaned: list[SourceCleanup] = []
    stats = SessionStats()
    path = {"automationUuid": run.target}
    # Decided again on the record as claimed: it may have changed since it was listed.
    for source in cleanup_sources(attrs.evolve(run.record, lease=None), utc_now(), grace):
        # An open source's FIRST may still be under way; an unknown one's grace has passed.
        # A failed DELETE leaves the source as it was: the next cleanup tries again.
        state, _ = await _delete_recorded(
            client,
            run,
            path,
            source,
            first_may_arrive=source.state is SourceState.OPEN,
            node=None,
            stats=stats,
        )
        cleaned.append(SourceCleanup(run.job_id, run.target, source.uuid, source.state, state))
    return cleaned
