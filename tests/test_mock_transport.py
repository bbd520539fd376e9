"""``MockTransport``: a function answers, and everything above the transport runs as usual."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from contactflow_automizy import (
    APIConnectionError,
    APITimeoutError,
    AutomizyClient,
    ContactflowClient,
    MockResponse,
    MockTransport,
    NotFoundError,
    Request,
    ResponseTooLargeError,
    Session,
    Timeout,
)
from tests.conftest import API_KEY, NODE, TOKEN, NoSleep

CF = "https://cf.example.test"


async def test_a_sync_handler_sees_the_request_and_answers_json() -> None:
    seen: list[Request] = []

    def handler(request: Request) -> MockResponse:
        seen.append(request)
        return MockResponse.json({"uuid": NODE, "name": "mocked"})

    async with Session(transport=MockTransport(handler)) as session:
        cf = ContactflowClient(TOKEN, NODE, CF, session=session)
        assert (await cf.get_node(NODE)).name == "mocked"
    (request,) = seen
    assert (request.method, str(request.url)) == ("GET", f"{CF}/nodes/{NODE}")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_an_async_handler_reads_the_body_and_the_query() -> None:
    bodies: list[bytes] = []

    async def handler(request: Request) -> MockResponse:
        bodies.append(await request.read())
        if request.method == "GET":
            page = int(dict(request.params)["page"])
            items = [{"id": page, "name": f"t{page}"}] if page <= 2 else []
            return MockResponse.json({"items": items, "totalItems": 2, "totalPages": 2})
        return MockResponse(404, body=b"nothing here")

    async with Session(transport=MockTransport(handler)) as session:
        az = AutomizyClient(API_KEY, "https://az.example.test", session=session)
        assert [t.name async for t in az.list_tags(page_size=1)] == ["t1", "t2"]
        with pytest.raises(NotFoundError, match="nothing here"):
            await az.create_tag("new")
    assert bodies[-1] == b'{"name":"new"}'


async def test_a_streamed_body_arrives_in_pieces_and_is_bounded() -> None:
    pulled: list[int] = []

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(100):
            pulled.append(i)
            yield b" " * 1000

    def handler(request: Request) -> MockResponse:
        return MockResponse(body=pieces(), headers={"Content-Type": "application/json"})

    async with Session(transport=MockTransport(handler)) as session:
        cf = ContactflowClient(TOKEN, NODE, CF, session=session, max_response_bytes=10_000)
        with pytest.raises(ResponseTooLargeError):
            await cf.get_node(NODE)
    assert len(pulled) == 11  # refused while counting, not after buffering everything


async def test_handler_failures_become_what_a_failed_send_would_be(no_sleep: NoSleep) -> None:
    calls: list[str] = []

    async def handler(request: Request) -> MockResponse:
        calls.append(request.method)
        if len(calls) == 1:
            raise ConnectionResetError
        if len(calls) == 2:
            await asyncio.sleep(10)
        raise AssertionError("a bug in the test")

    transport = MockTransport(handler)
    async with Session(transport=transport, sleep=no_sleep, timeout=Timeout(total=0.05)) as s:
        cf = ContactflowClient(TOKEN, NODE, CF, session=s, max_retries=0)
        with pytest.raises(APIConnectionError) as reset:
            await cf.get_node(NODE)
        assert type(reset.value) is APIConnectionError and reset.value.request_sent
        with pytest.raises(APITimeoutError):
            await cf.get_node(NODE)
        with pytest.raises(AssertionError, match="a bug in the test"):
            await cf.get_node(NODE)
    with pytest.raises(APIConnectionError, match="closed") as closed:
        await transport.send(Request("GET", cf.base_url), Timeout())
    assert closed.value.request_sent is False


async def test_retries_run_above_the_mock(no_sleep: NoSleep) -> None:
    answers = [MockResponse(503, {"Retry-After": "2"}), MockResponse.json({"uuid": NODE})]

    async with Session(transport=MockTransport(lambda r: answers.pop(0)), sleep=no_sleep) as s:
        node = await ContactflowClient(TOKEN, NODE, CF, session=s).get_node(NODE)
    assert node.uuid == NODE
    assert no_sleep.delays == [2.0]
