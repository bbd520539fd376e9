"""Declarative routes: method, path template with typed parameters, and query encoding.

A route like ``Route("GET", "/nodes/{nodeUuid:uuid}")`` is all an endpoint
declares.  Path parameters are checked by kind *before* any request is sent
(the rules live in :mod:`._validate`) and always percent-encoded as one
segment, so an id such as ``../nodes`` can never reach another path.  Kinds:

* ``uuid``: a UUID (``uuid.UUID`` or its string), sent canonical;
* ``id``: a positive integer (Automizy ids);
* ``int``: a non-negative integer;
* ``str``: non-blank text without control characters (not ``.``/``..``).
"""

from __future__ import annotations

import enum
import functools
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import attrs

from contactflow_automizy import _validate
from contactflow_automizy.errors import ConfigurationError

__all__ = ["Route", "Segment", "encode_query", "path_segment"]

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")

KINDS = ("uuid", "id", "int", "str")


def _str_segment(name: str, value: Any) -> str:
    return quote(_validate.segment_text(name, value), safe="")


def _id_segment(name: str, value: Any) -> str:
    return str(_validate.positive_int(name, value))


def _int_segment(name: str, value: Any) -> str:
    return str(_validate.non_negative_int(name, value))


#: Per kind: check one path parameter and encode it as a single segment.
_ENCODERS: dict[str, Callable[[str, Any], str]] = {
    "uuid": _validate.uuid_text,  # already its canonical, safe text
    "id": _id_segment,
    "int": _int_segment,
    "str": _str_segment,
}


def path_segment(name: str, kind: str, value: Any) -> str:
    """Check one path parameter by its kind and encode it as a single segment."""
    return _ENCODERS[kind](name, value)


#: One path segment of a template: literal text, or ``(name, kind)`` of a placeholder.
Segment = str | tuple[str, str]


@functools.lru_cache(maxsize=512)
def _compile(
    template: str,
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[Segment, ...]]:
    literals: list[str] = []
    params: list[tuple[str, str]] = []
    last = 0
    for match in _PLACEHOLDER.finditer(template):
        kind = match.group(2) or "str"
        if kind not in KINDS:
            raise ValueError(f"unknown parameter kind {kind!r} in {template!r}")
        literals.append(template[last : match.start()])
        params.append((match.group(1), kind))
        last = match.end()
    literals.append(template[last:])
    named = iter(params)
    segments: list[Segment] = []
    for part in template.strip("/").split("/"):
        if _PLACEHOLDER.fullmatch(part):
            segments.append(next(named))
        elif "{" in part:
            raise ValueError(f"a placeholder must fill a whole path segment in {template!r}")
        else:
            segments.append(part)
    return tuple(literals), tuple(params), tuple(segments)


@attrs.frozen
class Route:
    """One API operation: HTTP method, path template, and whether it is node-scoped.

    ``node`` marks Contactflow operations that send the ``Node`` header;
    ``idempotent`` overrides the method's default for retries (a read-only
    POST such as a search is safe to repeat).
    """

    method: str
    template: str
    node: bool = False
    idempotent: bool | None = None
    _literals: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    _params: tuple[tuple[str, str], ...] = attrs.field(init=False, eq=False, repr=False)
    _segments: tuple[Segment, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Parsed once here, not on every call: ``path`` is on every request's hot path.
        literals, params, segments = _compile(self.template)
        object.__setattr__(self, "_literals", literals)
        object.__setattr__(self, "_params", params)
        object.__setattr__(self, "_segments", segments)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self._params)

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The template split at ``/``, for matching a request path segment by segment
        (the emulator's router): literal text, or ``(name, kind)`` for a placeholder."""
        return self._segments

    def path(self, **values: Any) -> str:
        """The encoded path, every parameter validated by its kind."""
        return self.fill(values)

    def fill(self, values: Mapping[str, Any]) -> str:
        """:meth:`path` from a mapping of the parameters (no keyword unpacking per call)."""
        params = self._params
        if not params:
            return self.template
        literals = self._literals
        path = literals[0]
        try:
            for index, (name, kind) in enumerate(params, 1):
                path += _ENCODERS[kind](name, values[name]) + literals[index]
        except KeyError:
            missing = [name for name, _ in params if name not in values]
            raise ConfigurationError(f"missing path parameter(s): {', '.join(missing)}") from None
        return path


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date | uuid.UUID | int | float | str):
        return str(value) if not isinstance(value, date) else value.isoformat()
    raise ConfigurationError(f"cannot send {type(value).__name__} as a query value")


def encode_query(query: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Wire-named query to pairs: ``None`` dropped, lists repeat the key,
    booleans as ``true``/``false``, date-times ISO-8601 with offset (naive = UTC)."""
    pairs: list[tuple[str, str]] = []
    if not query:
        return pairs
    for key, value in query.items():
        if value is None:
            continue
        if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
            pairs.extend((key, _query_value(v)) for v in value if v is not None)
        else:
            pairs.append((key, _query_value(value)))
    return pairs
