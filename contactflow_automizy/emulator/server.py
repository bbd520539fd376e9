"""``Emulator``: both APIs on one local aiohttp.web server, or in-process through its transport.

``async with Emulator() as emu`` binds ``127.0.0.1`` on a free port and
serves Contactflow under ``emu.contactflow_url`` and Automizy under
``emu.automizy_url``.  ``emu.transport()`` needs no server at all; before the
server starts the URLs point at ``http://localhost`` (port-less), which only
the in-process transport serves.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Self

from aiohttp import web

from contactflow_automizy._lifecycle import AsyncClosable
from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.app import build_app
from contactflow_automizy.emulator.backend import PREFIX, Backend
from contactflow_automizy.emulator.faults import Faults
from contactflow_automizy.emulator.holds import HeldRequest, Hold
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.transport import EmulatorTransport

__all__ = ["Emulator"]


class Emulator(AsyncClosable):
    """A local Contactflow + Automizy server with in-memory state and switchable faults.

    ``random_seed`` makes generated UUIDs and the default faults' draws
    repeatable; ``token``, ``api_key`` and ``node_uuid`` are generated when
    omitted.  ``retain_customers=False`` keeps only counts of batch customers
    (for memory benchmarks).

    ``strict=True`` (the default) answers a query parameter or body key that the
    seed does not document for the operation with a 400 naming it, so a typo in
    the code under test fails its test; ``strict=False`` ignores them, like a
    lenient server.  Strict is the default because the emulator exists to test
    code against the API documents: a typo that a lenient default let through
    would pass every test and fail, or silently do nothing, in production.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        random_seed: int = 0,
        token: str | None = None,
        api_key: str | None = None,
        node_uuid: str | None = None,
        *,
        retain_customers: bool = True,
        strict: bool = True,
    ) -> None:
        self.backend = Backend(
            faults=faults,
            random_seed=random_seed,
            token=token,
            api_key=api_key,
            node_uuid=node_uuid,
            retain_customers=retain_customers,
            strict=strict,
        )
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    def __repr__(self) -> str:
        where = self.base_url if self.running else "not started"
        return f"<Emulator {where} node={self.node_uuid}>"

    # -- what tests and demos read ----------------------------------------------

    @property
    def state(self) -> State:
        return self.backend.state

    @property
    def faults(self) -> Faults:
        return self.backend.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.backend.faults = faults

    @property
    def token(self) -> str:
        return self.backend.token

    @property
    def api_key(self) -> str:
        return self.backend.api_key

    @property
    def node_uuid(self) -> str:
        return self.backend.node_uuid

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def base_url(self) -> str:
        if not self.running:
            return "http://localhost"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def contactflow_url(self) -> str:
        return self.base_url + PREFIX

    @property
    def automizy_url(self) -> str:
        return self.base_url

    # -- holds (see :mod:`~.holds`) -------------------------------------------------

    def hold(
        self,
        route: Route | None = None,
        *,
        routes: str | re.Pattern[str] | Collection[str] | None = None,
        methods: str | Collection[str] | None = None,
        packet: str | None = None,
        count: int | None = 1,
        skip: int = 0,
        late: bool = False,
    ) -> Hold:
        """Catch the next ``count`` requests for ``route`` (and/or ``routes``, ``methods``,
        batch ``packet``) after letting ``skip`` of them through, until released.

        ``await hold.wait()`` returns once one is held; ``hold.release()`` lets
        it through (applied even if its client has given up), ``hold.drop()``
        loses it.  ``late=True`` releases each one as soon as its client gives up.
        """
        return self.backend.holds.add(
            route,
            routes=routes,
            methods=methods,
            packet=packet,
            count=count,
            skip=skip,
            late=late,
        )

    @property
    def held(self) -> list[HeldRequest]:
        """Every request waiting on a hold, in the order caught."""
        return self.backend.holds.held()

    def transport(self) -> EmulatorTransport:
        """A new in-process transport over this emulator's backend (no server needed)."""
        return EmulatorTransport(self.backend)

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve; ``port=0`` picks a free port (read it back from ``.port``)."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        runner = web.AppRunner(build_app(self.backend), handle_signals=False, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def close(self) -> None:
        """Stop serving (idempotent); held requests are dropped; the state stays readable."""
        await self.backend.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self
