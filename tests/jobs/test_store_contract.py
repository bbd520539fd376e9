"""The ``JobStore`` contract, checked against every shipped store (memory, SQLite, Redis)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from contactflow_automizy import ConfigurationError, JobInProgressError, JobStore, LeaseLostError
from contactflow_automizy.jobs import JobRecord, JobState, SourceState, TransactionalJobStore
from tests.jobs.conftest import MakeStore

TARGET = "734e4f25-f179-406a-bdfa-12cd4a997014"


async def claim(store: TransactionalJobStore, owner: str, job_id: str = "job-1") -> JobRecord:
    return await store.claim(job_id, kind="push_customers", target=TARGET, owner=owner)


async def test_a_store_is_a_job_store(store: TransactionalJobStore) -> None:
    assert isinstance(store, JobStore)


async def test_claim_creates_the_job_and_get_reads_it(store: TransactionalJobStore) -> None:
    before = datetime.now(UTC)
    record = await claim(store, "a")
    assert (record.job_id, record.kind, record.target) == ("job-1", "push_customers", TARGET)
    assert (record.attempt, record.state, record.sources, record.result) == (
        0,
        JobState.RUNNING,
        (),
        None,
    )
    assert record.lease is not None and record.lease.owner == "a"
    assert record.lease.expires_at.tzinfo is not None
    assert before + timedelta(seconds=29) < record.lease.expires_at
    assert record.lease.expires_at <= datetime.now(UTC) + timedelta(seconds=30)
    stored = await store.get("job-1")
    assert stored is not None and stored.owned_by("a")
    assert stored.created_at == record.created_at
    assert await store.get("no-such-job") is None


async def test_a_live_lease_of_another_owner_refuses_the_claim(
    store: TransactionalJobStore,
) -> None:
    record = await claim(store, "a")
    with pytest.raises(JobInProgressError) as caught:
        await claim(store, "b")
    assert caught.value.job_id == "job-1"
    assert record.lease is not None
    assert abs(caught.value.expires_at - record.lease.expires_at) < timedelta(seconds=1)
    stored = await store.get("job-1")
    assert stored is not None and stored.owned_by("a")
    assert (await claim(store, "a")).owned_by("a")  # the owner itself may claim again


async def test_an_expired_lease_is_taken_over_and_its_owner_loses_it(
    make_store: MakeStore,
) -> None:
    store = make_store(lease_ttl=0.3)
    await claim(store, "a")
    await store.start_attempt("job-1", owner="a", source_uuid="source-a")
    await asyncio.sleep(0.4)
    taken = await claim(store, "b")
    assert taken.owned_by("b")
    assert taken.attempt == 1 and taken.sources[0].uuid == "source-a"  # b sees a's attempt
    with pytest.raises(LeaseLostError):
        await store.renew("job-1", owner="a")
    with pytest.raises(LeaseLostError):
        await store.start_attempt("job-1", owner="a", source_uuid="source-a2")
    with pytest.raises(LeaseLostError):
        await store.finish("job-1", owner="a", state=JobState.DONE, result={"x": 1})
    stored = await store.get("job-1")
    assert stored is not None and stored.owned_by("b") and stored.attempt == 1


async def test_an_expired_lease_nobody_took_stays_its_owners(make_store: MakeStore) -> None:
    store = make_store(lease_ttl=0.3)
    await claim(store, "a")
    await asyncio.sleep(0.4)
    record = await store.renew("job-1", owner="a")
    assert record.lease_live(datetime.now(UTC))
    with pytest.raises(JobInProgressError):
        await claim(store, "b")


async def test_renew_moves_the_expiry_and_checks_the_owner(store: TransactionalJobStore) -> None:
    first = await claim(store, "a")
    await asyncio.sleep(0.05)
    await store.renew("job-1", owner="a")
    renewed = await store.get("job-1")
    assert renewed is not None and renewed.lease is not None and first.lease is not None
    assert renewed.lease.expires_at > first.lease.expires_at
    with pytest.raises(LeaseLostError) as caught:
        await store.renew("job-1", owner="b")
    assert caught.value.job_id == "job-1"
    with pytest.raises(LeaseLostError):
        await store.renew("no-such-job", owner="a")
    still = await store.get("job-1")
    assert still is not None and still.owned_by("a")


async def test_a_result_round_trips_as_json(store: TransactionalJobStore) -> None:
    result = {
        "source_uuid": "s-1",
        "customers": 2**53,
        "elapsed": 0.125,
        "names": ["Zoë", "李", "emoji \U0001f600"],
        "nested": {"a": [1, {"b": None}], "ok": True},
    }
    await claim(store, "a")
    finished = await store.finish(
        "job-1", owner="a", state=JobState.DONE, result=result, counts={"customers": 3}
    )
    assert finished.lease is None and finished.done
    stored = await store.get("job-1")
    assert stored is not None
    assert stored.result == result
    assert stored.counts == {"customers": 3}
    assert stored.state is JobState.DONE and stored.lease is None


async def test_a_result_that_is_not_json_writes_nothing(store: TransactionalJobStore) -> None:
    await claim(store, "a")
    with pytest.raises(TypeError):
        await store.finish("job-1", owner="a", state=JobState.DONE, result={"x": {1, 2}})
    stored = await store.get("job-1")
    assert stored is not None and stored.state is JobState.RUNNING and stored.owned_by("a")


async def test_finish_releases_so_the_next_run_claims_at_once(
    store: TransactionalJobStore,
) -> None:
    await claim(store, "a")
    await store.finish("job-1", owner="a", state=JobState.FAILED)
    record = await claim(store, "b")
    assert record.owned_by("b") and record.state is JobState.FAILED


async def test_a_done_job_is_handed_back_unclaimed_while_another_holds_it(
    store: TransactionalJobStore,
) -> None:
    await claim(store, "a")
    await store.finish("job-1", owner="a", state=JobState.DONE, result={"n": 1})
    assert (await claim(store, "b")).owned_by("b")  # a done job's free lease is taken
    seen = await claim(store, "c")  # no JobInProgressError: there is nothing to protect
    assert seen.done and seen.result == {"n": 1} and not seen.owned_by("c")
    await store.release("job-1", owner="b")
    released = await store.get("job-1")
    assert released is not None and released.lease is None and released.done


async def test_list_by_state_oldest_first(store: TransactionalJobStore) -> None:
    for job_id in ("done-job", "failed-job", "running-job"):
        await claim(store, "a", job_id)
        await asyncio.sleep(0.002)  # distinct creation times
    await store.finish("done-job", owner="a", state=JobState.DONE, result={})
    await store.finish("failed-job", owner="a", state=JobState.FAILED)
    assert [r.job_id for r in await store.list()] == ["done-job", "failed-job", "running-job"]
    assert [r.job_id for r in await store.list("done")] == ["done-job"]
    assert [r.job_id for r in await store.list(JobState.FAILED)] == ["failed-job"]
    assert [r.job_id for r in await store.list(JobState.RUNNING)] == ["running-job"]


async def test_attempts_and_their_sources_are_written_and_updated(
    store: TransactionalJobStore,
) -> None:
    await claim(store, "a")
    first = await store.start_attempt("job-1", owner="a", source_uuid="s-1")
    assert first.attempt == 1
    (source,) = first.sources
    assert (source.uuid, source.attempt, source.state) == ("s-1", 1, SourceState.OPEN)
    unknown = await store.set_source_state(
        "job-1", owner="a", source_uuid="s-1", state=SourceState.UNKNOWN
    )
    changed_at = unknown.sources[0].since
    assert unknown.sources[0].state is SourceState.UNKNOWN and changed_at >= source.since
    await asyncio.sleep(0.01)
    again = await store.set_source_state(
        "job-1", owner="a", source_uuid="s-1", state=SourceState.UNKNOWN
    )
    assert again.sources[0].since == changed_at  # same state: the grace period is not restarted
    second = await store.start_attempt("job-1", owner="a", source_uuid="s-2")
    assert second.attempt == 2
    assert [(s.uuid, s.attempt, s.state) for s in second.sources] == [
        ("s-1", 1, SourceState.UNKNOWN),
        ("s-2", 2, SourceState.OPEN),
    ]
    with pytest.raises(ValueError, match="earlier attempt"):
        await store.start_attempt("job-1", owner="a", source_uuid="s-1")
    with pytest.raises(ValueError, match="no source"):
        await store.set_source_state(
            "job-1", owner="a", source_uuid="s-9", state=SourceState.DELETED
        )
    without_source = await store.start_attempt("job-1", owner="a", source_uuid=None)
    assert without_source.attempt == 3 and len(without_source.sources) == 2
    stored = await store.get("job-1")
    assert stored is not None and stored.owned_by("a")
    # Redis reads the expiry back from the lease key's remaining time: compare the rest.
    assert attrs.evolve(stored, lease=None) == attrs.evolve(without_source, lease=None)


async def test_a_job_id_is_one_kind_and_one_target(store: TransactionalJobStore) -> None:
    await claim(store, "a")
    with pytest.raises(ConfigurationError, match="push_customers"):
        await store.claim("job-1", kind="import_csv", target=TARGET, owner="a")
    with pytest.raises(ConfigurationError, match="another"):
        await store.claim("job-1", kind="push_customers", target="other-automation", owner="b")
    stored = await store.get("job-1")
    assert stored is not None and stored.owned_by("a") and stored.target == TARGET


@pytest.mark.parametrize("job_id", ["", "   ", "x" * 256])
async def test_a_blank_or_huge_job_id_is_refused(store: TransactionalJobStore, job_id: str) -> None:
    with pytest.raises(ConfigurationError, match="job_id"):
        await claim(store, "a", job_id)
    assert await store.list() == ()


async def test_concurrent_claims_one_winner(store: TransactionalJobStore) -> None:
    owners = [f"owner-{i}" for i in range(8)]
    outcomes = await asyncio.gather(*(claim(store, o) for o in owners), return_exceptions=True)
    winners = [o for o, r in zip(owners, outcomes, strict=True) if not isinstance(r, Exception)]
    assert len(winners) == 1, outcomes
    losers = [r for r in outcomes if isinstance(r, BaseException)]
    assert len(losers) == 7 and all(isinstance(r, JobInProgressError) for r in losers)
    stored = await store.get("job-1")
    assert stored is not None and stored.owned_by(winners[0])


@pytest.mark.parametrize("lease_ttl", [0, -1.0, float("nan"), True, "30"])
async def test_lease_ttl_must_be_positive(make_store: MakeStore, lease_ttl: object) -> None:
    with pytest.raises(ConfigurationError, match="lease_ttl"):
        make_store(lease_ttl=lease_ttl)
