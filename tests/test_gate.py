"""``Gate``: places taken without a coroutine, handed over in order, never leaked by a cancel."""

from __future__ import annotations

import asyncio

from contactflow_automizy._gate import Gate


async def test_places_are_taken_until_none_is_free() -> None:
    gate = Gate(2)
    assert gate.try_enter() and gate.try_enter()
    assert not gate.try_enter()
    gate.leave()
    assert gate.try_enter()


async def test_waiters_get_places_in_order() -> None:
    gate = Gate(1)
    assert gate.try_enter()
    order: list[int] = []

    async def wait(number: int) -> None:
        await gate.enter()
        order.append(number)

    tasks = [asyncio.create_task(wait(n)) for n in range(3)]
    await asyncio.sleep(0)
    assert not gate.try_enter()  # a newcomer does not jump the line
    for _ in range(3):
        gate.leave()
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2]


async def test_a_cancelled_wait_takes_no_place() -> None:
    gate = Gate(1)
    assert gate.try_enter()
    waiting = asyncio.create_task(gate.enter())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    gate.leave()
    assert gate.try_enter()  # the place came back, not to the cancelled waiter


async def test_a_waiter_cancelled_after_its_place_was_handed_over_passes_it_on() -> None:
    gate = Gate(1)
    assert gate.try_enter()
    first = asyncio.create_task(gate.enter())
    second = asyncio.create_task(gate.enter())
    await asyncio.sleep(0)
    gate.leave()  # handed to the first...
    first.cancel()  # ...which is cancelled before it runs
    await asyncio.gather(first, return_exceptions=True)
    await asyncio.wait_for(second, 1)  # the second got it
    assert not gate.try_enter()
    gate.leave()
    assert gate.try_enter()
