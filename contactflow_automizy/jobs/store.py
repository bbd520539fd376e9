"""The public ``JobStore`` protocol, and the base every shipped store builds it on.

The protocol is the smallest set that makes SPEC 8's re-run rules atomic:
read (``get``, ``list``), take the job (``claim``), keep it (``renew``),
write an attempt's source ahead of its first packet (``start_attempt``),
record what became of a source (``set_source_state``), store the outcome and
let go in one step (``finish``), and let go without an outcome (``release``).
Every method that changes a job names its ``owner`` and fails with
:class:`LeaseLostError` when that owner no longer holds the lease.

The shipped stores differ only in how they make one read-change-write
atomic (:meth:`TransactionalJobStore._transact`); the change itself is always a
pure rule of :mod:`~contactflow_automizy.jobs.rules`, so the three stores
cannot drift apart.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from contactflow_automizy._lifecycle import AsyncClosable
from contactflow_automizy._validate import positive_number
from contactflow_automizy.jobs import rules
from contactflow_automizy.jobs.records import JobRecord, JobState, SourceState

__all__ = [
    "Change",
    "JobStore",
    "TransactionalJobStore",
    "sort_records",
    "utc_now",
]

#: A pure rule applied to the current record (None: no such job) at time ``now``.
Change = Callable[[JobRecord | None, datetime], JobRecord]


@runtime_checkable
class JobStore(Protocol):
    """Where durable jobs keep their records; every method is async (SPEC 11).

    ``lease_ttl`` is how long a claim lasts unless renewed; runs renew every
    third of it.
    """

    lease_ttl: float

    async def get(self, job_id: str) -> JobRecord | None: ...

    async def list(self, state: JobState | str | None = None) -> tuple[JobRecord, ...]:
        """Jobs oldest first, only those in ``state`` if given."""
        ...

    async def claim(self, job_id: str, *, kind: str, target: str, owner: str) -> JobRecord:
        """Take the job's lease for ``owner`` (creating the job), or raise.

        Raises :class:`ConfigurationError` when the job id was used for another
        kind or target, :class:`JobInProgressError` when another owner's lease
        is live. A done job whose lease another owner holds is returned as it
        is, unclaimed (``record.owned_by(owner)`` is False).
        """
        ...

    async def renew(self, job_id: str, *, owner: str) -> JobRecord: ...

    async def start_attempt(
        self, job_id: str, *, owner: str, source_uuid: str | None
    ) -> JobRecord: ...

    async def set_source_state(
        self, job_id: str, *, owner: str, source_uuid: str, state: SourceState
    ) -> JobRecord: ...

    async def finish(
        self,
        job_id: str,
        *,
        owner: str,
        state: JobState,
        result: Mapping[str, Any] | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> JobRecord: ...

    async def release(self, job_id: str, *, owner: str) -> JobRecord: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class TransactionalJobStore(AsyncClosable, abc.ABC):
    """A :class:`JobStore` made of one atomic primitive: apply a pure change to one job.

    ``async with store:`` closes it; :meth:`close` is idempotent.
    """

    def __init__(self, *, lease_ttl: float = 30.0) -> None:
        self.lease_ttl = positive_number("lease_ttl", lease_ttl)

    async def close(self) -> None:
        """Release what the store holds (connections, threads); nothing by default."""

    @abc.abstractmethod
    async def _transact(self, job_id: str, change: Change) -> JobRecord:
        """Read the job, apply ``change(record, now)``, write its result - all atomically.

        ``now`` is read once the store holds the job exclusively (lock taken,
        keys watched). An exception from ``change`` writes nothing. A change that
        returns the record it was given writes nothing either.
        """

    @abc.abstractmethod
    async def get(self, job_id: str) -> JobRecord | None: ...

    @abc.abstractmethod
    async def list(self, state: JobState | str | None = None) -> tuple[JobRecord, ...]: ...

    async def claim(self, job_id: str, *, kind: str, target: str, owner: str) -> JobRecord:
        return await self._transact(
            job_id,
            functools.partial(
                rules.claim,
                job_id=job_id,
                kind=kind,
                target=target,
                owner=owner,
                ttl=self.lease_ttl,
            ),
        )

    async def renew(self, job_id: str, *, owner: str) -> JobRecord:
        return await self._transact(
            job_id, functools.partial(rules.renew, job_id=job_id, owner=owner, ttl=self.lease_ttl)
        )

    async def start_attempt(self, job_id: str, *, owner: str, source_uuid: str | None) -> JobRecord:
        return await self._transact(
            job_id,
            functools.partial(
                rules.start_attempt, job_id=job_id, owner=owner, source_uuid=source_uuid
            ),
        )

    async def set_source_state(
        self, job_id: str, *, owner: str, source_uuid: str, state: SourceState
    ) -> JobRecord:
        return await self._transact(
            job_id,
            functools.partial(
                rules.set_source_state,
                job_id=job_id,
                owner=owner,
                source_uuid=source_uuid,
                state=state,
            ),
        )

    async def finish(
        self,
        job_id: str,
        *,
        owner: str,
        state: JobState,
        result: Mapping[str, Any] | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> JobRecord:
        return await self._transact(
            job_id,
            functools.partial(
                rules.finish, job_id=job_id, owner=owner, state=state, result=result, counts=counts
            ),
        )

    async def release(self, job_id: str, *, owner: str) -> JobRecord:
        return await self._transact(
            job_id, functools.partial(rules.release, job_id=job_id, owner=owner)
        )


def sort_records(
    records: Iterable[JobRecord], state: JobState | str | None
) -> tuple[JobRecord, ...]:
    """``records`` in state ``state`` (all if None), oldest first - the order ``list`` promises."""
    wanted = None if state is None else JobState(state)
    chosen = (r for r in records if wanted is None or r.state is wanted)
    return tuple(sorted(chosen, key=lambda r: (r.created_at, r.job_id)))
