"""The only place that does network I/O: the ``Transport`` protocol and its aiohttp backend.

A transport sends one :class:`Request` and returns a :class:`Response` whose
body can be read whole or streamed.  It knows nothing of retries, auth or
models (that is :class:`~contactflow_automizy.Session`'s job), so another
backend (the in-process emulator, a test double) costs a few dozen lines.
Failures are reported as :class:`APIConnectionError` / :class:`APITimeoutError`
with ``request_sent`` saying whether the server may have seen the request.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import aiohttp
import attrs
from yarl import URL

from contactflow_automizy._validate import positive_int
from contactflow_automizy.errors import APIConnectionError, APITimeoutError, ResponseTooLargeError

__all__ = [
    "AiohttpTransport",
    "BodyFactory",
    "Request",
    "Response",
    "Timeout",
    "Transport",
]

#: A request body that can be produced again for a retry (a streamed upload).
BodyFactory = Callable[[], AsyncIterable[bytes]]


@attrs.frozen
class Timeout:
    """Seconds allowed for the whole request, for connecting, and between reads."""

    total: float | None = 300.0
    connect: float | None = 10.0
    read: float | None = 60.0


@attrs.frozen
class Request:
    """One HTTP request, fully built: URL already encoded, headers final."""

    method: str
    url: URL
    # Never in repr: the headers carry the credentials.
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    params: Sequence[tuple[str, str]] = ()
    content: bytes | BodyFactory | None = None


@runtime_checkable
class Response(Protocol):
    """What a transport returns: status, headers and a body read once."""

    status: int
    reason: str
    headers: Mapping[str, str]

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body; raises :class:`APIConnectionError` past ``limit`` bytes."""

    def iter_chunks(self, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """The body in chunks, for streaming to disk."""

    async def aclose(self) -> None:
        """Release the connection (idempotent)."""


@runtime_checkable
class Transport(Protocol):
    """Send requests; own whatever pool of connections that takes."""

    async def send(self, request: Request, timeout: Timeout) -> Response: ...

    async def aclose(self) -> None: ...


class BufferedResponse:
    """A 2xx answer whose body was already read (inside the session's retry loop)."""

    __slots__ = ("_body", "headers", "reason", "status")

    def __init__(self, response: Response, body: bytes) -> None:
        self.status = response.status
        self.reason = response.reason
        self.headers = response.headers
        self._body = body

    async def read(self, limit: int | None = None) -> bytes:
        if limit is not None and len(self._body) > limit:
            raise _too_big(limit)
        return self._body

    async def iter_chunks(self, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        for start in range(0, len(self._body), chunk_size):
            yield self._body[start : start + chunk_size]

    async def aclose(self) -> None:
        return None


class _AiohttpResponse:
    __slots__ = ("_resp", "headers", "reason", "status")

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp
        self.status = resp.status
        self.reason = resp.reason or ""
        self.headers: Mapping[str, str] = resp.headers

    async def read(self, limit: int | None = None) -> bytes:
        resp = self._resp
        try:
            if limit is None:
                return await resp.read()
            # Content-Length counts the bytes on the wire: for a compressed body
            # (decompressed by aiohttp) only counting what comes out is a bound.
            length = None if _is_encoded(resp.headers) else resp.content_length
            if length is not None and length <= limit:
                return await resp.read()
            if length is not None:
                raise _too_big(limit)
            return await self._read_bounded(limit)
        except Exception as exc:
            if (error := _connection_error(exc, resp.method, resp.url, sent=True)) is None:
                raise
            raise error from exc
        finally:
            resp.release()

    async def _read_bounded(self, limit: int) -> bytes:
        """A body of unknown length, read in chunks and refused past ``limit``."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in self._resp.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise _too_big(limit)
            chunks.append(chunk)
        return b"".join(chunks)

    async def iter_chunks(self, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._resp.content.iter_chunked(chunk_size):
                yield chunk
        except Exception as exc:
            error = _connection_error(exc, self._resp.method, self._resp.url, sent=True)
            if error is None:
                raise
            raise error from exc
        finally:
            self._resp.release()

    async def aclose(self) -> None:
        self._resp.release()


def _is_encoded(headers: Mapping[str, str]) -> bool:
    encoding = headers.get("Content-Encoding") or "identity"
    return encoding.strip().lower() != "identity"


def _too_big(limit: int) -> APIConnectionError:
    return ResponseTooLargeError(f"response body larger than the {limit}-byte limit")


def _connection_error(
    exc: Exception, method: str, url: URL, *, sent: bool
) -> APIConnectionError | None:
    """The SDK's error for an aiohttp/asyncio failure; None for errors passed on as they are.

    Called only on failure, so the success path pays for no context manager
    and no URL formatting.
    """
    if isinstance(exc, APIConnectionError):
        return None
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return APITimeoutError("request timed out", method=method, url=str(url), request_sent=sent)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return APIConnectionError(
            f"could not connect: {exc.os_error.strerror or type(exc.os_error).__name__}",
            method=method,
            url=str(url),
            request_sent=False,
        )
    if isinstance(exc, aiohttp.ClientError | OSError):
        return APIConnectionError(
            f"connection failed: {type(exc).__name__}",
            method=method,
            url=str(url),
            request_sent=sent,
        )
    return None


@functools.lru_cache(maxsize=64)
def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=timeout.total, sock_connect=timeout.connect, sock_read=timeout.read
    )


class AiohttpTransport:
    """The default backend: one shared ``aiohttp.ClientSession`` and ``TCPConnector``.

    The aiohttp session is created on first use, inside the running loop, so
    the transport can be built anywhere (aiohttp requires a loop to exist).
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        keepalive_timeout: float = 30.0,
        dns_cache_ttl: int = 300,
        verify_ssl: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        positive_int("max_connections", max_connections)
        self._connector_args = {
            "limit": max_connections,
            "limit_per_host": max_connections_per_host,
            "keepalive_timeout": keepalive_timeout,
            "ttl_dns_cache": dns_cache_ttl,
        }
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else verify_ssl
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            if self._closed:
                raise APIConnectionError("the transport is closed")
            connector = aiohttp.TCPConnector(ssl=self._ssl, **self._connector_args)  # type: ignore[arg-type]
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=True,
                raise_for_status=False,
            )
        return self._session

    async def send(self, request: Request, timeout: Timeout) -> Response:
        client = self._session or self._client()
        data: object = request.content
        if callable(data):
            data = data()
        try:
            resp = await client.request(
                request.method,
                request.url,
                headers=request.headers,
                params=request.params or None,
                data=data,
                allow_redirects=False,
                timeout=_client_timeout(timeout),
            )
        except Exception as exc:
            if (error := _connection_error(exc, request.method, request.url, sent=True)) is None:
                raise
            raise error from exc
        return _AiohttpResponse(resp)

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()
