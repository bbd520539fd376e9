"""One real worker process (``contactflow-automizy worker``) against the emulator in its own
process and a real redis-server: jobs from CSV and JSON Lines files, a job run again, an SDK
error crossing the queue, and a clean shut-down on SIGTERM; and the Celery recipe's pattern."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import aiohttp
import attrs
import orjson
import pytest

from contactflow_automizy import BatchUploadError, ContactflowClient
from contactflow_automizy.errors import ConfigurationError
from contactflow_automizy.workers import WorkerApp, WorkerSettings, tasks
from tests.services.emulator_process import EmulatorProcess
from tests.services.fleet import Fleet
from tests.workers.conftest import create_targets, worker_env

RESULT_TIMEOUT = 60


async def test_a_worker_runs_push_and_import_jobs_and_reports_errors(
    emulator: EmulatorProcess,
    http: aiohttp.ClientSession,
    settings: WorkerSettings,
    app: WorkerApp,
    tmp_path: Path,
) -> None:
    [automation], [contact_list] = await create_targets(emulator, ["queued"], ["queued"])
    customers = tmp_path / "customers.csv"
    customers.write_text("userPk,city\n" + "".join(f"u{i},Pécs\n" for i in range(2500)))
    contacts = tmp_path / "contacts.jsonl"
    contacts.write_bytes(
        b"".join(orjson.dumps({"email": f"c{i}@example.com"}) + b"\n" for i in range(40))
    )

    fleet = Fleet(worker_env(settings, emulator), tmp_path)
    await fleet.start()
    try:
        push_id, import_id = f"push-{uuid.uuid4()}", f"import-{uuid.uuid4()}"
        pushing = await app.push_customers_job.kiq(push_id, automation, str(customers))
        importing = await app.import_csv_job.kiq(import_id, [contact_list], str(contacts))
        missing = await app.push_customers_job.kiq(
            f"push-{uuid.uuid4()}", str(uuid.uuid4()), str(customers)
        )
        pushed = await pushing.wait_result(timeout=RESULT_TIMEOUT)
        imported = await importing.wait_result(timeout=RESULT_TIMEOUT)
        failed = await missing.wait_result(timeout=RESULT_TIMEOUT)

        assert not pushed.is_err and pushed.return_value.customers == 2500
        assert not pushed.return_value.already_done
        assert not imported.is_err and imported.return_value.import_id
        assert isinstance(failed.error, BatchUploadError)  # the SDK's own error, whole
        assert (failed.error.failed_packet, failed.error.customers_sent) == (1, 0)
        assert "not found" in str(failed.error)

        again = await app.push_customers_job.kiq(push_id, automation, str(customers))
        repeated = await again.wait_result(timeout=RESULT_TIMEOUT)
        assert repeated.return_value.already_done
        assert repeated.return_value.source_uuid == pushed.return_value.source_uuid
    finally:
        await fleet.stop()
    assert [p.returncode for p in fleet.procs.values()] == [0]  # SIGTERM: a clean shut-down

    stored = await emulator.control(http, "customers", automation=automation)
    assert sorted(c["userPk"] for c in stored["customers"]) == sorted(f"u{i}" for i in range(2500))
    listed = await emulator.control(http, "contacts", list=str(contact_list))
    assert len(listed["contacts"]) == 40
    assert {a.outcome for a in fleet.attempts()} == {"done", "failed"}


async def test_a_job_whose_file_the_worker_cannot_see_fails_with_a_clear_error(
    emulator: EmulatorProcess, settings: WorkerSettings, app: WorkerApp, tmp_path: Path
) -> None:
    fleet = Fleet(worker_env(settings, emulator), tmp_path)
    await fleet.start()
    try:
        task = await app.import_csv_job.kiq("j-missing", [1], str(tmp_path / "nowhere.csv"))
        result = await task.wait_result(timeout=RESULT_TIMEOUT)
    finally:
        await fleet.stop()
    assert result.is_err and "no such file on this worker" in str(result.error)
    assert asyncio.iscoroutinefunction(app.import_csv_job.original_func)


def _celery_style_process(settings: WorkerSettings, automation: str, source: str) -> bytes:
    """What the README's Celery recipe does in one worker process: one event loop, kept
    for every job, the resources opened and closed on it, results as JSON."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(tasks.open_resources(settings))
        first = loop.run_until_complete(tasks.push_customers_job("celery-1", automation, source))
        again = loop.run_until_complete(tasks.push_customers_job("celery-1", automation, source))
        loop.run_until_complete(tasks.close_resources())
    finally:
        loop.close()
    return orjson.dumps([attrs.asdict(first), attrs.asdict(again)])


async def test_the_celery_recipe_runs_jobs_on_one_loop_per_process(
    emulator: EmulatorProcess,
    settings: WorkerSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in emulator.client_env().items():
        monkeypatch.setenv(name, value)
    async with ContactflowClient() as cf:
        automation = (await cf.create_automation(name="celery")).uuid
    assert automation is not None
    source = tmp_path / "customers.jsonl"
    source.write_bytes(b"".join(orjson.dumps({"userPk": f"c{i}"}) + b"\n" for i in range(30)))

    answers = await asyncio.to_thread(_celery_style_process, settings, automation, str(source))
    first, again = orjson.loads(answers)
    assert (first["customers"], first["already_done"]) == (30, False)
    assert (again["source_uuid"], again["already_done"]) == (first["source_uuid"], True)
    with pytest.raises(ConfigurationError, match="no worker session"):
        tasks.current_resources()
