"""Attempt observers: nothing when nobody looks; a redacted log line, events and spans otherwise."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from yarl import URL

from contactflow_automizy._hooks import EventHooks, RequestEvent, ResponseEvent, RetryEvent
from contactflow_automizy._observe import Observers
from contactflow_automizy._telemetry import Telemetry
from contactflow_automizy._transport import Request
from contactflow_automizy.errors import APITimeoutError

TOKEN = "t0k3n-secret"
REQUEST = Request(
    "GET",
    URL("https://api.example.test/nodes/1"),
    {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
    [("signature", TOKEN), ("page", "2")],
)


def test_nobody_looking_costs_no_watcher(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="contactflow_automizy")
    assert Observers(None, Telemetry()).watch(REQUEST, 1, 4) is None


async def test_one_debug_line_per_attempt_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="contactflow_automizy")
    observers = Observers(None, Telemetry())
    first = observers.watch(REQUEST, 1, 4)
    assert first is not None
    await first.before_send()
    first.failed(APITimeoutError("request timed out", method="GET", url=str(REQUEST.url)))
    await first.retrying(0.5, None, None)
    second = observers.watch(REQUEST, 2, 4)
    assert second is not None
    await second.before_send()
    await second.answered(200, {"X-Request-Id": "r1"})
    second.done()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith(
        "GET https://api.example.test/nodes/1?signature=***&page=2 -> APITimeoutError in "
    )
    assert lines[0].endswith(" ms (attempt 1 of 4); retrying in 0.50s")
    assert " -> 200 in " in lines[1] and lines[1].endswith("(attempt 2 of 4)")
    assert TOKEN not in caplog.text


async def test_hooks_see_redacted_frozen_events(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="contactflow_automizy")
    events: list[Any] = []

    async def async_hook(event: Any) -> None:
        events.append(event)

    hooks = EventHooks.from_mapping(
        {"request": [events.append], "response": [async_hook], "retry": [events.append]}
    )
    watch = Observers(hooks, Telemetry()).watch(REQUEST, 1, 4)
    assert watch is not None
    await watch.before_send()
    await watch.answered(503, {"Retry-After": "1", "Set-Cookie": f"s={TOKEN}"})
    await watch.retrying(1.0, 503, None)
    request, response, retry = events
    assert isinstance(request, RequestEvent)
    assert request.url == "https://api.example.test/nodes/1?signature=***&page=2"
    assert request.headers["Authorization"] == "***"
    assert request.headers["Accept"] == "application/json"
    assert request.attempt == 1
    assert isinstance(response, ResponseEvent)
    assert (response.status, response.attempt, response.headers["Retry-After"]) == (503, 1, "1")
    assert response.elapsed >= 0
    assert isinstance(retry, RetryEvent)
    assert (retry.status, retry.error, retry.delay) == (503, None, 1.0)
    assert TOKEN not in repr(events)


async def test_a_retry_after_an_error_names_it() -> None:
    events: list[Any] = []
    watch = Observers(EventHooks.from_mapping({"retry": [events.append]}), Telemetry()).watch(
        REQUEST, 3, 4
    )
    assert watch is not None
    await watch.before_send()
    error = APITimeoutError("request timed out", method="GET", url=str(REQUEST.url))
    watch.failed(error)
    await watch.retrying(2.0, None, error)
    (retry,) = events
    assert (retry.attempt, retry.status, retry.error) == (
        3,
        None,
        "APITimeoutError: request timed out",
    )
