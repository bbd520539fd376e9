"""Fault injection over real loopback sockets: nothing lost, nothing duplicated, honest errors.

For each fault kind the emulator can inject, one run mixes reads, writes, a
``push_customers`` of 50,000 customers and an ``import_csv`` of 2,000 rows, all
at once on one session, then compares the emulator's final state with what
was sent.  Every operation must end one of two ways:

* it succeeded, and the emulator holds its effect exactly once;
* it raised, and the error says what may not have been done: a POST answered
  500 (or cut mid-answer, or timed out reading the answer) was *not* retried,
  says ``attempts == 1``, and the emulator holds its effect at most once; a
  failed batch is a :class:`BatchUploadError` that was rolled back (the
  emulator holds none of that source's customers) or says the rollback failed.

When the faults strike decides what is safe (see ``emulator/faults.py``):
429, 503 and ``drop`` strike before the handler acts; 500,
``drop_mid_response`` and a slow body strike after it.
"""

from __future__ import annotations

import asyncio
import csv
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest

from contactflow_automizy import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AutomizyClient,
    BatchUploadError,
    ContactflowClient,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    Session,
)
from contactflow_automizy._transport import Timeout
from contactflow_automizy.emulator import Emulator, Faults
from tests.conftest import NoSleep
from tests.reliability.conftest import SLOW, Chain, FailNth, SlowBodies, count

BATCH = r"/customers/batch$"
CUSTOMERS = 50_000 if not SLOW else 200_000
CSV_ROWS = 2_000
WRITES = 24
#: Faults that strike before the handler acts (the server did nothing).
BEFORE = {"429", "503", "drop"}
#: Faults that strike after it (the server acted; only the answer was lost).
AFTER = {"500", "drop_mid_response", "slow_body"}
KINDS = ["429", "500", "503", "drop", "drop_mid_response", "slow_body"]
#: Read timeout of the runs: a slow body pauses 10x longer than this between pieces.
#: On aiohttp a buffered answer's ``read`` is one timer from the moment the request
#: has a connection; the wait for one of the 16 pooled connections does not count
#: (115 calls queue for them here).
READ_TIMEOUT = 0.25
SLOW_FOR = 10 * 2 * READ_TIMEOUT
RATES = {"429": 0.2, "503": 0.2, "500": 0.1, "drop": 0.08, "drop_mid_response": 0.08}


def make_faults(kind: str, random_seed: int, **aim: Any) -> Faults:
    if kind == "slow_body":
        return SlowBodies(rate_slow=0.06, slow_for=SLOW_FOR, random_seed=random_seed, **aim)
    return Faults(**{f"rate_{kind}": RATES[kind]}, retry_after=0.01, random_seed=random_seed, **aim)


def _session(no_sleep: NoSleep, backend: str, *, max_retries: int = 6) -> Session:
    return Session(
        transport=backend,
        sleep=no_sleep,
        random=lambda: 0.0,
        max_retries=max_retries,
        max_connections=16,
        timeout=Timeout(total=20.0, connect=5.0, read=READ_TIMEOUT),
    )


@attrs.define
class Outcome:
    op: str
    method: str
    key: Any
    value: Any = None
    error: BaseException | None = None


async def _attempt(op: str, method: str, key: Any, coro: Any) -> Outcome:
    try:
        return Outcome(op, method, key, value=await coro)
    except (APIConnectionError, APIStatusError, BatchUploadError) as exc:
        return Outcome(op, method, key, error=exc)


@attrs.define
class World:
    """What exists before the faults are switched on."""

    emu: Emulator
    cf: ContactflowClient
    az: AutomizyClient
    automations: list[str]
    batch_target: str
    list_id: int
    contacts: list[int]
    csv_path: Path


