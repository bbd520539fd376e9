"""``claim_job``: claim before anything is sent, keep the lease, stop loudly when it is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contactflow_automizy import (
    ConfigurationError,
    JobInProgressError,
    LeaseLostError,
    MemoryJobStore,
    PushResult,
)
from contactflow_automizy.jobs import (
    JobRecord,
    JobState,
    SourceState,
    TransactionalJobStore,
    claim_job,
)
from tests.jobs.conftest import MakeStore

TARGET = "734e4f25-f179-406a-bdfa-12cd4a997014"


class FaultyStore:
    """A real store whose ``renew`` can be held at a gate or made to fail, and ``finish`` too."""

    def __init__(self, inner: TransactionalJobStore) -> None:
        self.inner = inner
        self.lease_ttl = inner.lease_ttl
        self.renew_gate: asyncio.Event | None = None
        self.renew_error: Exception | None = None
        self.finish_error: Exception | None = None
        self.renewals = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def renew(self, job_id: str, *, owner: str) -> JobRecord:
        self.renewals += 1
        if self.renew_error is not None:
            raise self.renew_error
        if self.renew_gate is not None:
            await self.renew_gate.wait()
        return await self.inner.renew(job_id, owner=owner)

    async def finish(self, job_id: str, **kwargs: Any) -> JobRecord:
        if self.finish_error is not None:
            raise self.finish_error
        return await self.inner.finish(job_id, **kwargs)


def run_of(store: Any, job_id: str = "job-1") -> Any:
    return claim_job(store, job_id, "push_customers", TARGET)


async def test_the_lease_is_renewed_while_the_body_works(make_store: MakeStore) -> None:
    store = make_store(lease_ttl=0.6)
    async with run_of(store) as run:
        first = run.record.lease
        await asyncio.sleep(2.0)  # over three lease lifetimes
        with pytest.raises(JobInProgressError):
            await store.claim("job-1", kind="push_customers", target=TARGET, owner="other")
        renewed = await store.get("job-1")
        assert renewed is not None and renewed.lease is not None and first is not None
        assert renewed.lease.expires_at > first.expires_at + timedelta(seconds=1)
    released = await store.get("job-1")
    assert released is not None and released.lease is None
    assert released.state is JobState.RUNNING  # left without finish: released, nothing recorded


async def test_a_taken_over_lease_cancels_the_body_with_lease_lost(make_store: MakeStore) -> None:
    inner = make_store(lease_ttl=0.3)
    store = FaultyStore(inner)
    store.renew_gate = asyncio.Event()  # the renewal stalls, as in a frozen process
    went_on = False
    with pytest.raises(LeaseLostError) as caught:
        async with run_of(store) as run:
            await run.start_attempt("source-a")
            await asyncio.sleep(0.45)  # the lease has run out
            taken = await inner.claim("job-1", kind="push_customers", target=TARGET, owner="b")
            assert taken.owned_by("b")
            store.renew_gate.set()  # the stalled renewal now finds "b" holding the lease
            await asyncio.Event().wait()
            went_on = True
    assert not went_on
    assert caught.value.job_id == "job-1"
    assert isinstance(caught.value, JobInProgressError)  # a worker waits and retries it
    record = await inner.get("job-1")
    assert record is not None and record.owned_by("b")
    assert record.state is JobState.RUNNING  # the loser wrote nothing after losing
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_write_that_finds_the_lease_lost_raises_it_plainly() -> None:
    inner = MemoryJobStore(lease_ttl=0.3)
    store = FaultyStore(inner)
    store.renew_gate = asyncio.Event()  # never opened: only the body's own write can notice
    with pytest.raises(LeaseLostError) as caught:
        async with run_of(store) as run:
            await asyncio.sleep(0.45)
            await inner.claim("job-1", kind="push_customers", target=TARGET, owner="b")
            await run.start_attempt("source-a")
    assert getattr(caught.value, "__notes__", []) == []  # no failed attempt written over b's
    record = await inner.get("job-1")
    assert record is not None and record.owned_by("b") and record.attempt == 0


async def test_a_store_that_cannot_renew_stops_the_body_when_the_lease_runs_out() -> None:
    store = FaultyStore(MemoryJobStore(lease_ttl=0.3))
    store.renew_error = ConnectionError("store unreachable")
    with pytest.raises(LeaseLostError) as caught:
        async with run_of(store):
            await asyncio.Event().wait()
    assert store.renewals >= 3  # it kept trying until the lease was gone
    assert any("store unreachable" in note for note in caught.value.__notes__)


async def test_an_error_in_the_body_records_a_failed_attempt(make_store: MakeStore) -> None:
    store = make_store()
    boom = RuntimeError("packet 3 failed")
    with pytest.raises(RuntimeError) as caught:
        async with run_of(store) as run:
            await run.start_attempt("source-1")
            raise boom
    assert caught.value is boom
    record = await store.get("job-1")
    assert record is not None
    assert (record.state, record.lease, record.attempt) == (JobState.FAILED, None, 1)
    assert record.sources[0].state is SourceState.OPEN  # written ahead, left for the next run


async def test_a_finished_job_is_done_for_every_later_run(make_store: MakeStore) -> None:
    store = make_store()
    result = PushResult(
        source_uuid="source-1", customers=3, packets=2, requests=2, retries=0, elapsed=0.5
    )
    async with run_of(store) as run:
        assert not run.done and run.leftover_sources() == ()
        await run.start_attempt("source-1")
        await run.set_source_state("source-1", SourceState.CLOSED)
        finished = await run.finish(result, counts={"customers": 3})
        assert finished.done and finished.lease is None
    async with run_of(store) as again:
        assert again.done and not again.owned  # read, not claimed: done is final
        assert again.result_as(PushResult) == result
        assert again.result is not None and again.result["customers"] == 3
        assert again.record.attempt == 1
    record = await store.get("job-1")
    assert record is not None and record.done and record.lease is None
    assert record.counts == {"customers": 3}
    assert record.updated_at == finished.updated_at  # the re-run wrote nothing


async def test_leftover_sources_are_handed_to_the_next_run(make_store: MakeStore) -> None:
    store = make_store()
    with pytest.raises(RuntimeError):
        async with run_of(store) as run:
            await run.start_attempt("source-1")
            raise RuntimeError("killed mid-batch")
    async with run_of(store) as rerun:
        assert [s.uuid for s in rerun.leftover_sources()] == ["source-1"]
        await rerun.set_source_state("source-1", SourceState.DELETED)
        await rerun.start_attempt("source-2")
        assert [s.uuid for s in rerun.leftover_sources()] == ["source-2"]
        assert rerun.record.attempt == 2


async def test_a_second_live_run_is_refused_before_its_body(make_store: MakeStore) -> None:
    store = make_store()
    second_ran = False
    async with run_of(store) as first:
        with pytest.raises(JobInProgressError) as caught:
            async with run_of(store):
                second_ran = True
        now = datetime.now(UTC)  # the live lease's expiry, as Redis or the record tells it
        assert now < caught.value.expires_at <= now + timedelta(seconds=store.lease_ttl)
        assert first.owned
    assert not second_ran


async def test_a_done_job_held_by_another_run_is_read_without_its_lease() -> None:
    store = MemoryJobStore()
    async with run_of(store) as run:
        await run.finish({"n": 1})
    await store.claim("job-1", kind="push_customers", target=TARGET, owner="reader")
    async with run_of(store) as again:
        assert again.done and not again.owned and again.result == {"n": 1}
    record = await store.get("job-1")
    assert record is not None and record.owned_by("reader")  # not released by the other run


async def test_cleanup_can_hold_a_done_jobs_lease(make_store: MakeStore) -> None:
    store = make_store()
    async with run_of(store) as run:
        await run.start_attempt("source-1")
        await run.set_source_state("source-1", SourceState.UNKNOWN)
        await run.finish({"n": 1})
    async with claim_job(store, "job-1", "push_customers", TARGET, hold_done=True) as cleanup:
        assert cleanup.done and cleanup.owned
        other = await store.claim("job-1", kind="push_customers", target=TARGET, owner="other")
        assert other.done and not other.owned_by("other")  # a second cleanup passes it by
        await cleanup.set_source_state("source-1", SourceState.DELETED)
    record = await store.get("job-1")
    assert record is not None and record.done and record.lease is None
    assert record.sources[0].state is SourceState.DELETED and record.result == {"n": 1}


@pytest.mark.parametrize("done", [False, True])
async def test_a_job_id_reused_for_another_kind_or_target_is_refused(done: bool) -> None:
    store = MemoryJobStore()
    async with run_of(store) as run:
        if done:
            await run.finish({"n": 1})
    with pytest.raises(ConfigurationError):
        async with claim_job(store, "job-1", "import_csv", "7,9"):
            pass
    with pytest.raises(ConfigurationError):
        async with claim_job(store, "job-1", "push_customers", "another-automation"):
            pass


async def test_a_cancel_from_outside_is_not_a_lost_lease() -> None:
    store = MemoryJobStore(lease_ttl=0.3)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5), run_of(store):
            await asyncio.Event().wait()
    record = await store.get("job-1")
    assert record is not None and record.state is JobState.FAILED and record.lease is None


async def test_when_recording_the_failure_fails_the_body_error_says_so() -> None:
    store = FaultyStore(MemoryJobStore())
    store.finish_error = ConnectionError("store down")
    with pytest.raises(RuntimeError, match="packet failed") as caught:
        async with run_of(store):
            raise RuntimeError("packet failed")
    assert any("store down" in note for note in getattr(caught.value, "__notes__", []))


@pytest.mark.parametrize("result", [5, "done", [1, 2]])
async def test_a_result_must_be_a_json_object(result: object) -> None:
    store = MemoryJobStore()
    with pytest.raises(TypeError, match="JSON object"):
        async with run_of(store) as run:
            await run.finish(result)
    record = await store.get("job-1")
    assert record is not None and record.state is JobState.FAILED


async def test_a_mapping_result_is_stored_as_given() -> None:
    store = MemoryJobStore()
    data: Mapping[str, Any] = {"import_id": 12, "rows": None}
    async with run_of(store) as run:
        await run.finish(data)
    record = await store.get("job-1")
    assert record is not None and record.result == {"import_id": 12, "rows": None}
