"""Hooks, the DEBUG line, OpenTelemetry and raw responses, through real client calls.

Every test that watches a call also greps everything it saw (hook events, log
records, span attributes) for the token and the API key.
"""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys
import textwrap
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from opentelemetry.trace import SpanKind
from yarl import URL

from contactflow_automizy import (
    AutomizyClient,
    ConfigurationError,
    ContactflowClient,
    InternalServerError,
    RawResponse,
    Session,
)
from contactflow_automizy.emulator import Emulator
from tests.conftest import API_KEY, AZ_BASE, CF_BASE, NODE, TOKEN, NoSleep
from tests.otel_capture import Otel

NODE_URL = f"{CF_BASE}/nodes/{NODE}"
NODE_JSON = orjson.dumps({"uuid": NODE, "name": "n"})
SECRETS = (TOKEN, API_KEY)


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def _session(no_sleep: NoSleep, **options: Any) -> Session:
    return Session(sleep=no_sleep, random=lambda: 1.0, **options)


# -- hooks and the log line ---------------------------------------------------------


async def test_hooks_and_log_lines_see_each_attempt_without_secrets(
    mocked: aioresponses, no_sleep: NoSleep, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="contactflow_automizy")
    events: list[Any] = []

    async def async_hook(event: Any) -> None:
        events.append(event)

    hooks = {"request": [events.append], "response": [async_hook], "retry": [events.append]}
    mocked.get(NODE_URL, status=503)
    mocked.get(NODE_URL, body=NODE_JSON, headers={"X-Request-Id": "req-2"})
    mocked.get(re.compile(r".*/contact/7$"), payload={"id": 7, "email": "a@b.c"})
    async with _session(no_sleep, event_hooks=hooks) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        az = AutomizyClient(API_KEY, AZ_BASE, session=session)
        await cf.get_node(NODE)
        await az.get_contact(7)
    kinds = [(type(e).__name__, e.attempt, getattr(e, "status", None)) for e in events]
    assert kinds == [
        ("RequestEvent", 1, None),
        ("ResponseEvent", 1, 503),
        ("RetryEvent", 1, 503),
        ("RequestEvent", 2, None),
        ("ResponseEvent", 2, 200),
        ("RequestEvent", 1, None),
        ("ResponseEvent", 1, 200),
    ]
    assert events[0].url == NODE_URL
    assert events[0].headers["Authorization"] == "***"
    assert events[4].headers["X-Request-Id"] == "req-2"
    assert events[5].headers["Api-key"] == "***"
    attempt_lines = [r.getMessage() for r in caplog.records if " -> " in r.getMessage()]
    assert len(attempt_lines) == 3  # one per attempt
    assert attempt_lines[0].startswith(f"GET {NODE_URL} -> 503 in ")
    assert not leaked(repr(events)) and not leaked(caplog.text)


async def test_an_exception_in_a_hook_propagates_and_nothing_is_retried(
    mocked: aioresponses, no_sleep: NoSleep
) -> None:
    def refuse(event: Any) -> None:
        if event.status == 503:
            raise RuntimeError("the hook says no")

    mocked.get(NODE_URL, status=503)
    async with _session(no_sleep, event_hooks={"response": [refuse]}) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        with pytest.raises(RuntimeError, match="the hook says no"):
            await cf.get_node(NODE)
    assert no_sleep.delays == []


# -- OpenTelemetry ---------------------------------------------------------------------


async def test_a_span_per_call_and_a_child_per_attempt(
    mocked: aioresponses, no_sleep: NoSleep, otel: Otel
) -> None:
    mocked.get(NODE_URL, status=503)
    mocked.get(NODE_URL, body=NODE_JSON)
    mocked.get(NODE_URL, status=500, repeat=True)
    async with _session(
        no_sleep, tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider
    ) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session, max_retries=1)
        await cf.get_node(NODE)
        with pytest.raises(InternalServerError):
            await cf.get_node(NODE)
    calls = [s for s in otel.spans() if s.kind is SpanKind.INTERNAL]
    assert [s.name for s in calls] == ["contactflow.get_node", "contactflow.get_node"]
    ok, failed = calls
    first, second = otel.children(ok)
    assert first.attributes is not None and second.attributes is not None
    assert (first.name, first.kind, first.attributes["http.response.status_code"]) == (
        "GET",
        SpanKind.CLIENT,
        503,
    )
    assert second.attributes["http.request.resend_count"] == 1
    assert second.attributes["url.full"] == NODE_URL
    assert second.attributes["server.address"] == "cf.example.test"
    assert not failed.status.is_ok
    assert [s.attributes["error.type"] for s in otel.children(failed)] == ["500", "500"]  # type: ignore[index]
    metrics = otel.metric_text()
    assert "http.client.request.duration" in metrics
    assert "contactflow_automizy.retries" in metrics
    texts = [repr(s.attributes) + repr(s.events) for s in otel.spans()] + [metrics]
    assert not any(leaked(t) for t in texts)


