"""``RawResponse[T]``: what ``client.with_raw_response.<method>(...)`` returns.

The parsed result together with what the answer looked like on the wire, for
logging a request id, reading rate-limit headers or timing a call.  It covers
single-request methods only (SPEC.md section 11): a paginated or multi-request
method has no one status or set of headers to report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from contactflow_automizy.errors import ConfigurationError

__all__ = ["RawCapture", "RawResponse", "multi_request"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


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


def multi_request(method: F) -> F:
    """Mark an endpoint method that sends several requests (a bulk upload, an import).

    ``with_raw_response`` refuses it before sending anything: there is no one
    status or set of headers to report.
    """
    method.__multi_request__ = True  # type: ignore[attr-defined]
    return method


class RawCapture:
    """What a call's requests answered, for ``with_raw_response`` to report."""

    __slots__ = ("answers",)

    def __init__(self) -> None:
        self.answers: list[tuple[int, Mapping[str, str], int]] = []

    def record(self, status: int, headers: Mapping[str, str], attempts: int) -> None:
        self.answers.append((status, headers, attempts))

    def result(self, name: str, parsed: T, elapsed: float) -> RawResponse[T]:
        if len(self.answers) != 1:
            raise ConfigurationError(
                f"with_raw_response covers single-request methods; {name} sent "
                f"{len(self.answers)} requests"
            )
        ((status, headers, attempts),) = self.answers
        return RawResponse(parsed, status, headers, elapsed, attempts)
