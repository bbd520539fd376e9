"""A loopback batch endpoint for the bulk tests: real HTTP, its own thread and loop.

Running the server on another loop keeps ``asyncio.all_tasks()`` of the test's
loop free of server tasks, so "no task left behind" can be checked exactly.
It records what a real server would see: packets in arrival order, requests
in flight at once, and rollbacks.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import orjson
import pytest
from aiohttp import web

from contactflow_automizy import ContactflowClient, Session
from tests.conftest import NODE, TOKEN, NoSleep

BATCH_PATH = "/automations/{automation}/customers/batch"


class BatchServer:
    """Counts customers and packets; ``delay``, ``fail_packet``, ``hang`` and
    ``delete_delay`` shape the answers."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.fail_packet: int | None = None  # 1-based arrival number answered with 400
        self.hang = False  # MIDDLE packets never get an answer
        self.delete_delay = 0.0
        self.customers = 0
        self.packets: list[tuple[str, int, str]] = []  # (packet, customers, sourceUuid)
        self.events: list[tuple[str, str]] = []  # ("start" | "end", packet)
        self.in_flight = 0
        self.peak = 0
        self.deletes: list[str] = []
        self.middle_started = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _post(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        packet = body["packet"]
        self.packets.append((packet, len(body["customers"]), body["sourceUuid"]))
        number = len(self.packets)
        self.events.append(("start", packet))
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if packet == "MIDDLE":
                self.middle_started.set()
                if self.hang:
                    await asyncio.sleep(3600)
            if self.delay:
                await asyncio.sleep(self.delay)
            if number == self.fail_packet:
                return web.json_response({"message": "bad packet", "logref": "L1"}, status=400)
            self.customers += len(body["customers"])
            status = "CLOSED" if packet == "LAST" else "OPEN"
            return web.json_response({"sourceUuid": body["sourceUuid"], "status": status})
        finally:
            self.in_flight -= 1
            self.events.append(("end", packet))

    async def _delete(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delete_delay)
        self.deletes.append(request.query["sourceUuid"])
        return web.Response(status=204)

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_post(BATCH_PATH, self._post)
        app.router.add_delete(BATCH_PATH, self._delete)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def batch_server() -> Iterator[BatchServer]:
    server = BatchServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def loopback_cf(batch_server: BatchServer, backend: str) -> AsyncIterator[ContactflowClient]:
    """A client of the loopback server, on its own session on each backend (retries don't sleep)."""
    async with (
        Session(transport=backend, sleep=NoSleep(), random=lambda: 1.0) as session,
        ContactflowClient(TOKEN, NODE, batch_server.url, session=session) as client,
    ):
        yield client
