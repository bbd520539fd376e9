"""Job decisions as pure functions: how a record changes, and what cleanup deletes.

No I/O and no clock of their own (``now`` is passed in), so every rule is
unit-tested without a store or a sleep; each store only makes one rule's
read-change-write atomic (see :class:`~contactflow_automizy.jobs.store.TransactionalJobStore`).

The lease rules:

* a run owns a job while the record's lease names it; a lease that expired
  and was not taken over still belongs to its owner, who may renew it - no one
  else acted in between, so its work is still exclusive;
* another owner may claim the job only when no live lease is held; a live
  lease of another owner is a :class:`JobInProgressError` - except on a done
  job, which is handed back unclaimed: there is nothing left to protect;
* every change but a claim requires ownership, else :class:`LeaseLostError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from contactflow_automizy._validate import text
from contactflow_automizy.errors import ConfigurationError, JobInProgressError, LeaseLostError
from contactflow_automizy.jobs.records import JobRecord, JobState, Lease, SourceRecord, SourceState

__all__ = [
    "CLEANUP_GRACE",
    "CleanupCandidate",
    "check_same_work",
    "claim",
    "cleanup_candidates",
    "cleanup_sources",
    "finish",
    "leftover_sources",
    "release",
    "renew",
    "set_source_state",
    "start_attempt",
]

#: Seconds an ``unknown`` source is left alone before cleanup deletes it again (SPEC 11).
CLEANUP_GRACE = 600.0
_MAX_JOB_ID = 255
#: Sources an earlier attempt may have left open on the server.
_UNSETTLED = frozenset({SourceState.OPEN, SourceState.UNKNOWN})


def _check_job_id(job_id: str) -> None:
    if len(text("job_id", job_id)) > _MAX_JOB_ID:
        raise ConfigurationError(f"job_id must be at most {_MAX_JOB_ID} characters long")


def claim(
    current: JobRecord | None,
    now: datetime,
    *,
    job_id: str,
    kind: str,
    target: str,
    owner: str,
    ttl: float,
) -> JobRecord:
    """The record after ``owner`` claims the job: created, taken over, or a done one as it is."""
    _check_job_id(job_id)
    lease = Lease(owner, now + timedelta(seconds=ttl))
    if current is None:
        return JobRecord(
            job_id=job_id, kind=kind, target=target, created_at=now, updated_at=now, lease=lease
        )
    check_same_work(current, kind, target)
    if current.lease is not None and current.lease.owner != owner and current.lease.live(now):
        if current.done:
            return current
        raise JobInProgressError(job_id, current.lease.expires_at)
    return attrs.evolve(current, lease=lease, updated_at=now)


def check_same_work(record: JobRecord, kind: str, target: str) -> None:
    """A job id names one piece of work: reusing it for another kind or target is an error."""
    if (record.kind, record.target) != (kind, target):
        raise ConfigurationError(
            f"job id {record.job_id!r} was used for {record.kind} of {record.target!r}; "
            f"a job id names one piece of work, pick another for {kind} of {target!r}"
        )


def _owned(current: JobRecord | None, now: datetime, job_id: str, owner: str) -> JobRecord:
    if current is None or not current.owned_by(owner):
        held = current.lease if current is not None else None
        raise LeaseLostError(job_id, held.expires_at if held is not None else now)
    return current


def renew(
    current: JobRecord | None, now: datetime, *, job_id: str, owner: str, ttl: float
) -> JobRecord:
    record = _owned(current, now, job_id, owner)
    return attrs.evolve(record, lease=Lease(owner, now + timedelta(seconds=ttl)), updated_at=now)


def start_attempt(
    current: JobRecord | None, now: datetime, *, job_id: str, owner: str, source_uuid: str | None
) -> JobRecord:
    """A new attempt, with its source written ahead as ``open`` (None: a job without sources)."""
    record = _owned(current, now, job_id, owner)
    if record.done:
        raise ValueError(f"job {job_id!r} is done: it takes no new attempt")
    attempt = record.attempt + 1
    sources = record.sources
    if source_uuid is not None:
        if record.source(source_uuid) is not None:
            raise ValueError(f"source {source_uuid} was used by an earlier attempt of {job_id!r}")
        sources = (*sources, SourceRecord(source_uuid, attempt, SourceState.OPEN, now))
    return attrs.evolve(
        record,
        attempt=attempt,
        state=JobState.RUNNING,
        sources=sources,
        counts={},
        result=None,
        updated_at=now,
    )


def set_source_state(
    current: JobRecord | None,
    now: datetime,
    *,
    job_id: str,
    owner: str,
    source_uuid: str,
    state: SourceState,
) -> JobRecord:
    """``since`` moves only when the state changes, so a grace period is never restarted."""
    record = _owned(current, now, job_id, owner)
    source = record.source(source_uuid)
    if source is None:
        raise ValueError(f"job {job_id!r} has no source {source_uuid}")
    if source.state is state:
        return record
    changed = attrs.evolve(source, state=SourceState(state), since=now)
    sources = tuple(changed if s is source else s for s in record.sources)
    return attrs.evolve(record, sources=sources, updated_at=now)


def finish(
    current: JobRecord | None,
    now: datetime,
    *,
    job_id: str,
    owner: str,
    state: JobState,
    result: Mapping[str, Any] | None,
    counts: Mapping[str, int] | None,
) -> JobRecord:
    """The outcome and the release in one change: the result is stored before the lease goes."""
    record = _owned(current, now, job_id, owner)
    if state not in (JobState.DONE, JobState.FAILED):
        raise ValueError(f"a job finishes done or failed, not {state}")
    return attrs.evolve(
        record,
        state=JobState(state),
        result=None if result is None else dict(result),
        counts=dict(counts or {}),
        lease=None,
        updated_at=now,
    )


def release(current: JobRecord | None, now: datetime, *, job_id: str, owner: str) -> JobRecord:
    """Give the lease up, state unchanged (a done job read again, a cleanup pass)."""
    record = _owned(current, now, job_id, owner)
    return attrs.evolve(record, lease=None, updated_at=now)


def leftover_sources(record: JobRecord) -> tuple[SourceRecord, ...]:
    """Sources a re-run deletes before its new attempt: any the server may hold open."""
    return tuple(s for s in record.sources if s.state in _UNSETTLED)


@attrs.frozen
class CleanupCandidate:
    """A job and the sources of it that cleanup should delete."""

    job: JobRecord
    sources: tuple[SourceRecord, ...]


def cleanup_sources(
    record: JobRecord, now: datetime, grace: float = CLEANUP_GRACE
) -> tuple[SourceRecord, ...]:
    """Sources of one job that cleanup deletes now (SPEC 8 and 11).

    Nothing of a job whose lease is live (its run settles them). ``open``
    sources of a job that is not done; ``unknown`` ones once ``grace`` seconds
    have passed since they became unknown, done jobs too, so a late FIRST
    never leaves an orphan.
    """
    if record.lease_live(now):
        return ()
    settle_after = timedelta(seconds=grace)
    return tuple(
        s
        for s in record.sources
        if (s.state is SourceState.OPEN and not record.done)
        or (s.state is SourceState.UNKNOWN and now - s.since >= settle_after)
    )


def cleanup_candidates(
    records: Iterable[JobRecord], now: datetime, grace: float = CLEANUP_GRACE
) -> tuple[CleanupCandidate, ...]:
    """Every job with something for cleanup to delete, in the order given."""
    found = ((record, cleanup_sources(record, now, grace)) for record in records)
    return tuple(CleanupCandidate(record, sources) for record, sources in found if sources)
