"""Secrets never show: repr, str, logs at every level, exceptions, and the command line.

The token, the API key and a password put in a base URL are followed through
successful calls, retries, and every kind of failure (refused credentials,
server errors, dropped connections, timeouts, refused connections, bad
settings); every log record, exception text, ``repr`` and formatted
traceback is searched for them.  The command line is run as a subprocess
with the secrets in flags and in the environment, succeeding and failing,
and its whole output is searched.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import re
import socket
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from contactflow_automizy import (
    AutomizyClient,
    ConfigurationError,
    ContactflowAutomizyError,
    ContactflowClient,
    Session,
)
from contactflow_automizy._auth import ApiKeyAuth, BearerAuth
from contactflow_automizy._redact import Secret
from contactflow_automizy._transport import Request, Timeout
from contactflow_automizy.emulator import Emulator, Faults
from tests.conftest import NoSleep
from tests.reliability.conftest import ThreadedEmulator, count

TOKEN = "tok-Zx9SECRETtoken-4f1d"
API_KEY = "key-Qw7SECRETapikey-9b2c"
PASSWORD = "pw-Hh3SECRETpassword"
SECRETS = (TOKEN, API_KEY, PASSWORD)


def leaks(text: str, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    squeezed = re.sub(r"\s+", "", text)  # a wrapped line must not hide a secret either
    return [s for s in secrets if s in text or s in squeezed]


def exception_texts(exc: BaseException) -> str:
    parts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args)]
        parts += [repr(v) for v in vars(current).values()]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def test_reprs_and_strs() -> None:
    async def provider() -> str:
        return TOKEN

    objects: list[Any] = [
        Secret(TOKEN),
        BearerAuth(TOKEN),
        BearerAuth(provider),
        ApiKeyAuth(API_KEY),
        ContactflowClient(TOKEN, None, "https://cf.example.com"),
        ContactflowClient(provider, None, "https://cf.example.com"),
        AutomizyClient(API_KEY),
        Session(),
    ]
    for obj in objects:
        assert not leaks(repr(obj)) and not leaks(str(obj)), obj
        assert not leaks(repr(vars(obj)) if hasattr(obj, "__dict__") else "")
    with pytest.raises(TypeError):
        pickle.dumps(Secret(TOKEN))
    count("abuse", "repr_objects", len(objects))


def test_request_repr_hides_credentials() -> None:
    from yarl import URL

    request = Request(
        "GET", URL("https://h/x"), {"Authorization": f"Bearer {TOKEN}", "Api-key": API_KEY}
    )
    assert not leaks(repr(request)) and not leaks(str(request))


async def test_logs_and_errors_through_retries_and_failures(
    caplog: pytest.LogCaptureFixture, no_sleep: NoSleep, backend: str
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level
    errors: list[BaseException] = []
    async with Emulator(token=TOKEN, api_key=API_KEY) as emu:
        host = emu.base_url
        async with Session(transport=backend, sleep=no_sleep, timeout=Timeout(read=0.2)) as session:
            cf = ContactflowClient(TOKEN, emu.node_uuid, host + "/contactflow", session=session)
            az = AutomizyClient(API_KEY, host, session=session)
            automation = (await cf.create_automation(name="a")).uuid
            assert automation is not None
            calls: list[Any] = []
            for faults in (
                Faults(rate_503=1.0, retry_after=0),
                Faults(rate_500=1.0),
                Faults(rate_drop=1.0),
                Faults(rate_drop_mid_response=1.0),
                Faults(slow_body=3.0),
                Faults(rate_429=0.5, random_seed=3),
            ):
                emu.faults = faults
                for call in (
                    lambda: cf.get_node(emu.node_uuid),
                    lambda: cf.list_automations().to_list(),
                    lambda: cf.push_customers(automation, [{"userPk": "x"}] * 3),
                    lambda: az.create_contact("a@b.co", 1),
                    lambda: az.list_tags().to_list(),
                ):
                    calls.append(call)
                    try:
                        await call()
                    except ContactflowAutomizyError as exc:
                        errors.append(exc)
            emu.faults = Faults()
            # Refused credentials, both APIs.
            for client in (
                ContactflowClient(
                    "wrong-" + TOKEN, emu.node_uuid, host + "/contactflow", session=session
                ),
                AutomizyClient("wrong-" + API_KEY, host, session=session),
            ):
                try:
                    if isinstance(client, ContactflowClient):
                        await client.get_current_user()
                    else:
                        await client.list_lists().to_list()
                except ContactflowAutomizyError as exc:
                    errors.append(exc)
    # Connection refused (the emulator is gone).
    async with Session(transport=backend, sleep=no_sleep, max_retries=1) as session:
        try:
            await ContactflowClient(
                TOKEN, None, host + "/contactflow", session=session
            ).get_current_user()
        except ContactflowAutomizyError as exc:
            errors.append(exc)
    # Settings refused before any request: the message names the setting, not the value.
    for build in (
        lambda: ContactflowClient(TOKEN + "\r\nX: y", None, "https://h"),
        lambda: AutomizyClient(API_KEY + "\n", "https://h"),
        lambda: ContactflowClient(TOKEN, None, f"http://u:{PASSWORD}@example.com"),
        lambda: ContactflowClient(TOKEN, None, f"https://u:{PASSWORD}@example.com"),
        lambda: AutomizyClient(API_KEY, f"http://u:{PASSWORD}@127.0.0.1:1"),
    ):
        with pytest.raises(ConfigurationError) as info:
            build()
        errors.append(info.value)

    assert len(errors) > 20
    for error in errors:
        assert not leaks(exception_texts(error)), exception_texts(error)
    text = "\n".join(
        [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    )
    assert "retrying" in text  # the DEBUG retry records were there to search
    assert not leaks(text + caplog.text)
    count("abuse", "secret_error_cases", len(errors))
    count("abuse", "secret_log_records", len(caplog.records))


async def test_token_provider_failures_do_not_leak(no_sleep: NoSleep, backend: str) -> None:
    async with Emulator(token=TOKEN) as emu, Session(transport=backend, sleep=no_sleep) as session:

        async def bad() -> str:
            return TOKEN + "\r\nInjected: 1"

        cf = ContactflowClient(bad, emu.node_uuid, emu.contactflow_url, session=session)
        with pytest.raises(ConfigurationError) as info:
            await cf.get_current_user()
        assert not leaks(exception_texts(info.value))
        assert not emu.state.requests


# -- the command line ------------------------------------------------------------


def _cli(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CONTACTFLOW_", "AUTOMIZY_"))}
    base.update(COLUMNS="1000", NO_COLOR="1", **env)
    return subprocess.run(
        [sys.executable, "-m", "contactflow_automizy", *args],
        env=base,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served() -> Any:
    server = ThreadedEmulator(token=TOKEN, api_key=API_KEY, random_seed=2)
    with server as emu:
        yield server, emu


async def test_the_command_line_never_prints_a_secret(
    served: Any, tmp_path: Path, backend: str
) -> None:
    server, emu = served
    customers = tmp_path / "customers.csv"
    customers.write_text("userPk,email\n" + "".join(f"u{i},u{i}@x.com\n" for i in range(300)))
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("email,firstname\n" + "".join(f"c{i}@x.com,N{i}\n" for i in range(50)))

    async def setup() -> tuple[str, int]:
        async with Session(transport=backend) as session:
            cf = ContactflowClient(TOKEN, emu.node_uuid, emu.contactflow_url, session=session)
            az = AutomizyClient(API_KEY, emu.automizy_url, session=session)
            automation = (await cf.create_automation(name="cli")).uuid
            list_id = (await az.create_list("cli")).id
            assert automation is not None and list_id is not None
            return automation, list_id

    automation, list_id = server.call(setup())
    cf_env = {"CONTACTFLOW_BASE_URL": emu.contactflow_url, "CONTACTFLOW_NODE": emu.node_uuid}
    az_env = {"AUTOMIZY_BASE_URL": emu.automizy_url}
    push = ["push-customers", automation, str(customers), "--packet-size", "50"]
    imp = ["import-csv", str(contacts), "--list-id", str(list_id)]
    dead = f"http://127.0.0.1:{_free_port()}"
    with_password = emu.base_url.replace("http://", f"http://u:{PASSWORD}@")
    runs: list[tuple[str, list[str], dict[str, str], int, Faults | None]] = [
        ("push, token in env", push, {**cf_env, "CONTACTFLOW_TOKEN": TOKEN}, 0, None),
        ("push, token flag", [*push, "--token", TOKEN], cf_env, 0, None),
        (
            "push, 500 on packets (rollback)",
            [*push, "--token", TOKEN],
            cf_env,
            1,
            Faults(rate_500=1.0, routes=r"/customers/batch$", methods={"POST"}),
        ),
        (
            "push, 503 until retries run out",
            [*push, "--max-retries", "1"],
            {**cf_env, "CONTACTFLOW_TOKEN": TOKEN},
            1,
            Faults(rate_503=1.0, retry_after=0),
        ),
        ("push, wrong token", [*push, "--token", "bad-" + TOKEN], cf_env, 1, None),
        (
            "push, token with CRLF",
            push,
            {**cf_env, "CONTACTFLOW_TOKEN": TOKEN + "\r\nX: 1"},
            1,
            None,
        ),
        (
            "push, password in URL",
            [*push, "--token", TOKEN, "--contactflow-url", with_password + "/contactflow"],
            {"CONTACTFLOW_NODE": emu.node_uuid},
            1,
            Faults(rate_drop=1.0),
        ),
        (
            "push, server down",
            [*push, "--contactflow-url", dead, "--token", TOKEN],
            cf_env,
            1,
            None,
        ),
        ("import, key in env", imp, {**az_env, "AUTOMIZY_API_KEY": API_KEY}, 0, None),
        ("import, key flag", [*imp, "--api-key", API_KEY], az_env, 0, None),
        (
            "import, unknown list",
            [*imp[:2], "--list-id", "999", "--api-key", API_KEY],
            az_env,
            1,
            None,
        ),
        ("import, wrong key", [*imp, "--api-key", "bad-" + API_KEY], az_env, 1, None),
        (
            "import, 500 on upload",
            imp,
            {**az_env, "AUTOMIZY_API_KEY": API_KEY},
            1,
            Faults(rate_500=1.0, routes=r"/analyze$"),
        ),
        (
            "report, password in URL",
            [
                "report",
                "tokens",
                "-o",
                "r.zip",
                "--token",
                TOKEN,
                "--contactflow-url",
                with_password + "/contactflow",
            ],
            {"CONTACTFLOW_NODE": emu.node_uuid},
            1,
            Faults(rate_500=1.0),
        ),
    ]

    def check(name: str, expected: int, done: subprocess.CompletedProcess[str]) -> None:
        output = done.stdout + done.stderr
        assert done.returncode == expected, (name, output)
        assert not leaks(output), (name, output)
        if expected:
            assert "error:" in done.stderr and "Traceback" not in output, (name, output)

    # Runs that need no faults share the emulator, two at a time; the others take turns.
    slots = asyncio.Semaphore(2)

    async def plain(name: str, args: list[str], env: dict[str, str], expected: int) -> None:
        async with slots:
            check(name, expected, await asyncio.to_thread(_cli, args, env, tmp_path))

    await asyncio.gather(*(plain(n, a, e, x) for n, a, e, x, f in runs if f is None))
    for name, args, env, expected, faults in runs:
        if faults is not None:
            emu.faults = faults
            done = await asyncio.to_thread(_cli, args, env, tmp_path)
            emu.faults = Faults()
            check(name, expected, done)
    count("abuse", "cli_runs", len(runs))
