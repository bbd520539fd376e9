"""Retry decisions are pure: every rule checked without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contactflow_automizy._retry import RetryPolicy, parse_retry_after
from contactflow_automizy.errors import APIConnectionError, APITimeoutError

policy = RetryPolicy(max_retries=3)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_idempotent_methods_retry_transient_statuses(method: str, status: int) -> None:
    assert policy.retry_status(method, status, 0, None)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
def test_client_errors_are_never_retried(status: int) -> None:
    assert not policy.retry_status("GET", status, 0, None)


@pytest.mark.parametrize(
    ("status", "retried"),
    [(429, True), (503, True), (500, False), (502, False), (504, False), (408, False)],
)
def test_post_retries_only_when_the_server_did_not_act(status: int, retried: bool) -> None:
    assert policy.retry_status("POST", status, 0, None) is retried


def test_post_marked_idempotent_gets_the_full_rules() -> None:
    assert policy.retry_status("POST", 500, 0, True)
    assert not policy.retry_status("GET", 500, 0, False)


def test_connection_errors() -> None:
    unsent = APIConnectionError("refused", request_sent=False)
    broken = APIConnectionError("reset", request_sent=True)
    timeout = APITimeoutError("slow", request_sent=True)
    assert policy.retry_error("POST", unsent, 0, None)
    assert not policy.retry_error("POST", broken, 0, None)
    assert not policy.retry_error("POST", timeout, 0, None)
    assert policy.retry_error("GET", broken, 0, None)
    assert policy.retry_error("DELETE", timeout, 0, None)


def test_attempts_are_bounded() -> None:
    assert policy.retry_status("GET", 503, 2, None)
    assert not policy.retry_status("GET", 503, 3, None)
    zero = RetryPolicy(max_retries=0)
    assert not zero.retry_status("GET", 503, 0, None)
    assert not zero.retry_error("GET", APIConnectionError("x", request_sent=False), 0, None)


def test_negative_retries_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)


def test_full_jitter_backoff_is_capped() -> None:
    top = [policy.delay(n, None, lambda: 1.0) for n in range(8)]
    assert top == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    assert policy.delay(3, None, lambda: 0.25) == 1.0
    assert policy.delay(5, None, lambda: 0.0) == 0.0


def test_retry_after_wins_and_is_capped() -> None:
    assert policy.delay(0, 3.0, lambda: 1.0) == 3.0
    assert policy.delay(0, 3600.0, lambda: 1.0) == 60.0


def test_parse_retry_after_seconds_and_dates() -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", lambda: now) == 30.0
    assert parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", lambda: now) == 0.0
    for bad in (None, "", "soon", "-3", "nan", "inf"):
        assert parse_retry_after(bad) is None
