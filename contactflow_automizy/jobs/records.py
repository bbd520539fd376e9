"""What a job store keeps about one job, and its JSON form.

Decisions kept here:

* records are immutable (``attrs.frozen``); every change is a new record made
  by a pure rule in :mod:`~contactflow_automizy.jobs.rules`;
* a record is stored as JSON made by the package's cattrs converter, never
  pickled, so moving or renaming a class never breaks a stored job;
* ``target`` is one canonical string (the automation uuid, or the list ids
  joined by commas), compared for equality: a job id means one piece of work;
* every attempt's batch source is remembered with its own state (SPEC 11),
  so a source is never forgotten while the server may still hold it open.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs
import orjson

from contactflow_automizy._converter import converter

__all__ = [
    "JobRecord",
    "JobState",
    "Lease",
    "SourceRecord",
    "SourceState",
    "decode_record",
    "encode_record",
]


class JobState(enum.StrEnum):
    """Where a job stands.

    ``running``: claimed, an attempt may be under way; if its lease has
    expired, the process running it died. ``failed``: the last attempt ended
    with an error and said so. ``done``: completed; ``result`` holds what the
    call returned. Re-runs treat ``running`` with an expired lease and
    ``failed`` alike: settle the old sources, start a new attempt.
    """

    RUNNING = "running"
    FAILED = "failed"
    DONE = "done"


class SourceState(enum.StrEnum):
    """One attempt's batch source, as far as the job knows.

    ``open``: written ahead of its FIRST packet, so the server may hold it
    open. ``deleted``: a DELETE removed it. ``closed``: its LAST was answered
    (or a DELETE said it is closed), its customers are in. ``unknown``: a FIRST
    whose fate is unknown and whose DELETE found nothing - it may still arrive
    late, so cleanup deletes it again after a grace period.
    """

    OPEN = "open"
    DELETED = "deleted"
    CLOSED = "closed"
    UNKNOWN = "unknown"


@attrs.frozen
class SourceRecord:
    """One attempt's source uuid and its state ``since`` when."""

    uuid: str
    attempt: int
    state: SourceState
    since: datetime


@attrs.frozen
class Lease:
    """Who runs the job now, and until when unless renewed."""

    owner: str
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return self.expires_at > now


@attrs.frozen
class JobRecord:
    """Everything a store keeps about one job (SPEC 8 and 11)."""

    job_id: str
    kind: str
    target: str
    created_at: datetime
    updated_at: datetime
    attempt: int = 0
    state: JobState = JobState.RUNNING
    sources: tuple[SourceRecord, ...] = ()
    counts: dict[str, int] = attrs.field(factory=dict)
    #: What the completed call returned, as JSON data (see ``JobRun.result_as``).
    result: dict[str, Any] | None = None
    lease: Lease | None = None

    @property
    def done(self) -> bool:
        return self.state is JobState.DONE

    def source(self, uuid: str) -> SourceRecord | None:
        return next((s for s in self.sources if s.uuid == uuid), None)

    def lease_live(self, now: datetime) -> bool:
        return self.lease is not None and self.lease.live(now)

    def owned_by(self, owner: str) -> bool:
        return self.lease is not None and self.lease.owner == owner


def encode_record(record: JobRecord) -> bytes:
    return orjson.dumps(converter.unstructure(record))


def decode_record(data: bytes | str) -> JobRecord:
    return converter.structure(orjson.loads(data), JobRecord)
