"""kill -9 anywhere, run again: every record exactly once, no source left open (issue 13).

Real processes: the emulator runs in its own process (the CLI), each client in
its own (``tests/jobs/crash_client.py``), killed with SIGKILL at a point aimed
either with the emulator's holds (a request caught on arrival, seen through the
control endpoints) or with the client's own hook (it kills itself between two
store writes). The same job then runs again in a fresh process, which waits out
the dead run's 2 s lease. After every scenario, read through the control
endpoints and the store: the automation (or list) holds each input record
exactly once, no source is open, and the job is done.

Push scenarios run concurrently (each in its own automation, its holds aimed at
it, its own store); import scenarios one after another (the import paths do not
name the list, so a hold cannot be aimed at one). ``-s`` prints the table.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import orjson
import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from contactflow_automizy.jobs import JobRecord, JobState, TransactionalJobStore
from tests.emulator._helpers import eventually
from tests.jobs.crash_client import open_store
from tests.services.emulator_process import EmulatorProcess, run_emulator
from tests.services.redis_server import RedisServer

pytestmark = pytest.mark.crash

TOKEN = "crash-token"
API_KEY = "crash-key"
CUSTOMERS = 50_000
CONTACTS = 5_000
WAIT = 60.0
#: No scenario takes longer than this, whatever it waits for.
SCENARIO_LIMIT = 180.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorProcess]:
    """The emulator in its own process, run by the CLI."""
    with run_emulator(token=TOKEN, api_key=API_KEY) as emu:
        yield emu


class Control:
    """The emulator's control endpoints, and the SDK on the emulator's APIs."""

    def __init__(self, served: EmulatorProcess, http: aiohttp.ClientSession) -> None:
        self.served = served
        self.http = http
        self.auth = {"Api-key": API_KEY}

    async def call(self, method: str, name: str, **kwargs: Any) -> Any:
        url = f"{self.served.base_url}/_emulator/{name}"
        async with self.http.request(method, url, headers=self.auth, **kwargs) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def hold(self, **settings: Any) -> int:
        return int((await self.call("POST", "holds", json=settings))["id"])

    async def cancel(self, hold: int) -> None:
        await self.call("DELETE", f"holds/{hold}")

    async def held(self, hold: int) -> list[dict[str, Any]]:
        return [h for h in (await self.call("GET", "held"))["held"] if h["hold"] == hold]

    async def release(self, hold: int, *, apply: bool = True) -> int:
        return int(
            (await self.call("POST", "release", json={"hold": hold, "apply": apply}))["released"]
        )

    async def customers(self, automation: str) -> Counter[str]:
        found = await self.call("GET", "customers", params={"automation": automation})
        return Counter(c["userPk"] for c in found["customers"])

    async def open_sources(self, automation: str) -> int:
        found = await self.call("GET", "sources", params={"automation": automation})
        return sum(s["state"] == "open" for s in found["sources"])

    async def contacts(self, list_id: int) -> Counter[str]:
        found = await self.call("GET", "contacts", params={"list": str(list_id)})
        return Counter(c["emailAddress"] for c in found["contacts"])


@pytest.fixture
async def control(served: EmulatorProcess) -> AsyncIterator[Control]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT)) as http:
        yield Control(served, http)


async def start_client(
    served: EmulatorProcess,
    kind: str,
    target: str,
    job_id: str,
    store: str,
    count: int,
    **env: str,
) -> asyncio.subprocess.Process:
    args = [kind, served.base_url, TOKEN, served.node, API_KEY, target, job_id, store, str(count)]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.jobs.crash_client",
        *args,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
    )


async def finished(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    """The exit code and output of ``proc``; killed if the wait fails or is cancelled."""
    assert proc.stdout is not None
    try:
        out = await asyncio.wait_for(proc.stdout.read(), WAIT)
        return await asyncio.wait_for(proc.wait(), WAIT), out.decode()
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise


def result_of(out: str) -> dict[str, Any]:
    [line] = [line for line in out.splitlines() if line.startswith("RESULT ")]
    data: dict[str, Any] = orjson.loads(line[len("RESULT ") :])
    return data


@attrs.frozen
class Scenario:
    """Where the first run dies, and what becomes of what it left in flight.

    ``hook``: the client kills itself there. ``hold``: a hold armed before the
    run; the client is killed once it holds a request (``fail`` first drops a
    held MIDDLE, so the attempt fails and rolls back). ``held``: what becomes
    of the held requests after the kill: ``release`` (applied late), ``drop``
    (lost), ``after-rerun`` (applied once the re-run is over).
    """

    name: str
    hook: str = ""
    hold: dict[str, Any] | None = None
    fail: dict[str, Any] | None = None
    held: str = "release"


FIRST = {"route": "ADD_CUSTOMER_BATCH", "packet": "FIRST"}
MIDDLES = {"route": "ADD_CUSTOMER_BATCH", "packet": "MIDDLE", "count": None}
LAST = {"route": "ADD_CUSTOMER_BATCH", "packet": "LAST"}

PUSH_SCENARIOS = [
    Scenario("before FIRST (attempt written ahead)", hook="after-write-ahead"),
    Scenario("FIRST held, applied before the re-run", hold=FIRST),
    Scenario("FIRST held, applied after the re-run (late)", hold=FIRST, held="after-rerun"),
    Scenario("after FIRST answered (MIDDLEs held, lost)", hold=MIDDLES, held="drop"),
    Scenario("mid-MIDDLE (25 stored, 4 held, applied)", hold={**MIDDLES, "skip": 24}),
    Scenario("LAST held, applied", hold=LAST),
    Scenario("LAST held, lost", hold=LAST, held="drop"),
    Scenario("after LAST answered, before the store write", hook="before-closed-write"),
    Scenario("source recorded closed, result not stored", hook="before-finish"),
    Scenario(
        "during the rollback (DELETE held, applied)",
        hold={"route": "DELETE_CUSTOMER_BATCH"},
        fail={**MIDDLES, "skip": 10, "count": 1},
    ),
]

IMPORT_SCENARIOS = [
    Scenario(
        "during the upload (analyze held, lost)", hold={"route": "ANALYZE_IMPORT"}, held="drop"
    ),
    Scenario(
        "after analyze, before process (process lost)",
        hold={"route": "PROCESS_IMPORT"},
        held="drop",
    ),
    Scenario("process held, applied late", hold={"route": "PROCESS_IMPORT"}),
    Scenario("after process answered, before the store write", hook="before-finish"),
]


@attrs.frozen
class Row:
    store: str
    scenario: str
    stored: int
    expected: int
    duplicates: int
    open_sources: int
    outcome: str
    state: str


def outcome(record: JobRecord, result: dict[str, Any]) -> str:
    sources = ", ".join(f"#{s.attempt} {s.state}" for s in record.sources)
    done = "already done" if result.get("already_done") else f"attempt {record.attempt} ran"
    return f"{done}; sources: {sources}" if sources else done


async def arm(
    control: Control, scenario: Scenario, aim: str | None
) -> tuple[int | None, int | None]:
    """The holds of ``scenario``, armed before its client starts: (failing, killing)."""
    aimed = {} if aim is None else {"routes": aim}
    failing = None if scenario.fail is None else await control.hold(**scenario.fail, **aimed)
    killing = None if scenario.hold is None else await control.hold(**scenario.hold, **aimed)
    return failing, killing


async def kill_first_run(
    control: Control,
    proc: asyncio.subprocess.Process,
    failing: int | None,
    killing: int | None,
) -> None:
    """Kill the first run once it holds a request (or wait for its own hook to kill it)."""
    try:
        if failing is not None:
            await eventually(lambda: control.held(failing), WAIT)
            await control.release(failing, apply=False)  # no answer: the attempt fails
        if killing is not None:
            await eventually(lambda: control.held(killing), WAIT)
            proc.kill()
            await control.cancel(killing)  # it catches nothing more: not the re-run's requests
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    code, out = await finished(proc)
    assert code == -signal.SIGKILL, out


async def settle_held(control: Control, hold: int | None, scenario: Scenario, when: str) -> None:
    """Release or drop what ``hold`` holds, if ``scenario`` says so ``when``."""
    if hold is not None and scenario.held == when:
        await control.release(hold, apply=when != "drop")


async def kill_and_run_again(
    served: EmulatorProcess,
    control: Control,
    scenario: Scenario,
    kind: str,
    target: str,
    store_spec: str,
    count: int,
    aim: str | None,
) -> tuple[str, dict[str, Any]]:
    """Run a new job in a client killed where ``scenario`` says, settle what it left in
    flight, then run the job again to the end: its id and the second run's result."""
    job_id = f"{kind}-{uuid.uuid4().hex[:8]}"
    env = {"CFA_TEST_KILL_AT": scenario.hook} if scenario.hook else {}
    failing, killing = await arm(control, scenario, aim)
    proc = await start_client(served, kind, target, job_id, store_spec, count, **env)
    await kill_first_run(control, proc, failing, killing)
    for when in ("release", "drop"):
        await settle_held(control, killing, scenario, when)
    code, out = await finished(await start_client(served, kind, target, job_id, store_spec, count))
    assert code == 0, out
    await settle_held(control, killing, scenario, "after-rerun")
    return job_id, result_of(out)


