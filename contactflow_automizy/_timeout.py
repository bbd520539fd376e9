"""Timeouts, and the deadline arithmetic as pure functions (no clock of their own).

``Timeout(total, connect, read)`` limits each attempt; ``deadline`` limits the
whole call: every attempt, every back-off and every wait for a permit.  The
rules (SPEC.md section 11, "Timeouts"):

* the connect phase of an attempt gets ``min(connect, time left)``, so a
  deadline that runs out while connecting is a connect timeout: the request was
  never sent, and a POST may be retried by a later call;
* the attempt as a whole gets ``min(total, time left + CONNECT_FIRST)``: the
  small margin lets the connect timer fire before the whole-attempt timer when
  both would expire together (a timeout whose phase is unknown must count as
  "maybe sent");
* a wait before the next attempt (back-off, or a ``Retry-After`` compared with
  the deadline *before* it is capped) that ends past the deadline is not
  waited: the call fails at once with the error it has;
* a rollback ``DELETE`` is exempt (:meth:`Timeout.without_deadline`): undoing
  half a batch must not be cut short by the budget of the call that failed;
* ``timeout=5`` (a number) stays a per-attempt limit, as before.
"""

from __future__ import annotations

from typing import Any

import attrs

from contactflow_automizy.errors import ConfigurationError

__all__ = ["CONNECT_FIRST", "Deadline", "Timeout", "as_timeout"]

#: Seconds by which the whole-attempt timer trails the connect timer under a deadline.
CONNECT_FIRST = 0.05


def _seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not value > 0
    ):
        raise ConfigurationError(
            f"Timeout.{attribute.name} must be a positive number of seconds or None"
        )


@attrs.frozen
class Timeout:
    """Seconds: ``total`` per attempt, ``connect`` to open a connection, ``read`` between
    reads, and ``deadline`` for the whole call (None: no limit).

    On a buffered call (a JSON answer read whole) a backend may implement
    ``read`` as one timer for the whole answer instead of one per read (SPEC
    section 11): aiohttp does, so its per-read timer is only armed where it
    earns its cost (streamed downloads and uploads).  The answer then has
    ``read`` seconds from the moment the request has a connection to its last
    byte: opening a new connection (itself bounded by ``connect``) counts
    against it, waiting for a pooled one does not (that wait is bounded by
    ``deadline`` alone).  pyreqwest keeps a timer per read (in Rust), and
    counts the wait for a pooled connection against ``total``.
    """

    total: float | None = attrs.field(default=300.0, validator=_seconds)
    connect: float | None = attrs.field(default=10.0, validator=_seconds)
    read: float | None = attrs.field(default=60.0, validator=_seconds)
    deadline: float | None = attrs.field(default=None, validator=_seconds)

    def without_deadline(self) -> Timeout:
        """The same per-attempt limits with no deadline (for a rollback)."""
        return self if self.deadline is None else attrs.evolve(self, deadline=None)


def as_timeout(value: Timeout | float | None) -> Timeout:
    """Accept seconds as shorthand for a per-attempt total (and read) timeout."""
    if value is None:
        return Timeout()
    if isinstance(value, Timeout):
        return value
    return Timeout(total=float(value), read=float(value))


def _min(limit: float | None, left: float) -> float:
    return left if limit is None else min(limit, left)


@attrs.frozen
class Deadline:
    """The moment a call must be over, on the caller's monotonic clock."""

    at: float

    @classmethod
    def start(cls, timeout: Timeout, now: float) -> Deadline | None:
        """The call's deadline, or None when ``timeout`` sets none."""
        return None if timeout.deadline is None else cls(now + timeout.deadline)

    def left(self, now: float) -> float:
        """Seconds left (zero or less once it passed)."""
        return self.at - now

    def attempt_timeout(self, timeout: Timeout, now: float) -> Timeout:
        """The limits of one attempt started at ``now``; ``deadline`` is then the time left.

        Call only while :meth:`left` is positive.
        """
        left = self.at - now
        return Timeout(
            total=_min(timeout.total, left + CONNECT_FIRST),
            connect=_min(timeout.connect, left),
            read=timeout.read,
            deadline=left,
        )

    def allows_wait(self, seconds: float, now: float) -> bool:
        """Is there still time for an attempt after waiting ``seconds`` from ``now``?"""
        return now + seconds < self.at
