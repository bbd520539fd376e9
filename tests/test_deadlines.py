"""Connect timeouts and deadlines, on real sockets and with an injected clock.

A full accept queue (a backlog-0 loopback listener whose queue was filled)
makes a connect hang the way a busy or blackholed server does: the kernel
drops the SYN.  The rules under test (SPEC.md sections 10 and 11): a connect
timeout means the request was never sent, so a POST is retried; a deadline
bounds the whole call, and a wait that would end past it is not waited.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from aioresponses import aioresponses

from contactflow_automizy import (
    APITimeoutError,
    BatchUploadError,
    ContactflowClient,
    InternalServerError,
    MockResponse,
    MockTransport,
    RateLimitError,
    Request,
    Session,
    Timeout,
)
from tests.backends import require
from tests.conftest import CF_BASE, NODE, TOKEN, NoSleep
from tests.services.http_server import full_accept_queue, serve

AUTOMATION = "6a1c3f52-5d2e-4a6c-9d1c-2f0e8b7a9c11"
NODE_URL = f"{CF_BASE}/nodes/{NODE}"


def _customers_app(stored: list[dict[str, Any]]) -> web.Application:
    async def add_customer(request: web.Request) -> web.Response:
        customer = await request.json()
        stored.append(customer)
        return web.json_response(customer, status=201)

    app = web.Application()
    app.router.add_post("/automations/{uuid}/customers", add_customer)
    return app


async def test_a_connect_timeout_is_not_sent_and_the_post_is_stored_once_when_accepting(
    backend: str,
) -> None:
    stored: list[dict[str, Any]] = []
    retries: list[Any] = []
    with full_accept_queue() as listener:
        runner = web.AppRunner(_customers_app(stored))
        await runner.setup()
        port = listener.getsockname()[1]

        async def start_accepting(seconds: float) -> None:
            """The session's back-off: the server starts accepting while the client waits."""
            if not runner.sites:
                await web.SockSite(runner, listener).start()

        try:
            async with Session(
                transport=backend,
                timeout=Timeout(connect=0.3),
                sleep=start_accepting,
                event_hooks={"retry": [retries.append]},
            ) as session:
                cf = ContactflowClient(TOKEN, NODE, f"http://127.0.0.1:{port}", session=session)
                customer = await cf.add_customer(AUTOMATION, user_pk="u1")
        finally:
            await runner.cleanup()
    assert customer.user_pk == "u1"
    assert [c["userPk"] for c in stored] == ["u1"]  # stored once
    (retry,) = retries
    assert retry.error.startswith("APITimeoutError")  # a POST: retried only as "never sent"


async def test_a_connect_timeout_reports_request_sent_false(
    backend: str, no_sleep: NoSleep
) -> None:
    with full_accept_queue() as listener:
        port = listener.getsockname()[1]
        async with Session(
            transport=backend, timeout=Timeout(connect=0.2), max_retries=1, sleep=no_sleep
        ) as session:
            cf = ContactflowClient(TOKEN, NODE, f"http://127.0.0.1:{port}", session=session)
            with pytest.raises(APITimeoutError) as info:
                await cf.add_customer(AUTOMATION, user_pk="u1")
    assert info.value.request_sent is False
    assert info.value.method == "POST"
    assert info.value.attempts == 2  # a POST is retried when it was never sent


async def test_a_deadline_that_runs_out_while_connecting_is_a_connect_timeout(
    no_sleep: NoSleep,
    backend: str,
) -> None:
    require(backend, "deadline_connect_phase")
    with full_accept_queue() as listener:
        port = listener.getsockname()[1]
        timeout = Timeout(connect=30.0, deadline=0.3)
        async with Session(
            transport=backend, timeout=timeout, max_retries=5, sleep=no_sleep
        ) as session:
            cf = ContactflowClient(TOKEN, NODE, f"http://127.0.0.1:{port}", session=session)
            with pytest.raises(APITimeoutError) as info:
                await cf.add_customer(AUTOMATION, user_pk="u1")
    assert info.value.request_sent is False
    assert info.value.attempts == 1  # no time left for another
    assert no_sleep.delays == []


