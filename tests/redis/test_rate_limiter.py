"""RedisRateLimiter on a real redis-server: one budget for many processes, pause, cancellation.

The multi-process tests start real Python processes (``limiter_process.py``)
that begin together at one wall-clock instant.  Bounds on "at most" are the
limit's own; bounds on "at least" are generous, for a loaded machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import redis
from aioresponses import aioresponses
from redis.asyncio import Redis

from contactflow_automizy import ConfigurationError, ContactflowClient, RateLimitError, Session
from contactflow_automizy.redis import RedisRateLimiter
from tests.conftest import CF_BASE, NODE, TOKEN, NoSleep
from tests.services.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0


@pytest.fixture
def key() -> str:
    return f"test-limiter:{uuid.uuid4().hex}"


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    async with Redis.from_url(redis_server.url) as redis_client:
        yield redis_client


async def run_processes(
    redis_server: RedisServer,
    groups: Sequence[tuple[str, int, bool]],
    *,
    rate: float,
    burst: int,
    duration: float,
    meanwhile: Any = None,
) -> tuple[float, list[list[list[float]]]]:
    """Start ``count`` processes per ``(key, count, local)`` group, all at one instant.

    Returns the start time and, per group, each process's permit times.
    ``meanwhile(start)`` runs in this process while they work.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs: list[tuple[int, asyncio.subprocess.Process]] = []
    try:
        for index, (key, count, local) in enumerate(groups):
            for _ in range(count):
                args = [redis_server.url, key, str(rate), str(burst), str(duration)]
                proc = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.redis.limiter_process",
                    *args,
                    *(["--local"] if local else []),
                    cwd=ROOT,
                    env=env,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
                procs.append((index, proc))
        for _, proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), STARTUP_TIMEOUT)
            assert line == b"ready\n", line
        start = time.time() + 0.3
        for _, proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(f"{start}\n".encode())
            await proc.stdin.drain()
        if meanwhile is not None:
            await meanwhile(start)
        stamps: list[list[list[float]]] = [[] for _ in groups]
        for index, proc in procs:
            out, _ = await asyncio.wait_for(proc.communicate(), duration + STARTUP_TIMEOUT)
            assert proc.returncode == 0
            stamps[index].append(json.loads(out))
        return start, stamps
    finally:
        for _, proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def test_three_processes_on_one_key_send_what_one_limit_allows(
    redis_server: RedisServer, key: str
) -> None:
    rate, burst, duration = 20.0, 10, 3.0
    _, (shared, local) = await run_processes(
        redis_server, [(key, 3, False), (key, 3, True)], rate=rate, burst=burst, duration=duration
    )
    shared_total = sum(map(len, shared))
    local_total = sum(map(len, local))
    allowed = rate * duration
    assert shared_total <= allowed * 1.1 + burst
    assert shared_total >= allowed * 0.7
    assert all(shared), "every process got permits"
    # The same three processes with one bucket each send about three times as much.
    assert local_total >= allowed * 2.5
    assert local_total > 2 * shared_total


async def test_a_pause_from_one_process_holds_the_others(
    redis_server: RedisServer, key: str
) -> None:
    pause = 1.5
    moments: dict[str, float] = {}

    async def pause_after_a_second(start: float) -> None:
        async with RedisRateLimiter(redis_server.url, key, 20.0, burst=5) as limiter:
            await asyncio.sleep(start + 1.0 - time.time())
            moments["called"] = time.time()
            await limiter.pause(pause)
            moments["returned"] = time.time()

    _, (workers,) = await run_processes(
        redis_server,
        [(key, 2, False)],
        rate=20.0,
        burst=5,
        duration=3.5,
        meanwhile=pause_after_a_second,
    )
    held_from = moments["returned"] + 0.2  # a permit already on its way may still land
    held_until = moments["called"] + pause
    for stamps in workers:
        assert any(stamp < moments["called"] for stamp in stamps), "it was sending before"
        assert not [stamp for stamp in stamps if held_from <= stamp < held_until]
    assert any(stamp >= held_until for stamps in workers for stamp in stamps), "they resume"


