"""``ReclaimingStreamBroker``: taskiq-redis's stream broker, made to re-deliver within seconds.

taskiq-redis's ``RedisStreamBroker`` keeps each delivered message in the
consumer group's pending list until it is acknowledged (taskiq acknowledges
after the result is saved), which is what makes re-delivery possible at all.
But its own reclaim (``XAUTOCLAIM``) runs only after a read that returned new
messages, with a 10-minute idle timeout: a killed worker's job waited for the
next new job and then ten minutes more.  This subclass changes three things:

* **its own reclaim loop**: every pass of ``listen()`` first claims one pending
  message idle for ``idle_timeout`` seconds (scanning the whole pending list:
  ``XAUTOCLAIM`` looks at ten entries per call), and only then reads one new
  message, blocking at most ``idle_timeout / 2``, so an idle worker looks for
  abandoned jobs at least twice per idle timeout whether or not new jobs come;
* **one job fetched at a time** (``COUNT 1``): a worker never holds messages
  it is not running, which a dead worker would take down with it;
* **a heartbeat**: every ``idle_timeout / 3`` the worker re-claims the messages
  it is running (``XCLAIM ... JUSTID``, which resets their idle time), so a job
  that runs longer than the idle timeout is not taken from a live worker.

A dead worker's job is therefore re-delivered ``idle_timeout`` seconds after
its last heartbeat, to the next idle worker.  Should a stalled (not dead)
worker lose its message anyway, the job store's lease still lets only one run
of the job work at a time (the second waits, see :mod:`.tasks`).  A message
that kills every worker that takes it is re-delivered forever: taskiq-redis
keeps no delivery limit, so watch ``XPENDING`` for high delivery counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

from contactflow_automizy._validate import positive_number

__all__ = ["ReclaimingStreamBroker"]

log = logging.getLogger("contactflow_automizy.workers")

#: The shortest block of a read for new messages, in milliseconds.
_MIN_BLOCK_MS = 50


class ReclaimingStreamBroker(RedisStreamBroker):
    """A ``RedisStreamBroker`` that re-delivers a dead worker's job after ``idle_timeout`` s.

    ``queue_name`` names the stream and its consumer group. Use it with
    ``max_async_tasks=1`` and ``max_prefetch=0`` (what ``contactflow-automizy
    worker`` does), so each process runs one job at a time and holds no other.
    """

    def __init__(
        self,
        url: str,
        *,
        queue_name: str = "contactflow_automizy",
        idle_timeout: float = 30.0,
        **kwargs: Any,
    ) -> None:
        self.idle_seconds = positive_number("idle_timeout", idle_timeout)
        idle_ms = max(1, round(self.idle_seconds * 1000))
        super().__init__(
            url,
            queue_name=queue_name,
            consumer_group_name=queue_name,
            idle_timeout=idle_ms,
            xread_block=max(_MIN_BLOCK_MS, idle_ms // 2),
            **kwargs,
        )
        #: Message ids this process is running (not yet acknowledged): the heartbeat's work.
        self._running: set[bytes] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat())
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                for message_id, fields in await self._next(redis):
                    self._running.add(message_id)
                    yield AckableMessage(data=fields[b"data"], ack=self._ack(message_id))

    async def shutdown(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        await super().shutdown()

    async def _next(self, redis: Redis) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """One abandoned message if there is one, else one new message (or none in time)."""
        found = await self._claim_abandoned(redis)
        if found:
            return found
        fetched = await redis.xreadgroup(
            self.consumer_group_name,
            self.consumer_name,
            {self.queue_name: ">"},
            count=1,
            block=self.block,
        )
        streams = cast(list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]], fetched or [])
        return [m for _, messages in streams for m in messages if m[1]]

    async def _claim_abandoned(self, redis: Redis) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Claim one message idle for ``idle_timeout``, scanning the whole pending list.

        ``XAUTOCLAIM`` looks at no more than ten entries per call for ``COUNT 1``,
        so the cursor is followed to the end: with more running jobs than that, an
        abandoned one further down the list would otherwise never be found.
        """
        cursor: bytes | str = "0-0"
        while True:
            cursor, claimed, *_ = await redis.xautoclaim(
                self.queue_name,
                self.consumer_group_name,
                self.consumer_name,
                min_idle_time=self.idle_timeout,
                start_id=cursor,
                count=1,
            )
            # A message deleted from the stream while pending comes back without fields.
            found: list[tuple[bytes, dict[bytes, bytes]]] = [m for m in claimed if m[1]]
            if found or cursor in (b"0-0", "0-0"):
                return found

    def _ack(self, message_id: bytes) -> Callable[[], Awaitable[None]]:
        """taskiq-redis's ``XACK``, then the heartbeat lets the message go."""
        xack = self._ack_generator(id=message_id.decode(), queue_name=self.queue_name)

        async def ack() -> None:
            await xack()
            self._running.discard(message_id)

        return ack

    async def _beat(self) -> None:
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                await asyncio.sleep(self.idle_seconds / 3)
                if not self._running:
                    continue
                try:
                    await redis.xclaim(
                        self.queue_name,
                        self.consumer_group_name,
                        self.consumer_name,
                        min_idle_time=0,
                        message_ids=list(self._running),
                        justid=True,
                    )
                except RedisError as exc:  # the next beat tries again; the lease still guards
                    log.warning("queue heartbeat failed: %s", exc)
