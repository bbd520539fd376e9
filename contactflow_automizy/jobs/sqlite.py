"""``SQLiteJobStore``: the embedded default, shared by every process on one machine.

Decisions:

* WAL journal: readers (``get``, ``list``) never wait for a writer and a
  writer never waits for readers; ``synchronous=FULL``, so a committed
  write-ahead survives a power cut too, not only a killed process (a job does a
  handful of commits, the fsyncs cost next to nothing against its requests);
* every change is one ``BEGIN IMMEDIATE`` transaction: the write lock is
  taken before the record is read, so two processes claiming one job are
  serialised by SQLite and exactly one wins; a process that dies mid-way
  leaves no half-written record (SQLite rolls it back);
* no call blocks the event loop: sqlite3 calls do file I/O and fsyncs, and
  ``BEGIN IMMEDIATE`` waits (up to ``busy_timeout``) while another process
  holds the write lock - on the loop that would freeze every other task. They
  run on one dedicated thread that owns the store's one connection (a sqlite3
  connection belongs to the thread that opened it). One thread also serialises
  this process's transactions, which SQLite does anyway (one writer at a
  time); ``asyncio.to_thread`` would spread calls over the default pool and
  need a connection per pool thread that nobody closes;
* the thread and the connection start on first use, and again in a forked
  child (a connection must not cross ``fork``): create the store anywhere,
  use it in the process that runs the jobs. ``close()`` ends both.

The path must be on a local file system: WAL needs shared memory between the
processes, which network file systems do not give.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from contactflow_automizy.jobs.records import JobRecord, JobState, decode_record, encode_record
from contactflow_automizy.jobs.store import Change, TransactionalJobStore, sort_records, utc_now

__all__ = ["SQLiteJobStore"]

T = TypeVar("T")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cfa_jobs ("
    " job_id TEXT PRIMARY KEY, state TEXT NOT NULL, record TEXT NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS cfa_jobs_by_state ON cfa_jobs (state)",
)
#: Seconds between attempts to switch a file that other processes are setting up to WAL.
_WAL_RETRY = 0.01
_UPSERT = (
    "INSERT INTO cfa_jobs (job_id, state, record) VALUES (?, ?, ?) "
    "ON CONFLICT (job_id) DO UPDATE SET state = excluded.state, record = excluded.record"
)


class SQLiteJobStore(TransactionalJobStore):
    """Job records in one SQLite file (see the module docstring for why it is built so)."""

    def __init__(
        self, path: str | os.PathLike[str], *, lease_ttl: float = 30.0, busy_timeout: float = 30.0
    ) -> None:
        super().__init__(lease_ttl=lease_ttl)
        self.path = os.fspath(path)
        self.busy_timeout = busy_timeout
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        # Touched only on the executor's thread.
        self._connection: sqlite3.Connection | None = None

    async def _call(self, func: Callable[[sqlite3.Connection], T]) -> T:
        if self._executor is None or self._pid != os.getpid():
            # A fresh thread, and a fresh connection on it (a forked child drops the parent's).
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="cfa-sqlite-jobs")
            self._pid = os.getpid()
            self._connection = None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(self._run, func))

    def _run(self, func: Callable[[sqlite3.Connection], T]) -> T:
        if self._connection is None:
            self._connection = self._open()
        return func(self._connection)

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        try:
            self._switch_to_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("BEGIN IMMEDIATE")  # the write lock before the schema is read
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        return conn

    def _switch_to_wal(self, conn: sqlite3.Connection) -> None:
        """Set WAL mode, waiting out other processes that are setting up the same file.

        While the file is still in rollback-journal mode, SQLite answers "database
        is locked" at once, without waiting ``busy_timeout``, when waiting could
        deadlock (another connection mid-write), and ``journal_mode=WAL`` may
        return the old mode instead of failing. So: try again until WAL holds.
        """
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                if conn.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",):
                    return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
            if time.monotonic() >= deadline:
                raise sqlite3.OperationalError(
                    f"{self.path}: could not switch to WAL mode in {self.busy_timeout} s "
                    "(locked by another process, or a file system without shared memory)"
                )
            time.sleep(_WAL_RETRY)

    async def _transact(self, job_id: str, change: Change) -> JobRecord:
        def transact(conn: sqlite3.Connection) -> JobRecord:
            conn.execute("BEGIN IMMEDIATE")  # the write lock first, then the read
            try:
                row = conn.execute(
                    "SELECT record FROM cfa_jobs WHERE job_id = ?", (job_id,)
                ).fetchone()
                current = None if row is None else decode_record(row[0])
                new = change(current, utc_now())
                if new is not current:
                    conn.execute(_UPSERT, (job_id, new.state.value, encode_record(new).decode()))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return new

        return await self._call(transact)

    async def get(self, job_id: str) -> JobRecord | None:
        def get(conn: sqlite3.Connection) -> JobRecord | None:
            row = conn.execute("SELECT record FROM cfa_jobs WHERE job_id = ?", (job_id,)).fetchone()
            return None if row is None else decode_record(row[0])

        return await self._call(get)

    async def list(self, state: JobState | str | None = None) -> tuple[JobRecord, ...]:
        wanted = None if state is None else JobState(state)

        def rows(conn: sqlite3.Connection) -> tuple[JobRecord, ...]:
            if wanted is None:
                found = conn.execute("SELECT record FROM cfa_jobs")
            else:
                found = conn.execute("SELECT record FROM cfa_jobs WHERE state = ?", (wanted.value,))
            return tuple(decode_record(record) for (record,) in found)

        return sort_records(await self._call(rows), wanted)

    async def close(self) -> None:
        """Close the connection and end the thread; a later call opens them again."""
        executor, self._executor = self._executor, None
        if executor is None or self._pid != os.getpid():
            return

        def close() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        try:
            await asyncio.get_running_loop().run_in_executor(executor, close)
        finally:
            executor.shutdown(wait=False)

    def __repr__(self) -> str:
        return f"SQLiteJobStore({self.path!r}, lease_ttl={self.lease_ttl})"
