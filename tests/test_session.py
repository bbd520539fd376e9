"""Session retry loop and limits, driven through aioresponses (no real sleeping)."""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from contactflow_automizy import (
    AiohttpTransport,
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    ContactflowClient,
    InternalServerError,
    MockResponse,
    MockTransport,
    NotFoundError,
    RateLimitError,
    Request,
    RetryPolicy,
    Session,
    SessionStats,
)
from tests.conftest import CF_BASE, NODE, TOKEN, NoSleep

NODE_URL = f"{CF_BASE}/nodes/{NODE}"
CUSTOMERS_URL = re.compile(r".*/automations/.*/customers$")
AUTOMATION = "6a1c3f52-5d2e-4a6c-9d1c-2f0e8b7a9c11"


def _connect_error() -> aiohttp.ClientConnectorError:
    return aiohttp.ClientConnectorError(
        connection_key=None,  # type: ignore[arg-type]
        os_error=ConnectionRefusedError(111, "Connection refused"),
    )


async def test_get_retries_503_then_succeeds(
    cf: ContactflowClient, mocked: aioresponses, no_sleep: NoSleep
) -> None:
    mocked.get(NODE_URL, status=503)
    mocked.get(NODE_URL, status=502)
    mocked.get(NODE_URL, payload={"uuid": NODE, "name": "n"})
    node = await cf.get_node(NODE)
    assert node.name == "n"
    assert len(mocked.requests[("GET", URL(NODE_URL))]) == 3
    assert no_sleep.delays == [0.5, 1.0]  # full jitter with random()=1.0: base * 2**n
    assert cf.session.stats.retries == 2


async def test_retries_exhausted_raise_with_attempt_count(
    cf: ContactflowClient, mocked: aioresponses, no_sleep: NoSleep
) -> None:
    mocked.get(NODE_URL, status=500, body=b'{"message": "boom", "logref": "L1"}', repeat=True)
    with pytest.raises(InternalServerError) as info:
        await cf.get_node(NODE)
    assert info.value.attempts == 4
    assert info.value.logref == "L1"
    assert len(no_sleep.delays) == 3


async def test_post_is_not_retried_after_500(cf: ContactflowClient, mocked: aioresponses) -> None:
    mocked.post(CUSTOMERS_URL, status=500, repeat=True)
    with pytest.raises(InternalServerError):
        await cf.add_customer(AUTOMATION, user_pk="u1")
    assert sum(len(v) for v in mocked.requests.values()) == 1


async def test_post_retries_429_honouring_retry_after(
    cf: ContactflowClient, mocked: aioresponses, no_sleep: NoSleep
) -> None:
    mocked.post(CUSTOMERS_URL, status=429, headers={"Retry-After": "2"})
    mocked.post(CUSTOMERS_URL, status=503)
    mocked.post(CUSTOMERS_URL, payload={"userPk": "u1"})
    customer = await cf.add_customer(AUTOMATION, user_pk="u1")
    assert customer.user_pk == "u1"
    assert no_sleep.delays == [2.0, 1.0]


