"""push_customers against a real loopback server: ordering, concurrency, cancellation, memory."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from contactflow_automizy import ContactflowClient
from contactflow_automizy.contactflow.batch_upload import PushResult
from contactflow_automizy.errors import BatchUploadError
from tests.bulk.conftest import BatchServer

AUTOMATION = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"
SOURCE = "33c81504-964f-4455-ac8b-47961f07cd05"


def people(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "userPk": f"user-{i:07d}",
            "attributes": {"email": f"user{i}@example.test", "firstName": "Ann", "n": i},
        }


async def test_first_alone_middles_bounded_last_after_every_middle(
    loopback_cf: ContactflowClient, batch_server: BatchServer
) -> None:
    batch_server.delay = 0.01

    result = await loopback_cf.push_customers(
        AUTOMATION, people(200), packet_size=10, concurrency=3
    )

    events = batch_server.events
    assert events[:2] == [("start", "FIRST"), ("end", "FIRST")]
    assert events[-2:] == [("start", "LAST"), ("end", "LAST")]
    assert {packet for _, packet in events[2:-2]} == {"MIDDLE"}
    assert batch_server.peak == 3
    assert [(p, n) for p, n, _ in batch_server.packets].count(("MIDDLE", 10)) == 18
    assert {source for _, _, source in batch_server.packets} == {result.source_uuid}
    assert batch_server.customers == result.customers == 200
    assert result.packets == 20


async def test_a_failing_middle_cancels_the_rest_and_rolls_back(
    loopback_cf: ContactflowClient, batch_server: BatchServer
) -> None:
    batch_server.delay = 0.01
    batch_server.fail_packet = 4
    before = asyncio.all_tasks()

    with pytest.raises(BatchUploadError) as caught:
        await loopback_cf.push_customers(
            AUTOMATION, people(10_000), packet_size=10, concurrency=4, source_uuid=SOURCE
        )

    assert caught.value.failed_packet == 4
    assert caught.value.rolled_back
    assert batch_server.deletes == [SOURCE]
    assert len(batch_server.packets) < 20  # stopped reading the stream at the failure
    assert asyncio.all_tasks() == before


async def _hung_upload(client: ContactflowClient, server: BatchServer) -> asyncio.Task[PushResult]:
    """An upload whose four MIDDLE packets are in flight and never answered."""
    server.hang = True
    task = asyncio.create_task(
        client.push_customers(
            AUTOMATION, people(1000), packet_size=10, concurrency=4, source_uuid=SOURCE
        )
    )
    for _ in range(500):
        if server.in_flight == 4:
            break
        await asyncio.sleep(0.01)
    assert server.in_flight == 4
    return task


async def test_cancelling_mid_flight_rolls_back_and_leaves_no_task(
    loopback_cf: ContactflowClient, batch_server: BatchServer
) -> None:
    before = asyncio.all_tasks()
    task = await _hung_upload(loopback_cf, batch_server)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)

    assert batch_server.deletes == [SOURCE]
    assert asyncio.all_tasks() == before


async def test_cancelling_again_during_the_rollback_lets_it_finish(
    loopback_cf: ContactflowClient, batch_server: BatchServer
) -> None:
    batch_server.delete_delay = 0.2
    before = asyncio.all_tasks()
    task = await _hung_upload(loopback_cf, batch_server)

    task.cancel()
    await asyncio.sleep(0.05)  # the rollback is under way
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)

    assert batch_server.deletes == [SOURCE]
    assert asyncio.all_tasks() == before


def _materialised_size(n: int) -> int:
    """Bytes held by ``n`` customers built at once (what the stream avoids)."""
    tracemalloc.start()
    try:
        held = list(people(n))
        size = tracemalloc.get_traced_memory()[0]
        del held
    finally:
        tracemalloc.stop()
    return size


async def test_two_hundred_thousand_customers_in_constant_memory(
    loopback_cf: ContactflowClient, batch_server: BatchServer
) -> None:
    total = 200_000
    tenth = _materialised_size(total // 10)
    await loopback_cf.push_customers(AUTOMATION, people(10), packet_size=5)  # warm the pool

    tracemalloc.start()
    try:
        result = await loopback_cf.push_customers(AUTOMATION, people(total))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert result.customers == total
    assert batch_server.customers == total + 10
    print(
        f"\npush_customers({total:,}): tracemalloc peak {peak / 2**20:.1f} MiB; "
        f"materialising {total // 10:,} of them: {tenth / 2**20:.1f} MiB"
    )
    assert peak < tenth  # less than a tenth of the stream held at once
