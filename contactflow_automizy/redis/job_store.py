"""``RedisJobStore``: job records shared by every process on every machine using one Redis.

Keys, all under ``prefix``: ``job:<id>`` holds the record's JSON,
``lease:<id>`` names the owner while the lease is live (``SET ... PX``, so
Redis itself expires a dead owner's lease and no machine's clock decides),
and the set ``jobs`` indexes the job ids for ``list``.

Every change is one optimistic transaction: ``WATCH`` the record and the
lease key, read both, apply the pure rule in Python, then ``MULTI``/``EXEC``
the new record together with the lease key (``SET PX`` or ``DEL``). Any
write to either key between ``WATCH`` and ``EXEC`` - another claim, a
renewal - aborts ours and it runs again on fresh data, so two claims of one
job can never both win, and the record and its lease key always change
together. The rules stay in one place
(:mod:`~contactflow_automizy.jobs.rules`) instead of being rewritten in Lua.

Liveness comes from the lease key's remaining time (``PTTL``), not from the
expiry written in the record: a record read through this store shows
``lease.expires_at`` as now + ``PTTL`` while the key lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from contactflow_automizy._extras import require
from contactflow_automizy.jobs.records import JobRecord, JobState, decode_record, encode_record
from contactflow_automizy.jobs.store import Change, TransactionalJobStore, sort_records, utc_now
from contactflow_automizy.redis._client import connect

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisJobStore"]

#: Job records read per round trip by ``list``.
_LIST_CHUNK = 500


def _live_view(raw: bytes | str | None, pttl: int, now: datetime) -> JobRecord | None:
    """The stored record, its lease expiry taken from the lease key's remaining time."""
    if raw is None:
        return None
    record = decode_record(raw)
    if record.lease is None:
        return record
    if pttl > 0:
        expires_at = now + timedelta(milliseconds=pttl)
    else:  # the key is gone: the lease has run out, whatever the record's clock said
        expires_at = min(record.lease.expires_at, now)
    return attrs.evolve(record, lease=attrs.evolve(record.lease, expires_at=expires_at))


class RedisJobStore(TransactionalJobStore):
    """Job records in Redis (see the module docstring).

    ``url_or_client``: a ``redis://`` URL (the store makes its own client and
    closes it in :meth:`close`) or a ``redis.asyncio.Redis`` client (yours to
    close). Needs the ``redis`` extra.
    """

    def __init__(
        self,
        url_or_client: str | Redis,
        *,
        prefix: str = "cfa:",
        lease_ttl: float = 30.0,
    ) -> None:
        super().__init__(lease_ttl=lease_ttl)
        self._watch_error: type[Exception] = require("redis.exceptions", "redis").WatchError
        self._redis, self._owns_client = connect(url_or_client, "RedisJobStore")
        self._closed = False
        self.prefix = prefix
        self._index = f"{prefix}jobs"

    def _job_key(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    def _lease_key(self, job_id: str) -> str:
        return f"{self.prefix}lease:{job_id}"

    async def _transact(self, job_id: str, change: Change) -> JobRecord:
        job_key, lease_key = self._job_key(job_id), self._lease_key(job_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(job_key, lease_key)
                    raw = await pipe.get(job_key)
                    pttl = await pipe.pttl(lease_key)
                    now = utc_now()
                    current = _live_view(raw, pttl, now)
                    new = change(current, now)
                    if new is current:
                        await pipe.unwatch()  # type: ignore[no-untyped-call]
                        return new
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(job_key, encode_record(new))
                    if new.lease is None:
                        pipe.delete(lease_key)
                    else:
                        pipe.set(
                            lease_key, new.lease.owner, px=max(1, round(self.lease_ttl * 1000))
                        )
                    pipe.sadd(self._index, job_id)
                    await pipe.execute()
                    return new
                except self._watch_error:
                    continue  # another client changed the job in between: read it again

    async def get(self, job_id: str) -> JobRecord | None:
        return (await self._read([job_id]))[0]

    async def list(self, state: JobState | str | None = None) -> tuple[JobRecord, ...]:
        members = await self._redis.smembers(self._index)
        ids = sorted(m.decode() if isinstance(m, bytes) else m for m in members)
        found: list[JobRecord] = []
        for start in range(0, len(ids), _LIST_CHUNK):
            chunk = await self._read(ids[start : start + _LIST_CHUNK])
            found.extend(record for record in chunk if record is not None)
        return sort_records(found, state)

    async def _read(self, job_ids: Sequence[str]) -> tuple[JobRecord | None, ...]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.get(self._job_key(job_id))
                pipe.pttl(self._lease_key(job_id))
            replies = await pipe.execute()
        now = utc_now()
        pairs = zip(replies[0::2], replies[1::2], strict=True)
        return tuple(_live_view(raw, pttl, now) for raw, pttl in pairs)

    async def close(self) -> None:
        """Close the client if this store made it; calling it again does nothing."""
        if not self._closed:
            self._closed = True
            if self._owns_client:
                await self._redis.aclose()

    def __repr__(self) -> str:
        return f"RedisJobStore(prefix={self.prefix!r}, lease_ttl={self.lease_ttl})"
