"""The core against a real aiohttp.web server on 127.0.0.1: sockets, timeouts, limits.

Every test runs on each transport (the ``backend`` fixture).
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from contactflow_automizy import (
    APIConnectionError,
    APITimeoutError,
    ContactflowClient,
    Session,
    Timeout,
)
from tests.conftest import NODE, TOKEN, NoSleep
from tests.services.http_server import serve


def _app(state: dict[str, int]) -> web.Application:
    async def get_node(request: web.Request) -> web.Response:
        state["calls"] += 1
        state["in_flight"] += 1
        state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
        await asyncio.sleep(float(request.query.get("delay", "0")) or state.get("delay", 0) / 1000)
        state["in_flight"] -= 1
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        return web.json_response({"uuid": request.match_info["uuid"], "name": "real"})

    async def list_nodes(request: web.Request) -> web.Response:
        number, size = int(request.query["page"]), int(request.query["size"])
        total = 7
        elements = [
            {"name": f"n{i}"} for i in range(number * size, min(total, (number + 1) * size))
        ]
        meta = {"size": size, "number": number, "totalElements": total, "totalPages": 3}
        return web.json_response({"page": meta, "elements": elements})

    async def big(request: web.Request) -> web.Response:
        return web.json_response({"uuid": NODE, "name": "x" * 100_000})

    app = web.Application()
    app.router.add_get("/nodes", list_nodes)
    app.router.add_get("/nodes/{uuid}", get_node)
    app.router.add_get("/big/nodes/{uuid}", big)
    return app


async def test_end_to_end_over_loopback(backend: str) -> None:
    state = {"calls": 0, "in_flight": 0, "max_in_flight": 0}
    async with (
        serve(_app(state)) as base,
        Session(transport=backend) as session,
        ContactflowClient(TOKEN, NODE, base, session=session) as cf,
    ):
        node = await cf.get_node(NODE)
        names = [n.name async for n in cf.list_nodes(page_size=3, prefetch=3)]
    assert node.name == "real"
    assert names == [f"n{i}" for i in range(7)]


async def test_read_timeout_becomes_api_timeout_error_after_retries(
    no_sleep: NoSleep, backend: str
) -> None:
    state = {"calls": 0, "in_flight": 0, "max_in_flight": 0, "delay": 500}
    async with (
        serve(_app(state)) as base,
        Session(transport=backend, timeout=Timeout(total=0.1, read=0.1), sleep=no_sleep) as session,
    ):
        cf = ContactflowClient(TOKEN, NODE, base, session=session, max_retries=1)
        with pytest.raises(APITimeoutError) as info:
            await cf.get_node(NODE)
    assert info.value.attempts == 2
    assert state["calls"] == 2


async def test_connection_refused_is_known_unsent(no_sleep: NoSleep, backend: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Session(transport=backend, sleep=no_sleep) as session:
        cf = ContactflowClient(TOKEN, NODE, f"http://127.0.0.1:{port}", session=session)
        with pytest.raises(APIConnectionError) as info:
            await cf.get_node(NODE)
    assert info.value.request_sent is False
    assert info.value.attempts == 4
    assert TOKEN not in str(info.value)


async def test_buffered_bodies_are_bounded(backend: str) -> None:
    state = {"calls": 0, "in_flight": 0, "max_in_flight": 0}
    async with serve(_app(state)) as base, Session(transport=backend) as session:
        big = base + "/big"
        async with ContactflowClient(
            TOKEN, NODE, big, session=session, max_response_bytes=10_000
        ) as cf:
            with pytest.raises(APIConnectionError, match="limit"):
                await cf.get_node(NODE)
        async with ContactflowClient(TOKEN, NODE, big, session=session) as cf:
            assert len((await cf.get_node(NODE)).name or "") == 100_000


async def test_max_concurrency_bounds_requests_in_flight(backend: str) -> None:
    state = {"calls": 0, "in_flight": 0, "max_in_flight": 0, "delay": 20}
    async with (
        serve(_app(state)) as base,
        Session(transport=backend, max_concurrency=3, max_connections=10) as session,
    ):
        cf = ContactflowClient(TOKEN, NODE, base, session=session)
        await asyncio.gather(*(cf.get_node(NODE) for _ in range(12)))
    assert state["calls"] == 12
    assert state["max_in_flight"] == 3


async def test_one_session_serves_many_clients_on_one_pool(backend: str) -> None:
    state = {"calls": 0, "in_flight": 0, "max_in_flight": 0}
    async with (
        serve(_app(state)) as base,
        Session(transport=backend, max_connections=2) as session,
    ):
        clients = [ContactflowClient(TOKEN, NODE, base, session=session) for _ in range(3)]
        await asyncio.gather(*(c.get_node(NODE) for c in clients for _ in range(4)))
        for client in clients:
            await client.close()
        assert not session.closed
    assert state["calls"] == 12
    assert state["max_in_flight"] <= 2
