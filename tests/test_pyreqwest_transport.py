"""Transports by name, what the pyreqwest backend refuses, and ``request_sent`` on both backends.

The socket-level suites (loopback servers, the emulator, the reliability
suite) run on every backend through the ``backend`` fixture; this file covers
what is specific to choosing a backend, and the failure kinds whose
``request_sent`` pyreqwest reports only coarsely (see ``_pyreqwest.py``).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trustme
from aiohttp import web

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
def full_listener() -> Iterator[int]:
    """A port whose accept queue is full: a connection attempt hangs until it times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_a_connect_timeout_is_known_unsent_so_a_post_is_retried(
    full_listener: int, no_sleep: NoSleep
) -> None:
    timeout = Timeout(total=10.0, connect=0.2, read=5.0)
    async with Session(transport="pyreqwest", timeout=timeout, sleep=no_sleep) as session:
        cf = ContactflowClient(
            TOKEN, NODE, f"http://127.0.0.1:{full_listener}", session=session, max_retries=1
        )
        with pytest.raises(APITimeoutError) as info:
            await cf.create_automation(name="never sent")
    assert info.value.request_sent is False
    assert info.value.attempts == 2  # a POST is retried when it was never sent


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


async def test_mutual_tls_with_a_client_certificate(tmp_path: Path) -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    authority.configure_trust(server_context)
    server_context.verify_mode = ssl.CERT_REQUIRED
    ca, cert, key = tmp_path / "ca.pem", tmp_path / "client.pem", tmp_path / "client.key"
    authority.cert_pem.write_to_path(str(ca))
    client = authority.issue_cert("client@example.test")
    cert.write_bytes(b"".join(blob.bytes() for blob in client.cert_chain_pems))
    client.private_key_pem.write_to_path(str(key))

    async def user(request: web.Request) -> web.Response:
        return web.json_response({"base": {"user": "me"}})

    app = web.Application()
    app.router.add_get("/user", user)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context).start()
    url = f"https://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with Session(transport=PyreqwestTransport(verify=ca, cert=(cert, key))) as session:
            user_info = await ContactflowClient("t", None, url, session=session).get_current_user()
            assert user_info.base is not None
        async with Session(transport=PyreqwestTransport(verify=ca), max_retries=0) as session:
            with pytest.raises(APIConnectionError):
                await ContactflowClient("t", None, url, session=session).get_current_user()
    finally:
        await runner.cleanup()
