"""Framework-free request and reply types shared by the aiohttp app and the in-process transport.

Handlers see an :class:`EmuRequest` (method, raw path, query, headers, body
bytes) and return a :class:`Reply`; neither knows whether a socket is
involved, which is what lets :class:`EmulatorTransport` skip the network while
running exactly the code the server runs.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import attrs
import orjson
from multidict import CIMultiDict, MultiDict, MultiMapping

__all__ = [
    "ApiError",
    "EmuRequest",
    "Fault",
    "MalformedBody",
    "Reply",
    "json_reply",
    "now_iso",
    "parse_json",
    "reason",
    "text_reply",
]

JSON_TYPE = "application/json"


def _connected() -> bool:
    return False


@attrs.frozen
class EmuRequest:
    """One request as both front ends hand it to the backend."""

    method: str
    raw_path: str
    query: MultiMapping[str] = attrs.field(factory=MultiDict)
    #: Case-insensitive (a ``CIMultiDict`` or its proxy).
    headers: MultiMapping[str] = attrs.field(factory=CIMultiDict)
    body: bytes = b""
    #: ``scheme://host[:port]`` the client addressed (Automizy's errors show absolute URLs).
    origin: str = "http://localhost"
    #: Whether the client has disconnected (the socket front end can tell).
    disconnected: Callable[[], bool] = attrs.field(default=_connected, eq=False, repr=False)


class Fault(enum.Enum):
    """A socket-level fault the front end must apply to a reply."""

    NONE = "none"
    DROP = "drop"
    DROP_MID_RESPONSE = "drop_mid_response"


@attrs.define(slots=True)
class Reply:
    """Status, headers and a body (bytes, or a sync iterator of chunks for big reports)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)
    stream: Generator[bytes, None, None] | None = None
    fault: Fault = Fault.NONE
    slow_body: float = 0.0

    @property
    def plain(self) -> bool:
        """True when the body can be sent in one write (no stream, no body fault)."""
        return self.stream is None and self.fault is Fault.NONE and not self.slow_body


class ApiError(Exception):
    """Raised by a handler to answer with an error; ``body`` is JSON data or plain text."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body

    def reply(self) -> Reply:
        if isinstance(self.body, str):
            return text_reply(self.status, self.body)
        return json_reply(self.status, self.body)


class MalformedBody(Exception):
    """The request body is not the JSON the route expects; each API words this its own way."""


def json_reply(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status, orjson.dumps(data), {"Content-Type": JSON_TYPE, **(headers or {})})


def text_reply(status: int, text: str) -> Reply:
    return Reply(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedBody from None


def now_iso() -> str:
    """Both APIs' timestamp format: UTC, milliseconds, ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
