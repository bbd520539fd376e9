"""Durable jobs: records, the ``JobStore`` protocol and its stores, one run's lifecycle.

Core-level: imports no API package. ``push_customers(job_id=...)`` and
``import_csv(job_id=...)`` build on :func:`claim_job`; ``RedisJobStore``
lives in :mod:`contactflow_automizy.redis` (extra ``redis``).
"""

from contactflow_automizy.jobs.memory import MemoryJobStore
from contactflow_automizy.jobs.records import JobRecord, JobState, Lease, SourceRecord, SourceState
from contactflow_automizy.jobs.rules import (
    CLEANUP_GRACE,
    CleanupCandidate,
    cleanup_candidates,
    cleanup_sources,
)
from contactflow_automizy.jobs.run import JobRun, claim_job
from contactflow_automizy.jobs.sqlite import SQLiteJobStore
from contactflow_automizy.jobs.store import JobStore, TransactionalJobStore

__all__ = [
    "CLEANUP_GRACE",
    "CleanupCandidate",
    "JobRecord",
    "JobRun",
    "JobState",
    "JobStore",
    "Lease",
    "MemoryJobStore",
    "SQLiteJobStore",
    "SourceRecord",
    "SourceState",
    "TransactionalJobStore",
    "claim_job",
    "cleanup_candidates",
    "cleanup_sources",
]
