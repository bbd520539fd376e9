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

import asyncio
import inspect
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import aioresponses.core
import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from contactflow_automizy._loop import LOOPS, loop_factory
from tests.otel_capture import Otel
from tests.services.http_server import Certificates
from tests.services.redis_server import RedisServer, start_redis
from tests.services.tinyproxy import Tinyproxy, start_tinyproxy

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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--loop",
        choices=LOOPS,
        default="asyncio",
        help="event loop every async test runs on (CI runs the core tests on uvloop too)",
    )


class _LoopFactory:
    """pytest-asyncio's hook: run every async test and fixture on the ``--loop`` loop."""

    def __init__(self, name: str) -> None:
        self._factories = {name: loop_factory(name)}

    def pytest_asyncio_loop_factories(
        self, config: pytest.Config, item: pytest.Item
    ) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
        return self._factories


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("--loop")
    if name != "asyncio":
        config.pluginmanager.register(_LoopFactory(name), "cfa-loop")


#: The transports every socket-level test runs on (``Session(transport=name)``);
#: what one cannot do is listed in tests/backends.py.
BACKENDS = ("aiohttp", "pyreqwest")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """A transport name: tests that talk over sockets take it and run on each backend."""
    return str(request.param)


class NoSleep:
    """An injectable ``sleep`` that records delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test inherits the machine's proxy settings; a test that wants one sets it."""
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
            monkeypatch.delenv(name)


@pytest.fixture
def no_sleep() -> NoSleep:
    return NoSleep()


@pytest.fixture
def mocked() -> Iterator[aioresponses.aioresponses]:
    with aioresponses.aioresponses() as m:
        yield m


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp client, for wire-level checks the SDK would hide."""
    async with aiohttp.ClientSession() as session:
        yield session


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
    """Crash and fleet tests lift the per-test timeout (SPEC 11): crash tests bound each
    of their own waits; the fleet gets ``FLEET_TIMEOUT``."""
    for item in items:
        if item.get_closest_marker("crash") is not None:
            item.add_marker(pytest.mark.timeout(0))
        elif item.get_closest_marker("fleet") is not None:
            item.add_marker(pytest.mark.timeout(FLEET_TIMEOUT))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the whole test session (fails, never skips, without it)."""
    with start_redis() as server:
        yield server


@pytest.fixture
def tinyproxy() -> Iterator[Tinyproxy]:
    """A real tinyproxy of this test's own (its log holds only this test's requests)."""
    with start_tinyproxy() as proxy:
        yield proxy


@pytest.fixture
def certs(tmp_path: Path) -> Certificates:
    """A throw-away CA with server and client certificates (trustme)."""
    return Certificates.make(tmp_path)


@pytest.fixture
def otel() -> Iterator[Otel]:
    """OpenTelemetry's SDK with in-memory exporters, shut down after the test."""
    sdk = Otel()
    yield sdk
    sdk.tracer_provider.shutdown()
    sdk.meter_provider.shutdown()
