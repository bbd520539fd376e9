"""Fixtures: a running emulator, and SDK clients on it over loopback sockets or in-process.

``cf``/``az`` (overriding the top-level ones) are parametrized over the
wires, so each lifecycle test runs through real sockets on each backend and
once through ``EmulatorTransport``.  Sessions never really sleep between retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from contactflow_automizy.emulator import Emulator
from tests.conftest import BACKENDS, NoSleep


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(random_seed=7) as emulator:
        yield emulator


@pytest.fixture(params=[*BACKENDS, "in-process"])
async def wire(
    request: pytest.FixtureRequest, emu: Emulator, no_sleep: NoSleep
) -> AsyncIterator[Session]:
    """Sockets through each backend (``aiohttp``, ``pyreqwest``), or ``in-process``."""
    transport = emu.transport() if request.param == "in-process" else request.param
    async with Session(transport=transport, sleep=no_sleep, random=lambda: 0.0) as session:
        yield session


@pytest.fixture
async def cf(emu: Emulator, wire: Session) -> AsyncIterator[ContactflowClient]:
    async with ContactflowClient(
        emu.token, emu.node_uuid, emu.contactflow_url, session=wire
    ) as client:
        yield client


@pytest.fixture
async def az(emu: Emulator, wire: Session) -> AsyncIterator[AutomizyClient]:
    async with AutomizyClient(emu.api_key, emu.automizy_url, session=wire) as client:
        yield client
