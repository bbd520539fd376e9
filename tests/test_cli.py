"""The command line end to end: each command as a subprocess against the emulator."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient, Progress
from contactflow_automizy.cli import build_parser, main
from contactflow_automizy.cli.demo import RowsUploaded, write_contacts_csv
from contactflow_automizy.emulator import Emulator

TIMEOUT = 60


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "contactflow_automizy",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(random_seed=1) as emulator:
        yield emulator


def _cf_env(emu: Emulator) -> dict[str, str]:
    return {
        "CONTACTFLOW_BASE_URL": emu.contactflow_url,
        "CONTACTFLOW_TOKEN": emu.token,
        "CONTACTFLOW_NODE": emu.node_uuid,
    }


def _az_env(emu: Emulator) -> dict[str, str]:
    return {"AUTOMIZY_BASE_URL": emu.automizy_url, "AUTOMIZY_API_KEY": emu.api_key}


async def test_demo_runs_to_a_summary_with_nothing_lost() -> None:
    code, out, err = await run_cli("demo", "--customers", "5000", "--contacts", "300")
    assert code == 0, err
    assert "demo summary" in out
    assert "every record sent was stored" in out
    assert "5,000" in out and "300" in out
    # Each bar counts records, not bytes of the CSV.
    assert re.search(r"customers -> Contactflow .* 5000/5000", out)
    assert re.search(r"contacts -> Automizy .* 300/300 ", out)


def test_the_contacts_bar_counts_rows_of_the_uploaded_bytes(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    write_contacts_csv(path, 1000)
    size = path.stat().st_size
    first_try: list[int] = []
    retry: list[int] = []
    shown = first_try
    rows = RowsUploaded(path, lambda value: shown.append(value))
    try:
        for done in range(0, size // 2, 4096):  # a first try that breaks half-way
            rows(Progress(done, size))
        shown = retry
        for done in [*range(0, size, 65536), size]:  # the retry starts again from 0
            rows(Progress(done, size))
    finally:
        rows.close()
    assert 400 < first_try[-1] < 600
    assert retry[0] == 0 and retry == sorted(retry)
    assert retry[-1] == 1000


async def test_push_customers_from_csv_and_jsonl(emu: Emulator, tmp_path: Path) -> None:
    async with ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url) as cf:
        automation = await cf.create_automation(name="cli")
    assert automation.uuid is not None
    csv_file = tmp_path / "customers.csv"
    csv_file.write_text(
        "userPk,email,city\n" + "".join(f"u{i},u{i}@x.io,Rome\n" for i in range(2500))
    )
    jsonl = tmp_path / "customers.jsonl"
    jsonl.write_text(
        "".join(f'{{"userPk": "j{i}", "attributes": {{"a": {i}}}}}\n' for i in range(700))
    )
    for path, count in ((csv_file, 2500), (jsonl, 700)):
        code, out, err = await run_cli(
            "push-customers", automation.uuid, str(path), "--packet-size", "500", env=_cf_env(emu)
        )
        assert code == 0, err
        assert f"{count:,}" in out
    assert emu.state.automations[automation.uuid].customer_count == 3200
    assert emu.token not in out + err


async def test_import_csv_with_auto_mapping(emu: Emulator, tmp_path: Path) -> None:
    async with AutomizyClient(emu.api_key, emu.automizy_url) as az:
        contact_list = await az.create_list("cli list")
        assert contact_list.id is not None
        path = tmp_path / "contacts.csv"
        path.write_text("Email,Nickname\n" + "".join(f"c{i}@x.io,n{i}\n" for i in range(150)))
        code, out, err = await run_cli(
            "import-csv", str(path), "--list-id", str(contact_list.id), env=_az_env(emu)
        )
        assert code == 0, err
        assert "Nickname" in out  # reported as ignored: no such field
        assert (await az.get_list(contact_list.id)).contact_count == 150


async def test_reports_are_written(emu: Emulator, tmp_path: Path) -> None:
    async with ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url) as cf:
        automation = await cf.create_automation(name="reported", status="RUNNING")
        assert automation.uuid is not None
        await cf.push_customers(automation.uuid, [{"userPk": f"p{i}"} for i in range(10)])
    csv_out, zip_out = tmp_path / "automations.csv", tmp_path / "tokens.zip"
    code, _, err = await run_cli(
        "report", "automations", "-o", str(csv_out), "--filter", "status=RUNNING", env=_cf_env(emu)
    )
    assert code == 0, err
    assert "reported" in csv_out.read_text()
    code, _, err = await run_cli("report", "tokens", "-o", str(zip_out), env=_cf_env(emu))
    assert code == 0, err
    with zipfile.ZipFile(zip_out) as archive:
        assert any(name.endswith(".csv") for name in archive.namelist())


async def start_emulator_command(*args: str) -> tuple[asyncio.subprocess.Process, list[str]]:
    """Start ``emulator`` on a free port; return the process and its banner lines."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "contactflow_automizy",
        "emulator",
        "--port",
        "0",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    banner: list[str] = []
    try:
        async with asyncio.timeout(TIMEOUT):
            while not banner or "Ctrl-C to stop" not in banner[-1]:
                line = (await proc.stdout.readline()).decode()
                assert line, "the emulator command ended before its banner"
                banner.append(line)
    except BaseException:
        proc.terminate()
        raise
    return proc, banner


def exported(banner: list[str]) -> dict[str, str]:
    """The ``export NAME=value`` lines of the banner, run through a shell's quoting rules."""
    pairs = (shlex.split(line.split("export ", 1)[1])[0] for line in banner if "export " in line)
    return dict(pair.split("=", 1) for pair in pairs)


