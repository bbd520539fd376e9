"""map_concurrent / iter_concurrent: order, outcomes, bounds, progress, cancellation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing

import pytest

from contactflow_automizy._progress import Progress
from contactflow_automizy.bulk.concurrent import Outcome, iter_concurrent, map_concurrent
from contactflow_automizy.errors import ConfigurationError


class Gauge:
    """Counts calls in flight and remembers the most seen at once."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    def __enter__(self) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        self.now -= 1


async def test_results_keep_input_order_whatever_the_finish_order() -> None:
    async def slow_for_small(n: int) -> int:
        await asyncio.sleep((10 - n) / 1000)
        return n * n

    outcomes = await map_concurrent(slow_for_small, range(10), concurrency=4)

    assert [o.index for o in outcomes] == list(range(10))
    assert [o.item for o in outcomes] == list(range(10))
    assert [o.unwrap() for o in outcomes] == [n * n for n in range(10)]


async def test_every_error_is_kept_in_its_outcome() -> None:
    async def picky(n: int) -> int:
        await asyncio.sleep(0)
        if n % 3 == 0:
            raise ValueError(f"no {n}")
        return n

    outcomes = await map_concurrent(picky, range(7), concurrency=3)

    assert len(outcomes) == 7
    failed = [o for o in outcomes if not o.ok]
    assert [o.index for o in failed] == [0, 3, 6]
    assert all(isinstance(o.error, ValueError) and o.value is None for o in failed)
    assert str(failed[1].error) == "no 3"
    with pytest.raises(ValueError, match="no 6"):
        failed[2].unwrap()
    assert [o.value for o in outcomes if o.ok] == [1, 2, 4, 5]


async def test_concurrency_is_bounded() -> None:
    gauge = Gauge()

    async def work(n: int) -> int:
        with gauge:
            await asyncio.sleep(0.002)
        return n

    outcomes = await map_concurrent(work, range(40), concurrency=5)

    assert len(outcomes) == 40
    assert gauge.peak == 5


async def test_a_slow_item_holds_back_at_most_a_window_of_others() -> None:
    release = asyncio.Event()
    started: list[int] = []

    async def work(n: int) -> int:
        started.append(n)
        if n == 0:
            await release.wait()
        return n

    async def consume() -> list[Outcome[int, int]]:
        return await map_concurrent(work, range(100), concurrency=2)

    task = asyncio.create_task(consume())
    for _ in range(50):
        await asyncio.sleep(0)
    assert len(started) == 4  # item 0 blocks; window = 2 x concurrency
    release.set()
    assert len(await asyncio.wait_for(task, 5)) == 100


async def test_progress_reports_running_counts() -> None:
    seen: list[Progress] = []

    async def work(n: int) -> int:
        if n == 2:
            raise RuntimeError("boom")
        return n

    before = time.perf_counter()
    await map_concurrent(work, [0, 1, 2, 3], concurrency=2, on_progress=seen.append)
    wall = time.perf_counter() - before

    assert [p.done for p in seen] == [1, 2, 3, 4]
    assert {p.total for p in seen} == {4}
    assert seen[-1].failed == 1
    # Seconds since the call began: never more than the call's own wall time.
    elapsed = [p.elapsed for p in seen]
    assert elapsed == sorted(elapsed)
    assert elapsed[0] >= 0 and elapsed[-1] <= wall


async def test_generators_are_read_lazily_and_have_no_total() -> None:
    pulled: list[int] = []

    def numbers() -> Iterator[int]:
        for n in range(1000):
            pulled.append(n)
            yield n

    seen: list[Progress] = []

    async def echo(n: int) -> int:
        return n

    async with aclosing(
        iter_concurrent(echo, numbers(), concurrency=3, on_progress=seen.append)
    ) as outcomes:
        async for outcome in outcomes:
            if outcome.index == 9:
                break

    assert len(pulled) <= 10 + 2 * 3
    assert seen and seen[0].total is None


async def test_async_iterables_are_accepted() -> None:
    async def numbers() -> AsyncIterator[int]:
        for n in range(20):
            await asyncio.sleep(0)
            yield n

    async def double(n: int) -> int:
        return 2 * n

    outcomes = await map_concurrent(double, numbers(), concurrency=4)

    assert [o.unwrap() for o in outcomes] == [2 * n for n in range(20)]


async def test_empty_input_gives_no_outcomes() -> None:
    async def never(n: int) -> int:
        raise AssertionError

    assert await map_concurrent(never, [], concurrency=2) == []


async def test_cancelling_the_call_cancels_and_awaits_every_task() -> None:
    before = asyncio.all_tasks()
    started = 0
    cancelled = 0

    async def forever(n: int) -> int:
        nonlocal started, cancelled
        started += 1
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return n

    task = asyncio.create_task(map_concurrent(forever, range(100), concurrency=6))
    for _ in range(100):
        if started == 6:
            break
        await asyncio.sleep(0)
    assert started == 6
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert cancelled == 6
    assert asyncio.all_tasks() == before


async def test_an_input_error_stops_the_work_and_propagates() -> None:
    before = asyncio.all_tasks()

    def broken() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    async def slow(n: int) -> int:
        await asyncio.sleep(3600)
        return n

    with pytest.raises(OSError, match="disk gone"):
        await map_concurrent(slow, broken(), concurrency=4)
    assert asyncio.all_tasks() == before


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
async def test_bad_concurrency_is_refused_at_once(bad: object) -> None:
    async def echo(n: int) -> int:
        return n

    with pytest.raises(ConfigurationError, match="concurrency"):
        iter_concurrent(echo, [1], concurrency=bad)  # type: ignore[arg-type]
