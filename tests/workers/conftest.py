"""Fixtures for the worker tests: the emulator in its own process, and a queue of one's own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator, Sequence

import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient
from contactflow_automizy.workers import WorkerApp, WorkerSettings, build_app
from tests.services.emulator_process import EmulatorProcess, run_emulator
from tests.services.redis_server import RedisServer


@pytest.fixture
def emulator() -> Iterator[EmulatorProcess]:
    with run_emulator() as emu:
        yield emu


@pytest.fixture
def settings(redis_server: RedisServer) -> WorkerSettings:
    """A queue, limiter key and job-store prefix no other test shares."""
    return WorkerSettings(
        redis_url=redis_server.url,
        queue=f"q-{uuid.uuid4().hex}",
        idle_timeout=2.0,
        rate_limit_key=f"rate-{uuid.uuid4().hex}",
        lease_ttl=2.0,
    )


@pytest.fixture
async def app(settings: WorkerSettings) -> AsyncIterator[WorkerApp]:
    """The queueing side: kicks jobs and reads their results."""
    queued = build_app(settings)
    await queued.broker.startup()
    yield queued
    await queued.broker.shutdown()


def worker_env(settings: WorkerSettings, emulator: EmulatorProcess) -> dict[str, str]:
    """The environment a worker process needs for ``settings`` and ``emulator``."""
    env = {
        **emulator.client_env(),
        "CFA_REDIS_URL": settings.redis_url,
        "CFA_QUEUE": settings.queue,
        "CFA_QUEUE_IDLE_TIMEOUT": str(settings.idle_timeout),
        "CFA_RATE_LIMIT_KEY": settings.rate_limit_key,
        "CFA_LEASE_TTL": str(settings.lease_ttl),
    }
    if settings.rate_limit is not None:
        env["CFA_RATE_LIMIT"] = str(settings.rate_limit)
    if settings.rate_burst is not None:
        env["CFA_RATE_BURST"] = str(settings.rate_burst)
    return env


async def create_targets(
    emulator: EmulatorProcess, automations: Sequence[str], lists: Sequence[str]
) -> tuple[list[str], list[int | None]]:
    """Automations and contact lists of these names on ``emulator``: their uuids and ids."""
    uuids: list[str] = []
    async with (
        ContactflowClient(emulator.token, emulator.node, emulator.contactflow_url) as cf,
        AutomizyClient(emulator.api_key, emulator.base_url) as az,
    ):
        for name in automations:
            automation = (await cf.create_automation(name=name)).uuid
            assert automation is not None
            uuids.append(automation)
        ids = [(await az.create_list(name)).id for name in lists]
    return uuids, ids
