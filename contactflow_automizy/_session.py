"""``Session``: the connection pool, the retry loop and the client-side limits.

One session can serve any number of clients (a Contactflow and an Automizy
client sharing one pool).  It sends fully built :class:`Request` objects; auth
headers, URLs and models are the clients' business.  Each attempt is shown to
whoever watches (the DEBUG log line, event hooks, OpenTelemetry; see
:mod:`contactflow_automizy._observe`), and a ``Timeout.deadline`` bounds each
call, every attempt, back-off and wait for a permit included (see
:mod:`contactflow_automizy._timeout`).
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar, overload

import attrs

from contactflow_automizy._gate import Gate
from contactflow_automizy._hooks import EventHooks, Hook
from contactflow_automizy._lifecycle import AsyncClosable
from contactflow_automizy._observe import AttemptWatch, Observers
from contactflow_automizy._ratelimit import RateLimiter, as_rate_limiter
from contactflow_automizy._response import Response
from contactflow_automizy._retry import RetryPolicy, parse_retry_after
from contactflow_automizy._telemetry import Telemetry
from contactflow_automizy._timeout import Deadline, Timeout, as_timeout
from contactflow_automizy._tls import CertTypes, VerifyTypes
from contactflow_automizy._transport import Request, Transport, make_transport
from contactflow_automizy._validate import positive_int
from contactflow_automizy.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    status_error,
)

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from contactflow_automizy.jobs.store import JobStore

__all__ = ["Session", "SessionStats"]

log = logging.getLogger("contactflow_automizy")

T = TypeVar("T")

#: Error bodies are buffered to build messages; no more than this is kept.
MAX_ERROR_BODY = 1 << 20


@attrs.define
class SessionStats:
    """Running counters, for summaries and benchmarks."""

    requests: int = 0
    retries: int = 0
    failures: int = 0


class Session(AsyncClosable):
    """Owns the transport (connection pool), retry policy and client-side limits.

    Safe to build outside a running loop: nothing connects until the first
    request, and the loop of that request is the session's from then on.
    ``close()`` is idempotent.  ``max_concurrency`` bounds requests in flight
    across every client; ``rate_limit`` (requests/second, or a
    :class:`RateLimiter` shared with other processes) keeps a job under an
    account quota.  ``job_store`` is where ``push_customers(job_id=...)`` and
    ``import_csv(job_id=...)`` keep their jobs unless a call names its own; the
    session does not close it (a store outlives sessions: close it yourself, or
    ``async with`` it).

    ``transport`` is a name (``"aiohttp"``, the default) built with the
    transport options ``max_connections``, ``max_connections_per_host``,
    ``verify`` (or its alias ``verify_ssl``), ``cert``, ``proxy`` and
    ``trust_env`` (default True: read ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``);
    or a ready transport, which then takes none of them
    (:class:`ConfigurationError`).  ``event_hooks`` and the OpenTelemetry
    ``tracer_provider``/``meter_provider`` watch every attempt.  ``sleep``,
    ``random`` and ``clock`` (monotonic seconds) are injectable so retry timing
    and deadlines can be tested without waiting.
    """

    def __init__(
        self,
        *,
        max_connections: int | None = None,
        max_connections_per_host: int | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int = 3,
        retry_policy: RetryPolicy | None = None,
        rate_limit: float | RateLimiter | None = None,
        max_concurrency: int | None = None,
        verify: VerifyTypes | None = None,
        verify_ssl: bool | None = None,
        cert: CertTypes | None = None,
        proxy: str | None = None,
        trust_env: bool | None = None,
        transport: Transport | str | None = None,
        event_hooks: Mapping[str, Sequence[Hook]] | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        job_store: JobStore | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        transport_options = {
            name: value
            for name, value in (
                ("max_connections", max_connections),
                ("max_connections_per_host", max_connections_per_host),
                ("verify", verify),
                ("verify_ssl", verify_ssl),
                ("cert", cert),
                ("proxy", proxy),
                ("trust_env", trust_env),
            )
            if value is not None
        }
        self.timeout = as_timeout(timeout)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.stats = SessionStats()
        self.job_store = job_store
        self._rate_limiter = as_rate_limiter(rate_limit)
        self._concurrency = (
            None
            if max_concurrency is None
            else Gate(positive_int("max_concurrency", max_concurrency))
        )
        #: OpenTelemetry for this session (the clients open SDK-call spans with it).
        self.telemetry = Telemetry(tracer_provider, meter_provider)
        self._observers = Observers(EventHooks.from_mapping(event_hooks), self.telemetry)
        self.transport: Transport = make_transport(transport or "aiohttp", transport_options)
        self._sleep = sleep
        self._random = random
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<Session transport={type(self.transport).__name__} closed={self._closed}>"

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def observers(self) -> Observers:
        """The session's hooks and telemetry."""
        return self._observers

    def _check_loop(self) -> None:
        """Bind to the first loop that uses the session; refuse any other.

        The pool, the concurrency limit and the rate limiter belong to that
        loop: used from another one (a second ``asyncio.run()``) they fail
        with a bare ``RuntimeError`` deep in asyncio, or hang.
        """
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._loop is not None:
                raise ConfigurationError(
                    "this Session (or the client that made it) was first used on another "
                    "event loop; a session serves one loop: create it, and its clients, "
                    "inside the asyncio.run() (or loop) that uses them"
                )
            self._loop = loop

    async def close(self) -> None:
        """Close the pool; calling it again does nothing.

        A session whose loop is already closed is marked closed: its
        connections went with that loop.
        """
        if self._closed:
            return
        if self._loop is not None and self._loop.is_closed():
            self._closed = True
            return
        self._check_loop()
        self._closed = True
        await self.transport.aclose()

    async def _wait_within(
        self, wait: Awaitable[object], deadline: Deadline | None, request: Request, attempt: int
    ) -> None:
        """Wait for a permit (rate limit, concurrency), bounded by the call's deadline."""
        if deadline is None:
            await wait
            return
        try:
            async with asyncio.timeout(max(0.0, deadline.left(self._clock()))):
                await wait
        except TimeoutError:
            raise _out_of_time(request, attempt) from None

    @overload
    async def send(
        self,
        request: Request | Callable[[], Awaitable[Request]],
        *,
        timeout: Timeout | None = None,
        retry_policy: RetryPolicy | None = None,
        idempotent: bool | None = None,
        read_limit: int | None = None,
        parse: None = None,
        stats: SessionStats | None = None,
    ) -> Response: ...

    @overload
    async def send(
        self,
        request: Request | Callable[[], Awaitable[Request]],
        *,
        timeout: Timeout | None = None,
        retry_policy: RetryPolicy | None = None,
        idempotent: bool | None = None,
        read_limit: int,
        parse: Callable[[Response], T],
        stats: SessionStats | None = None,
    ) -> T: ...

    @overload
    async def send(
        self,
        request: Request | Callable[[], Awaitable[Request]],
        *,
        timeout: Timeout | None = None,
        retry_policy: RetryPolicy | None = None,
        idempotent: bool | None = None,
        read_limit: int | None = None,
        parse: Callable[[Response], T] | None = None,
        stats: SessionStats | None = None,
    ) -> Response | T: ...

    async def send(
        self,
        request: Request | Callable[[], Awaitable[Request]],
        *,
        timeout: Timeout | None = None,
        retry_policy: RetryPolicy | None = None,
        idempotent: bool | None = None,
        read_limit: int | None = None,
        parse: Callable[[Response], T] | None = None,
        stats: SessionStats | None = None,
    ) -> Response | T:
        """Send with retries; return the first 2xx response (``.attempts`` says how many).

        ``request`` may be a coroutine factory, rebuilt for every attempt (fresh
        auth headers, a re-opened upload stream).  Non-2xx answers become
        :class:`APIStatusError` subclasses once retries are exhausted.  With
        ``read_limit`` the body is read here, so an answer that breaks or stalls
        mid-body is retried like any connection error; without it the body is
        left unread for the caller to stream.  ``parse``, given with
        ``read_limit``, is called with the read 2xx response and its result
        returned instead (its errors are not retried): the clients decode and
        structure JSON answers this way, in this coroutine rather than one of
        their own around it.  ``stats``, when given, counts
        this call's requests, retries and failures alongside the session's, so
        a bulk call can report its own traffic on a shared session.  A wait
        (back-off or ``Retry-After``) that would end past ``timeout.deadline``
        is not waited: the last error is raised at once.
        """
        if self._closed:
            raise APIConnectionError("the session is closed")
        if asyncio.get_running_loop() is not self._loop:
            self._check_loop()
        policy = retry_policy or self.retry_policy
        timeout = timeout or self.timeout
        deadline = None if timeout.deadline is None else Deadline.start(timeout, self._clock())
        attempt = 0
        while True:
            req = request if isinstance(request, Request) else await request()
            if self._rate_limiter is not None:
                await self._wait_within(self._rate_limiter.acquire(), deadline, req, attempt)
            self.stats.requests += 1
            if stats is not None:
                stats.requests += 1
            retry_after: float | None = None
            limit = self._concurrency
            if limit is not None and not limit.try_enter():
                await self._wait_within(limit.enter(), deadline, req, attempt)
            watch: AttemptWatch | None = None
            try:
                try:
                    attempt_timeout = timeout
                    if deadline is not None:
                        now = self._clock()
                        if deadline.left(now) <= 0:
                            raise _out_of_time(req, attempt)
                        attempt_timeout = deadline.attempt_timeout(timeout, now)
                    watch = self._observers.watch(req, attempt + 1, policy.max_retries + 1)
                    if watch is not None:
                        await watch.before_send()
                    response = await self.transport.send(req, attempt_timeout)
                    if response.status < 300:
                        if read_limit is not None and not response.in_memory(read_limit):
                            await response.read(read_limit)  # kept by the response
                    else:
                        body = await _read_error_body(response)
                finally:
                    if limit is not None:
                        limit.leave()
            except APIConnectionError as exc:
                if watch is not None:
                    watch.failed(exc)
                error: APIConnectionError | None = exc
                retry = policy.retry_error(req.method, exc, attempt, idempotent)
            else:
                if watch is not None:
                    await _answered(watch, response)
                if response.status < 300:
                    response.attempts = attempt + 1
                    if watch is not None:
                        watch.done()
                    return response if parse is None else parse(response)
                error = None
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if response.status == 429 and retry_after and self._rate_limiter is not None:
                    # Every holder of a shared limiter waits as long as this process will.
                    await self._rate_limiter.pause(policy.delay(attempt, retry_after, self._random))
                retry = policy.retry_status(req.method, response.status, attempt, idempotent)
            delay = policy.delay(attempt, retry_after, self._random) if retry else 0.0
            if retry and deadline is not None:
                # A Retry-After is compared before the policy caps it: cutting a
                # 120 s wait to 60 s cannot make the server ready earlier.
                retry = deadline.allows_wait(max(delay, retry_after or 0.0), self._clock())
            if not retry:
                if watch is not None:
                    watch.done()
                self.stats.failures += 1
                if stats is not None:
                    stats.failures += 1
                if error is not None:
                    error.attempts = attempt + 1
                    raise error
                raise _status_error(req, response, body, retry_after, attempt + 1)
            attempt += 1
            self.stats.retries += 1
            if stats is not None:
                stats.retries += 1
            if watch is not None:
                await watch.retrying(delay, None if error is not None else response.status, error)
            await self._sleep(delay)

    async def _pause_before_restart(self, policy: RetryPolicy, restart: int) -> None:
        """Back off before restarting a request whose answer broke mid-body (a download)."""
        delay = policy.delay(restart, None, self._random)
        self.stats.retries += 1
        log.debug("restarting a broken download (restart %d) in %.2fs", restart + 1, delay)
        await self._sleep(delay)


async def _answered(watch: AttemptWatch, response: Response) -> None:
    """Tell the watchers; a hook that raises gets the response closed first."""
    try:
        await watch.answered(response.status, response.headers)
    except BaseException:
        await response.aclose()
        raise


def _out_of_time(request: Request, attempt: int) -> APITimeoutError:
    return APITimeoutError(
        "the call's deadline passed before the request could be sent",
        method=request.method,
        url=str(request.url),
        request_sent=False,
        attempts=max(attempt, 1),
    )


def _status_error(
    request: Request, response: Response, body: bytes, retry_after: float | None, attempts: int
) -> APIStatusError:
    return status_error(
        response.status,
        body,
        method=request.method,
        url=str(request.url),
        headers=response.headers,
        reason=response.reason,
        retry_after=retry_after,
        attempts=attempts,
    )


async def _read_error_body(response: Response) -> bytes:
    try:
        return await response.read(MAX_ERROR_BODY)
    except APIConnectionError:
        return b""