async def test_a_cancelled_wait_spends_no_permit(
    redis_server: RedisServer, key: str, client: Redis
) -> None:
    async with RedisRateLimiter(redis_server.url, key, 0.1, burst=1) as limiter:
        await limiter.acquire()  # the only permit; the next is 10 s away
        state = await client.hgetall(key)
        waiter = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.3)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert await client.hgetall(key) == state


class HoldingRedis(Redis):
    """Holds the answer of the next script call until released: a cancel lands mid-round-trip."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hold_next_script = True
        self.answered = asyncio.Event()
        self.release = asyncio.Event()

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        result = await super().execute_command(*args, **options)
        if args[0] == "EVALSHA" and self.hold_next_script:
            self.hold_next_script = False
            self.answered.set()
            await self.release.wait()
        return result


async def test_a_permit_granted_to_a_cancelled_acquire_is_given_back(
    redis_server: RedisServer, key: str
) -> None:
    async with HoldingRedis.from_url(redis_server.url) as holding:
        limiter = RedisRateLimiter(holding, key, 0.1, burst=3)
        waiter = asyncio.create_task(limiter.acquire())
        await asyncio.wait_for(holding.answered.wait(), 10)  # Redis granted a permit
        waiter.cancel()
        await asyncio.sleep(0)
        holding.release.set()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        for _ in range(3):  # the whole burst is still there
            await asyncio.wait_for(limiter.acquire(), 5)
        with pytest.raises(TimeoutError):  # and no more: the next permit is 10 s away
            await asyncio.wait_for(limiter.acquire(), 1)


async def test_a_pause_only_moves_later_and_its_key_expires(
    redis_server: RedisServer, key: str, client: Redis
) -> None:
    async with RedisRateLimiter(redis_server.url, key, 10) as limiter:
        before_ms = time.time_ns() // 1_000_000
        await limiter.pause(5)
        await limiter.pause(1)  # shorter: must not cut the first one short
        paused_until = int(await client.get(f"{key}:paused-until"))
        assert before_ms + 5000 <= paused_until <= time.time() * 1000 + 5000
        assert 4000 < await client.pttl(f"{key}:paused-until") <= 6000


async def test_a_429_with_retry_after_holds_every_process_on_the_key(
    redis_server: RedisServer, key: str, mocked: aioresponses, no_sleep: NoSleep
) -> None:
    mocked.get(f"{CF_BASE}/nodes/{NODE}", status=429, headers={"Retry-After": "5"})
    async with (
        RedisRateLimiter(redis_server.url, key, 10) as told,
        RedisRateLimiter(redis_server.url, key, 10) as other,
        Session(rate_limit=told, max_retries=0, sleep=no_sleep) as session,
        ContactflowClient(TOKEN, NODE, CF_BASE, session=session) as cf,
    ):
        with pytest.raises(RateLimitError):
            await cf.get_node(NODE)
        with pytest.raises(TimeoutError):  # the other limiter waits out the server's 5 s
            await asyncio.wait_for(other.acquire(), 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("k", 0), "rate"),
        (("k", -5), "rate"),
        (("k", 10, 0), "burst"),
        (("", 10), "key"),
    ],
)
def test_bad_settings_are_configuration_errors(
    redis_server: RedisServer, args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        RedisRateLimiter(redis_server.url, *args)


def test_a_sync_client_or_a_non_redis_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError, match=r"redis\.asyncio"):
        RedisRateLimiter(redis.Redis(), "k", 10)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="not a valid Redis URL") as info:
        RedisRateLimiter("http://user:hunter2@example.test", "k", 10)
    assert "hunter2" not in str(info.value)


def test_the_password_in_the_url_stays_out_of_repr() -> None:
    limiter = RedisRateLimiter("redis://:hunter2@127.0.0.1:6399/0", "k", 10)
    assert "hunter2" not in repr(limiter)
    assert "hunter2" not in repr(vars(limiter))


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyrate_limiter", None)
    with pytest.raises(ConfigurationError, match=r"contactflow_automizy\[redis\]"):
        RedisRateLimiter("redis://127.0.0.1:6399/0", "k", 10)
