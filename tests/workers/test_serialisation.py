"""What a job answers crosses the queue intact: every SDK error and both bulk results go
through the worker's real result backend (taskiq-redis on a real redis-server) and come back
with every attribute, and no credential is inside the stored bytes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from taskiq import TaskiqResult
from taskiq.abc.result_backend import AsyncResultBackend

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from contactflow_automizy.emulator import Emulator
from contactflow_automizy.workers import WorkerSettings, build_app
from tests.services.redis_server import RedisServer
from tests.test_pickling import API_KEY, SECRETS, TOKEN, _same, every_sdk_error


@pytest.fixture
async def backend(redis_server: RedisServer) -> AsyncIterator[AsyncResultBackend[Any]]:
    settings = WorkerSettings(redis_url=redis_server.url, queue=f"q-{uuid.uuid4().hex}")
    broker = build_app(settings).broker
    await broker.startup()
    yield broker.result_backend
    await broker.shutdown()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(token=TOKEN, api_key=API_KEY) as emulator:
        yield emulator


async def _through(
    backend: AsyncResultBackend[Any], redis_server: RedisServer, result: TaskiqResult[Any]
) -> TaskiqResult[Any]:
    task_id = uuid.uuid4().hex
    await backend.set_result(task_id, result)
    async with Redis.from_url(redis_server.url) as redis:
        stored = b"".join([await redis.get(key) for key in await redis.keys(f"*{task_id}*")])
    assert stored and not any(secret.encode() in stored for secret in SECRETS)
    back: TaskiqResult[Any] = await backend.get_result(task_id)
    return back


async def test_every_sdk_error_crosses_the_result_backend(
    backend: AsyncResultBackend[Any], redis_server: RedisServer, emu: Emulator, session: Session
) -> None:
    for error in await every_sdk_error(emu, session):
        failed = TaskiqResult(is_err=True, return_value=None, execution_time=0.1, error=error)
        back = await _through(backend, redis_server, failed)
        assert back.is_err
        _same(error, back.error)


async def test_push_and_import_results_cross_the_result_backend(
    backend: AsyncResultBackend[Any], redis_server: RedisServer, emu: Emulator, session: Session
) -> None:
    cf = ContactflowClient(TOKEN, emu.node_uuid, emu.contactflow_url, session=session)
    az = AutomizyClient(API_KEY, emu.automizy_url, session=session)
    automation = (await cf.create_automation(name="queued")).uuid
    assert automation is not None
    pushed = await cf.push_customers(automation, [{"userPk": f"q{i}"} for i in range(25)])
    contact_list = await az.create_list("Queued")
    imported = await az.import_csv([{"email": "ann@example.com"}], list_ids=[contact_list.id])
    for value in (pushed, imported):
        done = TaskiqResult(is_err=False, return_value=value, execution_time=0.1)
        back = await _through(backend, redis_server, done)
        _same(value, back.return_value)