async def test_one_span_per_page(mocked: aioresponses, no_sleep: NoSleep, otel: Otel) -> None:
    for number in range(3):
        page = {"size": 2, "number": number, "totalElements": 5, "totalPages": 3}
        elements = [
            {"uuid": NODE, "name": f"n{i}"} for i in range(2 * number, min(5, 2 * number + 2))
        ]
        mocked.get(
            URL(f"{CF_BASE}/nodes").with_query(page=str(number), size="2"),
            payload={"page": page, "elements": elements},
        )
    async with _session(no_sleep, tracer_provider=otel.tracer_provider) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        names = [n.name async for n in cf.list_nodes(page_size=2)]
    assert names == [f"n{i}" for i in range(5)]
    pages = [s for s in otel.spans() if s.kind is SpanKind.INTERNAL]
    assert [s.name for s in pages] == ["contactflow.list_nodes"] * 3
    assert all(len(otel.children(p)) == 1 for p in pages)


async def test_a_composite_call_is_one_span_over_its_requests(otel: Otel) -> None:
    emulator = Emulator(random_seed=1)
    async with Session(transport=emulator.transport(), tracer_provider=otel.tracer_provider) as s:
        az = AutomizyClient(emulator.api_key, emulator.automizy_url, session=s)
        contact_list = await az.create_list(name="people")
        rows = [{"email": "a@example.com"}, {"email": "b@example.com"}]
        await az.import_csv(rows, list_ids=[contact_list.id])
    (call,) = [s for s in otel.spans() if s.name == "automizy.import_csv"]
    below = [
        s
        for s in otel.spans()
        if s.parent is not None and s.context.trace_id == call.context.trace_id
    ]
    assert len([s for s in below if s.kind is SpanKind.CLIENT]) >= 2
    assert not any(leaked(repr(s.attributes)) for s in otel.spans())


async def test_no_traceparent_header_is_sent(
    mocked: aioresponses, no_sleep: NoSleep, otel: Otel
) -> None:
    mocked.get(NODE_URL, body=NODE_JSON)
    async with _session(no_sleep, tracer_provider=otel.tracer_provider) as session:
        await ContactflowClient(TOKEN, NODE, CF_BASE, session=session).get_node(NODE)
    (request,) = mocked.requests[("GET", URL(NODE_URL))]
    assert {k.lower() for k in request.kwargs["headers"]} & {"traceparent", "tracestate"} == set()


GLOBAL_PROVIDER_PROGRAM = textwrap.dedent(
    """
    import asyncio
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from contactflow_automizy import ContactflowClient, Session
    from contactflow_automizy.emulator import Emulator

    async def main():
        emulator = Emulator(random_seed=1)
        async with Session(transport=emulator.transport()) as session:
            cf = ContactflowClient(emulator.token, emulator.node_uuid,
                                   emulator.contactflow_url, session=session)
            await cf.get_node(emulator.node_uuid)  # no provider yet: nothing recorded
            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            trace.set_tracer_provider(provider)
            reader = InMemoryMetricReader()
            metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
            await asyncio.sleep(1.1)  # the SDK looks for a global provider once a second
            await cf.get_node(emulator.node_uuid)
        print(sorted(s.name for s in exporter.get_finished_spans()))
        print("http.client.request.duration" in reader.get_metrics_data().to_json())

    asyncio.run(main())
    """
)


def test_a_globally_configured_provider_is_found() -> None:
    """Global providers can be set once per process: this one runs in its own."""
    done = subprocess.run(
        [sys.executable, "-c", GLOBAL_PROVIDER_PROGRAM],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['GET', 'contactflow.get_node']", "True"]


# -- raw responses ---------------------------------------------------------------------


async def test_with_raw_response(mocked: aioresponses, no_sleep: NoSleep) -> None:
    mocked.get(NODE_URL, status=503)
    mocked.get(NODE_URL, body=NODE_JSON, headers={"X-Request-Id": "req-9", "X-Rate": "5"})
    mocked.get(NODE_URL, body=NODE_JSON)
    async with _session(no_sleep) as session:
        cf = ContactflowClient(TOKEN, NODE, CF_BASE, session=session)
        raw = await cf.with_raw_response.get_node(NODE)
        plain = await cf.with_raw_response.get_node(NODE)
    assert isinstance(raw, RawResponse)
    assert raw.parsed.name == "n"
    assert (raw.status, raw.request_id, raw.attempts) == (200, "req-9", 2)
    assert raw.headers["x-rate"] == "5"
    assert raw.elapsed >= 0
    assert (plain.request_id, plain.attempts) == (None, 1)
    assert not leaked(repr(raw))


async def test_with_raw_response_covers_single_request_methods_only(
    cf: ContactflowClient,
) -> None:
    with pytest.raises(ConfigurationError, match="single-request"):
        await cf.with_raw_response.list_nodes()
    with pytest.raises(ConfigurationError, match="single-request"):
        await cf.with_raw_response.push_customers(NODE, [])
    with pytest.raises(AttributeError):
        cf.with_raw_response.no_such_method  # noqa: B018


# -- event loops -----------------------------------------------------------------------


def test_a_session_used_from_another_event_loop_says_so() -> None:
    emulator = Emulator(random_seed=1)
    session = Session(transport=emulator.transport())
    cf = ContactflowClient(
        emulator.token, emulator.node_uuid, emulator.contactflow_url, session=session
    )
    asyncio.run(cf.get_node(emulator.node_uuid))
    with pytest.raises(ConfigurationError, match="event loop"):
        asyncio.run(cf.get_node(emulator.node_uuid))
    asyncio.run(session.close())  # its first loop is gone: closing just marks it closed
    assert session.closed
