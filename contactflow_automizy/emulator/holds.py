"""Holds: requests caught on arrival and kept waiting until a test lets them through.

Crash tests need to stop a client at a precise point ("the FIRST packet is in
flight", "LAST was received but not answered"); a hold makes that point
observable and lasting.  A request the server has received is caught before
faults and handler, then resolved by the test:

* ``release()`` applies it (faults, then the handler) and answers, if the client
  is still there to read the answer.  A request received by a server is acted
  on even when its client has gone away meanwhile (timed out, or killed), as a
  real server would: that is the *late delivery* a crash must be tested
  against.  The in-process transport behaves the same: a client that gives up
  cancels its wait, not the held request.
* ``drop()`` discards it unapplied and drops the connection (a request lost in
  the network).
* ``late=True`` releases each caught request on its own once its client has
  given up (timed out, disconnected) *and* the server has answered the client's
  next request naming the same batch source (its rollback DELETE), or
  ``LATE_GRACE`` seconds after giving up when none comes: the late-FIRST case of
  SPEC.md section 11, arriving after the DELETE every time, with no test code in
  between.  (Releasing as soon as the client gave up raced the DELETE: under
  load the FIRST sometimes won, and the case under test did not happen.)

A hold catches requests by SDK route (a :class:`~contactflow_automizy._routes.Route`),
by path regex and method (as :class:`~.faults.Faults` aim), and by batch
``packet``; it lets ``skip`` matching requests through first, then catches
``count`` of them (``None``: every one until :meth:`Hold.cancel`).

``Hold`` objects belong to the emulator's event loop: from another thread or
process, use the control endpoints (:mod:`~.control`), which run on that loop.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Collection
from typing import Any

import attrs
import orjson

from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.faults import aimed, method_names, path_pattern
from contactflow_automizy.emulator.wire import EmuRequest

__all__ = ["HeldRequest", "Hold", "Holds"]

#: How often a ``late`` hold looks whether a socket client has gone.
CLIENT_POLL = 0.01
#: Seconds a ``late`` request waits, after its client gave up, for the client's next
#: request on the same source before it is applied anyway.
LATE_GRACE = 2.0


@attrs.define(eq=False)
class HeldRequest:
    """One caught request, waiting for :meth:`release` or :meth:`drop`."""

    id: int
    hold: Hold
    method: str
    path: str
    packet: str | None
    source_uuid: str | None
    #: The front end's "has the client disconnected?" (sockets); the in-process
    #: transport calls :meth:`client_gave_up` instead.
    _disconnected: Callable[[], bool] = attrs.field(repr=False)
    since: float = attrs.field(factory=time.monotonic)
    _gave_up: bool = False
    #: ``True`` to apply, ``False`` to drop; set once.
    decision: asyncio.Future[bool] = attrs.field(
        factory=lambda: asyncio.get_running_loop().create_future(), repr=False
    )

    def release(self) -> None:
        """Let it through: it is applied and answered (if its client still listens)."""
        if not self.decision.done():
            self.decision.set_result(True)

    def drop(self) -> None:
        """Discard it unapplied; its connection is dropped."""
        if not self.decision.done():
            self.decision.set_result(False)

    @property
    def pending(self) -> bool:
        return not self.decision.done()

    @property
    def client_gone(self) -> bool:
        """Whether its client has stopped waiting for the answer."""
        return self._gave_up or self._disconnected()

    def client_gave_up(self) -> None:
        self._gave_up = True

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "hold": self.hold.id,
            "method": self.method,
            "path": self.path,
            "packet": self.packet,
            "sourceUuid": self.source_uuid,
            "seconds": round(time.monotonic() - self.since, 3),
            "clientGone": self.client_gone,
        }


@attrs.define(eq=False)
class Hold:
    """Which requests to catch, and the ones caught so far (see the module docstring)."""

    id: int
    route: Route | None = None
    routes: re.Pattern[str] | None = attrs.field(default=None, converter=path_pattern)
    methods: frozenset[str] | None = attrs.field(default=None, converter=method_names)
    packet: str | None = None
    count: int | None = 1
    skip: int = 0
    late: bool = False
    caught: list[HeldRequest] = attrs.field(factory=list)
    seen: int = 0
    cancelled: bool = False
    _changed: asyncio.Event = attrs.field(factory=asyncio.Event, repr=False)

    @property
    def active(self) -> bool:
        return not self.cancelled and (self.count is None or len(self.caught) < self.count)

    @property
    def held(self) -> list[HeldRequest]:
        """The caught requests still waiting."""
        return [h for h in self.caught if h.pending]

    def wants(self, method: str, path: str, route: Route | None, packet: str | None) -> bool:
        """Whether this request is one to catch (counting the ``skip`` ones let through)."""
        if not (
            self.active
            and aimed(self.routes, self.methods, method, path)
            and (self.route is None or route == self.route)
            and (self.packet is None or packet == self.packet)
        ):
            return False
        self.seen += 1
        return self.seen > self.skip

    def release(self) -> int:
        """Release every request this hold is holding; how many."""
        waiting = self.held
        for held in waiting:
            held.release()
        return len(waiting)

    def drop(self) -> int:
        """Drop every request this hold is holding; how many."""
        waiting = self.held
        for held in waiting:
            held.drop()
        return len(waiting)

    def cancel(self) -> None:
        """Catch no more requests (those held stay held until released or dropped)."""
        self.cancelled = True

    async def wait(self, n: int = 1, timeout: float | None = 10.0) -> list[HeldRequest]:
        """Wait until ``n`` requests have been caught (``TimeoutError`` after ``timeout``)."""
        async with asyncio.timeout(timeout):
            while len(self.caught) < n:
                self._changed.clear()
                await self._changed.wait()
        return self.caught[:n]

    def _catch(self, held: HeldRequest) -> None:
        self.caught.append(held)
        self._changed.set()


def _batch_fields(request: EmuRequest) -> tuple[str | None, str | None]:
    """``(packet, sourceUuid)`` of a JSON body that has them."""
    try:
        body = orjson.loads(request.body) if request.body else None
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    packet, source = body.get("packet"), body.get("sourceUuid")
    return (
        packet if isinstance(packet, str) else None,
        source if isinstance(source, str) else None,
    )


class Holds:
    """Every hold of one backend, and the requests they hold."""

    def __init__(self) -> None:
        self._holds: dict[int, Hold] = {}
        self._ids = itertools.count(1)
        self._held_ids = itertools.count(1)
        #: Sources late requests wait on: set once a later request naming them is answered.
        self._followed_up: dict[str, asyncio.Event] = {}

    def followed_up(self, source_uuid: str) -> asyncio.Event:
        """Set once a request naming ``source_uuid`` (query ``sourceUuid``) is answered."""
        return self._followed_up.setdefault(source_uuid, asyncio.Event())

    def answered(self, request: EmuRequest) -> None:
        """Note an answered request, for late requests waiting on its source."""
        if self._followed_up:
            source = request.query.get("sourceUuid")
            if source is not None and source in self._followed_up:
                self._followed_up.pop(source).set()

    def add(
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
        hold = Hold(
            next(self._ids),
            route=route,
            routes=routes,
            methods=methods,
            packet=packet,
            count=count,
            skip=skip,
            late=late,
        )
        self._holds[hold.id] = hold
        return hold

    def get(self, hold_id: int) -> Hold | None:
        return self._holds.get(hold_id)

    @property
    def active(self) -> bool:
        return any(hold.active for hold in self._holds.values())

    def held(self) -> list[HeldRequest]:
        """Every request waiting, in the order caught."""
        waiting = [h for hold in self._holds.values() for h in hold.held]
        return sorted(waiting, key=lambda h: h.id)

    def catch(self, request: EmuRequest, route: Route | None) -> HeldRequest | None:
        """The request, caught by the first hold that wants it; ``None`` if none does."""
        packet, source_uuid = _batch_fields(request)
        for hold in self._holds.values():
            if hold.wants(request.method, request.raw_path, route, packet):
                held = HeldRequest(
                    next(self._held_ids),
                    hold,
                    request.method,
                    request.raw_path,
                    packet,
                    source_uuid,
                    request.disconnected,
                )
                hold._catch(held)
                return held
        return None

    def drop_all(self) -> None:
        """Drop every waiting request (the emulator is stopping)."""
        for held in self.held():
            held.drop()


async def decided(held: HeldRequest, holds: Holds) -> bool:
    """Wait for ``held``'s fate: ``True`` to apply it.  A ``late`` hold releases it
    once its client is gone and has followed up on the same source (or after
    ``LATE_GRACE``)."""
    source = held.source_uuid if held.hold.late else None  # only late holds wait for it
    follow_up = None if source is None else holds.followed_up(source)
    while held.pending and held.hold.late:
        if held.client_gone:
            if follow_up is not None:
                waiter: asyncio.Future[Any] = asyncio.ensure_future(follow_up.wait())
                decision: asyncio.Future[Any] = held.decision
                await asyncio.wait([decision, waiter], timeout=LATE_GRACE)
                waiter.cancel()
            held.release()
            break
        await asyncio.wait([held.decision], timeout=CLIENT_POLL)
    return await held.decision
