"""``push_customers(job_id=...)`` and ``cleanup_jobs`` against the emulator, in-process.

Each test of a bug in issue 13's "Why" says which; it fails on the code before
durable jobs (no ``job_id=``, or the behaviour shown). Crashes are simulated
here by writing what a killed run leaves behind (its claim, its write-ahead,
its packets); tests/jobs/test_crashes.py kills real processes.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import attrs
import pytest

from contactflow_automizy import (
    APIStatusError,
    BatchUploadError,
    ConfigurationError,
    ContactflowClient,
    JobInProgressError,
    MemoryJobStore,
    PushResult,
    Session,
)
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator import Emulator, Faults
from contactflow_automizy.jobs import JobState, SourceState, TransactionalJobStore
from tests.emulator._helpers import eventually
from tests.jobs.conftest import MakeStore

JOB = "crm-sync-2026-12-02"


def people(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"userPk": f"u{i}"} for i in range(start, start + n)]


@pytest.fixture
def store() -> MemoryJobStore:
    return MemoryJobStore(lease_ttl=0.3)


@pytest.fixture
async def automation(cf: ContactflowClient) -> str:
    return str((await cf.create_automation(name="jobs")).uuid)


def stored_pks(emu: Emulator, automation: str) -> list[str]:
    found = emu.state.automations[automation].segments()
    return sorted(c["userPk"] for segment in found for _, c in segment.entries())


def open_sources(emu: Emulator, automation: str) -> list[str]:
    return [s.source_uuid for s in emu.state.batch_sources(automation) if s.state == "open"]


def exactly_once(emu: Emulator, automation: str, n: int) -> bool:
    return stored_pks(emu, automation) == sorted(f"u{i}" for i in range(n))


async def crashed_run(
    cf: ContactflowClient, store: TransactionalJobStore, automation: str, packets: list[str]
) -> str:
    """What a run killed mid-job leaves: its claim, its source written ahead as open,
    and the packets it got sent (100 customers each). Returns the source uuid."""
    source = str(uuid.uuid4())
    await store.claim(JOB, kind="push_customers", target=automation, owner="killed")
    await store.start_attempt(JOB, owner="killed", source_uuid=source)
    for number, packet in enumerate(packets):
        await cf.add_customer_batch(automation, people(100, number * 100), packet, source)
    return source


async def expired(store: TransactionalJobStore) -> None:
    await asyncio.sleep(store.lease_ttl * 1.5)


# -- refused before any request ----------------------------------------------------


async def test_a_job_id_without_a_store_is_refused_before_any_request(emu: Emulator) -> None:
    async with Session(transport=emu.transport()) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        with pytest.raises(ConfigurationError, match="job store"):
            await cf.push_customers(str(uuid.uuid4()), people(3), job_id=JOB)
        with pytest.raises(ConfigurationError, match="job store"):
            await cf.cleanup_jobs()
    assert emu.state.requests.total() == 0


async def test_a_source_uuid_with_a_job_id_is_refused(cf: ContactflowClient, emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="source_uuid"):
        await cf.push_customers(
            str(uuid.uuid4()), people(3), job_id=JOB, source_uuid=str(uuid.uuid4())
        )
    assert emu.state.requests.total() == 0


async def test_a_job_id_is_one_automation(
    cf: ContactflowClient, emu: Emulator, automation: str
) -> None:
    await cf.push_customers(automation, people(3), job_id=JOB)
    sent = emu.state.requests.total()
    with pytest.raises(ConfigurationError, match="one piece of work"):
        await cf.push_customers(str(uuid.uuid4()), people(3), job_id=JOB)
    assert emu.state.requests.total() == sent


# -- runs and re-runs ---------------------------------------------------------------


async def test_a_completed_job_run_again_returns_its_result_and_sends_nothing(
    cf: ContactflowClient, emu: Emulator, store: MemoryJobStore, automation: str
) -> None:
    """Bug: re-running a completed job raised "rollback failed: 409 closed"."""
    first = await cf.push_customers(automation, people(2500), packet_size=1000, job_id=JOB)
    assert first.already_done is False and first.customers == 2500 and first.packets == 3
    sent = emu.state.requests.total()

    again = await cf.push_customers(automation, people(2500), packet_size=1000, job_id=JOB)

    assert emu.state.requests.total() == sent
    assert again == attrs.evolve(first, already_done=True)
    assert exactly_once(emu, automation, 2500)
    record = await store.get(JOB)
    assert record is not None and record.state is JobState.DONE and record.lease is None
    assert [(s.uuid, s.state) for s in record.sources] == [(first.source_uuid, "closed")]
    assert record.result is not None and record.result["customers"] == 2500  # JSON, not pickle


async def test_the_calls_store_wins_over_the_sessions(
    cf: ContactflowClient, store: MemoryJobStore, automation: str
) -> None:
    own = MemoryJobStore()
    await cf.push_customers(automation, people(3), job_id=JOB, job_store=own)
    assert (await own.get(JOB)) is not None and (await store.get(JOB)) is None


async def test_an_open_source_of_a_killed_run_is_deleted_before_a_new_attempt(
    cf: ContactflowClient, emu: Emulator, store: MemoryJobStore, automation: str
) -> None:
    """Bug: a re-run after kill -9 added the customers again and left the old source open."""
    old = await crashed_run(cf, store, automation, ["FIRST", "MIDDLE"])
    with pytest.raises(JobInProgressError):  # the killed run's lease is still live
        await cf.push_customers(automation, people(1000), packet_size=100, job_id=JOB)
    await expired(store)

    result = await cf.push_customers(automation, people(1000), packet_size=100, job_id=JOB)

    assert result.source_uuid != old and not result.already_done
    assert exactly_once(emu, automation, 1000) and open_sources(emu, automation) == []
    record = await store.get(JOB)
    assert record is not None and record.state is JobState.DONE and record.attempt == 2
    assert [(s.uuid, s.state) for s in record.sources] == [
        (old, SourceState.DELETED),
        (result.source_uuid, SourceState.CLOSED),
    ]


async def test_a_killed_run_whose_last_packet_was_stored_had_completed(
    cf: ContactflowClient, emu: Emulator, store: MemoryJobStore, automation: str
) -> None:
    """Killed after LAST was answered, before the result was stored: the DELETE's 409
    proves the batch complete; nothing is sent again."""
    old = await crashed_run(cf, store, automation, ["FIRST", "MIDDLE", "LAST"])
    await expired(store)
    posts = emu.state.requests[routes.ADD_CUSTOMER_BATCH]

    result = await cf.push_customers(automation, people(300), packet_size=100, job_id=JOB)

    assert emu.state.requests[routes.ADD_CUSTOMER_BATCH] == posts
    assert (result.source_uuid, result.customers, result.packets) == (old, 300, 3)
    assert result.already_done and result.requests == 1  # the DELETE
    assert exactly_once(emu, automation, 300)
    record = await store.get(JOB)
    assert record is not None and record.state is JobState.DONE
    assert record.sources[0].state is SourceState.CLOSED
    again = await cf.push_customers(automation, iter(people(300)), packet_size=100, job_id=JOB)
    assert again.already_done and again.source_uuid == old


async def test_a_source_recorded_closed_ends_the_job_without_a_request(
    cf: ContactflowClient, emu: Emulator, store: MemoryJobStore, automation: str
) -> None:
    """Killed between recording its source closed and storing its result."""
    old = await crashed_run(cf, store, automation, ["FIRST", "LAST"])
    await store.set_source_state(JOB, owner="killed", source_uuid=old, state=SourceState.CLOSED)
    await expired(store)
    sent = emu.state.requests.total()

    result = await cf.push_customers(automation, people(200), packet_size=100, job_id=JOB)

    assert emu.state.requests.total() == sent
    assert result.already_done and result.customers == 200 and result.source_uuid == old


async def test_a_second_live_run_is_refused_before_any_request(
    cf: ContactflowClient, emu: Emulator, automation: str
) -> None:
    """Bug: two live deliveries of one job - the second's rollback deleted the first's
    live batch and both failed."""
    hold = emu.hold(routes.ADD_CUSTOMER_BATCH, packet="MIDDLE")
    running = asyncio.create_task(
        cf.push_customers(automation, people(500), packet_size=100, job_id=JOB)
    )
    await hold.wait()
    sent = emu.state.requests.total()

    with pytest.raises(JobInProgressError) as refused:
        await cf.push_customers(automation, people(500), packet_size=100, job_id=JOB)

    assert refused.value.job_id == JOB and refused.value.expires_at.tzinfo is not None
    assert emu.state.requests.total() == sent
    hold.release()
    result = await running
    assert result.customers == 500 and exactly_once(emu, automation, 500)


async def test_a_failed_attempt_records_its_rolled_back_source_and_the_rerun_starts_anew(
    cf: ContactflowClient, emu: Emulator, store: MemoryJobStore, automation: str
) -> None:
    hold = emu.hold(routes.ADD_CUSTOMER_BATCH, packet="MIDDLE")
    failing = asyncio.create_task(
        cf.push_customers(automation, people(300), packet_size=100, job_id=JOB)
    )
    await hold.wait()
    hold.drop()  # lost in the network: no answer, so not retried
    with pytest.raises(BatchUploadError) as failed:
        await failing
    assert failed.value.rolled_back is True
    record = await store.get(JOB)
    assert record is not None and record.state is JobState.FAILED
    assert record.sources[0].state is SourceState.DELETED

    result = await cf.push_customers(automation, people(300), packet_size=100, job_id=JOB)
    assert exactly_once(emu, automation, 300) and result.source_uuid != failed.value.source_uuid


async def test_a_leftover_that_cannot_be_deleted_stops_the_run_before_a_new_attempt(
    cf: ContactflowClient, emu: Emulator, store: MemoryJobStore, automation: str
) -> None:
    old = await crashed_run(cf, store, automation, ["FIRST"])
    await expired(store)
    emu.faults = Faults(rate_500=1.0, methods="DELETE")
    posts = emu.state.requests[routes.ADD_CUSTOMER_BATCH]

    with pytest.raises(APIStatusError) as failed:
        await cf.push_customers(automation, people(100), packet_size=100, job_id=JOB)

    assert any("no new attempt" in note for note in failed.value.__notes__)
    assert emu.state.requests[routes.ADD_CUSTOMER_BATCH] == posts
    record = await store.get(JOB)
    assert record is not None and record.state is JobState.FAILED
    assert [(s.uuid, s.state) for s in record.sources] == [(old, SourceState.OPEN)]


# -- the late FIRST and cleanup -------------------------------------------------------


async def test_a_late_first_is_unknown_until_cleanup_deletes_it_after_the_grace_period(
    emu: Emulator, session: Session, store: MemoryJobStore, automation: str
) -> None:
    """Bug: a FIRST that timed out was reported rolled back, and the server then opened
    its source once the network came back; nobody deleted it."""
    impatient = ContactflowClient(
        emu.token, emu.node_uuid, emu.contactflow_url, session=session, timeout=0.2
    )
    hold = emu.hold(routes.ADD_CUSTOMER_BATCH, packet="FIRST", late=True)
    with pytest.raises(BatchUploadError) as unknown:
        await impatient.push_customers(automation, people(300), packet_size=100, job_id=JOB)
    [late] = await hold.wait()
    assert unknown.value.rolled_back is None
    source = unknown.value.source_uuid
    record = await store.get(JOB)
    assert record is not None and record.sources[0].state is SourceState.UNKNOWN
    await eventually(lambda: not late.pending)  # it arrived, after the DELETE
    assert open_sources(emu, automation) == [source]

    assert await impatient.cleanup_jobs() == []  # within the grace period: left alone
    planned = await impatient.cleanup_jobs(grace=0.0, dry_run=True)
    assert [(c.source_uuid, c.was, c.now) for c in planned] == [(source, "unknown", None)]
    assert open_sources(emu, automation) == [source]
    cleaned = await impatient.cleanup_jobs(grace=0.0)

    assert [(c.job_id, c.source_uuid, c.was, c.now) for c in cleaned] == [
        (JOB, source, SourceState.UNKNOWN, SourceState.DELETED)
    ]
    assert open_sources(emu, automation) == [] and stored_pks(emu, automation) == []
    record = await store.get(JOB)
    assert record is not None and record.sources[0].state is SourceState.DELETED
    assert record.lease is None


async def test_cleanup_deletes_open_sources_of_dead_runs_only(
    cf: ContactflowClient, emu: Emulator, store: MemoryJobStore, automation: str
) -> None:
    old = await crashed_run(cf, store, automation, ["FIRST", "MIDDLE"])
    assert await cf.cleanup_jobs(grace=0.0) == []  # its lease is live: its run settles it
    await expired(store)
    other = str((await cf.create_automation(name="done")).uuid)
    await cf.push_customers(other, people(3), job_id="done-job")

    cleaned = await cf.cleanup_jobs()

    # The FIRST of a dead run may still be on its way: deleted now, checked again later.
    assert [(c.source_uuid, c.was, c.now) for c in cleaned] == [
        (old, SourceState.OPEN, SourceState.DELETED)
    ]
    assert open_sources(emu, automation) == [] and stored_pks(emu, automation) == []
    assert await cf.cleanup_jobs() == []


async def test_push_jobs_run_on_every_store(
    make_store: MakeStore, emu: Emulator, automation: str
) -> None:
    store = make_store(lease_ttl=5.0)
    async with Session(transport=emu.transport(), job_store=store) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        first = await cf.push_customers(automation, people(250), packet_size=100, job_id=JOB)
        again = await cf.push_customers(automation, people(250), packet_size=100, job_id=JOB)
    assert isinstance(again, PushResult) and again == attrs.evolve(first, already_done=True)
    assert exactly_once(emu, automation, 250)
