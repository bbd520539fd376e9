"""``demo``: the main job, end to end, against the built-in emulator.

It starts the emulator in-process (on 127.0.0.1), creates an automation and a
contact list, pushes generated customers through one transactional batch and
imports a generated CSV of contacts, each with a progress bar, then checks
what the emulator stored against what was sent and prints a summary.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from contactflow_automizy import AutomizyClient, ContactflowClient, Progress, Session, SessionStats
from contactflow_automizy.cli import _output
from contactflow_automizy.emulator import Emulator, Faults


def generate_customers(count: int) -> Iterator[dict[str, Any]]:
    """Customers in wire format, produced lazily (the stream never sits in memory)."""
    for i in range(count):
        yield {
            "userPk": f"user-{i:07d}",
            "attributes": {
                "email": f"customer{i}@example.com",
                "firstName": f"Ada{i}",
                "tier": i % 3,
            },
        }


def write_contacts_csv(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email", "First name", "Last name", "Favourite colour"])
        for i in range(count):
            writer.writerow([f"contact{i}@example.com", f"Grace{i}", f"Hopper{i}", "teal"])


class RowsUploaded:
    """Turns an upload's progress in bytes into rows of the CSV for the contacts bar.

    The import reports bytes sent; a second handle on the file reads the same
    bytes as they go and counts the line ends in them, so the bar shows contacts
    (``20000/20000``), exactly, in constant memory.  The demo writes the CSV itself,
    so no cell holds a line break.  A retried upload starts again from 0.
    """

    def __init__(self, path: Path, bar: Callable[[int], object]) -> None:
        self._file = path.open("rb")
        self._bar = bar
        self._offset = 0
        self._lines = 0

    def __call__(self, progress: Progress) -> None:
        if progress.done < self._offset:
            self._file.seek(0)
            self._offset = self._lines = 0
        while self._offset < progress.done:
            chunk = self._file.read(min(progress.done - self._offset, 1 << 20))
            if not chunk:
                break
            self._offset += len(chunk)
            self._lines += chunk.count(b"\n")
        self._bar(max(self._lines - 1, 0))  # the header line is not a contact

    def close(self) -> None:
        self._file.close()


class _Job:
    """Requests, retries and time spent by one part of the demo (from the session's counters)."""

    def __init__(self, stats: SessionStats) -> None:
        self._stats = stats
        self._requests, self._retries = stats.requests, stats.retries
        self._started = time.perf_counter()

    def row(self, name: str, records: int, stored: int) -> list[Any]:
        elapsed = time.perf_counter() - self._started
        return [
            name,
            records,
            stored,
            self._stats.requests - self._requests,
            self._stats.retries - self._retries,
            elapsed,
            records / elapsed if elapsed else 0.0,
        ]


async def run(args: argparse.Namespace) -> int:
    faults = Faults.parse(args.faults, args.random_seed) if args.faults else None
    async with (
        Emulator(faults=faults, random_seed=args.random_seed, retain_customers=False) as emu,
        Session(max_connections=64) as session,
    ):
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        az = AutomizyClient(emu.api_key, emu.automizy_url, session=session)
        _output.console.print(f"Emulator on {emu.automizy_url} (faults: {args.faults or 'none'})")
        automation = await cf.create_automation(name="Demo welcome journey", status="DRAFT")
        contact_list = await az.create_list("Demo newsletter")
        assert automation.uuid is not None and contact_list.id is not None
        rows: list[list[Any]] = []
        with tempfile.TemporaryDirectory() as tmp, _output.progress_bars() as progress:
            push_bar = _output.add_bar(progress, "customers -> Contactflow", args.customers)
            job = _Job(session.stats)
            pushed = await cf.push_customers(
                automation.uuid,
                generate_customers(args.customers),
                packet_size=args.packet_size,
                concurrency=args.concurrency,
                source_label="demo",
                on_progress=push_bar,
            )
            stored = emu.state.automations[automation.uuid].customer_count
            rows.append(job.row("customers", pushed.customers, stored))

            csv_path = Path(tmp) / "contacts.csv"
            write_contacts_csv(csv_path, args.contacts)
            import_bar = _output.add_bar(progress, "contacts -> Automizy", args.contacts)
            rows_uploaded = RowsUploaded(csv_path, import_bar.update)
            job = _Job(session.stats)
            try:
                await az.import_csv(csv_path, list_ids=[contact_list.id], on_progress=rows_uploaded)
            finally:
                rows_uploaded.close()
            listed = await az.get_list(contact_list.id)
            rows.append(job.row("contacts", args.contacts, listed.contact_count or 0))

    _output.summary(
        "demo summary",
        ["job", "records", "stored", "requests", "retries", "elapsed s", "records/s"],
        rows,
    )
    lost = [row[0] for row in rows if row[1] != row[2]]
    if lost:
        _output.error(f"records missing after: {', '.join(lost)}")
        return 1
    _output.console.print("[green]every record sent was stored[/green]")
    return 0