async def push_scenario(
    served: EmulatorProcess,
    control: Control,
    cf: ContactflowClient,
    store_spec: str,
    store: TransactionalJobStore,
    scenario: Scenario,
) -> Row:
    async with asyncio.timeout(SCENARIO_LIMIT):  # a hang fails, saying where it waited
        automation = str((await cf.create_automation(name=scenario.name)).uuid)
        job_id, result = await kill_and_run_again(
            served, control, scenario, "push", automation, store_spec, CUSTOMERS, automation
        )
        if scenario.held == "after-rerun":  # the late FIRST opened its source: cleanup's work
            await eventually(lambda: control.open_sources(automation), WAIT)
            await cf.cleanup_jobs(job_store=store, grace=0.0)

        customers = await control.customers(automation)
        record = await store.get(job_id)
        assert record is not None
        return Row(
            store_spec.partition(":")[0],
            scenario.name,
            sum(customers[f"u{i}"] >= 1 for i in range(CUSTOMERS)),
            CUSTOMERS,
            sum(customers.values()) - len(customers),
            await control.open_sources(automation),
            outcome(record, result),
            record.state,
        )


def check(rows: list[Row]) -> None:
    """Every scenario's verdict; the table is printed for the issue's closing note (``-s``)."""
    for row in rows:
        print(
            f"| {row.store} | {row.scenario} | {row.stored:,} / {row.expected:,} "
            f"| {row.duplicates} | {row.open_sources} | {row.outcome} | {row.state} |"
        )
    for row in rows:
        assert (row.stored, row.duplicates, row.open_sources, row.state) == (
            row.expected,
            0,
            0,
            JobState.DONE,
        ), row