async def _world(emu: Emulator, session: Session, tmp_path: Path) -> World:
    cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
    az = AutomizyClient(emu.api_key, emu.automizy_url, session=session)
    automations = [(await cf.create_automation(name=f"base-{i}")).uuid for i in range(4)]
    target = (await cf.create_automation(name="batch-target")).uuid
    list_id = (await az.create_list("reliability")).id
    assert list_id is not None
    contacts = [await az.create_contact(f"base{i}@example.com", list_id) for i in range(4)]
    path = tmp_path / "contacts.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "firstname", "note"])
        for i in range(CSV_ROWS):
            writer.writerow([f"row{i}@import.example.com", f"Name {i}", f'quoted "{i}", comma'])
    assert all(a is not None for a in automations) and target is not None
    return World(emu, cf, az, automations, target, list_id, contacts, path)  # type: ignore[arg-type]


def _operations(world: World) -> list[tuple[str, str, Any, Any]]:
    """(op, HTTP method, key, coroutine) for every call of the mixed run."""
    cf, az = world.cf, world.az
    ops: list[tuple[str, str, Any, Any]] = []
    for i in range(WRITES):
        ops.append(("create_automation", "POST", f"w-{i}", cf.create_automation(name=f"w-{i}")))
        target = world.automations[i % len(world.automations)]
        ops.append(("add_customer", "POST", f"pk-{i}", cf.add_customer(target, user_pk=f"pk-{i}")))
        email = f"new{i}@example.com"
        ops.append(("create_contact", "POST", email, az.create_contact(email, world.list_id)))
    for i, automation in enumerate(world.automations):
        ops.append(
            (
                "update_automation",
                "PUT",
                automation,
                cf.update_automation(automation, name=f"renamed-{i}"),
            )
        )
    for i, contact in enumerate(world.contacts):
        names = [f"tag-{i}", "shared"]
        ops.append(
            ("update_contact_tags", "POST*", contact, az.update_contact_tags(contact, names))
        )
    for _ in range(3):
        ops.append(("get_node", "GET", world.emu.node_uuid, cf.get_node(world.emu.node_uuid)))
        ops.append(("list_automations", "GET", None, cf.list_automations(page_size=3).to_list()))
        ops.append(("list_fields", "GET", None, az.list_fields(page_size=1).to_list()))
        for contact in world.contacts:
            ops.append(("get_contact", "GET", contact, az.get_contact(contact)))
        for automation in world.automations:
            ops.append(("get_automation", "GET", automation, cf.get_automation(automation)))
    people = ({"userPk": f"c{i}", "attributes": {"n": i}} for i in range(CUSTOMERS))
    ops.append(
        (
            "push_customers",
            "BATCH",
            world.batch_target,
            cf.push_customers(world.batch_target, people, packet_size=1000, concurrency=4),
        )
    )
    ops.append(
        (
            "import_csv",
            "IMPORT",
            world.list_id,
            az.import_csv(world.csv_path, list_ids=[world.list_id], mapping="auto"),
        )
    )
    return ops


def _check_post_error(kind: str, outcome: Outcome, present: int) -> None:
    """A failed non-idempotent POST: not retried after the server may have acted, and honest."""
    error = outcome.error
    assert error is not None
    if kind in BEFORE:
        # The server never acted.  429/503 are retried; a drop is not (the SDK cannot know).
        assert present == 0, f"{outcome.op} {outcome.key}: failed, yet the server holds it"
        if kind == "drop":
            assert isinstance(error, APIConnectionError) and error.request_sent
            assert error.attempts == 1
        else:
            assert isinstance(error, APIStatusError) and error.status == int(kind)
    else:
        # The server acted once; the SDK must not have sent it again.
        assert present == 1, f"{outcome.op} {outcome.key}: held {present} times"
        assert getattr(error, "attempts", 1) == 1, "a POST was retried after the server acted"
        if kind == "500":
            assert isinstance(error, InternalServerError) and error.status == 500
            assert "500" in str(error)
        else:
            assert isinstance(error, APIConnectionError) and error.request_sent
            if kind == "slow_body":
                assert isinstance(error, APITimeoutError)


