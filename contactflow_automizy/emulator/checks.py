"""Value checks written from the seeds' types, shared by both APIs' body and query validation.

A check returns ``None`` for a good value, else what is wrong with it
("must be a UUID"); each API words the error body its own way around that.
Body checks see decoded JSON values; query checks see the text of one query
parameter (``uuid_text``, ``date_time`` and ``one_of`` serve both).  The
seeds' ``string <uuid>``, ``string <date-time>``, ``integer``, ``boolean`` and
enums are checked as written: a date-time needs its UTC offset (RFC 3339,
which ``date-time`` means), and a query boolean is ``true`` or ``false``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

__all__ = [
    "Check",
    "any_param",
    "array",
    "aware_date_time",
    "boolean",
    "boolean_param",
    "date_time",
    "integer",
    "json_object",
    "number",
    "one_of",
    "string",
    "uuid_text",
]

#: ``None`` when the value is fine, else a message ("must be ...").
Check = Callable[[Any], str | None]


def string(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def integer(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return None if ok else "must be an integer"


def number(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return None if ok else "must be a number"


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be a boolean"


def json_object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


def array(value: Any) -> str | None:
    return None if isinstance(value, list) else "must be an array"


def uuid_text(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            uuid.UUID(value)
        except ValueError:
            pass
        else:
            return None
    return "must be a UUID"


def aware_date_time(value: Any) -> datetime | None:
    """The date-time ``value`` names, if it is ISO-8601 text with a UTC offset."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def date_time(value: Any) -> str | None:
    if aware_date_time(value) is not None:
        return None
    return "must be an ISO-8601 date-time with a UTC offset"


def one_of(*values: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in values else f"must be one of [{', '.join(values)}]"

    return check


# -- query parameters (text) ---------------------------------------------------------


def any_param(value: str) -> str | None:
    return None


def boolean_param(value: str) -> str | None:
    return None if value.lower() in ("true", "false") else "must be true or false"
