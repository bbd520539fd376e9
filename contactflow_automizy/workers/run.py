"""Run one worker process until SIGTERM or SIGINT: one job at a time, then a clean shut-down."""

from __future__ import annotations

import asyncio
import signal

from taskiq.api import run_receiver_task

from contactflow_automizy.workers.broker import ReclaimingStreamBroker

__all__ = ["run_worker"]


async def run_worker(broker: ReclaimingStreamBroker) -> None:
    """Serve ``broker``'s queue: one job at a time, none held in advance (``max_prefetch=0``).

    Start-up opens the process's ``Session``; shut-down (SIGTERM, SIGINT, or
    cancelling this coroutine) stops the running job, whose message stays
    pending and is re-delivered to another worker after the idle timeout, and
    closes the session.
    """
    loop = asyncio.get_running_loop()
    serving = asyncio.current_task()
    assert serving is not None  # a coroutine run by asyncio always has a task
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, serving.cancel)
    broker.is_worker_process = True
    await broker.startup()
    try:
        await run_receiver_task(broker, max_async_tasks=1, max_prefetch=0)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await broker.shutdown()
