"""Transports by name, what the pyreqwest backend refuses, and ``request_sent`` on both backends.

The socket-level suites (loopback servers, the emulator, the reliability
suite) run on every backend through the ``backend`` fixture; this file covers
what is specific to choosing a backend, and the failure kinds whose
``request_sent`` pyreqwest reports only coarsely (see ``_pyreqwest.py``).
Connect timeouts are in test_deadlines.py, mutual TLS in test_tls.py.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from contactflow_automizy import (
    AiohttpTransport,
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    ContactflowClient,
    PyreqwestTransport,
    Session,
    Timeout,
)
from tests.conftest import NODE, TOKEN, NoSleep


async def test_a_session_builds_the_transport_it_is_named() -> None:
    async with Session(transport="pyreqwest", max_connections=7) as session:
        assert isinstance(session.transport, PyreqwestTransport)
        assert "max_connections=7" in repr(session.transport)
    async with Session(transport="aiohttp") as session:
        assert isinstance(session.transport, AiohttpTransport)
    with pytest.raises(ConfigurationError, match="unknown transport 'curl'"):
        Session(transport="curl")


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in sys.modules if name.startswith("pyreqwest")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyreqwest", None)  # as if not installed
    with pytest.raises(ConfigurationError, match=r"contactflow_automizy\[fast\]"):
        Session(transport="pyreqwest")


def test_options_pyreqwest_cannot_honour_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SSLContext"):
        PyreqwestTransport(verify=ssl.create_default_context())
    with pytest.raises(ConfigurationError, match="max_connections_per_host"):
        PyreqwestTransport(max_connections_per_host=2)
    with pytest.raises(ConfigurationError, match="verify="):
        PyreqwestTransport(verify=tmp_path / "missing.pem")
    with pytest.raises(ConfigurationError, match="cert="):
        PyreqwestTransport(cert=(tmp_path / "client.pem", tmp_path / "client.key"))
    with pytest.raises(ConfigurationError, match="max_connections"):
        PyreqwestTransport(max_connections=0)


def test_proxy_credentials_are_never_shown() -> None:
    transport = PyreqwestTransport(proxy="http://user:hunter2@proxy.example:3128")
    assert "hunter2" not in repr(transport)
    assert "hunter2" not in repr(vars(transport))


@pytest.fixture
async def hold_then_close() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A server that reads each request, waits, then closes without answering."""
    received: list[bytes] = []
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        received.append(await reader.read(65536))
        await asyncio.sleep(0.3)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", received
    for writer in writers:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("failure", ["read timeout", "closed"])
async def test_a_post_the_server_received_is_not_retried(
    failure: str, hold_then_close: tuple[str, list[bytes]], backend: str, no_sleep: NoSleep
) -> None:
    """Before the headers, a read timeout or a closed connection may follow a stored write."""
    base, received = hold_then_close
    read = 0.1 if failure == "read timeout" else 5.0
    timeout = Timeout(total=10.0, connect=5.0, read=read)
    async with Session(transport=backend, timeout=timeout, sleep=no_sleep) as session:
        cf = ContactflowClient(TOKEN, NODE, base, session=session, max_retries=3)
        with pytest.raises(APIConnectionError) as info:
            await cf.create_automation(name="maybe stored")
    assert isinstance(info.value, APITimeoutError) is (failure == "read timeout")
    assert info.value.request_sent is True
    assert info.value.attempts == 1
    assert len(received) == 1 and received[0].startswith(b"POST ")