def _check(kind: str, world: World, outcomes: list[Outcome]) -> dict[str, int]:
    state = world.emu.state
    tally: Counter[str] = Counter()
    names = Counter(a.data.get("name") for a in state.automations.values())
    pks = Counter(
        c.get("userPk")
        for a in state.automations.values()
        for _, c in a.direct.entries()
        if c.get("userPk")
    )
    for outcome in outcomes:
        tally["ok" if outcome.error is None else "failed"] += 1
        if outcome.op == "create_automation":
            present = names[outcome.key]
        elif outcome.op == "add_customer":
            present = pks[outcome.key]
        elif outcome.op == "create_contact":
            present = 1 if state.contact_by_email(outcome.key) else 0
        else:
            present = -1
        if present >= 0:
            assert present <= 1, f"{outcome.op} {outcome.key} duplicated ({present})"
            if outcome.error is None:
                assert present == 1, f"{outcome.op} {outcome.key} succeeded but is not stored"
            else:
                _check_post_error(kind, outcome, present)
        elif outcome.method in ("GET", "PUT", "POST*"):
            _check_idempotent(kind, world, outcome)
        elif outcome.op == "push_customers":
            tally.update(_check_push(world, outcome))
        elif outcome.op == "import_csv":
            tally.update(_check_import(world, outcome))
    if kind in ("429", "503"):
        assert tally["failed"] == 0, [o for o in outcomes if o.error is not None]
    return dict(tally)


def _check_idempotent(kind: str, world: World, outcome: Outcome) -> None:
    state = world.emu.state
    if outcome.error is not None:
        # Retried on every kind but a broken or slow *body* (see test_idempotent_calls_survive).
        assert kind in ("drop_mid_response", "slow_body"), f"{outcome.op}: {outcome.error!r}"
        assert isinstance(outcome.error, APIConnectionError) and outcome.error.request_sent
        return
    if outcome.op == "update_automation":
        assert state.automations[outcome.key].data["name"].startswith("renamed-")
    elif outcome.op == "update_contact_tags":
        tags = {state.tags[t].name for t in state.contacts[outcome.key].tags}
        assert "shared" in tags and len(tags) == 2
    elif outcome.op == "get_contact":
        assert outcome.value.id == outcome.key
    elif outcome.op == "get_automation" or outcome.op == "get_node":
        assert outcome.value.uuid == outcome.key
    elif outcome.op == "list_automations":
        got = [a.uuid for a in outcome.value]
        assert len(got) == len(set(got)), "a page was repeated"
        assert set(world.automations) <= set(got)
    elif outcome.op == "list_fields":
        assert {f.merge_tag for f in outcome.value} >= {"firstname", "lastname"}


def _check_push(world: World, outcome: Outcome) -> Counter[str]:
    state = world.emu.state
    automation = state.automations[world.batch_target]
    if outcome.error is None:
        result = outcome.value
        source = state.sources[result.source_uuid]
        assert (source.status, source.count, result.customers) == ("CLOSED", CUSTOMERS, CUSTOMERS)
        stored = Counter(c["userPk"] for _, c in source.entries())
        assert len(stored) == CUSTOMERS and max(stored.values()) == 1, "customers duplicated"
        assert stored.keys() == {f"c{i}" for i in range(CUSTOMERS)}, "customers lost"
        return Counter(
            customers_sent=CUSTOMERS,
            customers_confirmed=result.customers,
            customers_stored=source.count,
            push_ok=1,
        )
    error = outcome.error
    assert isinstance(error, BatchUploadError), repr(error)
    assert error.source_uuid in str(error) and f"after {error.customers_sent} customers" in str(
        error
    )
    if error.rolled_back:
        assert "rolled back" in str(error)
        assert error.source_uuid not in state.sources
        assert error.source_uuid not in automation.sources
        assert automation.customer_count == 0, "a rolled-back batch left customers behind"
        return Counter(
            push_rolled_back=1,
            customers_sent=CUSTOMERS,
            customers_confirmed=error.customers_sent,
            customers_stored=0,
        )
    if error.rolled_back is None:
        # The FIRST got no answer (a drop) and the rollback found no source: the
        # server never opened it (the emulator applies no packet late unless told to).
        assert error.rollback_error is None and error.packets_sent == 0
        assert error.source_uuid not in state.sources
        assert automation.customer_count == 0
        return Counter(
            push_outcome_unknown=1,
            customers_sent=CUSTOMERS,
            customers_confirmed=0,
            customers_stored=0,
        )
    # The rollback itself failed: the error says so, and which source is left over.
    assert error.rollback_error is not None and "rollback failed" in str(error)
    left = state.sources.get(error.source_uuid)
    stored = 0 if left is None else left.count
    return Counter(
        push_rollback_failed=1,
        customers_sent=CUSTOMERS,
        customers_confirmed=error.customers_sent,
        customers_stored=stored,
    )


