"""``import_csv(job_id=...)`` against the emulator, in-process: done means done, anything
else runs the import again, and the emulator's upsert by e-mail keeps each contact once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from contactflow_automizy import (
    AutomizyClient,
    ConfigurationError,
    CsvImportResult,
    InternalServerError,
    MemoryJobStore,
    Session,
)
from contactflow_automizy.automizy import routes
from contactflow_automizy.emulator import Emulator, Faults
from contactflow_automizy.jobs import JobState

JOB = "contacts-2026-12-02"


@pytest.fixture
def store() -> MemoryJobStore:
    return MemoryJobStore()


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text("email,firstname\n" + "".join(f"c{i}@example.com,N{i}\n" for i in range(50)))
    return path


def emails(emu: Emulator, list_id: int) -> list[str]:
    return sorted(c.email for c in emu.state.contacts.values() if list_id in c.lists)


async def test_a_completed_import_returns_its_result_and_reads_nothing(
    az: AutomizyClient, emu: Emulator, store: MemoryJobStore, csv_file: Path
) -> None:
    list_id = (await az.create_list("L")).id
    first = await az.import_csv(csv_file, list_ids=[list_id], job_id=JOB)
    sent = emu.state.requests.total()

    def never_read() -> Iterator[dict[str, Any]]:
        raise AssertionError("a done job's source is not read")
        yield {}  # pragma: no cover - makes this a generator

    again = await az.import_csv(never_read(), list_ids=[list_id], job_id=JOB)

    assert isinstance(again, CsvImportResult) and again == attrs.evolve(first, already_done=True)
    assert emu.state.requests.total() == sent
    record = await store.get(JOB)
    assert record is not None and record.state is JobState.DONE and record.kind == "import_csv"
    assert record.target == str(list_id) and record.result is not None


async def test_a_failed_import_runs_again_from_the_start_and_each_contact_stays_once(
    az: AutomizyClient, emu: Emulator, store: MemoryJobStore, csv_file: Path
) -> None:
    list_id = (await az.create_list("L")).id
    emu.faults = Faults(rate_500=1.0, routes="/process$")
    with pytest.raises(InternalServerError):
        await az.import_csv(csv_file, list_ids=[list_id], job_id=JOB)
    record = await store.get(JOB)
    assert record is not None and record.state is JobState.FAILED and record.attempt == 1

    emu.faults = Faults()
    first = await az.import_csv(csv_file, list_ids=[list_id], job_id=JOB)
    assert not first.already_done
    # The same import again under another job id: the upsert keeps each contact once.
    await az.import_csv(csv_file, list_ids=[list_id], job_id=JOB + "-again")
    assert emails(emu, list_id) == sorted(f"c{i}@example.com" for i in range(50))
    assert emu.state.requests[routes.ANALYZE_IMPORT] == 3


async def test_import_jobs_are_refused_without_a_store_or_for_other_lists(
    az: AutomizyClient, emu: Emulator, csv_file: Path
) -> None:
    one, two = (await az.create_list("A")).id, (await az.create_list("B")).id
    sent = emu.state.requests.total()
    async with Session(transport=emu.transport()) as bare:
        no_store = AutomizyClient(emu.api_key, emu.automizy_url, session=bare)
        with pytest.raises(ConfigurationError, match="job store"):
            await no_store.import_csv(csv_file, list_ids=[one], job_id=JOB)
    assert emu.state.requests.total() == sent

    await az.import_csv(csv_file, list_ids=[two, one], job_id=JOB)
    await az.import_csv(csv_file, list_ids=[one, two, one], job_id=JOB)  # the same lists
    sent = emu.state.requests.total()
    with pytest.raises(ConfigurationError, match="one piece of work"):
        await az.import_csv(csv_file, list_ids=[one], job_id=JOB)
    assert emu.state.requests.total() == sent
