"""The job rules are pure: every decision checked with an explicit ``now``, no store, no sleep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from contactflow_automizy import ConfigurationError, JobInProgressError, LeaseLostError
from contactflow_automizy.jobs import JobRecord, JobState, Lease, SourceRecord, SourceState, rules
from contactflow_automizy.jobs.records import decode_record, encode_record

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
TTL = 30.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def claimed(owner: str = "a", now: datetime = T0, current: JobRecord | None = None) -> JobRecord:
    return rules.claim(
        current, now, job_id="j", kind="push_customers", target="t", owner=owner, ttl=TTL
    )


def source(uuid: str, state: SourceState, since: float, attempt: int = 1) -> SourceRecord:
    return SourceRecord(uuid, attempt, state, at(since))


def test_a_claim_creates_the_job_with_a_lease() -> None:
    record = claimed()
    assert record.lease == Lease("a", at(TTL))
    assert (record.created_at, record.updated_at, record.attempt) == (T0, T0, 0)


def test_a_live_lease_refuses_others_until_it_expires() -> None:
    record = claimed("a")
    with pytest.raises(JobInProgressError) as caught:
        claimed("b", at(TTL - 0.001), record)
    assert caught.value.expires_at == at(TTL)
    taken = claimed("b", at(TTL), record)  # expiry is exclusive: at expires_at it is free
    assert taken.lease == Lease("b", at(2 * TTL)) and taken.created_at == T0


def test_the_kind_and_target_are_checked_before_the_lease() -> None:
    record = claimed("a")
    for kind, target in (("import_csv", "t"), ("push_customers", "u")):
        with pytest.raises(ConfigurationError):
            rules.claim(record, T0, job_id="j", kind=kind, target=target, owner="a", ttl=TTL)


def test_a_done_job_held_by_another_is_returned_unchanged() -> None:
    done = attrs.evolve(claimed("a"), state=JobState.DONE)
    assert claimed("b", at(1), done) is done


def test_only_the_owner_changes_a_job_even_after_its_lease_ran_out() -> None:
    record = claimed("a")
    renewed = rules.renew(record, at(TTL + 5), job_id="j", owner="a", ttl=TTL)
    assert renewed.lease == Lease("a", at(2 * TTL + 5))
    for change in (
        lambda r: rules.renew(r, at(1), job_id="j", owner="b", ttl=TTL),
        lambda r: rules.start_attempt(r, at(1), job_id="j", owner="b", source_uuid="s"),
        lambda r: rules.release(r, at(1), job_id="j", owner="b"),
        lambda r: rules.finish(
            r, at(1), job_id="j", owner="b", state=JobState.DONE, result={}, counts=None
        ),
    ):
        with pytest.raises(LeaseLostError) as caught:
            change(record)
        assert caught.value.expires_at == at(TTL)  # the holder's expiry
    with pytest.raises(LeaseLostError):
        rules.renew(None, at(1), job_id="j", owner="a", ttl=TTL)


def test_an_attempt_writes_its_source_ahead_and_clears_the_last_outcome() -> None:
    failed = attrs.evolve(claimed(), state=JobState.FAILED, counts={"customers": 5})
    record = rules.start_attempt(failed, at(2), job_id="j", owner="a", source_uuid="s-1")
    assert record.attempt == 1 and record.state is JobState.RUNNING and record.counts == {}
    assert record.sources == (source("s-1", SourceState.OPEN, 2),)


def test_a_done_job_takes_no_new_attempt() -> None:
    done = attrs.evolve(claimed(), state=JobState.DONE)
    with pytest.raises(ValueError, match="done"):
        rules.start_attempt(done, at(1), job_id="j", owner="a", source_uuid="s")


def test_finish_stores_the_outcome_and_drops_the_lease_at_once() -> None:
    record = rules.finish(
        claimed(), at(3), job_id="j", owner="a", state=JobState.DONE, result={"n": 1}, counts={}
    )
    assert (record.state, record.result, record.lease) == (JobState.DONE, {"n": 1}, None)
    with pytest.raises(ValueError, match="done or failed"):
        rules.finish(
            claimed(), at(3), job_id="j", owner="a", state=JobState.RUNNING, result=None, counts={}
        )


def test_leftover_sources_are_the_ones_the_server_may_hold_open() -> None:
    record = attrs.evolve(
        claimed(),
        sources=(
            source("open", SourceState.OPEN, 0),
            source("closed", SourceState.CLOSED, 0),
            source("deleted", SourceState.DELETED, 0),
            source("unknown", SourceState.UNKNOWN, 0),
        ),
    )
    assert [s.uuid for s in rules.leftover_sources(record)] == ["open", "unknown"]


def job(state: JobState, sources: tuple[SourceRecord, ...], lease_until: float | None) -> JobRecord:
    lease = None if lease_until is None else Lease("a", at(lease_until))
    return attrs.evolve(claimed(), state=state, sources=sources, lease=lease)


GRACE = 600.0


@pytest.mark.parametrize(
    ("state", "lease_until", "now", "expected"),
    [
        # A live lease: its run settles its sources; cleanup leaves the job alone.
        (JobState.RUNNING, 2000.0, 1000.0, []),
        (JobState.DONE, 2000.0, 1000.0, []),
        # Not done, lease expired or released: open sources; unknown ones after the grace.
        (JobState.RUNNING, 30.0, 500.0, ["open"]),
        (JobState.FAILED, None, 500.0, ["open"]),
        (JobState.FAILED, None, 100.0 + GRACE, ["open", "unknown"]),
        # Done: unknown sources after the grace only; a done job's open source is not touched.
        (JobState.DONE, None, 100.0 + GRACE - 1, []),
        (JobState.DONE, None, 100.0 + GRACE, ["unknown"]),
    ],
)
def test_cleanup_sources(
    state: JobState, lease_until: float | None, now: float, expected: list[str]
) -> None:
    sources = (
        source("open", SourceState.OPEN, 0),
        source("closed", SourceState.CLOSED, 0),
        source("deleted", SourceState.DELETED, 0),
        source("unknown", SourceState.UNKNOWN, 100),  # grace counts from when it became unknown
    )
    record = job(state, sources, lease_until)
    assert [s.uuid for s in rules.cleanup_sources(record, at(now), GRACE)] == expected


def test_cleanup_candidates_name_only_jobs_with_something_to_delete() -> None:
    crashed = job(JobState.RUNNING, (source("s1", SourceState.OPEN, 0),), 30.0)
    clean = job(JobState.DONE, (source("s2", SourceState.CLOSED, 0),), None)
    late = job(JobState.DONE, (source("s3", SourceState.UNKNOWN, 0),), None)
    found = rules.cleanup_candidates([crashed, clean, late], at(GRACE))
    assert [(c.job, [s.uuid for s in c.sources]) for c in found] == [
        (crashed, ["s1"]),
        (late, ["s3"]),
    ]
    assert rules.cleanup_candidates([crashed, clean, late], at(GRACE - 1)) == (
        rules.CleanupCandidate(crashed, crashed.sources),
    )
    assert rules.CLEANUP_GRACE == 600.0  # SPEC 11: ten minutes by default


def test_a_record_round_trips_through_its_json() -> None:
    record = rules.finish(
        rules.start_attempt(claimed(), at(1), job_id="j", owner="a", source_uuid="s-1"),
        at(2),
        job_id="j",
        owner="a",
        state=JobState.DONE,
        result={"customers": 3, "names": ["Zoë"], "nested": {"x": None}},
        counts={"customers": 3},
    )
    data = encode_record(record)
    assert data.startswith(b"{") and b"\\u" not in data  # plain UTF-8 JSON, not a pickle
    assert decode_record(data) == record
    assert decode_record(data.decode()) == record
    assert decode_record(data).sources[0].state is SourceState.OPEN
