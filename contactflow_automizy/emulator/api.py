"""What every emulated API does around its handlers: route, authenticate, check, shape errors.

:class:`Api` matches the route, counts it, checks credentials, checks the
query parameters the route's :class:`Operation` declares, refuses undeclared
query parameters and body keys when strict, runs the handler and turns the
handlers' exceptions into that API's own error bodies.  The two subclasses
(Contactflow, Automizy) supply the credential check and the error shapes.

Strict mode (the default of :class:`~contactflow_automizy.emulator.Emulator`)
answers a query parameter or a JSON body key the seed does not document for
that operation with a 400 naming it, so a typo (``startdate``, ``lable``)
fails a test instead of being ignored, or stored and echoed back; lenient
mode ignores them, as many servers do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs
from multidict import MultiMapping

from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.checks import Check
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

__all__ = ["Api", "Call", "Handler", "Operation", "UnknownKey"]

_UNPARSED = object()


def _key_set(keys: Collection[str] | None) -> frozenset[str] | None:
    return None if keys is None else frozenset(keys)


class UnknownKey(Exception):
    """A query parameter or body key the operation does not document (strict mode)."""

    def __init__(self, where: str, name: str) -> None:
        super().__init__(name)
        self.where = where
        self.name = name


class InvalidQuery(Exception):
    """A documented query parameter with a value its check refuses."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(name)
        self.name = name
        self.problem = problem


@attrs.define(eq=False, slots=True)
class Call:
    """A routed request as a handler sees it."""

    request: EmuRequest
    params: dict[str, Any]
    state: State
    strict: bool = True
    node: str | None = None
    _json: Any = attrs.field(default=_UNPARSED, init=False, repr=False)

    @property
    def query(self) -> MultiMapping[str]:
        return self.request.query

    @property
    def path(self) -> str:
        return self.request.raw_path

    @property
    def url(self) -> str:
        """The absolute URL, without the query (what Automizy's errors call ``path``)."""
        return self.request.origin + self.request.raw_path

    def json(self) -> Any:
        """The decoded body (decoded once); :class:`MalformedBody` if it is not JSON."""
        if self._json is _UNPARSED:
            self._json = parse_json(self.request.body)
        return self._json

    def known_keys(self, data: Mapping[str, Any], known: Collection[str], where: str = "") -> None:
        """In strict mode, :class:`UnknownKey` for the first key of ``data`` not in ``known``
        (``where`` prefixes it, for nested objects: ``scope.listid``)."""
        if self.strict:
            for key in data:
                if key not in known:
                    raise UnknownKey("body", f"{where}.{key}" if where else str(key))


Handler = Callable[[Call], Reply]


@attrs.frozen
class Operation:
    """A route's handler and what the seed lets its request carry.

    ``query`` maps each documented query parameter to the check of its values
    (a repeated parameter is checked value by value); ``body`` names the
    top-level keys of its JSON object body (``None``: no JSON object body to
    check, such as a multipart upload or no body at all).
    """

    handler: Handler
    query: Mapping[str, Check] = attrs.field(factory=dict)
    body: frozenset[str] | None = attrs.field(default=None, converter=_key_set)

    def check_query(self, call: Call) -> None:
        for name in call.query:
            check = self.query.get(name)
            if check is None:
                if call.strict:
                    raise UnknownKey("query", name)
                continue
            for value in call.query.getall(name):
                problem = check(value)
                if problem is not None:
                    raise InvalidQuery(name, problem)

    def check_body_keys(self, call: Call) -> None:
        if self.body is None or not call.strict or not call.request.body.strip():
            return
        data = call.json()
        if isinstance(data, dict):
            call.known_keys(data, self.body)


class Api(ABC):
    """One API's operations under ``prefix``, with its credential check and error shapes."""

    def __init__(
        self,
        state: State,
        table: Mapping[Route, Operation],
        prefix: str = "",
        *,
        strict: bool = True,
    ) -> None:
        self.state = state
        self.strict = strict
        self.router: Router[Operation] = Router(table, prefix)

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
        operation = match.handler
        try:
            call = Call(request, match.params(), self.state, self.strict)
            self.prepare(call, match.route)
            operation.check_query(call)
            operation.check_body_keys(call)
            return operation.handler(call)
        except ApiError as exc:
            return exc.reply()
        except InvalidParam as exc:
            return self.invalid_param(exc.name, request)
        except MalformedBody:
            return self.malformed(request)
        except BadPageParam as exc:
            return self.bad_page(exc.name, request)
        except InvalidQuery as exc:
            return self.invalid_query(exc.name, exc.problem, request)
        except UnknownKey as exc:
            return self.unknown_key(exc.where, exc.name, request)

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

    @abstractmethod
    def invalid_query(self, name: str, problem: str, request: EmuRequest) -> Reply: ...

    @abstractmethod
    def unknown_key(self, where: str, name: str, request: EmuRequest) -> Reply:
        """The 400 strict mode answers for an undocumented query parameter or body key."""
