"""Job-queue workers on Redis: taskiq with taskiq-redis (the ``workers`` extra).

Why taskiq and not arq
----------------------
Both are asyncio job queues on Redis.  arq 0.28 pins ``redis<6`` while this
SDK's ``redis`` extra and its job store and limiter run on redis-py 8, and it
re-runs a killed worker's job only after the job timeout + 10 s, with a retry
loop of its own that would fight the job store's lease.  taskiq-redis is built
on redis-py 8, keeps unacknowledged messages in a Redis stream's consumer
group (acknowledged only after the result is saved), and its broker is a small
class whose reclaim we can fix: its own reclaims only after a read that
returned new messages, with a 10-minute idle timeout.
:class:`~.broker.ReclaimingStreamBroker` claims abandoned messages on every
pass, fetches one job at a time and keeps running jobs' messages fresh with a
heartbeat, so a dead worker's job is re-delivered ``CFA_QUEUE_IDLE_TIMEOUT``
seconds (default 30; 2 in the fleet test) after its last heartbeat.

Using it
--------
Start workers (each one process, one job at a time)::

    CFA_REDIS_URL=redis://redis:6379/0 CFA_RATE_LIMIT=40 contactflow-automizy worker

(or ``taskiq worker contactflow_automizy.workers:broker --max-async-tasks 1
--max-prefetch 0``), and queue jobs from anywhere that sees the same Redis::

    from contactflow_automizy.workers import broker, push_customers_job

    await broker.startup()
    task = await push_customers_job.kiq("crm-sync-2026-12-02", automation_uuid, "/data/c.csv")
    result = await task.wait_result()      # result.return_value: PushResult

``broker``, ``push_customers_job`` and ``import_csv_job`` are built from the
environment when this module is imported (:mod:`.settings` lists the
variables); :func:`~.app.build_app` builds another set from explicit
settings.  Each worker process opens one ``Session`` on start-up (the shared
``RedisRateLimiter`` when ``CFA_RATE_LIMIT`` is set, the job store) and closes
it on shut-down.  The jobs run under the caller's job id (:mod:`.tasks`), so a
re-delivered job is safe: done jobs answer their stored result, interrupted
ones start again from the start of the file.
"""

from contactflow_automizy._extras import require

require("taskiq_redis", "workers")

from contactflow_automizy.workers.app import TASK_NAMES, WorkerApp, build_app  # noqa: E402
from contactflow_automizy.workers.broker import ReclaimingStreamBroker  # noqa: E402
from contactflow_automizy.workers.settings import WorkerSettings  # noqa: E402

__all__ = [
    "TASK_NAMES",
    "ReclaimingStreamBroker",
    "WorkerApp",
    "WorkerSettings",
    "app",
    "broker",
    "build_app",
    "import_csv_job",
    "push_customers_job",
]

app = build_app(WorkerSettings.from_env())
"""The app built from this process's environment (``CFA_*`` variables)."""
broker = app.broker
"""The taskiq broker workers consume and producers ``startup()`` before queueing."""
push_customers_job = app.push_customers_job
"""Task ``push_customers_job(job_id, automation_uuid, source)``: a CSV or JSON Lines
file of customers pushed as one durable job; safe to deliver twice."""
import_csv_job = app.import_csv_job
"""Task ``import_csv_job(job_id, list_ids, source)``: a CSV of contacts imported as one
durable job; safe to deliver twice."""
