"""``Session``: the connection pool, the retry loop and the client-side limits.

One session can serve any number of clients (a Contactflow and an Automizy
client sharing one pool).  It sends fully built :class:`Request` objects; auth
headers, URLs and models are the clients' business.
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs

from contactflow_automizy._lifecycle import AsyncClosable
from contactflow_automizy._ratelimit import RateLimiter, as_rate_limiter
from contactflow_automizy._redact import redact_url
from contactflow_automizy._response import Response
from contactflow_automizy._retry import RetryPolicy, parse_retry_after
from contactflow_automizy._transport import AiohttpTransport, Request, Timeout, Transport
from contactflow_automizy._validate import positive_int
from contactflow_automizy.errors import APIConnectionError, status_error

if TYPE_CHECKING:
    from contactflow_automizy.jobs.store import JobStore

__all__ = ["Session", "SessionStats"]

log = logging.getLogger("contactflow_automizy")

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
    request.  ``close()`` is idempotent.  ``max_concurrency`` bounds requests in
    flight across every client; ``rate_limit`` (requests/second, or a
    :class:`RateLimiter` shared with other processes) keeps a job under an
    account quota.  ``job_store`` is where ``push_customers(job_id=...)`` and
    ``import_csv(job_id=...)`` keep their jobs unless a call names its own; the
    session does not close it (a store outlives sessions: close it yourself, or
    ``async with`` it).  ``sleep`` and ``random`` are injectable so retry
    timing can be tested without waiting.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        timeout: Timeout | float | None = None,
        max_retries: int = 3,
        retry_policy: RetryPolicy | None = None,
        rate_limit: float | RateLimiter | None = None,
        max_concurrency: int | None = None,
        verify_ssl: bool = True,
        transport: Transport | None = None,
        job_store: JobStore | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.transport: Transport = transport or AiohttpTransport(
            max_connections=max_connections,
            max_connections_per_host=max_connections_per_host,
            verify_ssl=verify_ssl,
        )
        self.timeout = as_timeout(timeout)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.stats = SessionStats()
        self.job_store = job_store
        self._rate_limiter = as_rate_limiter(rate_limit)
        self._max_concurrency = (
            None if max_concurrency is None else positive_int("max_concurrency", max_concurrency)
        )
        self._semaphore: asyncio.Semaphore | None = None
        self._sleep = sleep
        self._random = random
        self._closed = False

    def __repr__(self) -> str:
        return f"<Session transport={type(self.transport).__name__} closed={self._closed}>"

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Close the pool; calling it again does nothing."""
        if not self._closed:
            self._closed = True
            await self.transport.aclose()

    def _limit(self) -> asyncio.Semaphore | None:
        if self._max_concurrency is None:
            return None
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._max_concurrency)
        return self._semaphore

    async def send(
        self,
        request: Request | Callable[[], Awaitable[Request]],
        *,
        timeout: Timeout | None = None,
        retry_policy: RetryPolicy | None = None,
        idempotent: bool | None = None,
        read_limit: int | None = None,
        stats: SessionStats | None = None,
    ) -> Response:
        """Send with retries; return the first 2xx response.

        ``request`` may be a coroutine factory, rebuilt for every attempt (fresh
        auth headers, a re-opened upload stream).  Non-2xx answers become
        :class:`APIStatusError` subclasses once retries are exhausted.  With
        ``read_limit`` the body is read here, so an answer that breaks or stalls
        mid-body is retried like any connection error; without it the body is
        left unread for the caller to stream.  ``stats``, when given, counts
        this call's requests, retries and failures alongside the session's, so
        a bulk call can report its own traffic on a shared session.
        """
        if self._closed:
            raise APIConnectionError("the session is closed")
        policy = retry_policy or self.retry_policy
        timeout = timeout or self.timeout
        attempt = 0
        while True:
            req = request if isinstance(request, Request) else await request()
            if self._rate_limiter is not None:
                # Deadline hook: waiting for a permit counts against the call's deadline
                # (SPEC 11), so this wait will be bounded by the time left.
                await self._rate_limiter.acquire()
            self.stats.requests += 1
            if stats is not None:
                stats.requests += 1
            retry_after: float | None = None
            limit = self._limit()
            if limit is not None:  # acquired by hand: no async context manager on the hot path
                await limit.acquire()
            try:
                try:
                    response = await self.transport.send(req, timeout)
                    if response.status < 300:
                        if read_limit is not None:
                            await response.read(read_limit)  # kept by the response
                        return response
                    body = await _read_error_body(response)
                finally:
                    if limit is not None:
                        limit.release()
            except APIConnectionError as exc:
                if not policy.retry_error(req.method, exc, attempt, idempotent):
                    self.stats.failures += 1
                    if stats is not None:
                        stats.failures += 1
                    exc.attempts = attempt + 1
                    raise
                reason = str(exc.message)
            else:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if response.status == 429 and retry_after and self._rate_limiter is not None:
                    # Every holder of a shared limiter waits as long as this process will.
                    await self._rate_limiter.pause(policy.delay(attempt, retry_after, self._random))
                if not policy.retry_status(req.method, response.status, attempt, idempotent):
                    self.stats.failures += 1
                    if stats is not None:
                        stats.failures += 1
                    raise status_error(
                        response.status,
                        body,
                        method=req.method,
                        url=str(req.url),
                        headers=response.headers,
                        reason=response.reason,
                        retry_after=retry_after,
                        attempts=attempt + 1,
                    )
                reason = f"HTTP {response.status}"
            delay = policy.delay(attempt, retry_after, self._random)
            attempt += 1
            self.stats.retries += 1
            if stats is not None:
                stats.retries += 1
            log.debug(
                "retrying %s %s (attempt %d of %d) in %.2fs after %s",
                req.method,
                redact_url(req.url),
                attempt + 1,
                policy.max_retries + 1,
                delay,
                reason,
            )
            await self._sleep(delay)


async def _read_error_body(response: Response) -> bytes:
    try:
        return await response.read(MAX_ERROR_BODY)
    except APIConnectionError:
        return b""


def as_timeout(value: Timeout | float | None) -> Timeout:
    """Accept seconds as shorthand for a total timeout."""
    if value is None:
        return Timeout()
    if isinstance(value, Timeout):
        return value
    return Timeout(total=float(value), read=float(value))
