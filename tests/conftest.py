"""Shared fixtures, and a test-only compatibility shim for aioresponses on aiohttp 3.14.

aioresponses 0.7.9 builds ``ClientResponse`` without the ``stream_writer``
argument that aiohttp 3.14 made required (upstream aioresponses issue #289,
fix unmerged), so every mocked response fails.  The shim swaps the class
aioresponses instantiates for a subclass that supplies a stub writer.  It is
a no-op on aiohttp versions whose ``ClientResponse`` does not take the
argument.  Bodies over 128 KiB still trip an aiohttp assertion under
aioresponses: tests with big bodies use :class:`MockTransport` instead.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import aioresponses.core
import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from tests.services.redis_server import RedisServer, start_redis

CF_BASE = "https://cf.example.test/api"
AZ_BASE = "https://az.example.test"
NODE = "0b7b1e7e-9a11-4b6a-9a3e-6e1f3c1d2a10"
TOKEN = "cf-secret-token-0123456789"
API_KEY = "az-secret-key-9876543210"


def _install_aioresponses_shim() -> None:
    params = inspect.signature(aiohttp.ClientResponse.__init__).parameters
    if "stream_writer" not in params:
        return  # older aiohttp: aioresponses works unpatched

    class _StubWriter:
        output_size = 0

    class _CompatClientResponse(aiohttp.ClientResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _StubWriter())
            super().__init__(*args, **kwargs)

    aioresponses.core.ClientResponse = _CompatClientResponse  # type: ignore[misc]


_install_aioresponses_shim()


class NoSleep:
    """An injectable ``sleep`` that records delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def no_sleep() -> NoSleep:
    return NoSleep()


@pytest.fixture
def mocked() -> Iterator[aioresponses.aioresponses]:
    with aioresponses.aioresponses() as m:
        yield m


@pytest.fixture
async def session(no_sleep: NoSleep) -> AsyncIterator[Session]:
    async with Session(sleep=no_sleep, random=lambda: 1.0) as s:
        yield s


@pytest.fixture
async def cf(session: Session) -> AsyncIterator[ContactflowClient]:
    async with ContactflowClient(TOKEN, NODE, CF_BASE, session=session) as client:
        yield client


@pytest.fixture
async def az(session: Session) -> AsyncIterator[AutomizyClient]:
    async with AutomizyClient(API_KEY, AZ_BASE, session=session) as client:
        yield client


#: The per-test timeout of tests marked ``fleet`` (real processes, a minute or two of work).
FLEET_TIMEOUT = 600


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("fleet"):
            item.add_marker(pytest.mark.timeout(FLEET_TIMEOUT))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the whole test session (fails, never skips, without it)."""
    with start_redis() as server:
        yield server
