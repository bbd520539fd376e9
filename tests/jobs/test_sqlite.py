"""What is particular to ``SQLiteJobStore``: WAL, a loop that never waits on SQLite, fork."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from pathlib import Path

from contactflow_automizy import SQLiteJobStore

KIND, TARGET = "push_customers", "734e4f25-f179-406a-bdfa-12cd4a997014"


async def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    async with SQLiteJobStore(tmp_path / "jobs.sqlite") as store:
        await store.claim("job-1", kind=KIND, target=TARGET, owner="a")
    with sqlite3.connect(tmp_path / "jobs.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_claim_waiting_for_the_write_lock_leaves_the_loop_running(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite"
    async with SQLiteJobStore(path, busy_timeout=20.0) as store:
        await store.get("job-1")  # creates the file and its table
        other_process = sqlite3.connect(path, isolation_level=None)
        try:
            other_process.execute("BEGIN IMMEDIATE")  # holds the write lock
            claim = asyncio.create_task(store.claim("job-1", kind=KIND, target=TARGET, owner="a"))
            for _ in range(5):
                # Had the claim blocked the loop, these ticks would wait for the lock too.
                await asyncio.sleep(0.02)
                assert not claim.done()
            other_process.execute("COMMIT")  # released from the loop: only a running loop gets here
            record = await claim
        finally:
            other_process.close()
    assert record.owned_by("a")


async def test_a_store_opens_a_file_another_connection_is_writing(tmp_path: Path) -> None:
    """SQLite refuses the switch to WAL at once (no busy wait) while another connection
    writes to a file still in rollback-journal mode: the store must wait it out."""
    path = tmp_path / "jobs.sqlite"
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("CREATE TABLE other (a)")  # a fresh file, rollback-journal mode
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO other VALUES (1)")
        async with SQLiteJobStore(path, busy_timeout=20.0) as store:
            claim = asyncio.create_task(store.claim("job-1", kind=KIND, target=TARGET, owner="a"))
            for _ in range(5):
                await asyncio.sleep(0.02)
                assert not claim.done()
            writer.execute("COMMIT")
            record = await claim
    finally:
        writer.close()
    assert record.owned_by("a")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _claim_in_forked_child(store: SQLiteJobStore) -> None:
    record = asyncio.run(store.claim("job-2", kind=KIND, target=TARGET, owner="child"))
    assert record.owned_by("child")


def test_a_store_used_before_fork_works_in_the_child(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "jobs.sqlite")
    asyncio.run(store.claim("job-1", kind=KIND, target=TARGET, owner="parent"))
    # The child inherits the store without its worker thread; it must open its own.
    child = multiprocessing.get_context("fork").Process(
        target=_claim_in_forked_child, args=(store,)
    )
    child.start()
    child.join(timeout=30)
    if child.exitcode is None:
        child.kill()
        child.join()
    assert child.exitcode == 0
    record = asyncio.run(store.get("job-2"))
    assert record is not None and record.owned_by("child")
    asyncio.run(store.close())
