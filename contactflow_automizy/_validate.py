"""Every argument and setting check, one rule per kind of value.

Checks run before anything is sent: a bad id or address refused locally is
faster than the server's 422 and names the argument.  Each function takes the
argument's ``name`` (for the message) and its ``value``, and returns the value
as it will be used or raises :class:`ConfigurationError` (also a ``ValueError``).
Messages show the refused value except where it may be a secret (header values).

Decisions, made once here:

* **Integers** are ``int`` and never ``bool`` or numeric strings: ``True`` is
  not id 1, and ``"7"`` is a caller's bug worth hearing about.  Ids and counts
  share :func:`positive_int`.
* **Blank text is refused everywhere** (:func:`text`), names and filters
  alike.  A blank name is a 422 after a round trip; a blank filter either
  matches nothing or is ignored, depending on the server, and ``None`` already
  says "no filter"; so a blank string is always a mistake, and one rule for
  every text argument is easier to know than two.
* **E-mail addresses** are checked loosely (:func:`is_email_address`): one
  ``@``, no whitespace, a domain of non-empty dot-separated labels with at
  least one dot.  The server has the last word; the emulator uses this same
  rule, so SDK and emulator never disagree.
* **Control characters** (C0, DEL, C1 with NEL, and the Unicode line and
  paragraph separators) are refused in header values and path segments: some
  HTTP stacks treat them as line breaks.
"""

from __future__ import annotations

import enum
import ipaddress
import math
import re
import uuid
from collections.abc import Collection, Iterable
from typing import Any, TypeGuard, TypeVar

from yarl import URL

from contactflow_automizy.errors import ConfigurationError

__all__ = [
    "base_url",
    "email_address",
    "enum_member",
    "header_value",
    "instance_of",
    "is_email_address",
    "non_negative_int",
    "positive_int",
    "positive_ints",
    "positive_number",
    "segment_text",
    "text",
    "texts",
    "uuid_text",
]

E = TypeVar("E", bound=enum.Enum)

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


# -- numbers -----------------------------------------------------------------------


def positive_int(name: str, value: object) -> int:
    """An id or a count setting (sizes, concurrency, pool limits): an int of at least 1."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")


def positive_number(name: str, value: object) -> float:
    """A rate or duration setting: a finite number above 0 (an int or a float, not a bool)."""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        return float(value)
    raise ConfigurationError(f"{name} must be a positive number, got {value!r}")


def positive_ints(name: str, values: Iterable[object]) -> list[int]:
    """A list of ids; a lone id or a string is refused, not iterated."""
    if isinstance(values, str | bytes | int):
        raise ConfigurationError(f"{name} must be a list of positive integers, got {values!r}")
    return [positive_int(name, value) for value in values]


def non_negative_int(name: str, value: object) -> int:
    """An int of at least 0 (Contactflow's page-builder template and page numbers)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ConfigurationError(f"{name} must be a non-negative integer, got {value!r}")


# -- text --------------------------------------------------------------------------


def text(name: str, value: object) -> str:
    """A string with at least one non-whitespace character (names, labels, filters)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name} must be a non-empty string, got {value!r}")
    return value


def texts(name: str, values: Iterable[object]) -> list[str]:
    """A list of :func:`text`; a lone string is refused rather than split into letters."""
    if isinstance(values, str | bytes):
        raise ConfigurationError(f"{name} must be a list of strings, got {values!r}")
    return [text(name, value) for value in values]


def segment_text(name: str, value: object) -> str:
    """Free text for one path segment: :func:`text` (or an int), no control characters,
    and not the dot-segments ``.``/``..``, which would climb the path."""
    raw = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(raw, str) or not raw.strip() or raw in (".", "..") or _CONTROL.search(raw):
        raise ConfigurationError(f"{name} must be a non-empty path segment, got {value!r}")
    return raw


def uuid_text(name: str, value: object) -> str:
    """A UUID (``uuid.UUID`` or its string in any case) as its canonical lower-case string.

    Braces, ``urn:uuid:`` and missing hyphens, which ``uuid.UUID`` would accept,
    are refused: ids travel in paths and headers exactly as given.
    """
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value  # the common case, without building a UUID
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            parsed = None
        if parsed is not None and str(parsed) == value.lower():
            return str(parsed)
    raise ConfigurationError(f"{name} must be a UUID, got {value!r}")


def is_email_address(value: object) -> TypeGuard[str]:
    """Whether ``value`` looks like ``someone@example.tld`` (the module docstring's rule)."""
    return isinstance(value, str) and _EMAIL.fullmatch(value) is not None


def email_address(name: str, value: object) -> str:
    """``value`` if :func:`is_email_address`."""
    if is_email_address(value):
        return value
    raise ConfigurationError(f"{name} must be an e-mail address, got {value!r}")


# -- types and enums ---------------------------------------------------------------


def instance_of(name: str, value: object, *types: type) -> Any:
    """``value`` if it is an instance of one of ``types`` (no coercion)."""
    if not isinstance(value, types):
        wanted = " or ".join(t.__name__ for t in types)
        raise ConfigurationError(f"{name} must be {wanted}, got {type(value).__name__}")
    return value


def enum_member(
    name: str, cls: type[E], value: E | str, *, allowed: Collection[E] | None = None
) -> E:
    """``value`` (a member or its wire string) as a member of ``cls``, and of ``allowed``
    when only some members may be sent (a field cannot be created as ``DEFAULT``)."""
    choices = list(cls) if allowed is None else list(allowed)
    try:
        member = cls(value)
    except ValueError:
        member = None
    if member is None or member not in choices:
        names = ", ".join(str(m.value) for m in choices)
        raise ConfigurationError(f"{name} must be one of {names}; got {value!r}")
    return member


# -- settings ----------------------------------------------------------------------


def header_value(name: str, value: object) -> str:
    """A string without control characters, which would split headers.  The message
    never shows the value: it is often a token or an API key."""
    if not isinstance(value, str):
        raise ConfigurationError(f"the {name} header value must be a string")
    if _CONTROL.search(value):
        raise ConfigurationError(f"the {name} header value contains control characters")
    return value


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1 (brackets allowed; no DNS lookup)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def base_url(value: str, *, what: str, allow_insecure_http: bool = False) -> URL:
    """An absolute http(s) URL without query, fragment or user info, trailing ``/``
    dropped; plain http only to loopback unless explicitly allowed."""
    try:
        url = URL(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{what} is not a valid URL") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"{what} must be an absolute http(s) URL")
    if url.query_string or url.fragment:
        raise ConfigurationError(f"{what} must not carry a query or fragment")
    if url.user is not None or url.password is not None:
        # aiohttp would turn them into a Basic Authorization header: sent to the server
        # on every request, or (with a bearer token) a ValueError at the first request.
        raise ConfigurationError(
            f"{what} must not carry user info (user:password@); credentials go in token= / api_key="
        )
    if url.scheme == "http" and not allow_insecure_http and not is_loopback(url.host):
        raise ConfigurationError(
            f"{what} uses plain http to a non-loopback host; use https "
            "or pass allow_insecure_http=True"
        )
    return url.with_path(url.path.rstrip("/"))
