"""LocalRateLimiter on an injected clock, and how a Session uses any RateLimiter."""

from __future__ import annotations

import asyncio
import math

import pytest
from aioresponses import aioresponses

from contactflow_automizy import (
    ConfigurationError,
    ContactflowClient,
    LocalRateLimiter,
    RateLimiter,
    RateLimitError,
    RetryPolicy,
    Session,
)
from tests.conftest import CF_BASE, NODE, TOKEN, NoSleep

NODE_URL = f"{CF_BASE}/nodes/{NODE}"


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def limiter_on(fake: FakeTime, rate: float, burst: int | None = None) -> LocalRateLimiter:
    return LocalRateLimiter(rate, burst, clock=fake.clock, sleep=fake.sleep)


async def test_spaces_requests_and_refills_only_up_to_the_burst() -> None:
    fake = FakeTime()
    limiter = limiter_on(fake, rate=10, burst=2)
    for _ in range(5):
        await limiter.acquire()
    assert fake.waits == pytest.approx([0.1, 0.1, 0.1])
    fake.now += 1.0  # idle time refills up to the burst only
    await limiter.acquire()
    await limiter.acquire()
    assert len(fake.waits) == 3
    await limiter.acquire()
    assert len(fake.waits) == 4


@pytest.mark.parametrize("rate", [1, 3, 20, 50, 7.5])
async def test_default_burst_keeps_every_5s_window_within_10_percent(rate: float) -> None:
    fake = FakeTime()
    limiter = limiter_on(fake, rate)
    assert limiter.burst == max(1, math.floor(rate / 2))
    sent = 0
    while True:
        await limiter.acquire()
        if fake.now >= 5.0:
            break
        sent += 1
    # The window [0, 5) holds the burst plus one permit per interval after the first.
    assert rate * 5 + limiter.burst - 1 <= sent <= rate * 5 + limiter.burst
    assert sent <= max(rate * 5 * 1.1, rate * 5 + 1)


async def test_pause_holds_acquire_and_only_ever_moves_later() -> None:
    fake = FakeTime()
    limiter = limiter_on(fake, rate=100, burst=5)
    await limiter.pause(2.0)
    await limiter.pause(0.5)  # shorter: must not cut the first one short
    await limiter.acquire()
    assert fake.now == pytest.approx(2.0)
    await limiter.pause(3.0)
    await limiter.acquire()
    assert fake.now == pytest.approx(5.0)


async def test_a_cancelled_acquire_spends_nothing_and_holds_nothing() -> None:
    now = [0.0]
    sleeping = asyncio.Event()

    async def sleep_until_cancelled(seconds: float) -> None:
        sleeping.set()
        await asyncio.Event().wait()

    limiter = LocalRateLimiter(10, burst=1, clock=lambda: now[0], sleep=sleep_until_cancelled)
    await limiter.acquire()  # spends the only token
    waiter = asyncio.create_task(limiter.acquire())
    await sleeping.wait()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    now[0] = 0.1  # one token's worth of time: exactly one permit is due, not zero
    await asyncio.wait_for(limiter.acquire(), 1.0)  # and the lock was released


@pytest.mark.parametrize("rate", [0, -1, 0.0, math.nan, math.inf, True, "5"])
def test_a_rate_that_is_not_a_positive_number_is_a_configuration_error(rate: object) -> None:
    with pytest.raises(ConfigurationError, match="rate"):
        LocalRateLimiter(rate)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="rate"):
        Session(rate_limit=rate)  # type: ignore[arg-type]


@pytest.mark.parametrize("burst", [0, -2, 1.5])
def test_a_burst_below_one_is_a_configuration_error(burst: object) -> None:
    with pytest.raises(ConfigurationError, match="burst"):
        LocalRateLimiter(10, burst)  # type: ignore[arg-type]


class RecordingLimiter:
    """Any object with acquire() and pause() is a RateLimiter."""

    def __init__(self) -> None:
        self.acquired = 0
        self.pauses: list[float] = []

    async def acquire(self) -> None:
        self.acquired += 1

    async def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)


async def test_a_session_acquires_before_every_attempt_and_pauses_on_429_retry_after(
    mocked: aioresponses, no_sleep: NoSleep
) -> None:
    limiter = RecordingLimiter()
    assert isinstance(limiter, RateLimiter)
    mocked.get(NODE_URL, status=429, headers={"Retry-After": "3"})
    mocked.get(NODE_URL, status=503, headers={"Retry-After": "2"})  # not a rate limit: no pause
    mocked.get(NODE_URL, status=429)  # no Retry-After: nothing to share
    mocked.get(NODE_URL, payload={"uuid": NODE})
    async with (
        Session(rate_limit=limiter, sleep=no_sleep, random=lambda: 1.0) as session,
        ContactflowClient(TOKEN, NODE, CF_BASE, session=session) as cf,
    ):
        assert (await cf.get_node(NODE)).uuid == NODE
    assert limiter.acquired == 4
    assert limiter.pauses == [3.0]
    assert no_sleep.delays[0] == 3.0  # this process waits as long as it asks the others to


async def test_the_pause_is_capped_like_the_retry_and_sent_even_without_a_retry(
    mocked: aioresponses, no_sleep: NoSleep
) -> None:
    limiter = RecordingLimiter()
    mocked.get(NODE_URL, status=429, headers={"Retry-After": "3600"})
    policy = RetryPolicy(max_retries=0, max_retry_after=30.0)
    async with (
        Session(rate_limit=limiter, retry_policy=policy, sleep=no_sleep) as session,
        ContactflowClient(TOKEN, NODE, CF_BASE, session=session) as cf,
    ):
        with pytest.raises(RateLimitError):
            await cf.get_node(NODE)
    assert limiter.pauses == [30.0]


def test_a_number_makes_a_local_limiter_and_other_values_are_refused() -> None:
    assert isinstance(Session(rate_limit=20)._rate_limiter, LocalRateLimiter)
    assert Session()._rate_limiter is None
    with pytest.raises(ConfigurationError, match="RateLimiter"):
        Session(rate_limit=object())  # type: ignore[arg-type]
