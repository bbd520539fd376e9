"""A job that meets another live run waits for that lease and tries again; it is never failed
for it.  Pure: the clock and the sleep are injected."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from contactflow_automizy.errors import (
    JobInProgressError,
    LeaseLostError,
    NotFoundError,
)
from contactflow_automizy.workers.tasks import RECHECK_MARGIN, run_when_free

NOW = datetime(2026, 12, 2, 8, 0, 0, tzinfo=UTC)


async def test_a_busy_job_waits_until_each_lease_expires_then_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers: list[BaseException | str] = [
        JobInProgressError("j", NOW + timedelta(seconds=2)),
        LeaseLostError("j", NOW + timedelta(seconds=0.5)),
        JobInProgressError("j", NOW - timedelta(seconds=1)),  # already expired: no wait
        "result",
    ]
    slept: list[float] = []

    async def attempt() -> str:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    with caplog.at_level(logging.INFO, logger="contactflow_automizy.workers"):
        assert await run_when_free("j", attempt, sleep=sleep, now=lambda: NOW) == "result"
    assert slept == pytest.approx([2 + RECHECK_MARGIN, 0.5 + RECHECK_MARGIN, RECHECK_MARGIN])
    events = [(r.job_id, r.event) for r in caplog.records]  # type: ignore[attr-defined]
    assert events == [("j", "started"), ("j", "busy")] * 3 + [("j", "started"), ("j", "done")]


async def test_any_other_error_fails_the_job(caplog: pytest.LogCaptureFixture) -> None:
    async def attempt() -> str:
        raise NotFoundError("no such automation", status=404)

    async def sleep(seconds: float) -> None:
        raise AssertionError("an error other than JobInProgressError is not retried")

    with (
        caplog.at_level(logging.INFO, logger="contactflow_automizy.workers"),
        pytest.raises(NotFoundError),
    ):
        await run_when_free("j", attempt, sleep=sleep, now=lambda: NOW)
    assert [r.event for r in caplog.records] == ["started", "failed"]  # type: ignore[attr-defined]
