"""A factory for every shipped job store, so each contract test runs against all three;
and the emulator with clients whose session keeps jobs in the test's ``store``.

Redis runs for real (the session's ``redis_server``); each test gets its own
key prefix, so tests never see each other's jobs. SQLite gets a file in the
test's ``tmp_path``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from contactflow_automizy.emulator import Emulator
from contactflow_automizy.jobs import MemoryJobStore, SQLiteJobStore, TransactionalJobStore
from contactflow_automizy.redis import RedisJobStore
from tests.services.redis_server import RedisServer

STORE_KINDS = ["memory", "sqlite", "redis"]
MakeStore = Callable[..., TransactionalJobStore]


@pytest.fixture
def redis_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:10]}:"


@pytest.fixture(params=STORE_KINDS)
async def make_store(
    request: pytest.FixtureRequest, tmp_path: Path, redis_prefix: str
) -> AsyncIterator[MakeStore]:
    """``make_store(lease_ttl=...)``: another handle on the same stored jobs each call."""
    kind: str = request.param
    server: RedisServer | None = None
    if kind == "redis":
        server = request.getfixturevalue("redis_server")
    made: list[TransactionalJobStore] = []
    memory: dict[str, MemoryJobStore] = {}

    def make(lease_ttl: float = 30.0) -> TransactionalJobStore:
        store: TransactionalJobStore
        if kind == "memory":
            # One process has one memory store: a second handle is the first (and its ttl).
            store = memory.setdefault("store", MemoryJobStore(lease_ttl=lease_ttl))
        elif kind == "sqlite":
            store = SQLiteJobStore(tmp_path / "jobs.sqlite", lease_ttl=lease_ttl)
        else:
            assert server is not None
            store = RedisJobStore(server.url, prefix=redis_prefix, lease_ttl=lease_ttl)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.close()


@pytest.fixture
def store(make_store: MakeStore) -> TransactionalJobStore:
    return make_store()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(random_seed=3) as emulator:
        yield emulator


@pytest.fixture
async def session(emu: Emulator, store: TransactionalJobStore) -> AsyncIterator[Session]:
    """The emulator's session, its jobs in ``store``; no retries, so a fault fails the call."""
    async with Session(transport=emu.transport(), job_store=store, max_retries=0) as s:
        yield s


@pytest.fixture
async def cf(emu: Emulator, session: Session) -> AsyncIterator[ContactflowClient]:
    async with ContactflowClient(
        emu.token, emu.node_uuid, emu.contactflow_url, session=session
    ) as client:
        yield client


@pytest.fixture
async def az(emu: Emulator, session: Session) -> AsyncIterator[AutomizyClient]:
    async with AutomizyClient(emu.api_key, emu.automizy_url, session=session) as client:
        yield client
