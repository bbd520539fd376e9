"""Path matching built from the SDK's own route tables, so the emulator serves exactly those paths.

Each :class:`~contactflow_automizy._routes.Route` comes with its template
already split into segments (``Route.segments``, parsed once by the SDK); a
request path matches when its (still percent-encoded) segments line up, so
``%2F`` inside an id can never reach another route.  Literal segments win over
placeholders (``/automations/reports`` before ``/automations/{automationUuid}``).
Placeholder values are checked by kind by ``Match.params()`` and handed to
handlers already typed (``uuid`` canonical text, ``id`` and ``int`` as ``int``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

import attrs

from contactflow_automizy._routes import Route, Segment

__all__ = ["InvalidParam", "Match", "MethodNotAllowed", "Router"]

H = TypeVar("H")


class InvalidParam(Exception):
    """A path parameter does not have its route's kind (a bad UUID, a non-numeric id)."""

    def __init__(self, name: str, kind: str) -> None:
        super().__init__(name)
        self.name = name
        self.kind = kind


class MethodNotAllowed(Exception):
    """The path exists, but not for this method."""


@attrs.frozen
class Match(Generic[H]):
    """A matched route; ``params()`` converts its placeholders (raising :class:`InvalidParam`)."""

    route: Route
    handler: H
    raw: dict[str, tuple[str, str]]

    def params(self) -> dict[str, Any]:
        return {name: _convert(name, kind, got) for name, (kind, got) in self.raw.items()}


@attrs.frozen
class _Entry(Generic[H]):
    route: Route
    handler: H

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self.route.segments

    @property
    def literals(self) -> int:
        return sum(isinstance(s, str) for s in self.segments)


def _convert(name: str, kind: str, raw: str) -> Any:
    text = unquote(raw)
    if kind == "uuid":
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise InvalidParam(name, kind) from None
    if kind in ("id", "int"):
        if not text.isascii() or not text.isdigit() or (kind == "id" and int(text) < 1):
            raise InvalidParam(name, kind)
        return int(text)
    return text


class Router(Generic[H]):
    """Find the handler of ``(method, raw path)`` among the routes of one API."""

    def __init__(self, table: Mapping[Route, H], prefix: str = "") -> None:
        self._prefix = prefix.rstrip("/")
        self._by_length: dict[int, list[_Entry[H]]] = {}
        for route, handler in table.items():
            entry = _Entry(route, handler)
            self._by_length.setdefault(len(entry.segments), []).append(entry)
        for entries in self._by_length.values():
            entries.sort(key=lambda e: -e.literals)

    @property
    def routes(self) -> list[Route]:
        return [e.route for entries in self._by_length.values() for e in entries]

    def owns(self, raw_path: str) -> bool:
        return (
            not self._prefix or raw_path == self._prefix or raw_path.startswith(self._prefix + "/")
        )

    def match(self, method: str, raw_path: str) -> Match[H] | None:
        """The matching route, ``None`` for an unknown path; raises :class:`MethodNotAllowed`."""
        parts = raw_path[len(self._prefix) :].strip("/").split("/")
        path_found = False
        for entry in self._by_length.get(len(parts), ()):
            raw: dict[str, tuple[str, str]] = {}
            for want, got in zip(entry.segments, parts, strict=True):
                if isinstance(want, str):
                    if want != got:
                        break
                else:
                    raw[want[0]] = (want[1], got)
            else:
                path_found = True
                if entry.route.method == method:
                    return Match(entry.route, entry.handler, raw)
        if path_found:
            raise MethodNotAllowed(raw_path)
        return None
