"""``MockTransport``: a function answers the SDK's requests, for testing code that uses it.

As in httpx: ``Session(transport=MockTransport(handler))`` sends every request
to ``handler`` instead of a network, and everything above the transport
(auth, retries, size limits, models, paging, streaming) runs as it does in
production.  Use it for your own tests, and where a test needs an answer no
socket-level mock can give (bodies past aioresponses' 128 KiB, a body whose
pace the test controls); the in-process emulator is the choice when the test
needs the APIs' behaviour rather than canned answers.

The handler (a plain or an ``async`` function) gets the :class:`Request` as
the session built it: ``request.url`` (query pairs in ``request.params``),
``request.headers`` (credentials included) and ``await request.read()`` for
the body, streamed uploads included.  It returns a :class:`MockResponse`: an
attrs class rather than a tuple, so a handler names what it sets and leaves
the rest at the defaults, and ``MockResponse.json(data)`` covers the common
case.  Exceptions it raises reach the caller as a failed send would: an
:class:`OSError` or ``aiohttp`` error becomes :class:`APIConnectionError`
(``request_sent=True``; raise ``APIConnectionError(..., request_sent=False)``
to act out a refused connection), anything else (an ``assert`` in the
handler) propagates unchanged.  ``Timeout.total`` bounds the handler's call,
as a server that never answers.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from typing import Any

import attrs
import orjson
from multidict import CIMultiDict

from contactflow_automizy._response import Response, connection_error
from contactflow_automizy._transport import Request, Timeout
from contactflow_automizy.errors import APIConnectionError, APITimeoutError

__all__ = ["MockHandler", "MockResponse", "MockTransport"]


@attrs.frozen
class MockResponse:
    """A handler's answer: status, headers, and a body as bytes or an async iterable of bytes.

    An iterable body is streamed to the client piece by piece (a multi-GB
    report in constant memory, or a body that waits on the test); a bytes body
    gets a ``Content-Length`` header unless the handler set one.
    """

    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes | AsyncIterable[bytes] = b""

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> MockResponse:
        """``data`` as a JSON body with ``Content-Type: application/json``."""
        return cls(
            status, {"Content-Type": "application/json", **(headers or {})}, orjson.dumps(data)
        )


MockHandler = Callable[[Request], MockResponse | Awaitable[MockResponse]]


class MockTransport:
    """A :class:`~contactflow_automizy.Transport` that answers with ``handler``; no I/O at all."""

    def __init__(self, handler: MockHandler) -> None:
        self._handler = handler
        self._closed = False

    def __repr__(self) -> str:
        return f"<MockTransport closed={self._closed}>"

    async def send(self, request: Request, timeout: Timeout) -> Response:
        method, url = request.method, request.url
        if self._closed:
            raise APIConnectionError(
                "the transport is closed", method=method, url=str(url), request_sent=False
            )
        try:
            async with asyncio.timeout(timeout.total):
                answer = self._handler(request)
                if inspect.isawaitable(answer):
                    answer = await answer
        except TimeoutError:
            raise APITimeoutError(
                "request timed out", method=method, url=str(url), request_sent=True
            ) from None
        except Exception as exc:
            if (error := connection_error(exc, method, url, sent=True)) is None:
                raise
            raise error from exc
        headers = CIMultiDict(answer.headers)
        body = answer.body
        if isinstance(body, bytes):
            headers.setdefault("Content-Length", str(len(body)))
            return Response(answer.status, headers, body, method=method, url=url)
        return Response(answer.status, headers, aiter(body), method=method, url=url)

    async def aclose(self) -> None:
        self._closed = True
