"""The reclaiming broker on a real redis-server: a dead consumer's message comes back after
the idle timeout, a live one's never does, and a consumer holds one message at a time."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from taskiq import AckableMessage, BrokerMessage

from contactflow_automizy.errors import ConfigurationError
from contactflow_automizy.workers import ReclaimingStreamBroker
from tests.services.redis_server import RedisServer

IDLE = 0.4

BrokerFactory = Callable[..., Awaitable[ReclaimingStreamBroker]]


@pytest.fixture
async def make_broker(redis_server: RedisServer) -> AsyncIterator[BrokerFactory]:
    """``await make_broker(idle)``: a started consumer of this test's own queue."""
    queue = f"test-queue-{uuid.uuid4().hex}"
    made: list[ReclaimingStreamBroker] = []

    async def make(idle: float = IDLE) -> ReclaimingStreamBroker:
        broker = ReclaimingStreamBroker(redis_server.url, queue_name=queue, idle_timeout=idle)
        made.append(broker)
        await broker.startup()
        return broker

    yield make
    for broker in made:
        await broker.shutdown()


async def _kick(broker: ReclaimingStreamBroker, *payloads: bytes) -> None:
    for payload in payloads:
        message = BrokerMessage(task_id="t", task_name="n", message=payload, labels={})
        await broker.kick(message)


async def _pending(redis_server: RedisServer, broker: ReclaimingStreamBroker) -> int:
    async with Redis.from_url(redis_server.url) as redis:
        summary = await redis.xpending(broker.queue_name, broker.consumer_group_name)
        return int(summary["pending"])


async def _next(listening: AsyncIterator[AckableMessage], timeout: float = 10.0) -> AckableMessage:
    return await asyncio.wait_for(anext(listening), timeout)


async def test_a_dead_consumers_message_is_redelivered_after_the_idle_timeout(
    make_broker: BrokerFactory, redis_server: RedisServer
) -> None:
    dying, survivor = await make_broker(), await make_broker()
    await _kick(dying, b"job-1")

    taken = dying.listen()
    assert (await _next(taken)).data == b"job-1"
    await taken.aclose()  # dies: no acknowledgement, no more heartbeats
    await dying.shutdown()
    died_at = time.monotonic()

    redelivered = await _next(survivor.listen())
    assert redelivered.data == b"job-1"
    assert time.monotonic() - died_at >= IDLE * 0.9  # not before it was idle long enough
    await redelivered.ack()
    assert await _pending(redis_server, survivor) == 0


async def test_a_live_consumers_running_message_is_never_taken(
    make_broker: BrokerFactory, redis_server: RedisServer
) -> None:
    """The heartbeat keeps a job running for many idle timeouts its own; once
    acknowledged it is gone for good."""
    running, idle = await make_broker(), await make_broker()
    await _kick(running, b"long-job")
    message = await _next(running.listen())

    with pytest.raises(TimeoutError):
        await _next(idle.listen(), timeout=IDLE * 5)
    await message.ack()
    assert await _pending(redis_server, running) == 0
    with pytest.raises(TimeoutError):
        await _next(idle.listen(), timeout=IDLE * 3)


async def test_an_abandoned_message_behind_many_running_ones_is_found(
    make_broker: BrokerFactory, redis_server: RedisServer
) -> None:
    """XAUTOCLAIM looks at ten pending entries per call: the reclaim follows its cursor
    past 25 running jobs to the one abandoned message at the end."""
    idle = 1.0
    survivor = await make_broker(idle)
    await _kick(survivor, *(f"m{i}".encode() for i in range(26)))
    queue, group = survivor.queue_name, survivor.consumer_group_name
    async with Redis.from_url(redis_server.url) as redis:
        taken = await redis.xreadgroup(group, "gone", {queue: ">"}, count=26)
        ids = [message_id for message_id, _ in taken[0][1]]
        await asyncio.sleep(idle)
        # 25 are running (a live worker's heartbeat just reset them); the last is abandoned
        await redis.xclaim(
            queue, group, "alive", min_idle_time=0, message_ids=ids[:-1], justid=True
        )

    found = await _next(survivor.listen(), timeout=idle / 2)
    assert found.data == b"m25"


async def test_a_consumer_holds_one_message_at_a_time(
    make_broker: BrokerFactory, redis_server: RedisServer
) -> None:
    first, second = await make_broker(), await make_broker()
    await _kick(first, b"a", b"b")

    taken = (await _next(first.listen())).data
    assert await _pending(redis_server, first) == 1  # the other is still in the stream
    other = await _next(second.listen())
    assert {taken, other.data} == {b"a", b"b"}


def test_the_idle_timeout_must_be_positive(redis_server: RedisServer) -> None:
    with pytest.raises(ConfigurationError, match="idle_timeout"):
        ReclaimingStreamBroker(redis_server.url, idle_timeout=0)