async def test_post_retries_a_connect_error_but_not_a_broken_connection(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.post(CUSTOMERS_URL, exception=_connect_error())
    mocked.post(CUSTOMERS_URL, payload={"userPk": "u1"})
    assert (await cf.add_customer(AUTOMATION, user_pk="u1")).user_pk == "u1"

    mocked.post(CUSTOMERS_URL, exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(APIConnectionError) as info:
        await cf.add_customer(AUTOMATION, user_pk="u2")
    assert info.value.request_sent is True
    assert info.value.attempts == 1


async def test_timeouts_retry_for_get_only(cf: ContactflowClient, mocked: aioresponses) -> None:
    mocked.get(NODE_URL, exception=TimeoutError())
    mocked.get(NODE_URL, payload={"uuid": NODE})
    assert (await cf.get_node(NODE)).uuid == NODE
    mocked.post(CUSTOMERS_URL, exception=TimeoutError())
    with pytest.raises(APITimeoutError):
        await cf.add_customer(AUTOMATION, user_pk="u1")


async def test_rate_limit_error_after_retries(cf: ContactflowClient, mocked: aioresponses) -> None:
    mocked.get(NODE_URL, status=429, headers={"Retry-After": "1"}, repeat=True)
    with pytest.raises(RateLimitError) as info:
        await cf.get_node(NODE)
    assert info.value.retry_after == 1.0


async def test_max_retries_zero_and_per_call_override(
    session: Session, mocked: aioresponses
) -> None:
    async with ContactflowClient(TOKEN, NODE, CF_BASE, session=session, max_retries=0) as cf:
        mocked.get(NODE_URL, status=503)
        with pytest.raises(InternalServerError):
            await cf.get_node(NODE)
        mocked.get(NODE_URL, status=503)
        mocked.get(NODE_URL, payload={"uuid": NODE})
        assert (await cf.with_options(max_retries=1).get_node(NODE)).uuid == NODE
        assert not session.closed  # the option copy never closes the shared session


async def test_404_is_not_retried(cf: ContactflowClient, mocked: aioresponses) -> None:
    mocked.get(NODE_URL, status=404, payload={"message": "Node not found"})
    with pytest.raises(NotFoundError, match="Node not found"):
        await cf.get_node(NODE)
    assert len(mocked.requests[("GET", URL(NODE_URL))]) == 1


async def test_retries_are_logged_at_debug_with_attempt_and_no_secret(
    cf: ContactflowClient, mocked: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    mocked.get(NODE_URL, status=503)
    mocked.get(NODE_URL, payload={"uuid": NODE})
    with caplog.at_level(logging.DEBUG, logger="contactflow_automizy"):
        await cf.get_node(NODE)
    records = [r for r in caplog.records if r.name == "contactflow_automizy"]
    assert len(records) == 2  # one line per attempt
    assert all(r.levelno == logging.DEBUG for r in records)
    assert records[0].getMessage().endswith("(attempt 1 of 4); retrying in 0.50s")
    assert records[1].getMessage().endswith("(attempt 2 of 4)")
    assert TOKEN not in caplog.text


async def test_closed_session_refuses_requests(mocked: aioresponses) -> None:
    session = Session()
    await session.close()
    await session.close()  # idempotent
    cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
    with pytest.raises(APIConnectionError, match="closed"):
        await cf.get_node(NODE)


async def test_client_closes_only_the_session_it_made() -> None:
    shared = Session()
    async with ContactflowClient(TOKEN, NODE, CF_BASE, session=shared):
        pass
    assert not shared.closed
    await shared.close()
    own = ContactflowClient(TOKEN, NODE, CF_BASE)
    await own.close()
    assert own.session.closed


def test_session_builds_outside_a_running_loop() -> None:
    session = Session(max_connections=5, rate_limit=10, max_concurrency=3)
    assert not session.closed
    ContactflowClient(TOKEN, NODE, CF_BASE, session=session)


async def test_per_call_stats_count_that_call_alongside_the_session(
    session: Session, mocked: aioresponses
) -> None:
    mocked.get(NODE_URL, status=503)
    mocked.get(NODE_URL, payload={})
    mocked.get(f"{CF_BASE}/other", status=404, repeat=True)
    call = SessionStats()

    response = await session.send(Request("GET", URL(NODE_URL)), stats=call)
    await response.aclose()
    with pytest.raises(NotFoundError):
        await session.send(Request("GET", URL(f"{CF_BASE}/other")))

    assert (call.requests, call.retries, call.failures) == (2, 1, 0)
    assert (session.stats.requests, session.stats.retries, session.stats.failures) == (3, 1, 1)
    with pytest.raises(NotFoundError):
        await session.send(Request("GET", URL(f"{CF_BASE}/other")), stats=call)
    assert (call.requests, call.failures) == (3, 1)


@pytest.mark.parametrize("how", ["constructor", "with_options"])
async def test_max_retries_keeps_the_sessions_back_off_and_retry_after_cap(
    how: str, no_sleep: NoSleep
) -> None:
    answers = [
        MockResponse(503, {"Retry-After": "30"}),
        MockResponse(503),
        MockResponse.json({"uuid": NODE}),
    ]
    policy = RetryPolicy(max_retries=0, backoff_base=0.1, max_retry_after=1.0)
    transport = MockTransport(lambda request: answers.pop(0))
    async with Session(
        transport=transport, retry_policy=policy, sleep=no_sleep, random=lambda: 1.0
    ) as session:
        if how == "constructor":
            cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session, max_retries=2)
        else:
            cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session).with_options(
                max_retries=2
            )
        assert (await cf.get_node(NODE)).uuid == NODE
    assert no_sleep.delays == [1.0, 0.2]  # Retry-After capped at 1 s; back-off base 0.1 s


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"max_concurrency": 0}, "max_concurrency"),  # was Semaphore(0): every request hung
        ({"max_concurrency": -2}, "max_concurrency"),
        ({"max_concurrency": 1.5}, "max_concurrency"),
    ],
)
def test_count_settings_of_the_session_are_checked(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Session(**kwargs)  # rate_limit: tests/test_ratelimit.py


@pytest.mark.parametrize("page_size", [0, -1])
def test_page_size_zero_is_refused_not_replaced(page_size: int) -> None:
    cf = ContactflowClient(TOKEN, NODE, CF_BASE)
    with pytest.raises(ConfigurationError, match="page_size"):
        cf.list_nodes(page_size=page_size)  # was silently 100


@pytest.mark.parametrize(
    "option",
    [
        {"max_connections": 5},
        {"max_connections_per_host": 2},
        {"verify": False},
        {"verify_ssl": False},
        {"cert": "client.pem"},
        {"proxy": "http://proxy.example:3128"},
        {"trust_env": False},
    ],
)
def test_a_ready_transport_refuses_the_default_transports_options(option: dict[str, Any]) -> None:
    transport = MockTransport(lambda request: MockResponse())
    (name,) = option
    with pytest.raises(ConfigurationError, match=f"MockTransport.*{name}"):
        Session(transport=transport, **option)


async def test_transports_by_name() -> None:
    async with Session(transport="aiohttp", max_connections=5, trust_env=False) as session:
        assert isinstance(session.transport, AiohttpTransport)
    with pytest.raises(ConfigurationError, match="unknown transport 'curl'"):
        Session(transport="curl")
    with pytest.raises(ConfigurationError, match="send"):
        Session(transport=object())  # type: ignore[arg-type]
