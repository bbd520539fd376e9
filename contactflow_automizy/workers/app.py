"""The taskiq app: a broker from the settings, the two tasks, and the per-process session.

``build_app(settings)`` gives a broker with the tasks registered under
stable names (``contactflow_automizy.push_customers_job``, ...), results kept
in Redis for ``result_ttl`` seconds (pickled whole, see :mod:`.results`), and worker
start-up / shut-down hooks that open and close the process's ``Session``.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import attrs
from taskiq import AsyncTaskiqDecoratedTask, TaskiqEvents, TaskiqState

from contactflow_automizy import CsvImportResult, PushResult
from contactflow_automizy.workers import tasks
from contactflow_automizy.workers.broker import ReclaimingStreamBroker
from contactflow_automizy.workers.results import PickledResultBackend
from contactflow_automizy.workers.settings import WorkerSettings

__all__ = ["TASK_NAMES", "WorkerApp", "build_app"]

TASK_NAMES = {
    "push_customers_job": "contactflow_automizy.push_customers_job",
    "import_csv_job": "contactflow_automizy.import_csv_job",
}
"""The queue names of the two tasks: stable, so producers and workers of different
versions agree."""


@attrs.frozen
class WorkerApp:
    """A broker and its two tasks (``await app.push_customers_job.kiq(...)`` queues a job)."""

    broker: ReclaimingStreamBroker
    push_customers_job: AsyncTaskiqDecoratedTask[[str, str, str], Coroutine[Any, Any, PushResult]]
    import_csv_job: AsyncTaskiqDecoratedTask[
        [str, list[int], str], Coroutine[Any, Any, CsvImportResult]
    ]


def build_app(settings: WorkerSettings) -> WorkerApp:
    """A broker for ``settings`` with both tasks and the session hooks registered."""
    backend = PickledResultBackend(
        settings.redis_url,
        result_ex_time=settings.result_ttl,
        prefix_str=settings.queue,
    )
    broker = ReclaimingStreamBroker(
        settings.redis_url, queue_name=settings.queue, idle_timeout=settings.idle_timeout
    ).with_result_backend(backend)

    async def open_session(state: TaskiqState) -> None:
        await tasks.open_resources(settings)

    async def close_session(state: TaskiqState) -> None:
        await tasks.close_resources()

    broker.add_event_handler(TaskiqEvents.WORKER_STARTUP, open_session)
    broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, close_session)
    push = broker.register_task(tasks.push_customers_job, TASK_NAMES["push_customers_job"])
    import_ = broker.register_task(tasks.import_csv_job, TASK_NAMES["import_csv_job"])
    # Results come back from the pickle as they were: taskiq's parsing of them into the
    # return annotation through pydantic would fail on the SDK's attrs classes.
    push.return_type = import_.return_type = None
    return WorkerApp(broker, push, import_)