def _check_import(world: World, outcome: Outcome) -> Counter[str]:
    state = world.emu.state
    emails = [f"row{i}@import.example.com" for i in range(CSV_ROWS)]
    imported = [e for e in emails if state.contact_by_email(e) is not None]
    processed = [i for i in state.imports.values() if i.result is not None]
    assert len(processed) <= 1, "an import was processed twice"
    if outcome.error is None:
        result = outcome.value
        assert state.imports[result.import_id].result == {
            "created": CSV_ROWS,
            "updated": 0,
            "skipped": 0,
        }
        assert len(imported) == CSV_ROWS
        members = state.lists[world.list_id].members
        assert all(state.emails[e] in members for e in emails)
        first = state.contact_by_email(emails[7])
        assert first is not None and "Name 7" in first.fields.values()
        return Counter(rows_sent=CSV_ROWS, rows_stored=len(imported), import_ok=1)
    # Failed: all rows or none were imported (processing is one request), never half.
    assert len(imported) in (0, CSV_ROWS)
    assert len(imported) == CSV_ROWS * len(processed)
    return Counter(rows_sent=CSV_ROWS, rows_stored=len(imported), import_failed=1)


SEEDS = [11, 12, 13] if not SLOW else list(range(11, 31))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
async def test_mixed_run_under_faults(
    kind: str, seed: int, tmp_path: Path, no_sleep: NoSleep, backend: str
) -> None:
    async with Emulator(random_seed=seed) as emu, _session(no_sleep, backend) as session:
        world = await _world(emu, session, tmp_path)
        faults = emu.faults = make_faults(kind, random_seed=seed)
        ops = _operations(world)
        async with asyncio.timeout(60):
            outcomes = await asyncio.gather(
                *(_attempt(op, method, key, coro) for op, method, key, coro in ops)
            )
        emu.faults = Faults()
    tally = _check(kind, world, list(outcomes))
    injected = faults.slowed if isinstance(faults, SlowBodies) else emu.state.faults[kind]
    assert injected > 0, "no fault was injected"
    if kind == "429":
        assert no_sleep.delays and set(no_sleep.delays) == {0.01}, "Retry-After not honoured"
    for name, value in {
        **tally,
        "injected": injected,
        "retries": session.stats.retries,
        "calls": len(ops),
        "runs": 1,
    }.items():
        count(f"faults[{kind}]", name, value)


