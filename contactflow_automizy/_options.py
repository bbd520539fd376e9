"""``ClientOptions``: the settings both clients take, written once.

Each client takes them as keyword arguments (typed by :class:`ClientOptionArgs`,
so both constructors share one list) and keeps one frozen
:class:`ClientOptions`; ``with_options`` derives a copy with ``attrs.evolve``.
Retry and timeout settings are overrides of the session's: ``None`` uses the
session's own, and ``max_retries`` changes only the count of the session's
:class:`RetryPolicy`, keeping its back-off and ``Retry-After`` cap.
"""

from __future__ import annotations

from typing import TypedDict

import attrs

from contactflow_automizy._retry import RetryPolicy
from contactflow_automizy._session import Session
from contactflow_automizy._timeout import Timeout, as_timeout
from contactflow_automizy._validate import positive_int

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "ClientOptionArgs", "ClientOptions"]

#: JSON answers are buffered whole; larger ones are refused rather than exhaust memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 << 20


class ClientOptionArgs(TypedDict, total=False):
    """The clients' keyword arguments; the fields of :class:`ClientOptions`."""

    session: Session | None
    timeout: Timeout | float | None
    max_retries: int | None
    allow_insecure_http: bool
    max_response_bytes: int


def _timeout_override(value: Timeout | float | None) -> Timeout | None:
    return None if value is None else as_timeout(value)


def _positive(instance: ClientOptions, attribute: attrs.Attribute[int], value: int) -> None:
    positive_int(attribute.name, value)


@attrs.frozen(kw_only=True)
class ClientOptions:
    """What a client was given: a shared session (or None: it makes its own) and overrides."""

    session: Session | None = None
    timeout: Timeout | None = attrs.field(default=None, converter=_timeout_override)
    max_retries: int | None = None
    allow_insecure_http: bool = False
    max_response_bytes: int = attrs.field(default=DEFAULT_MAX_RESPONSE_BYTES, validator=_positive)

    def retry_policy(self, session: Session) -> RetryPolicy | None:
        """``session``'s policy with this ``max_retries``; None to use the session's as it is."""
        if self.max_retries is None:
            return None
        return attrs.evolve(session.retry_policy, max_retries=self.max_retries)
