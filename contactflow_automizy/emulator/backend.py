"""The emulator's core: state, credentials, holds, faults and dispatch, with no I/O of its own.

Both front ends (the aiohttp app and the in-process transport) hand every
request to :meth:`Backend.dispatch`, so they share handlers, state, holds and
the fault sequence.  Paths under ``/_emulator/`` are the control endpoints
(:mod:`~.control`), paths under ``/contactflow`` the Contactflow API,
everything else Automizy.  A request is first offered to the holds
(:mod:`~.holds`), then meets the faults, then its handler.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid

from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.api import Api
from contactflow_automizy.emulator.automizy import AutomizyApi
from contactflow_automizy.emulator.contactflow import PREFIX, ContactflowApi
from contactflow_automizy.emulator.contactflow.nodes import new_node
from contactflow_automizy.emulator.control import Control
from contactflow_automizy.emulator.faults import Faults, apply
from contactflow_automizy.emulator.holds import HeldRequest, Holds, decided
from contactflow_automizy.emulator.router import MethodNotAllowed
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.wire import EmuRequest, Fault, Reply, json_reply

__all__ = ["PREFIX", "Backend"]

log = logging.getLogger("contactflow_automizy.emulator")


class Backend:
    """Everything but the sockets.  Missing credentials are generated; the
    default node (``node_uuid``) exists and is active from the start.
    ``strict`` refuses undocumented query parameters and body keys (see :mod:`~.api`)."""

    def __init__(
        self,
        *,
        faults: Faults | None = None,
        random_seed: int = 0,
        token: str | None = None,
        api_key: str | None = None,
        node_uuid: str | None = None,
        retain_customers: bool = True,
        strict: bool = True,
    ) -> None:
        self.state = State(random_seed=random_seed, retain_customers=retain_customers)
        self.faults = faults if faults is not None else Faults(random_seed=random_seed)
        self.token = token or "cf-emu-" + secrets.token_urlsafe(24)
        self.api_key = api_key or "az-emu-" + secrets.token_urlsafe(24)
        self.node_uuid = str(uuid.UUID(node_uuid)) if node_uuid else self.state.uuid()
        self.state.nodes[self.node_uuid] = new_node(self.node_uuid)
        self.contactflow = ContactflowApi(self.state, self.token, strict=strict)
        self.automizy = AutomizyApi(self.state, self.api_key, strict=strict)
        self.holds = Holds()
        self.control = Control(self.state, self.holds, self.token, self.api_key)
        #: Held requests being resolved, kept referenced until they are.
        self._resolving: set[asyncio.Task[Reply]] = set()

    def __repr__(self) -> str:
        return f"<Backend node={self.node_uuid} faults={self.faults!r}>"

    def api(self, raw_path: str) -> Api:
        return self.contactflow if self.contactflow.owns(raw_path) else self.automizy

    def route_of(self, request: EmuRequest) -> Route | None:
        """The SDK route a request is for, if any."""
        try:
            match = self.api(request.raw_path).router.match(request.method, request.raw_path)
        except MethodNotAllowed:
            return None
        return None if match is None else match.route

    async def dispatch(self, request: EmuRequest) -> Reply:
        """Answer one request: control endpoint, or holds, faults and handler."""
        if self.control.owns(request.raw_path):
            return self.control.handle(request)
        self.state.request_log.append((time.time(), request.method, request.raw_path))
        if self.holds.active:
            held = self.holds.catch(request, self.route_of(request))
            if held is not None:
                return await self._held(held, request)
        reply = await self._serve(request)
        self.holds.answered(request)
        return reply

    async def _held(self, held: HeldRequest, request: EmuRequest) -> Reply:
        """Serve ``held`` once released, even if the client stops waiting meanwhile."""
        task = asyncio.ensure_future(self._resolve(held, request))
        self._resolving.add(task)
        task.add_done_callback(self._resolving.discard)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            held.client_gave_up()
            raise

    async def _resolve(self, held: HeldRequest, request: EmuRequest) -> Reply:
        if await decided(held, self.holds):
            return await self._serve(request)
        return Reply(0, fault=Fault.DROP)

    async def close(self) -> None:
        """Drop what is still held and wait for it to be resolved."""
        self.holds.drop_all()
        if self._resolving:
            await asyncio.gather(*self._resolving, return_exceptions=True)

    async def _serve(self, request: EmuRequest) -> Reply:
        """Faults (see :mod:`~.faults` for their timing), then the handler."""
        decision = self.faults.decide(request.method, request.raw_path)
        if decision is None:
            return self.handle(request)
        if decision.kind is not None:
            self.state.faults[decision.kind] += 1
        return await apply(decision, lambda: self.handle(request))

    def handle(self, request: EmuRequest) -> Reply:
        """Answer one request, no faults; an emulator bug becomes a logged 500."""
        try:
            return self.api(request.raw_path).handle(request)
        except Exception:
            log.exception("emulator failed on %s %s", request.method, request.raw_path)
            return json_reply(500, {"message": "Internal server error (emulator bug)"})