# -- idempotent calls ------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [k for k in KINDS],
)
async def test_idempotent_calls_survive_every_fault(
    kind: str, tmp_path: Path, no_sleep: NoSleep, backend: str
) -> None:
    """GET/PUT/DELETE are retried on every fault kind and all end well (SPEC section 2)."""
    async with (
        Emulator(random_seed=5) as emu,
        _session(no_sleep, backend, max_retries=10) as session,
    ):
        world = await _world(emu, session, tmp_path)
        faults = make_faults(kind, random_seed=5, methods={"GET", "PUT", "DELETE"})
        if isinstance(faults, SlowBodies):
            faults.rate_slow = 0.3
        else:
            setattr(faults, f"rate_{kind}", 0.3)
        emu.faults = faults
        cf, az = world.cf, world.az
        calls = []
        for i, automation in enumerate(world.automations):
            calls.append(cf.get_automation(automation))
            calls.append(cf.update_automation(automation, name=f"again-{i}"))
        calls += [az.get_contact(c) for c in world.contacts]
        calls += [cf.list_automations(page_size=2).to_list() for _ in range(4)]
        async with asyncio.timeout(30):
            results = await asyncio.gather(*calls, return_exceptions=True)
            deletes = await asyncio.gather(
                *(az.delete_contact(c) for c in world.contacts), return_exceptions=True
            )
        emu.faults = Faults()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    for outcome in deletes:
        # A DELETE whose answer was lost after it acted is retried, and the retry finds
        # nothing: a 404 that says "after N attempts".  The state is right either way.
        if isinstance(outcome, NotFoundError):
            assert outcome.attempts > 1 and kind in AFTER
        else:
            assert outcome is None, outcome
    assert all(a.data["name"].startswith("again-") for a in _automations(emu, world))
    assert not set(world.contacts) & emu.state.contacts.keys()


def _automations(emu: Emulator, world: World) -> list[Any]:
    return [emu.state.automations[a] for a in world.automations]


# -- one POST, one fault: never retried after the server acted, and said so ------


