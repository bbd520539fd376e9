"""Watching each attempt: the DEBUG log line, event hooks and OpenTelemetry, behind one object.

The session asks :meth:`Observers.watch` once per attempt and gets None when
nobody looks (no hooks, no telemetry, DEBUG off for the ``contactflow_automizy``
logger), so an unobserved request pays a method call and a level check.
Everything a watcher reports (URL with its query, headers) is redacted first.

The log line, one per attempt::

    GET https://api.example/nodes/9f... -> 200 in 12 ms (attempt 1)
    POST https://api.example/automations/.../customers -> APITimeoutError in 5003 ms (attempt 2)
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

    __slots__ = ("_hooks", "_record", "_recorder", "_request", "_started", "_url", "attempt")

    def __init__(
        self, request: Request, attempt: int, hooks: EventHooks | None, recorder: Recorder | None
    ) -> None:
        self._request = request
        self._hooks = hooks
        self._recorder = recorder
        self._url = _full_url(request)
        self._record: AttemptRecord | None = None
        self._started = 0.0
        self.attempt = attempt

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

    def _log(self, outcome: object, elapsed: float) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s in %.0f ms (attempt %d)",
                self._request.method,
                redact_url(self._url),
                outcome,
                elapsed * 1000,
                self.attempt,
            )

    async def answered(self, status: int, headers: Mapping[str, str]) -> None:
        """An answer arrived (any status)."""
        elapsed = time.perf_counter() - self._started
        self._log(status, elapsed)
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
        elapsed = time.perf_counter() - self._started
        self._log(type(error).__name__, elapsed)
        if self._record is not None:
            self._record.end(status=None, error_type=type(error).__qualname__, elapsed=elapsed)

    async def retrying(
        self, delay: float, status: int | None, error: APIConnectionError | None
    ) -> None:
        """Another attempt follows after ``delay`` seconds."""
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
                elapsed=time.perf_counter() - self._started,
            )
            await call_hooks(self._hooks.retry, event)


class Observers:
    """A session's hooks and telemetry; hands out a watcher per observed attempt."""

    __slots__ = ("hooks", "telemetry")

    def __init__(self, hooks: EventHooks | None, telemetry: Telemetry) -> None:
        self.hooks = hooks
        self.telemetry = telemetry

    def watch(self, request: Request, attempt: int) -> AttemptWatch | None:
        recorder = self.telemetry.active()
        if recorder is None and self.hooks is None and not log.isEnabledFor(logging.DEBUG):
            return None
        return AttemptWatch(request, attempt, self.hooks, recorder)