@pytest.fixture
async def slow_server() -> AsyncIterator[str]:
    """A server that answers only when the test is over."""
    over = asyncio.Event()

    async def get_node(request: web.Request) -> web.Response:
        await over.wait()
        return web.json_response({"uuid": NODE})

    app = web.Application()
    app.router.add_get("/nodes/{uuid}", get_node)
    async with serve(app) as base:
        yield base
        over.set()


async def test_the_deadline_bounds_every_attempt_together(slow_server: str, backend: str) -> None:
    # Per attempt 2 s, four attempts: 8 s and more without a deadline.
    timeout = Timeout(total=2.0, read=2.0, deadline=0.5)
    async with Session(transport=backend, timeout=timeout, max_retries=3) as session:
        cf = ContactflowClient(TOKEN, NODE, slow_server, session=session)
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            await cf.get_node(NODE)
        elapsed = time.monotonic() - started
    assert elapsed < 1.9, elapsed  # well under a single attempt's own limit
    assert info.value.request_sent is True  # it timed out waiting for the answer


class Clock:
    """A monotonic clock that only the injected sleep moves."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.delays: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds


def _session(clock: Clock, **options: Any) -> Session:
    return Session(sleep=clock.sleep, clock=clock, random=lambda: 1.0, **options)


async def test_a_retry_after_past_the_deadline_fails_at_once(mocked: aioresponses) -> None:
    clock = Clock()
    mocked.get(NODE_URL, status=429, headers={"Retry-After": "120"})
    async with _session(clock, timeout=Timeout(deadline=90.0)) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        with pytest.raises(RateLimitError) as info:
            await cf.get_node(NODE)
    # 120 s is compared before the 60 s cap: waiting 60 s and retrying early would be wrong.
    assert info.value.retry_after == 120.0
    assert info.value.attempts == 1
    assert clock.delays == []


async def test_a_retry_after_within_the_deadline_is_capped_and_waited(
    mocked: aioresponses,
) -> None:
    clock = Clock()
    mocked.get(NODE_URL, status=429, headers={"Retry-After": "80"})
    mocked.get(NODE_URL, body=orjson.dumps({"uuid": NODE, "name": "n"}))
    async with _session(clock, timeout=Timeout(deadline=90.0)) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        assert (await cf.get_node(NODE)).name == "n"
    assert clock.delays == [60.0]  # RetryPolicy.max_retry_after


async def test_back_off_that_would_end_past_the_deadline_is_not_waited(
    mocked: aioresponses,
) -> None:
    clock = Clock()
    mocked.get(NODE_URL, status=503, repeat=True)
    async with _session(clock, timeout=Timeout(deadline=2.0), max_retries=10) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        with pytest.raises(InternalServerError) as info:
            await cf.get_node(NODE)
    # Back-off 0.5 then 1.0 fit in 2 s; the next, 2.0, would end past the deadline.
    assert clock.delays == [0.5, 1.0]
    assert info.value.attempts == 3


async def test_without_a_deadline_nothing_changes(mocked: aioresponses) -> None:
    clock = Clock()
    mocked.get(NODE_URL, status=429, headers={"Retry-After": "120"})
    mocked.get(NODE_URL, body=orjson.dumps({"uuid": NODE, "name": "n"}))
    async with _session(clock) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        assert (await cf.get_node(NODE)).name == "n"
    assert clock.delays == [60.0]


async def test_a_rollback_delete_is_exempt_from_the_deadline() -> None:
    """The DELETE undoing a failed batch gets its retries even after the deadline passed."""
    clock = Clock()
    deletes: list[int] = []

    async def handler(request: Request) -> MockResponse:
        if request.method == "DELETE":
            deletes.append(1)
            return MockResponse(503 if len(deletes) < 3 else 204)
        packet = orjson.loads(await request.read())["packet"]
        if packet == "FIRST":
            return MockResponse.json({"status": "IN_PROGRESS"})
        return MockResponse(500)  # the second packet fails: POSTs are not retried

    session = _session(clock, transport=MockTransport(handler), timeout=Timeout(deadline=1.0))
    async with session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        with pytest.raises(BatchUploadError) as info:
            await cf.push_customers(
                AUTOMATION, [{"userPk": f"u{i}"} for i in range(3)], packet_size=1
            )
    # Back-off 0.5 s then 1.0 s would end past the 1 s deadline: exempt, the third DELETE ran.
    assert len(deletes) == 3
    assert clock.delays == [0.5, 1.0]
    assert info.value.rolled_back is True