async def stop(proc: asyncio.subprocess.Process) -> None:
    proc.terminate()
    await asyncio.wait_for(proc.wait(), TIMEOUT)


async def test_emulator_command_serves_until_stopped() -> None:
    proc, banner = await start_emulator_command("--token", "cli-token", "--api-key", "cli-key")
    try:
        base = next(line for line in banner if "Automizy emulator" in line).split()[-1]
        async with AutomizyClient("cli-key", base) as az:
            created = await az.create_list("served")
            assert created.id is not None
    finally:
        await stop(proc)


async def test_emulator_command_prints_every_setting_a_client_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proc, banner = await start_emulator_command()
    try:
        settings = exported(banner)
        assert set(settings) == {
            "CONTACTFLOW_BASE_URL",
            "CONTACTFLOW_NODE",
            "CONTACTFLOW_TOKEN",
            "AUTOMIZY_BASE_URL",
            "AUTOMIZY_API_KEY",
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        # Clients built from the environment alone reach the emulator.
        async with ContactflowClient() as cf, AutomizyClient() as az:
            assert (await cf.get_actions()) is not None  # needs the node header too
            assert (await az.create_list("from the environment")).id is not None
    finally:
        await stop(proc)


async def test_emulator_command_never_echoes_credentials_the_user_chose() -> None:
    chosen = ("--token", "chosen-token", "--api-key", "chosen-key")
    proc, banner = await start_emulator_command(*chosen)
    try:
        text = "".join(banner)
        assert "chosen-token" not in text and "chosen-key" not in text
        assert set(exported(banner)) == {
            "CONTACTFLOW_BASE_URL",
            "CONTACTFLOW_NODE",
            "AUTOMIZY_BASE_URL",
        }
        assert "# CONTACTFLOW_TOKEN: the value given with --token" in text
    finally:
        await stop(proc)


async def test_failures_print_one_error_line_without_secrets(emu: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("userPk\nx\n")
    env = {**_cf_env(emu), "CONTACTFLOW_TOKEN": "wrong-secret-token"}
    automation = "6a1c3f52-5d2e-4a6c-9d1c-2f0e8b7a9c11"
    code, out, err = await run_cli("push-customers", automation, str(path), env=env)
    assert code == 1
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1
    assert "wrong-secret-token" not in out + err


def test_bad_input_is_refused_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_free = ["--contactflow-url", "https://cf.example.test", "--token", "t"]
    assert main(["push-customers", "not-a-uuid", str(tmp_path / "missing.csv"), *env_free]) == 1
    assert "no such file" in capsys.readouterr().err
    path = tmp_path / "c.csv"
    path.write_text("Email\na@b.co\n")
    assert main(["import-csv", str(path), "--list-id", "0", "--api-key", "k"]) == 1
    assert "list_ids" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "nope", "-o", "x"])


def test_help_explains_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("demo", "emulator", "push-customers", "import-csv", "report"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        assert "usage:" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["demo", "emulator"])
def test_random_seed_flag_and_its_deprecated_alias(command: str) -> None:
    parser = build_parser()
    assert parser.parse_args([command, "--random-seed", "5"]).random_seed == 5
    assert parser.parse_args([command, "--seed", "6"]).random_seed == 6
    assert parser.parse_args([command]).random_seed == 0


async def test_emulator_command_is_strict_unless_lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    from contactflow_automizy.cli import commands

    made: list[Emulator] = []

    class Stop(Exception):
        pass

    class Recording(Emulator):
        async def __aenter__(self) -> Emulator:
            made.append(self)
            raise Stop

    monkeypatch.setattr("contactflow_automizy.emulator.Emulator", Recording)
    for flags in ([], ["--lenient"]):
        with pytest.raises(Stop):
            await commands.emulator(build_parser().parse_args(["emulator", *flags]))
    assert [emu.backend.contactflow.strict for emu in made] == [True, False]
    assert [emu.backend.automizy.strict for emu in made] == [True, False]


async def test_a_push_job_runs_once_and_the_jobs_commands_read_it(
    emu: Emulator, tmp_path: Path
) -> None:
    async with ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url) as cf:
        automation = await cf.create_automation(name="cli jobs")
    assert automation.uuid is not None
    path = tmp_path / "customers.csv"
    path.write_text("userPk\n" + "".join(f"u{i}\n" for i in range(1200)))
    store = {"CFA_JOB_STORE": f"sqlite:///{tmp_path / 'jobs.sqlite'}"}
    push = ("push-customers", automation.uuid, str(path), "--job-id", "nightly")

    code, out, err = await run_cli(*push, "--job-store", "mysql://x", env={**_cf_env(emu), **store})
    assert code == 1 and "sqlite:///path" in err  # the flag wins over the environment
    code, out, err = await run_cli(*push, env=_cf_env(emu))
    assert code == 1 and "CFA_JOB_STORE" in err  # a job id needs a store
    for done in (False, True):
        code, out, err = await run_cli(*push, env={**_cf_env(emu), **store})
        assert code == 0, err
        assert ("already done" in out) is done
    assert emu.state.automations[automation.uuid].customer_count == 1200

    code, out, err = await run_cli("jobs", "list", env=store)
    assert code == 0 and "nightly" in out and "done" in out, err
    code, out, err = await run_cli("jobs", "show", "nightly", env=store)
    assert code == 0 and '"state": "done"' in out and automation.uuid in out, err
    code, out, err = await run_cli("jobs", "show", "other", env=store)
    assert code == 1 and "no job 'other'" in err
    code, out, err = await run_cli("jobs", "cleanup", "--dry-run", env={**_cf_env(emu), **store})
    assert code == 0 and "dry run" in out, err
