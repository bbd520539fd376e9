"""What the server's answers prove about a batch source: the one place that assumes them.

The seed says only that ``DELETE .../customers/batch?sourceUuid=`` removes "an
open batch source".  SPEC section 11 ("Server answers the jobs rely on")
decides the rest, and no other code relies on it:

* a ``FIRST`` packet for a source uuid that already exists answers 409;
* DELETE of a closed source answers 409: only a ``LAST`` packet closes a
  source, so the attempt that opened it had completed;
* DELETE of an unknown (never opened, or already deleted) source answers 404.

Plain HTTP completes the picture of a ``FIRST`` packet's fate: a 4xx answer
means the server did not act; a 5xx answer means it may have acted, but the
request is over; no answer (a timeout, a connection lost after sending) means
it may have been stored, or may still arrive and open the source later.  That
last case is why a 404 to the DELETE then proves nothing: the outcome is
unknown, and the source must be deleted again later (a job's ``cleanup``).

The states are the job record's :class:`~contactflow_automizy.jobs.records.SourceState`
(one enum: what an attempt proves is what its job stores).
"""

from __future__ import annotations

import enum

from contactflow_automizy.errors import (
    APIConnectionError,
    APIStatusError,
    ConflictError,
    NotFoundError,
)
from contactflow_automizy.jobs.records import SourceState

__all__ = ["FirstFate", "SourceState", "after_delete", "first_fate"]


class FirstFate(enum.Enum):
    """What the failure of a ``FIRST`` packet says about its source."""

    #: 409: the source uuid belongs to a batch this call did not open.
    TAKEN = "taken"
    #: Not stored: answered 4xx, or never sent.
    REFUSED = "refused"
    #: Answered 5xx: may have been stored; the request is over.
    ANSWERED = "answered"
    #: No answer: may have been stored, or may still arrive.
    UNKNOWN = "unknown"


def first_fate(error: BaseException) -> FirstFate:
    """The fate of a ``FIRST`` packet that failed with ``error``."""
    if isinstance(error, ConflictError):
        return FirstFate.TAKEN
    if isinstance(error, APIStatusError):
        return FirstFate.REFUSED if error.status < 500 else FirstFate.ANSWERED
    if isinstance(error, APIConnectionError) and not error.request_sent:
        return FirstFate.REFUSED
    return FirstFate.UNKNOWN


def after_delete(error: BaseException | None, *, first_may_arrive: bool) -> SourceState:
    """The source's state after a DELETE that failed with ``error`` (None: it deleted one).

    ``first_may_arrive``: the source's ``FIRST`` packet got no answer, so a 404
    does not prove that it will never be opened.
    """
    if error is None:
        return SourceState.DELETED
    if isinstance(error, ConflictError):
        return SourceState.CLOSED
    if isinstance(error, NotFoundError):
        return SourceState.UNKNOWN if first_may_arrive else SourceState.DELETED
    return SourceState.OPEN
