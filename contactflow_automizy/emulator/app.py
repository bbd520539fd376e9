"""The aiohttp.web front end: one catch-all handler adapting aiohttp requests to a :class:`Backend`.

Socket-level faults happen here: ``drop`` aborts the connection without an
answer, ``drop_mid_response`` aborts it after the headers and part of the
body (whose ``Content-Length`` or chunked framing tells the client it is
truncated), ``slow_body`` paces the writes.
"""

from __future__ import annotations

from aiohttp import web

from contactflow_automizy.emulator.backend import Backend
from contactflow_automizy.emulator.faults import DroppedConnection, deliver
from contactflow_automizy.emulator.wire import EmuRequest, Fault

__all__ = ["BACKEND", "build_app"]

BACKEND = web.AppKey("backend", Backend)
#: Uploads (CSV imports, big packets) are read whole; refuse only the absurd.
MAX_BODY = 1 << 30


def build_app(backend: Backend | None = None) -> web.Application:
    """An aiohttp application serving both APIs from ``backend`` (a fresh one if omitted)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[BACKEND] = backend if backend is not None else Backend()
    app.router.add_route("*", "/{tail:.*}", _serve)
    return app


def _abort(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()


async def _serve(request: web.Request) -> web.StreamResponse:
    url = request.rel_url
    emu_request = EmuRequest(
        request.method,
        url.raw_path,
        url.query,
        request.headers,
        await request.read(),
        origin=f"{request.scheme}://{request.host}",
        disconnected=lambda: request.transport is None or request.transport.is_closing(),
    )
    reply = await request.app[BACKEND].dispatch(emu_request)
    if reply.fault is Fault.DROP:
        _abort(request)
        return web.Response()
    if reply.plain:
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)
    response = web.StreamResponse(status=reply.status, headers=reply.headers)
    if reply.stream is None:
        response.content_length = len(reply.body)
    try:
        await response.prepare(request)
        async for piece in deliver(reply):
            await response.write(piece)
        await response.write_eof()
    except DroppedConnection:
        _abort(request)
    except ConnectionResetError:
        pass  # the client went away mid-body (e.g. it timed out on a slow body)
    return response
