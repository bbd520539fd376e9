"""Real processes for worker-fleet tests and benchmarks: the emulator, queue workers, their logs.

The emulator runs in its own process through
:func:`tests.services.emulator_process.run_emulator`; ``Fleet`` starts
``contactflow-automizy worker`` processes (through
:mod:`tests.services.fleet_worker`, which also writes each job attempt's start
and end to a JSON Lines file), kills them with SIGKILL and stops the rest with
SIGTERM.  Everything is stopped by pid.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import orjson

STARTUP_TIMEOUT = 30.0


@attrs.frozen
class Attempt:
    """One job attempt as a worker logged it; ``end`` is None while it runs (or if killed)."""

    job: str
    pid: int
    start: float
    end: float | None
    outcome: str | None


class Fleet:
    """Worker processes sharing ``env``; each writes its attempts under ``log_dir``."""

    def __init__(self, env: Mapping[str, str], log_dir: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.procs: dict[int, asyncio.subprocess.Process] = {}
        self.killed: dict[int, float] = {}

    async def start(self, count: int = 1) -> list[int]:
        started = []
        for _ in range(count):
            log = self.log_dir / f"worker-{len(self.procs)}"
            with open(str(log) + ".log", "wb") as stderr:  # noqa: ASYNC230 (tiny, local)
                proc = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.services.fleet_worker",
                    str(log) + ".attempts.jsonl",
                    env=self.env,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=stderr,
                )
            self.procs[proc.pid] = proc
            started.append(proc.pid)
        return started

    async def kill(self, pid: int) -> None:
        """SIGKILL one worker: no shut-down code runs, its job is left mid-way."""
        os.kill(pid, signal.SIGKILL)
        self.killed[pid] = time.time()
        await asyncio.wait_for(self.procs[pid].wait(), STARTUP_TIMEOUT)

    async def stop(self) -> None:
        """SIGTERM every live worker and wait for each to shut down."""
        live = [p for p in self.procs.values() if p.returncode is None]
        for proc in live:
            proc.terminate()
        for proc in live:
            try:
                await asyncio.wait_for(proc.wait(), STARTUP_TIMEOUT)
            except TimeoutError:
                proc.kill()
                await proc.wait()

    def attempts(self) -> list[Attempt]:
        """Every attempt logged so far; a killed worker's open attempt ends at its kill."""
        events: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for path in sorted(self.log_dir.glob("*.attempts.jsonl")):
            for line in path.read_bytes().splitlines():
                record = orjson.loads(line)
                events[record["pid"]].append(record)
        found = []
        for pid, records in events.items():
            open_: dict[str, float] = {}
            for record in records:
                if record["event"] == "started":
                    open_[record["job"]] = record["at"]
                else:
                    start = open_.pop(record["job"])
                    found.append(Attempt(record["job"], pid, start, record["at"], record["event"]))
            for job, start in open_.items():
                found.append(Attempt(job, pid, start, self.killed.get(pid), None))
        return sorted(found, key=lambda a: a.start)

    def running(self) -> list[Attempt]:
        """Attempts under way in live workers."""
        return [a for a in self.attempts() if a.end is None and a.pid not in self.killed]
