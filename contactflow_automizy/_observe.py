"""Watching each attempt: the DEBUG log line, event hooks and OpenTelemetry, behind one object.

The session asks :meth:`Observers.watch` once per attempt and gets None when
nobody looks (no hooks, no telemetry, DEBUG off for the ``contactflow_automizy``
logger), so an unobserved request pays a method call and a level check.
Everything a watcher reports (URL with its query, headers) is redacted first.

The log line, one per attempt, written once the session decided what follows::

    GET https://api.example/nodes/9f... -> 503 in 12 ms (attempt 1 of 4); retrying in 0.41s
    GET https://api.example/nodes/9f... -> 200 in 9 ms (attempt 2 of 4)
    POST https://api.example/.../customers -> APITimeoutError in 5003 ms (attempt 1 of 4)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from types import MappingProxyType

from yarl import URL

from contactflow_automizy._hooks import (
    EventHooks,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    call_hooks,
)
from contactflow_automizy._redact import redact_headers, redact_url
from contactflow_automizy._telemetry import AttemptRecord, Recorder, Telemetry
from contactflow_automizy._transport import Request
from contactflow_automizy.errors import APIConnectionError

__all__ = ["AttemptWatch", "Observers"]

log = logging.getLogger("contactflow_automizy")


def _full_url(request: Request) -> URL:
    return request.url.extend_query(request.params) if request.params else request.url


class AttemptWatch:
    """Reports one attempt (``attempt`` counts from 1) to whoever looks."""

    __slots__ = (
        "_elapsed",
        "_hooks",
        "_outcome",
        "_record",
        "_recorder",
        "_request",
        "_started",
        "_url",
        "attempt",
        "attempts",
    )

    def __init__(
        self,
        request: Request,
        attempt: int,
        attempts: int,
        hooks: EventHooks | None,
        recorder: Recorder | None,
    ) -> None:
        self._request = request
        self._hooks = hooks
        self._recorder = recorder
        self._url = _full_url(request)
        self._record: AttemptRecord | None = None
        self._started = 0.0
        self._elapsed = 0.0
        self._outcome: object = None
        self.attempt = attempt
        self.attempts = attempts

    async def before_send(self) -> None:
        """Call the ``request`` hooks, then start the clock and the attempt span."""
        request = self._request
        if self._hooks is not None and self._hooks.request:
            event = RequestEvent(
                method=request.method,
                url=redact_url(self._url),
                headers=MappingProxyType(redact_headers(request.headers)),
                attempt=self.attempt,
            )
            await call_hooks(self._hooks.request, event)
        if self._recorder is not None:
            self._record = self._recorder.attempt(request.method, self._url, self.attempt - 1)
        self._started = time.perf_counter()

    def _log(self, then: str) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s in %.0f ms (attempt %d of %d)%s",
                self._request.method,
                redact_url(self._url),
                self._outcome,
                self._elapsed * 1000,
                self.attempt,
                self.attempts,
                then,
            )

    async def answered(self, status: int, headers: Mapping[str, str]) -> None:
        """An answer arrived (any status)."""
        self._elapsed = elapsed = time.perf_counter() - self._started
        self._outcome = status
        if self._record is not None:
            self._record.end(status=status, error_type=None, elapsed=elapsed)
        if self._hooks is not None and self._hooks.response:
            event = ResponseEvent(
                method=self._request.method,
                url=redact_url(self._url),
                headers=MappingProxyType(redact_headers(headers)),
                attempt=self.attempt,
                status=status,
                elapsed=elapsed,
            )
            await call_hooks(self._hooks.response, event)

    def failed(self, error: APIConnectionError) -> None:
        """No answer: the connection failed or timed out."""
        self._elapsed = elapsed = time.perf_counter() - self._started
        self._outcome = type(error).__name__
        if self._record is not None:
            self._record.end(status=None, error_type=type(error).__qualname__, elapsed=elapsed)

    async def retrying(
        self, delay: float, status: int | None, error: APIConnectionError | None
    ) -> None:
        """Another attempt follows after ``delay`` seconds."""
        self._log(f"; retrying in {delay:.2f}s")
        if self._recorder is not None:
            self._recorder.count_retry(self._request.method, self._url)
        if self._hooks is not None and self._hooks.retry:
            event = RetryEvent(
                method=self._request.method,
                url=redact_url(self._url),
                attempt=self.attempt,
                status=status,
                error=None if error is None else f"{type(error).__name__}: {error.message}",
                delay=delay,
                elapsed=self._elapsed,
            )
            await call_hooks(self._hooks.retry, event)

    def done(self) -> None:
        """No attempt follows: this one's answer or error is the call's."""
        self._log("")


class Observers:
    """A session's hooks and telemetry; hands out a watcher per observed attempt."""

    __slots__ = ("hooks", "telemetry")

    def __init__(self, hooks: EventHooks | None, telemetry: Telemetry) -> None:
        self.hooks = hooks
        self.telemetry = telemetry

    def watch(self, request: Request, attempt: int, attempts: int) -> AttemptWatch | None:
        """A watcher for attempt ``attempt`` of at most ``attempts``, or None."""
        recorder = self.telemetry.active()
        if recorder is None and self.hooks is None and not log.isEnabledFor(logging.DEBUG):
            return None
        return AttemptWatch(request, attempt, attempts, self.hooks, recorder)
