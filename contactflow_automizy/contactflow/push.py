"""``push_customers``, the public call: one batch attempt, or a durable job with ``job_id=``.

Without a job id it runs one :class:`~.batch_upload.BatchAttempt` under the
given or a random source uuid; with one, the job of :mod:`.batch_jobs`, whose
attempts pick their own source uuids (so ``source_uuid=`` with ``job_id=`` is
refused).  Everything that can be refused is refused before any request.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from contactflow_automizy._progress import ProgressCallback
from contactflow_automizy._raw_response import multi_request
from contactflow_automizy._validate import uuid_text
from contactflow_automizy.bulk._streams import Items
from contactflow_automizy.contactflow import batch_jobs
from contactflow_automizy.contactflow.batch_jobs import SourceCleanup
from contactflow_automizy.contactflow.batch_upload import BatchAttempt, CustomerInput, PushResult
from contactflow_automizy.contactflow.customers import CustomersMixin
from contactflow_automizy.contactflow.models import BatchNotification
from contactflow_automizy.errors import ConfigurationError
from contactflow_automizy.jobs import CLEANUP_GRACE, JobStore
from contactflow_automizy.jobs.run import required_store, store_for

__all__ = ["BatchUploadMixin"]


class BatchUploadMixin(CustomersMixin):
    @multi_request
    async def push_customers(
        self,
        automation_uuid: str,
        customers: Items[CustomerInput],
        *,
        packet_size: int = 1000,
        concurrency: int = 4,
        source_label: str | None = None,
        source_uuid: str | None = None,
        notification: BatchNotification | Mapping[str, Any] | None = None,
        node: str | None = None,
        on_progress: ProgressCallback | None = None,
        job_id: str | None = None,
        job_store: JobStore | None = None,
    ) -> PushResult:
        """Upload a stream of customers as one batch: all of it, or (rolled back) none.

        ``customers`` is a sync or async iterable of models or wire-named dicts,
        read in constant memory.  Failure raises :class:`BatchUploadError`; see
        :mod:`contactflow_automizy.contactflow.batch_upload` for the protocol.
        ``job_id`` makes it a durable job, exactly once however often it runs
        (:mod:`contactflow_automizy.contactflow.batch_jobs`), kept in
        ``job_store`` or the session's.
        """
        store = store_for(job_id, job_store, self.session.job_store)
        if store is not None:
            if source_uuid is not None:
                raise ConfigurationError(
                    "source_uuid= cannot be used with job_id=: each attempt of a job gets a new "
                    "source"
                )
            automation_uuid = uuid_text("automation_uuid", automation_uuid).lower()
        # Built before the job is claimed, so a bad argument fails first; a run of
        # the job makes at most one attempt, under this new source.
        attempt = BatchAttempt(
            self,
            automation_uuid,
            str(uuid.uuid4()) if source_uuid is None else source_uuid,
            packet_size=packet_size,
            concurrency=concurrency,
            source_label=source_label,
            notification=notification,
            node=node,
            on_progress=on_progress,
        )
        if store is None:
            return await attempt.run(customers)
        assert job_id is not None
        return await batch_jobs.push_job(
            self,
            store,
            job_id,
            automation_uuid,
            customers,
            attempt=attempt,
            packet_size=packet_size,
            node=node,
        )

    async def cleanup_jobs(
        self,
        *,
        job_store: JobStore | None = None,
        dry_run: bool = False,
        grace: float = CLEANUP_GRACE,
    ) -> list[SourceCleanup]:
        """Delete batch sources that push jobs left open; what was (or would be) deleted.

        ``open`` sources of jobs that are not done and whose lease has expired,
        and ``unknown`` ones (a FIRST that may have arrived late) once ``grace``
        seconds have passed, of done jobs too.  ``dry_run`` sends nothing.
        """
        store = required_store("cleanup_jobs", job_store, self.session.job_store)
        return await batch_jobs.cleanup_jobs(self, store, dry_run=dry_run, grace=grace)
