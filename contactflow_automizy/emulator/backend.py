"""The emulator's core: state, credentials, faults and dispatch, with no I/O of its own.

Both front ends (the aiohttp app and the in-process transport) hand every
request to :meth:`Backend.dispatch`, so they share handlers, state and the
fault sequence.  Paths under ``/contactflow`` go to the Contactflow API,
everything else to Automizy.
"""

from __future__ import annotations

import logging
import secrets
import uuid

from contactflow_automizy.emulator.automizy import AutomizyApi
from contactflow_automizy.emulator.contactflow import PREFIX, ContactflowApi
from contactflow_automizy.emulator.contactflow.nodes import new_node
from contactflow_automizy.emulator.faults import Faults, apply
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.wire import EmuRequest, Reply, json_reply

__all__ = ["PREFIX", "Backend"]

log = logging.getLogger("contactflow_automizy.emulator")


class Backend:
    """Everything but the sockets.  Missing credentials are generated; the
    default node (``node_uuid``) exists and is active from the start."""

    def __init__(
        self,
        *,
        faults: Faults | None = None,
        random_seed: int = 0,
        token: str | None = None,
        api_key: str | None = None,
        node_uuid: str | None = None,
        retain_customers: bool = True,
    ) -> None:
        self.state = State(random_seed=random_seed, retain_customers=retain_customers)
        self.faults = faults if faults is not None else Faults(random_seed=random_seed)
        self.token = token or "cf-emu-" + secrets.token_urlsafe(24)
        self.api_key = api_key or "az-emu-" + secrets.token_urlsafe(24)
        self.node_uuid = str(uuid.UUID(node_uuid)) if node_uuid else self.state.uuid()
        self.state.nodes[self.node_uuid] = new_node(self.node_uuid)
        self.contactflow = ContactflowApi(self.state, self.token)
        self.automizy = AutomizyApi(self.state, self.api_key)

    def __repr__(self) -> str:
        return f"<Backend node={self.node_uuid} faults={self.faults!r}>"

    async def dispatch(self, request: EmuRequest) -> Reply:
        """Answer one request, faults included (see :mod:`~.faults` for their timing)."""
        decision = self.faults.decide(request.method, request.raw_path)
        if decision is None:
            return self.handle(request)
        if decision.kind is not None:
            self.state.faults[decision.kind] += 1
        return await apply(decision, lambda: self.handle(request))

    def handle(self, request: EmuRequest) -> Reply:
        """Answer one request, no faults; an emulator bug becomes a logged 500."""
        api = self.contactflow if self.contactflow.owns(request.raw_path) else self.automizy
        try:
            return api.handle(request)
        except Exception:
            log.exception("emulator failed on %s %s", request.method, request.raw_path)
            return json_reply(500, {"message": "Internal server error (emulator bug)"})
