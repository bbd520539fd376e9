"""``MemoryJobStore``: jobs of one process, gone when it exits.

For tests and for a single process that re-runs its own jobs. Records are
kept as JSON bytes, as the other stores keep them, so a result that would not
survive a real store fails here too. A change runs without any ``await``
between read and write, so it is atomic on the event loop; the store is not
meant to be shared between threads or event loops.
"""

from __future__ import annotations

from contactflow_automizy.jobs.records import JobRecord, JobState, decode_record, encode_record
from contactflow_automizy.jobs.store import Change, TransactionalJobStore, sort_records, utc_now

__all__ = ["MemoryJobStore"]


class MemoryJobStore(TransactionalJobStore):
    """Job records in a dict of this process (see the module docstring)."""

    def __init__(self, *, lease_ttl: float = 30.0) -> None:
        super().__init__(lease_ttl=lease_ttl)
        self._records: dict[str, bytes] = {}

    async def _transact(self, job_id: str, change: Change) -> JobRecord:
        raw = self._records.get(job_id)
        current = None if raw is None else decode_record(raw)
        new = change(current, utc_now())
        if new is not current:
            self._records[job_id] = encode_record(new)
        return new

    async def get(self, job_id: str) -> JobRecord | None:
        raw = self._records.get(job_id)
        return None if raw is None else decode_record(raw)

    async def list(self, state: JobState | str | None = None) -> tuple[JobRecord, ...]:
        return sort_records(map(decode_record, self._records.values()), state)

    def __repr__(self) -> str:
        return f"MemoryJobStore(jobs={len(self._records)}, lease_ttl={self.lease_ttl})"
