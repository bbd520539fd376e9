"""Retry decisions as pure functions: whether to retry, and how long to wait.

No I/O and no clock of its own, so every rule is unit-tested without sleeping.
The rules (SPEC.md section 2):

* idempotent methods (GET, PUT, DELETE, PATCH, HEAD, OPTIONS) retry on any
  connection error, timeouts and 408/429/500/502/503/504;
* POST retries only when the server certainly did not act: the connection was
  never made, or the answer was 429 or 503 - unless the caller marks the call
  idempotent, which gives it the full rule set;
* back-off is exponential with full jitter (base 0.5 s, cap 8 s); a
  ``Retry-After`` header (seconds or HTTP-date) wins, capped at
  ``max_retry_after``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import attrs

from contactflow_automizy.errors import APIConnectionError, ResponseTooLargeError

__all__ = ["RetryPolicy", "parse_retry_after"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Statuses after which a POST certainly had no effect.
NOT_ACTED_STATUSES = frozenset({429, 503})


@attrs.frozen
class RetryPolicy:
    """How often and how patiently to retry; immutable, share it freely."""

    max_retries: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 60.0

    def is_idempotent(self, method: str, idempotent: bool | None) -> bool:
        return method in IDEMPOTENT_METHODS if idempotent is None else idempotent

    def retry_status(self, method: str, status: int, attempt: int, idempotent: bool | None) -> bool:
        """Retry after answer ``status`` on (0-based) ``attempt``?"""
        if attempt >= self.max_retries:
            return False
        if self.is_idempotent(method, idempotent):
            return status in RETRY_STATUSES
        return status in NOT_ACTED_STATUSES

    def retry_error(
        self, method: str, error: APIConnectionError, attempt: int, idempotent: bool | None
    ) -> bool:
        """Retry after a connection error or timeout on (0-based) ``attempt``?"""
        if attempt >= self.max_retries or isinstance(error, ResponseTooLargeError):
            return False  # the same answer would be too large again
        return not error.request_sent or self.is_idempotent(method, idempotent)

    def delay(self, attempt: int, retry_after: float | None, random: Callable[[], float]) -> float:
        """Seconds to wait before retry number ``attempt + 1``."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_retry_after))
        ceiling = min(self.backoff_cap, self.backoff_base * (2.0**attempt))
        return random() * ceiling


def parse_retry_after(value: str | None, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds from a ``Retry-After`` value (delta-seconds or HTTP-date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
