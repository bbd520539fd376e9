"""Deadline arithmetic (pure): what each attempt may take, and whether a wait still fits."""

from __future__ import annotations

import pytest

from contactflow_automizy import ConfigurationError
from contactflow_automizy._timeout import CONNECT_FIRST, Deadline, Timeout, as_timeout


def test_no_deadline_by_default_and_a_number_stays_per_attempt() -> None:
    assert Deadline.start(Timeout(), now=100.0) is None
    assert as_timeout(5) == Timeout(total=5.0, read=5.0)
    assert as_timeout(5).deadline is None
    assert as_timeout(None) == Timeout()


def test_the_deadline_counts_from_the_start_of_the_call() -> None:
    deadline = Deadline.start(Timeout(deadline=10.0), now=100.0)
    assert deadline is not None
    assert deadline.left(104.0) == 6.0
    assert deadline.left(111.0) == -1.0


def test_with_time_to_spare_an_attempt_keeps_its_own_limits() -> None:
    timeout = Timeout(total=5.0, connect=2.0, read=1.0, deadline=60.0)
    deadline = Deadline(at=160.0)
    attempt = deadline.attempt_timeout(timeout, now=100.0)
    assert (attempt.total, attempt.connect, attempt.read, attempt.deadline) == (5.0, 2.0, 1.0, 60.0)


def test_near_the_deadline_the_connect_phase_gets_what_is_left() -> None:
    timeout = Timeout(total=30.0, connect=10.0, read=5.0, deadline=60.0)
    attempt = Deadline(at=103.0).attempt_timeout(timeout, now=100.0)
    assert attempt.connect == 3.0
    assert attempt.deadline == 3.0
    # The whole-attempt timer trails the connect timer, so running out while
    # connecting is reported as a connect timeout (request never sent).
    assert attempt.total == 3.0 + CONNECT_FIRST
    assert attempt.total > attempt.connect


def test_unbounded_limits_are_bounded_by_the_deadline() -> None:
    timeout = Timeout(total=None, connect=None, read=None, deadline=9.0)
    attempt = Deadline(at=109.0).attempt_timeout(timeout, now=100.0)
    assert attempt.connect == 9.0
    assert attempt.total == 9.0 + CONNECT_FIRST
    assert attempt.read is None


def test_a_wait_that_ends_past_the_deadline_is_not_allowed() -> None:
    deadline = Deadline(at=110.0)
    assert deadline.allows_wait(9.0, now=100.0)
    assert not deadline.allows_wait(10.0, now=100.0)
    # A Retry-After is compared before it is capped: 120 s does not fit in 10 s
    # even if the policy would only have waited 60.
    assert not deadline.allows_wait(120.0, now=100.0)


def test_a_rollback_drops_the_deadline_and_keeps_the_rest() -> None:
    timeout = Timeout(total=7.0, connect=3.0, read=2.0, deadline=5.0)
    assert timeout.without_deadline() == Timeout(total=7.0, connect=3.0, read=2.0)
    plain = Timeout()
    assert plain.without_deadline() is plain


@pytest.mark.parametrize("field", ["total", "connect", "read", "deadline"])
@pytest.mark.parametrize("value", [0, -1.0, True, "5"])
def test_limits_must_be_positive_seconds(field: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=f"Timeout.{field}"):
        Timeout(**{field: value})  # type: ignore[arg-type]
