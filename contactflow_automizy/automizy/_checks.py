"""Argument checks the Automizy methods run before sending anything.

The API answers bad ids and e-mail addresses with a 422 after a round trip;
refusing them locally as :class:`ConfigurationError` is faster and names the
argument.  Ids follow the same rule as path ids (``_routes``, kind ``id``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from contactflow_automizy._routes import path_segment
from contactflow_automizy.errors import ConfigurationError

# Deliberately loose: one "@", no spaces, a dot in the domain. The server has the last word.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def positive_id(name: str, value: Any) -> int:
    """``value`` if it is a positive integer (not a bool, not a numeric string)."""
    return int(path_segment(name, "id", value))


def positive_ids(name: str, values: Iterable[Any]) -> list[int]:
    """A list of positive integer ids; a lone id or a string is refused, not iterated."""
    if isinstance(values, str | bytes | int):
        raise ConfigurationError(f"{name} must be a list of ids, got {values!r}")
    return [positive_id(name, value) for value in values]


def email_address(name: str, value: Any) -> str:
    """``value`` if it looks like ``someone@example.tld``."""
    if not isinstance(value, str) or not _EMAIL.fullmatch(value):
        raise ConfigurationError(f"{name} must be an e-mail address, got {value!r}")
    return value


def text(name: str, value: Any) -> str:
    """A non-empty string (names, labels, merge tags)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name} must be a non-empty string, got {value!r}")
    return value


def texts(name: str, values: Iterable[Any]) -> list[str]:
    """A list of non-empty strings; a lone string is refused rather than split into letters."""
    if isinstance(values, str | bytes):
        raise ConfigurationError(f"{name} must be a list of strings, got {values!r}")
    return [text(name, value) for value in values]
