"""What every emulated API does around its handlers: route, authenticate, shape errors.

:class:`Api` matches the route, counts it, checks credentials, runs the handler
and turns the handlers' exceptions into that API's own error bodies.  The two
subclasses (Contactflow, Automizy) supply the credential check and the error
shapes; handlers are plain functions ``(Call) -> Reply``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from multidict import MultiMapping

from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.paging import BadPageParam
from contactflow_automizy.emulator.router import InvalidParam, MethodNotAllowed, Router
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.wire import (
    ApiError,
    EmuRequest,
    MalformedBody,
    Reply,
    parse_json,
)

__all__ = ["Api", "Call", "Handler"]


@attrs.define(eq=False, slots=True)
class Call:
    """A routed request as a handler sees it."""

    request: EmuRequest
    params: dict[str, Any]
    state: State
    node: str | None = None

    @property
    def query(self) -> MultiMapping[str]:
        return self.request.query

    @property
    def path(self) -> str:
        return self.request.raw_path

    def json(self) -> Any:
        """The decoded body; :class:`MalformedBody` if it is not JSON."""
        return parse_json(self.request.body)


Handler = Callable[[Call], Reply]


class Api(ABC):
    """One API's routes under ``prefix``, with its credential check and error shapes."""

    def __init__(self, state: State, table: Mapping[Route, Handler], prefix: str = "") -> None:
        self.state = state
        self.router: Router[Handler] = Router(table, prefix)

    def owns(self, raw_path: str) -> bool:
        return self.router.owns(raw_path)

    def handle(self, request: EmuRequest) -> Reply:
        try:
            match = self.router.match(request.method, request.raw_path)
        except MethodNotAllowed:
            return self.error(405, "Method not allowed", request)
        if match is None:
            return self.error(404, "No such path", request)
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        self.state.requests[match.route] += 1
        try:
            call = Call(request, match.params(), self.state)
            self.prepare(call, match.route)
            return match.handler(call)
        except ApiError as exc:
            return exc.reply()
        except InvalidParam as exc:
            return self.invalid_param(exc.name, request)
        except MalformedBody:
            return self.malformed(request)
        except BadPageParam as exc:
            return self.bad_page(exc.name, request)

    # -- what each API defines ----------------------------------------------------

    @abstractmethod
    def authenticate(self, request: EmuRequest) -> Reply | None:
        """An error reply when the credentials are missing or wrong."""

    def prepare(self, call: Call, route: Route) -> None:
        """Per-route checks before the handler (Contactflow's ``Node`` header); none by default."""
        return None

    @abstractmethod
    def error(self, status: int, message: str, request: EmuRequest) -> Reply: ...

    @abstractmethod
    def invalid_param(self, name: str, request: EmuRequest) -> Reply: ...

    @abstractmethod
    def malformed(self, request: EmuRequest) -> Reply: ...

    @abstractmethod
    def bad_page(self, name: str, request: EmuRequest) -> Reply: ...
