"""The lean path of a buffered call (issue 12): what it keeps and what it stops redoing.

A fixed credential is merged into the headers once and one ``Request`` serves
every attempt (a token provider's refresh after a 401 is in test_clients.py).  On aiohttp a
buffered answer is timed by one timer (``read`` seconds for the whole
answer), while a streamed download keeps a timer per read.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from yarl import URL

from contactflow_automizy import (
    APITimeoutError,
    ContactflowClient,
    MockResponse,
    MockTransport,
    Request,
    Session,
    Timeout,
)
from contactflow_automizy.contactflow import routes
from tests.conftest import CF_BASE, NODE, TOKEN, NoSleep
from tests.services.http_server import serve


async def test_a_fixed_credential_sends_one_request_for_every_attempt(no_sleep: NoSleep) -> None:
    seen: list[Request] = []
    answers = [MockResponse(503), MockResponse.json({"uuid": NODE})]

    def handler(request: Request) -> MockResponse:
        seen.append(request)
        return answers.pop(0)

    async with Session(transport=MockTransport(handler), sleep=no_sleep) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        assert (await cf.get_node(NODE)).uuid == NODE
    assert len(seen) == 2 and seen[0] is seen[1]
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen[0].buffered
    assert TOKEN not in repr(vars(cf))  # the merged headers are held as a Secret


@pytest.fixture
async def trickling() -> AsyncIterator[str]:
    """Answers whose 600-byte body comes 100 bytes every 60 ms (no gap near 200 ms)."""

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/csv"})
        response.content_length = 600
        await response.prepare(request)
        for _ in range(6):
            await asyncio.sleep(0.06)
            await response.write(b"x" * 99 + b"\n")
        return response

    app = web.Application()
    app.router.add_get("/nodes/{uuid}", trickle)
    app.router.add_get("/automations/reports", trickle)
    async with serve(app) as base:
        yield base


async def test_on_aiohttp_read_bounds_a_buffered_answer_as_one_timer(
    trickling: str, tmp_path: Path, no_sleep: NoSleep
) -> None:
    timeout = Timeout(total=10.0, connect=5.0, read=0.2)
    async with Session(transport="aiohttp", timeout=timeout, sleep=no_sleep) as session:
        cf = ContactflowClient(TOKEN, NODE, trickling, session=session, max_retries=0)
        with pytest.raises(APITimeoutError):  # 0.36 s in all, past read=0.2
            await cf._json(routes.GET_NODE, path={"nodeUuid": NODE})
        # A streamed download keeps a timer per read: every gap is under 0.2 s.
        target = tmp_path / "report.csv"
        await cf.download_automations_report(target)
        assert target.stat().st_size == 600


@pytest.fixture
async def slow_nodes() -> AsyncIterator[str]:
    """Nodes answered after 0.15 s each (the server takes any number at once)."""

    async def node(request: web.Request) -> web.Response:
        await asyncio.sleep(0.15)
        return web.json_response({"uuid": request.match_info["uuid"]})

    app = web.Application()
    app.router.add_get("/nodes/{uuid}", node)
    async with serve(app) as base:
        yield base


async def test_waiting_for_a_pooled_connection_does_not_count_against_read(
    slow_nodes: str, backend: str
) -> None:
    """Four calls on one connection: the last waits 0.45 s for it, past read=0.3, and
    still succeeds, since ``read`` times the answer, not the queue (SPEC 11)."""
    timeout = Timeout(total=10.0, connect=5.0, read=0.3)
    async with Session(transport=backend, max_connections=1, timeout=timeout) as session:
        cf = ContactflowClient(TOKEN, NODE, slow_nodes, session=session, max_retries=0)
        started = asyncio.get_running_loop().time()
        nodes = await asyncio.gather(*(cf.get_node(NODE) for _ in range(4)))
        elapsed = asyncio.get_running_loop().time() - started
    assert [node.uuid for node in nodes] == [NODE] * 4
    assert elapsed >= 0.55  # they did queue for the one connection


async def test_a_deadline_bounds_the_wait_for_a_pooled_connection(slow_nodes: str) -> None:
    """Queued behind a slow call, a call whose deadline runs out was never sent."""
    async with Session(transport="aiohttp", max_connections=1) as session:
        cf = ContactflowClient(TOKEN, NODE, slow_nodes, session=session)
        hurried = cf.with_options(timeout=Timeout(deadline=0.05))
        first = asyncio.create_task(cf.get_node(NODE))
        await asyncio.sleep(0.02)  # the first holds the only connection
        with pytest.raises(APITimeoutError) as caught:
            await hurried.get_node(NODE)
        assert caught.value.request_sent is False
        assert (await first).uuid == NODE
        assert (await cf.get_node(NODE)).uuid == NODE  # the timed-out wait left no place taken


async def test_a_response_never_read_nor_closed_gives_its_connection_back(
    slow_nodes: str,
) -> None:
    """An unread answer dropped by its caller: once collected, the pool's one place is free."""
    async with Session(transport="aiohttp", max_connections=1) as session:
        url = URL(f"{slow_nodes}/nodes/{NODE}")
        response = await session.send(Request("GET", url))
        assert response.status == 200
        del response
        gc.collect()
        async with asyncio.timeout(5):
            answer = await session.send(Request("GET", url), read_limit=1 << 20)
        assert answer.status == 200