@pytest.fixture(params=["sqlite", "redis"])
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        yield f"{server.url}|crash-{uuid.uuid4().hex[:8]}:"


async def test_a_push_killed_anywhere_and_run_again_stores_each_customer_once(
    served: EmulatorProcess, control: Control, store_spec: str
) -> None:
    store = open_store(store_spec)
    async with Session(job_store=store) as session, store:
        cf = ContactflowClient(TOKEN, served.node, served.contactflow_url, session=session)
        async with asyncio.TaskGroup() as group:  # one failure stops the others
            rows = [
                group.create_task(push_scenario(served, control, cf, store_spec, store, s))
                for s in PUSH_SCENARIOS
            ]
    check([row.result() for row in rows])


async def test_an_import_killed_anywhere_and_run_again_stores_each_contact_once(
    served: EmulatorProcess, control: Control, tmp_path: Path
) -> None:
    store_spec = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    rows = []
    async with open_store(store_spec) as store, Session() as session:
        az = AutomizyClient(API_KEY, served.base_url, session=session)
        for scenario in IMPORT_SCENARIOS:
            list_id = (await az.create_list(scenario.name)).id
            job_id, result = await kill_and_run_again(
                served, control, scenario, "import", str(list_id), store_spec, CONTACTS, None
            )
            contacts = await control.contacts(list_id)
            record = await store.get(job_id)
            assert record is not None
            rows.append(
                Row(
                    "sqlite (import_csv)",
                    scenario.name,
                    sum(contacts[f"c{i}@example.com"] >= 1 for i in range(CONTACTS)),
                    CONTACTS,
                    sum(contacts.values()) - len(contacts),
                    0,
                    outcome(record, result),
                    record.state,
                )
            )
    check(rows)


async def test_two_live_runs_of_one_job_one_works_the_other_is_refused(
    served: EmulatorProcess, control: Control, tmp_path: Path
) -> None:
    store_spec = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    async with Session() as session:
        cf = ContactflowClient(TOKEN, served.node, served.contactflow_url, session=session)
        automation = str((await cf.create_automation(name="twice")).uuid)
    hold = await control.hold(**FIRST, routes=automation)
    first = await start_client(served, "push", automation, "twice", store_spec, CUSTOMERS)
    await eventually(lambda: control.held(hold), WAIT)

    second = await start_client(
        served, "push", automation, "twice", store_spec, CUSTOMERS, CFA_TEST_ON_BUSY="fail"
    )
    code, out = await finished(second)
    assert code == 3 and out.startswith("BUSY"), out
    assert await control.release(hold) == 1
    code, out = await finished(first)
    assert code == 0, out
    customers = await control.customers(automation)
    assert sorted(customers) == sorted(f"u{i}" for i in range(CUSTOMERS))
    assert set(customers.values()) == {1}
