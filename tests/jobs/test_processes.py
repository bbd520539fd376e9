"""Real processes: many claim one job at once, and a killed owner's job is taken over.

Each process runs ``tests/jobs/claimer.py``; the processes start together
(each waits for a line on stdin), so their claims really race on SQLite's
write lock or on Redis' WATCH.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contactflow_automizy import JobInProgressError
from contactflow_automizy.jobs import SourceState
from tests.jobs.claimer import KIND, TARGET, open_store
from tests.services.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


class Claimer:
    """One ``claimer`` process; stopped by its pid when the test ends."""

    def __init__(self, store_url: str, prefix: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.jobs.claimer",
                store_url,
                "job-1",
                "--prefix",
                prefix,
                *args,
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def line(self) -> str:
        assert self.proc.stdout is not None
        text = self.proc.stdout.readline()
        assert text, f"claimer {self.proc.pid} exited with {self.proc.wait()}"
        return text.strip()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def outcome(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self.line())
        return answer

    def stop(self) -> int:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()


@pytest.fixture
def claimers(redis_prefix: str) -> Iterator[list[Claimer]]:
    started: list[Claimer] = []
    yield started
    for claimer in started:
        if claimer.proc.poll() is None:
            claimer.proc.kill()
        claimer.stop()


def test_processes_claiming_one_job_at_once_exactly_one_wins(
    store_url: str, redis_prefix: str, claimers: list[Claimer]
) -> None:
    claimers.extend(Claimer(store_url, redis_prefix) for _ in range(5))
    for claimer in claimers:
        assert claimer.line() == "ready"
    for claimer in claimers:
        claimer.go()
    outcomes = [claimer.outcome() for claimer in claimers]
    winners = [o for o in outcomes if o["won"]]
    assert len(winners) == 1, outcomes
    for loser in (o for o in outcomes if not o["won"]):
        assert datetime.fromisoformat(loser["expires_at"]) > datetime.now(UTC)
    for claimer in claimers:
        assert claimer.stop() == 0

    async def check() -> None:
        store = open_store(store_url, redis_prefix, 30.0)
        try:
            record = await store.get("job-1")
        finally:
            await store.close()
        assert record is not None and record.lease is None  # the winner released it on exit

    asyncio.run(check())


def test_a_killed_owners_job_is_taken_over_after_its_lease_expires(
    store_url: str, redis_prefix: str, claimers: list[Claimer]
) -> None:
    ttl = 1.5
    owner = Claimer(store_url, redis_prefix, "--ttl", str(ttl), "--source", "source-a")
    claimers.append(owner)
    assert owner.line() == "ready"
    owner.go()
    assert owner.outcome()["won"]  # claimed, source written ahead, lease being renewed
    os.kill(owner.proc.pid, signal.SIGKILL)
    assert owner.proc.wait(timeout=10) == -signal.SIGKILL

    async def take_over() -> None:
        store = open_store(store_url, redis_prefix, ttl)
        try:
            with pytest.raises(JobInProgressError) as caught:  # not before the lease expires
                await store.claim("job-1", kind=KIND, target=TARGET, owner="next")
            wait = (caught.value.expires_at - datetime.now(UTC)).total_seconds()
            assert 0 < wait <= ttl
            await asyncio.sleep(wait + 0.05)
            record = await store.claim("job-1", kind=KIND, target=TARGET, owner="next")
        finally:
            await store.close()
        assert record.owned_by("next")
        assert record.attempt == 1
        assert [(s.uuid, s.state) for s in record.sources] == [("source-a", SourceState.OPEN)]

    asyncio.run(take_over())
