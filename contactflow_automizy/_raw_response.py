"""``RawResponse[T]``: what ``client.with_raw_response.<method>(...)`` returns.

The parsed result together with what the answer looked like on the wire, for
logging a request id, reading rate-limit headers or timing a call.  It covers
single-request methods only (SPEC.md section 11): a paginated or multi-request
method has no one status or set of headers to report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

import attrs

__all__ = ["RawResponse"]

T = TypeVar("T")


@attrs.frozen
class RawResponse(Generic[T]):
    """``parsed`` (what the method returns), ``status``, ``headers``, ``elapsed`` (seconds,
    every attempt and back-off included) and ``attempts``."""

    parsed: T
    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    elapsed: float
    attempts: int

    @property
    def request_id(self) -> str | None:
        """The server's ``X-Request-Id``, or None when it sent none."""
        return self.headers.get("X-Request-Id")
