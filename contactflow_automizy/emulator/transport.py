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
from collections.abc import AsyncGenerator
from contextlib import aclosing

from multidict import CIMultiDict, MultiDict

from contactflow_automizy._response import Response
from contactflow_automizy._transport import Request, Timeout
from contactflow_automizy.emulator.backend import Backend
from contactflow_automizy.emulator.faults import DroppedConnection, deliver
from contactflow_automizy.emulator.wire import EmuRequest, Fault, Reply
from contactflow_automizy.errors import APIConnectionError, APITimeoutError

__all__ = ["EmulatorTransport"]


async def _pieces(reply: Reply, method: str, url: str) -> AsyncGenerator[bytes, None]:
    """The body as the server sends it; a mid-response drop reported as aiohttp reports it."""
    try:
        async with aclosing(deliver(reply)) as pieces:
            async for piece in pieces:
                yield piece
    except DroppedConnection:
        raise APIConnectionError(
            "connection dropped by the emulator mid-response",
            method=method,
            url=url,
            request_sent=True,
        ) from None


def _response(reply: Reply, method: str, url: str) -> Response:
    headers = CIMultiDict(reply.headers)
    if reply.stream is None:
        headers["Content-Length"] = str(len(reply.body))
    return Response(
        reply.status,
        headers,
        _pieces(reply, method, url),
        release=reply.stream.close if reply.stream is not None else None,
        method=method,
        url=url,
    )


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
            await request.read(),
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
        return _response(reply, method, url)

    async def aclose(self) -> None:
        self._closed = True