@pytest.mark.parametrize("kind", ["500", "drop_mid_response", "slow_body", "drop", "429", "503"])
async def test_a_post_is_retried_only_when_the_server_did_not_act(
    kind: str, emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    async with _session(no_sleep, backend) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        automation = (await cf.create_automation(name="target")).uuid
        assert automation is not None
        emu.faults = FailNth(nth=1, kind=kind, slow_for=SLOW_FOR, retry_after=0.01)
        outcome = await _attempt(
            "add_customer", "POST", "p", cf.add_customer(automation, user_pk="p")
        )
        emu.faults = Faults()
    stored = emu.state.automations[automation].customer_count
    if kind in ("429", "503"):
        # Before the handler, and the status proves it: retried once, stored once.
        assert outcome.error is None and session.stats.retries == 1 and stored == 1
        return
    assert outcome.error is not None and getattr(outcome.error, "attempts", 0) == 1
    assert session.stats.retries == 0
    _check_post_error(kind, outcome, stored)
    count("abuse", "post_fault_cases", 1)


# -- the rollback path of customer batches ---------------------------------------


async def _target(cf: ContactflowClient) -> str:
    uuid_ = (await cf.create_automation(name="batch")).uuid
    assert uuid_ is not None
    return uuid_


def _people(n: int) -> list[dict[str, Any]]:
    return [{"userPk": f"r{i}"} for i in range(n)]


@pytest.mark.parametrize("kind", ["500", "drop", "drop_mid_response", "slow_body"])
@pytest.mark.parametrize("nth", [1, 5])
async def test_a_failed_packet_is_rolled_back(
    kind: str, nth: int, emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    """Packet ``nth`` (1 = FIRST, 5 = a MIDDLE) fails: nothing of the source is left."""
    async with _session(no_sleep, backend) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        automation = await _target(cf)
        emu.faults = FailNth(nth=nth, kind=kind, slow_for=SLOW_FOR, routes=BATCH, methods={"POST"})
        with pytest.raises(BatchUploadError) as info:
            await cf.push_customers(automation, _people(20_000), packet_size=1000, concurrency=4)
        emu.faults = Faults()
    error = info.value
    if (kind, nth) == ("drop", 1):
        assert error.rolled_back is None and "outcome unknown" in str(error)
    else:
        assert error.rolled_back is True and "rolled back" in str(error)
    assert error.rollback_error is None and error.source_uuid in str(error)
    assert error.source_uuid not in emu.state.sources
    assert emu.state.automations[automation].customer_count == 0
    assert error.failed_packet is not None and error.customers_sent < 20_000
    cause = error.__cause__
    assert isinstance(cause, InternalServerError if kind == "500" else APIConnectionError)
    if kind == "slow_body":
        assert isinstance(cause, APITimeoutError)
    count("rollback", f"rolled_back[{kind}]", 1)


@pytest.mark.parametrize("kind", ["429", "503"])
async def test_a_packet_refused_until_retries_run_out_is_rolled_back(
    kind: str, emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    async with _session(no_sleep, backend, max_retries=2) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        automation = await _target(cf)
        emu.faults = Faults(
            **{f"rate_{kind}": 1.0}, retry_after=0.01, routes=BATCH, methods={"POST"}
        )
        with pytest.raises(BatchUploadError) as info:
            await cf.push_customers(automation, _people(3_000), packet_size=1000)
        emu.faults = Faults()
    error = info.value
    assert error.rolled_back and error.customers_sent == 0 and error.failed_packet == 1
    cause = error.__cause__
    assert isinstance(cause, RateLimitError if kind == "429" else InternalServerError)
    assert cause.attempts == 3 and "after 3 attempts" in str(error)
    assert not emu.state.sources and emu.state.automations[automation].customer_count == 0


async def test_a_failed_rollback_says_so_and_names_the_source(
    emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    async with _session(no_sleep, backend, max_retries=2) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        automation = await _target(cf)
        emu.faults = Chain(
            parts=[
                FailNth(nth=3, kind="500", routes=BATCH, methods={"POST"}),
                Faults(rate_503=1.0, routes=BATCH, methods={"DELETE"}),
            ]
        )
        with pytest.raises(BatchUploadError) as info:
            await cf.push_customers(automation, _people(10_000), packet_size=1000, concurrency=1)
        emu.faults = Faults()
        error = info.value
        assert not error.rolled_back
        assert isinstance(error.rollback_error, InternalServerError)
        assert error.rollback_error.status == 503 and error.rollback_error.attempts == 3
        assert "rollback failed" in str(error) and error.source_uuid in str(error)
        left = emu.state.sources[error.source_uuid]
        # concurrency=1: packets 1-2 confirmed, packet 3 stored by the server (it acted).
        assert (error.customers_sent, error.failed_packet) == (2000, 3)
        assert (left.status, left.count) == ("OPEN", 3000)
        # What the error names is enough to finish the job by hand.
        await cf.delete_customer_batch(automation, error.source_uuid)
    assert error.source_uuid not in emu.state.sources
    assert emu.state.automations[automation].customer_count == 0


@pytest.mark.parametrize(
    "kind",
    [
        "500",
        "drop_mid_response",
        "drop",
    ],
)
async def test_a_failed_last_packet_is_reported_as_the_server_holds_it(
    kind: str, emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    """Whatever happens to the LAST packet, the outcome must match the server's state."""
    async with _session(no_sleep, backend) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        automation = await _target(cf)
        emu.faults = FailNth(nth=10, kind=kind, routes=BATCH, methods={"POST"})
        try:
            result = await cf.push_customers(automation, _people(10_000), packet_size=1000)
        except BatchUploadError as exc:
            error: BatchUploadError | None = exc
        else:
            error = None
        emu.faults = Faults()
    held = sum(s.count for s in emu.state.automations[automation].sources.values())
    if kind in ("500", "drop_mid_response"):
        # LAST was stored before its answer was lost: the closed source proves it.
        assert error is None, str(error)
    if error is None:
        assert result.customers == held == 10_000
    elif error.rolled_back:
        assert held == 0
    else:
        # Not rolled back: the error must at least count what the server holds.
        assert error.customers_sent == held, (error.customers_sent, held, str(error))


@pytest.mark.parametrize("earlier", ["open", "closed"])
async def test_a_push_never_deletes_a_source_it_did_not_open(
    earlier: str, emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    """A re-run under the same source uuid (a crashed attempt's open source, or a
    completed one) is refused by FIRST's 409 and leaves the earlier batch as it is."""
    async with _session(no_sleep, backend) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        automation = await _target(cf)
        source = "0d4cbb0e-4f0c-4f57-9d55-8a4c9b0f1c2e"
        await cf.add_customer_batch(automation, _people(300), "FIRST", source)
        if earlier == "closed":
            await cf.add_customer_batch(automation, [], "LAST", source)
        with pytest.raises(BatchUploadError) as info:
            await cf.push_customers(automation, _people(3_000), source_uuid=source)
    error = info.value
    assert error.rolled_back is False and error.rollback_error is None
    assert "already exists" in str(error) and error.customers_sent == 0
    held = emu.state.sources[source]
    assert (held.status, held.count) == (earlier.upper(), 300)
    assert emu.state.automations[automation].customer_count == 300


# -- import_csv ------------------------------------------------------------------

ANALYZE = r"/import-service/analyze$"


async def test_import_upload_is_resent_whole_after_503(
    emu: Emulator, tmp_path: Path, no_sleep: NoSleep, backend: str
) -> None:
    path = tmp_path / "c.csv"
    lines = ["email,firstname"] + [f"u{i}@example.com,N{i}" for i in range(5_000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    async with _session(no_sleep, backend, max_retries=20) as session:
        az = AutomizyClient(emu.api_key, emu.automizy_url, session=session)
        list_id = (await az.create_list("l")).id
        assert list_id is not None
        emu.faults = Faults(rate_503=0.6, routes=ANALYZE, random_seed=4)
        result = await az.import_csv(path, list_ids=[list_id])
        emu.faults = Faults()
    assert emu.state.faults["503"] > 0 and session.stats.retries == emu.state.faults["503"]
    (record_,) = emu.state.imports.values()  # 503 strikes before: one upload stored
    assert record_.data == path.read_bytes(), "a re-sent upload was truncated or doubled"
    assert record_.result == {"created": 5_000, "updated": 0, "skipped": 0}
    assert result.bytes_uploaded == path.stat().st_size


async def test_import_upload_answered_500_is_not_resent(
    emu: Emulator, tmp_path: Path, no_sleep: NoSleep, backend: str
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("email\na@example.com\n", encoding="utf-8")
    async with _session(no_sleep, backend) as session:
        az = AutomizyClient(emu.api_key, emu.automizy_url, session=session)
        list_id = (await az.create_list("l")).id
        assert list_id is not None
        emu.faults = FailNth(nth=1, kind="500", routes=ANALYZE)
        with pytest.raises(InternalServerError) as info:
            await az.import_csv(path, list_ids=[list_id])
        emu.faults = Faults()
    assert info.value.attempts == 1 and info.value.method == "POST"
    (record_,) = emu.state.imports.values()
    assert record_.result is None and not emu.state.contacts  # uploaded, never processed


async def test_a_pipe_is_uploaded_once_even_when_503_would_allow_a_retry(
    emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    import os

    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"email\na@example.com\n")
    os.close(write_fd)
    async with _session(no_sleep, backend) as session:
        az = AutomizyClient(emu.api_key, emu.automizy_url, session=session)
        list_id = (await az.create_list("l")).id
        assert list_id is not None
        emu.faults = FailNth(nth=1, kind="503", routes=ANALYZE)
        pipe = os.fdopen(read_fd, "rb", buffering=0)
        try:
            with pytest.raises(InternalServerError) as info:
                await az.import_csv(pipe, list_ids=[list_id])
        finally:
            pipe.close()
        emu.faults = Faults()
    assert info.value.status == 503 and info.value.attempts == 1
    assert not emu.state.imports


# -- the emulator itself ---------------------------------------------------------


async def test_a_client_leaving_a_slow_body_is_not_an_emulator_error(
    emu: Emulator, no_sleep: NoSleep, caplog: pytest.LogCaptureFixture, backend: str
) -> None:
    """Fixed: the emulator logged a traceback each time a client gave up on a slow body."""
    emu.faults = Faults(slow_body=0.4, routes=r"/nodes/")
    caplog.set_level("DEBUG")
    async with Session(
        transport=backend, sleep=no_sleep, max_retries=0, timeout=Timeout(read=0.02)
    ) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        with pytest.raises(APITimeoutError):
            await cf.get_node(emu.node_uuid)
    await asyncio.sleep(0.1)  # the emulator writes its next piece to a closed socket
    await emu.close()
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
