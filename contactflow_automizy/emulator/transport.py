"""``EmulatorTransport``: the SDK's :class:`~contactflow_automizy.Transport` served in-process.

Requests go straight to a :class:`Backend` (the same handlers, state and
fault sequence the aiohttp server uses) without sockets, so
``Session(transport=emu.transport())`` exercises everything above the
transport at memory speed.  Faults that need a socket surface as the
aiohttp backend would report them: ``drop`` and ``drop_mid_response`` as
:class:`APIConnectionError` with ``request_sent=True`` (the request was
delivered; its effect is unknown), an expired ``Timeout.total`` as
:class:`APITimeoutError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing

from multidict import CIMultiDict, MultiDict

from contactflow_automizy._transport import Request, Response, Timeout
from contactflow_automizy.emulator.backend import Backend
from contactflow_automizy.emulator.faults import DroppedConnection, deliver
from contactflow_automizy.emulator.wire import EmuRequest, Fault, Reply, reason
from contactflow_automizy.errors import APIConnectionError, APITimeoutError

__all__ = ["EmulatorTransport"]


async def _body(content: object) -> bytes:
    if content is None:
        return b""
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    if callable(content):
        return b"".join([bytes(chunk) async for chunk in content()])
    raise TypeError(f"cannot send a {type(content).__name__} body")


class _EmulatorResponse:
    __slots__ = ("_consumed", "_method", "_reply", "_url", "headers", "reason", "status")

    def __init__(self, reply: Reply, method: str, url: str) -> None:
        self._reply = reply
        self._method, self._url = method, url
        self._consumed = False
        self.status = reply.status
        self.reason = reason(reply.status)
        headers = CIMultiDict(reply.headers)
        if reply.stream is None:
            headers["Content-Length"] = str(len(reply.body))
        self.headers: Mapping[str, str] = headers

    async def _pieces(self) -> AsyncGenerator[bytes, None]:
        if self._consumed:
            raise APIConnectionError("the response body was already consumed")
        self._consumed = True
        try:
            async with aclosing(deliver(self._reply)) as pieces:
                async for piece in pieces:
                    yield piece
        except DroppedConnection:
            raise APIConnectionError(
                "connection dropped by the emulator mid-response",
                method=self._method,
                url=self._url,
                request_sent=True,
            ) from None

    async def read(self, limit: int | None = None) -> bytes:
        data = bytearray()
        async with aclosing(self._pieces()) as pieces:
            async for piece in pieces:
                data += piece
                if limit is not None and len(data) > limit:
                    raise APIConnectionError(f"response body larger than the {limit}-byte limit")
        return bytes(data)

    async def iter_chunks(self, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        async with aclosing(self._pieces()) as pieces:
            async for piece in pieces:
                for start in range(0, len(piece), chunk_size):
                    yield piece[start : start + chunk_size]

    async def aclose(self) -> None:
        self._consumed = True
        if self._reply.stream is not None:
            self._reply.stream.close()


class EmulatorTransport:
    """Dispatch requests to ``backend`` in-process; no sockets, same behaviour."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._closed = False

    def __repr__(self) -> str:
        return f"<EmulatorTransport closed={self._closed}>"

    async def send(self, request: Request, timeout: Timeout) -> Response:
        method, url = request.method, str(request.url)
        if self._closed:
            raise APIConnectionError(
                "the transport is closed", method=method, url=url, request_sent=False
            )
        query = MultiDict(request.url.query)
        query.extend(request.params)
        emu_request = EmuRequest(
            method,
            request.url.raw_path,
            query,
            CIMultiDict(request.headers),
            await _body(request.content),
            origin=str(request.url.origin()),
        )
        try:
            async with asyncio.timeout(timeout.total):
                reply = await self._backend.dispatch(emu_request)
        except TimeoutError:
            raise APITimeoutError(
                "request timed out", method=method, url=url, request_sent=True
            ) from None
        if reply.fault is Fault.DROP:
            raise APIConnectionError(
                "connection dropped by the emulator before an answer",
                method=method,
                url=url,
                request_sent=True,
            )
        return _EmulatorResponse(reply, method, url)

    async def aclose(self) -> None:
        self._closed = True
