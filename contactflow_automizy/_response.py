"""``Response``: one answer's status, headers and body, whichever transport produced it.

Every transport builds this one class, over the body's byte stream (an async
iterator of bytes, plus a callback that frees the connection) or over bytes
already in memory; the body rules live here once:

* ``read(limit)`` refuses a body past ``limit`` bytes with
  :class:`ResponseTooLargeError` (never retried: the same answer would be too
  large again): at once when an honest ``Content-Length`` says so, else while
  counting.  ``Content-Length`` counts the bytes on the wire: for a compressed
  body (transports inflate it) only counting what comes out bounds a gzip bomb.
* A body is streamed once.  ``read()`` keeps what it read, so the session can
  read a body inside its retry loop and hand the same response on.
* A failing stream (aiohttp or OS errors, timeouts) becomes
  :class:`APIConnectionError` / :class:`APITimeoutError` with
  ``request_sent=True``: the server had the request (see
  :func:`connection_error`).
* The connection is released when the body is read, when reading fails, and
  by ``aclose()`` (idempotent), whichever comes first.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from http import HTTPStatus
from inspect import isasyncgen

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy, istr
from yarl import URL

from contactflow_automizy.errors import APIConnectionError, APITimeoutError, ResponseTooLargeError

__all__ = ["Response", "connection_error", "declared_length"]

DEFAULT_CHUNK_SIZE = 1 << 16
#: Folded once: a case-insensitive map looks an ``istr`` up without folding it again.
_CONTENT_ENCODING = istr("Content-Encoding")
_CONTENT_LENGTH = istr("Content-Length")


class Response:
    """Status, headers and a body that can be read whole (bounded) or streamed.

    ``body`` is bytes or an async iterator of bytes; an iterator with an
    ``aclose()`` (an async generator) is closed with the response, then
    ``release`` is called.  ``method`` and ``url`` only name the request in
    errors.  ``headers`` are case-insensitive whatever mapping is given: a
    transport whose own header map already is (aiohttp's, pyreqwest's) says so
    with ``case_insensitive=True`` and it is kept as it is, not copied.
    ``read_all``, when the transport has one (aiohttp's ``resp.read``), reads
    a body of known length in one call instead of chunk by chunk.
    """

    __slots__ = (
        "_body",
        "_method",
        "_read_all",
        "_release",
        "_started",
        "_stream",
        "_url",
        "attempts",
        "headers",
        "reason",
        "status",
    )

    def __init__(
        self,
        status: int,
        headers: Mapping[str, str] | None = None,
        body: bytes | AsyncIterator[bytes] = b"",
        *,
        reason: str | None = None,
        release: Callable[[], object] | None = None,
        method: str = "",
        url: URL | str = "",
        case_insensitive: bool = False,
        read_all: Callable[[], Awaitable[bytes]] | None = None,
    ) -> None:
        self.status = status
        self.reason = _phrase(status) if reason is None else reason
        self.headers: Mapping[str, str] = (
            headers
            if headers is not None
            and (case_insensitive or isinstance(headers, CIMultiDictProxy | CIMultiDict))
            else CIMultiDict(headers or {})
        )
        if isinstance(body, bytes):
            self._body: bytes | None = body
            self._stream: AsyncIterator[bytes] | None = None
        else:
            self._body, self._stream = None, body
        self._started = False
        self._release = release
        self._read_all = read_all
        self._method = method
        self._url = url
        #: How many attempts the session made to get this answer (it sets this).
        self.attempts = 1

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason}>"

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body; :class:`ResponseTooLargeError` past ``limit`` bytes."""
        if not self.in_memory(limit):
            self._body = await self._drain(limit)
        return self._body  # type: ignore[return-value]

    def in_memory(self, limit: int | None = None) -> bool:
        """Is the whole body in memory already (so :meth:`read` would not wait)?  One
        past ``limit`` bytes is :class:`ResponseTooLargeError`, as :meth:`read` says."""
        body = self._body
        if body is None:
            return False
        if limit is not None and len(body) > limit:
            raise _too_big(limit)
        return True

    @property
    def body(self) -> bytes:
        """The body :meth:`read` returned, without awaiting again (a buffered call's answer
        is read by the session); RuntimeError before it was read."""
        body = self._body
        if body is None:
            raise RuntimeError("the response body has not been read")
        return body

    async def iter_chunks(
        self, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> AsyncGenerator[bytes, None]:
        """The body in chunks of at most ``chunk_size`` bytes, for streaming to disk."""
        if self._body is not None:
            body = self._body
            for start in range(0, len(body), chunk_size):
                yield body[start : start + chunk_size]
            return
        stream = self._take()
        try:
            async for chunk in stream:
                if len(chunk) <= chunk_size:
                    yield chunk
                else:
                    for start in range(0, len(chunk), chunk_size):
                        yield chunk[start : start + chunk_size]
        except Exception as exc:
            if (error := connection_error(exc, self._method, self._url, sent=True)) is None:
                raise
            raise error from exc
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Stop the stream and release the connection; calling it again does nothing."""
        stream, self._stream = self._stream, None
        self._read_all = None  # it may hold the connection too
        if stream is None:
            return
        try:
            if isasyncgen(stream):
                await stream.aclose()
        finally:
            if self._release is not None:
                self._release()

    def _take(self) -> AsyncIterator[bytes]:
        if self._stream is None or self._started:
            raise APIConnectionError(
                "the response body was already consumed", method=self._method, url=str(self._url)
            )
        self._started = True
        return self._stream

    async def _drain(self, limit: int | None) -> bytes:
        stream = self._take()
        try:
            length = declared_length(self.headers)
            if limit is not None and length is not None and length > limit:
                raise _too_big(limit)
            if self._read_all is not None and (length is not None or limit is None):
                return await self._read_all()  # no more than the declared length
            chunks: list[bytes] = []
            size = 0
            async for chunk in stream:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise _too_big(limit)
                chunks.append(chunk)
                if size == length:
                    break  # the whole body: no read just to meet the end of the stream
            return b"".join(chunks)
        except Exception as exc:
            if (error := connection_error(exc, self._method, self._url, sent=True)) is None:
                raise
            raise error from exc
        finally:
            await self.aclose()


def declared_length(headers: Mapping[str, str]) -> int | None:
    """``Content-Length`` when it counts the body as read (not compressed), else None.

    A transport that reads a buffered body itself reads it in one call only
    when this says how long it is (and that is within the limit); any other
    body is counted as it streams, by :meth:`Response.read`.
    """
    encoding = headers.get(_CONTENT_ENCODING)
    if encoding is not None and encoding.strip().lower() != "identity":
        return None
    value = headers.get(_CONTENT_LENGTH)
    return int(value) if value is not None and value.isdigit() else None


@functools.lru_cache(maxsize=128)
def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _too_big(limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(f"response body larger than the {limit}-byte limit")


def connection_error(
    exc: Exception, method: str, url: URL | str, *, sent: bool
) -> APIConnectionError | None:
    """The SDK's error for an I/O failure; None for errors passed on as they are.

    Called only on failure, so the success path pays for no context manager
    and no URL formatting.  ``request_sent`` is False only where aiohttp can
    tell the request was never written: its connect phase timed out
    (``ConnectionTimeoutError``, checked before the other timeouts it is a kind
    of), the connection or TLS handshake failed, or a proxy refused the tunnel.
    """
    if isinstance(exc, APIConnectionError):
        return None
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return APITimeoutError("connect timed out", method=method, url=str(url), request_sent=False)
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return APITimeoutError("request timed out", method=method, url=str(url), request_sent=sent)
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return APIConnectionError(
            f"the proxy refused the tunnel: {exc.status} {exc.message}",
            method=method,
            url=str(url),
            request_sent=False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        to_proxy = " to the proxy" if isinstance(exc, aiohttp.ClientProxyConnectionError) else ""
        return APIConnectionError(
            f"could not connect{to_proxy}: {exc.os_error.strerror or type(exc.os_error).__name__}",
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
