"""Keep secrets out of repr, logs and error messages.

Tokens and API keys travel only in headers, but a user may still put one in a
URL (a proxy with credentials, a signed link).  Everything the SDK prints about
a request goes through :func:`redact_url`, and the headers an error keeps go
through :func:`redact_headers`; secrets held by clients are wrapped in
:class:`Secret`, whose ``repr``/``str`` never show the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Generic, TypeVar

from yarl import URL

_SENSITIVE = re.compile(r"(token|key|secret|password|passwd|signature|auth|sig)", re.IGNORECASE)
T = TypeVar("T")
MASK = "***"
#: Header names whose values are credentials.  ``auth`` alone is not enough to mask:
#: ``WWW-Authenticate`` carries no secret, and it explains a 401.
_CREDENTIAL_HEADER = re.compile(
    r"^(proxy-)?authorization$|^(set-)?cookie$|token|key|secret|password", re.IGNORECASE
)


class Secret(Generic[T]):
    """A value (a token, or headers carrying one) that never shows itself; :meth:`reveal` it."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)  # a str; headers (a dict) are never hashed

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Secret values are not picklable")


def redact_url(url: str | URL) -> str:
    """The URL with user info and sensitive-looking query values masked."""
    text = str(url)
    if not text:
        return text
    try:
        parsed = url if isinstance(url, URL) else URL(text)
    except (ValueError, TypeError):
        return MASK
    if parsed.user is not None or parsed.password is not None:
        parsed = parsed.with_user(MASK).with_password(None)
    if parsed.query_string and any(_SENSITIVE.search(k) for k in parsed.query):
        parsed = parsed.with_query(
            [(k, MASK if _SENSITIVE.search(k) else v) for k, v in parsed.query.items()]
        )
    return str(parsed)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with credential values masked (a server or proxy may echo
    ``Authorization`` or ``Api-key`` back, and errors are logged and pickled)."""
    return {
        name: MASK if _CREDENTIAL_HEADER.search(name) else value for name, value in headers.items()
    }
