"""Faults: parsing, validation, determinism, and *when* they strike relative to the handler."""

from __future__ import annotations

import re
import uuid

import aiohttp
import pytest

from contactflow_automizy import (
    APIConnectionError,
    BatchUploadError,
    ContactflowClient,
    InternalServerError,
    RateLimitError,
    Session,
)
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator import Emulator, Faults
from contactflow_automizy.emulator.faults import apply
from contactflow_automizy.emulator.wire import Fault, Reply
from tests.conftest import BACKENDS, NoSleep
from tests.emulator._helpers import call

BATCH_PATH = r"/customers/batch$"


def test_parse_and_validate() -> None:
    faults = Faults.parse("rate_429=0.1, latency=0.02,random_seed=5,routes=/customers/batch$")
    assert (faults.rate_429, faults.latency, faults.random_seed) == (0.1, 0.02, 5)
    assert faults.routes == re.compile("/customers/batch$")
    assert Faults.parse("") == Faults()
    with pytest.raises(ValueError, match="unknown fault"):
        Faults.parse("rate_404=0.5")
    with pytest.raises(ValueError, match="more than 1"):
        Faults(rate_429=0.6, rate_503=0.6)
    with pytest.raises(ValueError):
        Faults(latency=-1)
    faults = Faults(rate_500=0.5)
    with pytest.raises(ValueError, match="more than 1"):
        faults.rate_drop = 0.7  # validated on assignment too
    faults.rate_drop = 0.5
    assert Faults(routes=["/a$", "/b$"]).routes == re.compile("(?:/a$)|(?:/b$)")


def test_seed_is_a_deprecated_alias_of_random_seed() -> None:
    """The README and ``--seed`` once said ``seed``: old code keeps working, with a warning."""
    with pytest.warns(DeprecationWarning, match="random_seed"):
        old = Faults(rate_429=0.5, seed=9)
    assert old.random_seed == 9
    assert _draws(old, 20) == _draws(Faults(rate_429=0.5, random_seed=9), 20)
    with pytest.warns(DeprecationWarning):
        assert Faults.parse("rate_429=1,seed=4").random_seed == 4
    assert Faults.parse("rate_429=1", random_seed=6).random_seed == 6
    with pytest.warns(DeprecationWarning):
        old.seed = 2
    assert old.random_seed == 2


def _draws(faults: Faults, n: int) -> list[object]:
    return [faults.decide("GET", "/x") for _ in range(n)]


def test_decisions_are_deterministic_per_seed() -> None:
    def kinds(seed: int) -> list[str | None]:
        faults = Faults(rate_429=0.2, rate_503=0.2, rate_500=0.2, rate_drop=0.1, random_seed=seed)
        return [d.kind if (d := faults.decide("GET", "/x")) else None for _ in range(200)]

    assert kinds(1) == kinds(1)
    assert kinds(1) != kinds(2)
    assert {"429", "503", "500", "drop", None} == set(kinds(1))
    faults = Faults(rate_429=1.0, random_seed=3)
    first = [faults.decide("GET", "/x") for _ in range(5)]
    faults.random_seed = 3  # reseeding restarts the sequence
    assert [faults.decide("GET", "/x") for _ in range(5)] == first
    limited = Faults(rate_429=1.0, routes=BATCH_PATH)
    assert limited.decide("POST", "/contactflow/automations") is None
    assert limited.decide("POST", "/contactflow/automations/x/customers/batch") is not None
    assert Faults().decide("GET", "/x") is None
    posts = Faults.parse("rate_503=1,methods=post|put")
    assert posts.methods == {"POST", "PUT"}
    assert posts.decide("DELETE", "/x") is None and posts.decide("PUT", "/x") is not None


@pytest.mark.parametrize(
    ("kind", "acted"),
    [("429", False), ("503", False), ("drop", False), ("500", True), ("drop_mid_response", True)],
)
async def test_faults_strike_before_or_after_the_handler(kind: str, acted: bool) -> None:
    ran: list[bool] = []

    def handler() -> Reply:
        ran.append(True)
        return Reply(201, b"{}")

    faults = Faults.parse(f"rate_{kind}=1")
    decision = faults.decide("GET", "/x")
    assert decision is not None and decision.kind == kind
    reply = await apply(decision, handler)
    assert bool(ran) is acted
    expected = {"429": 429, "503": 503, "500": 500}
    if kind in expected:
        assert reply.status == expected[kind]
    if kind == "429":
        assert reply.headers["Retry-After"] == "1"
    if kind.startswith("drop"):
        assert reply.fault is Fault(kind)


def _client(emu: Emulator, session: Session) -> ContactflowClient:
    return ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)


async def test_every_call_answers_429_with_retry_after(
    emu: Emulator, http: aiohttp.ClientSession, no_sleep: NoSleep, backend: str
) -> None:
    emu.faults = Faults(rate_429=1.0, retry_after=2.5)
    for _ in range(3):
        async with http.get(f"{emu.contactflow_url}/user") as response:
            assert (response.status, response.headers["Retry-After"]) == (429, "2.5")
    async with Session(transport=backend, sleep=no_sleep) as session:
        with pytest.raises(RateLimitError) as info:
            await _client(emu, session).get_node(emu.node_uuid)
    assert (info.value.retry_after, info.value.attempts) == (2.5, 4)
    assert no_sleep.delays == [2.5, 2.5, 2.5]
    assert emu.state.faults["429"] == 7 and not emu.state.requests


@pytest.mark.parametrize("wire", [*BACKENDS, "in-process"])
async def test_retries_survive_503_and_nothing_is_lost(wire: str, no_sleep: NoSleep) -> None:
    async with Emulator(faults=Faults(rate_503=0.3, random_seed=11)) as emu:
        transport = emu.transport() if wire == "in-process" else wire
        async with Session(transport=transport, sleep=no_sleep, max_retries=10) as session:
            cf = _client(emu, session)
            automation = (await call(cf, routes.CREATE_AUTOMATION, json={"name": "A"}))["uuid"]
            source = str(uuid.uuid4())
            packets = ["FIRST", *["MIDDLE"] * 18, "LAST"]
            for number, packet in enumerate(packets):
                customers = [{"userPk": f"{number}-{i}"} for i in range(50)]
                await cf.add_customer_batch(automation, customers, packet, source)
            for i in range(20):
                await cf.add_customer(automation, user_pk=f"single-{i}")
    assert emu.state.faults["503"] > 10  # the faults really happened...
    assert len(emu.state.automations) == 1  # ...and nothing was duplicated or lost
    batch = emu.state.sources[source]
    assert (batch.status, batch.count, batch.packets) == ("CLOSED", 1000, 20)
    assert emu.state.automations[automation].customer_count == 1020
    assert no_sleep.delays and len(no_sleep.delays) == emu.state.faults["503"]


async def test_same_seed_same_faults(no_sleep: NoSleep, backend: str) -> None:
    async def run(seed: int) -> list[str]:
        outcomes = []
        faults = Faults(rate_429=0.3, rate_500=0.3, random_seed=seed)
        async with (
            Emulator(faults=faults) as emu,
            Session(transport=backend, sleep=no_sleep, max_retries=0) as s,
        ):
            cf = _client(emu, s)
            for _ in range(30):
                try:
                    await cf.get_node(emu.node_uuid)
                    outcomes.append("ok")
                except (RateLimitError, InternalServerError) as exc:
                    outcomes.append(str(exc.status))
        return outcomes

    first = await run(4)
    assert first == await run(4)
    assert first != await run(5)
    assert {"ok", "429", "500"} == set(first)


async def test_500_and_drops_after_or_before_the_state_change(
    emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    async with Session(transport=backend, sleep=no_sleep) as session:
        cf = _client(emu, session)
        # 500 strikes after the handler: the POST is not retried, yet the automation exists.
        emu.faults.rate_500 = 1.0
        with pytest.raises(InternalServerError) as err:
            await call(cf, routes.CREATE_AUTOMATION, json={"name": "made"})
        assert err.value.attempts == 1
        assert [a.data["name"] for a in emu.state.automations.values()] == ["made"]
        # A GET is retried on 500 (it is idempotent) until retries run out.
        with pytest.raises(InternalServerError) as err:
            await cf.get_node(emu.node_uuid)
        assert err.value.attempts == 4
        # A dropped connection strikes before: the server did not act, the client cannot know.
        emu.faults = Faults(rate_drop=1.0)
        with pytest.raises(APIConnectionError) as dropped:
            await call(cf, routes.CREATE_AUTOMATION, json={"name": "never"})
        assert dropped.value.request_sent and dropped.value.attempts == 1
        assert len(emu.state.automations) == 1
        # Half an answer, then the connection breaks: the server acted.
        emu.faults = Faults(rate_drop_mid_response=1.0)
        with pytest.raises(APIConnectionError):
            await call(cf, routes.CREATE_AUTOMATION, json={"name": "half"})
        assert len(emu.state.automations) == 2
        emu.faults = Faults()
        assert (await cf.get_node(emu.node_uuid)).uuid == emu.node_uuid


async def test_faults_limited_to_routes(emu: Emulator, no_sleep: NoSleep, backend: str) -> None:
    emu.faults = Faults(rate_429=1.0, routes=BATCH_PATH)
    async with Session(transport=backend, sleep=no_sleep, max_retries=1) as session:
        cf = _client(emu, session)
        automation = (await call(cf, routes.CREATE_AUTOMATION, json={"name": "A"}))["uuid"]
        with pytest.raises(RateLimitError):
            await cf.add_customer_batch(automation, [], "FIRST", str(uuid.uuid4()))
    assert emu.state.faults == {"429": 2}


async def test_latency_and_slow_bodies(emu: Emulator, http: aiohttp.ClientSession) -> None:
    emu.faults = Faults(latency=0.05, slow_body=0.05)
    headers = {"Authorization": f"Bearer {emu.token}", "Node": emu.node_uuid}
    async with http.get(f"{emu.contactflow_url}/definitions/customers", headers=headers) as resp:
        assert resp.status == 200
        assert "attributes" in await resp.json()
    async with http.get(f"{emu.contactflow_url}/automations/reports", headers=headers) as resp:
        assert (await resp.text()).startswith("uuid,name")


@pytest.mark.parametrize("wire", [*BACKENDS, "in-process"])
async def test_push_customers_survives_503(wire: str, no_sleep: NoSleep) -> None:
    faults = Faults(rate_503=0.3, routes=BATCH_PATH, random_seed=2)
    async with Emulator(faults=faults) as emu:
        transport = emu.transport() if wire == "in-process" else wire
        async with Session(transport=transport, sleep=no_sleep, max_retries=10) as session:
            cf = _client(emu, session)
            automation = (await call(cf, routes.CREATE_AUTOMATION, json={"name": "A"}))["uuid"]
            people = ({"userPk": f"u{i}"} for i in range(10_000))
            result = await cf.push_customers(automation, people, packet_size=500, concurrency=4)
    batch = emu.state.sources[result.source_uuid]
    assert (batch.status, batch.count, batch.packets) == ("CLOSED", 10_000, 20)
    assert emu.state.faults["503"] > 0
    tokens = [t for _, t in batch.entries()]
    assert sorted(int(t["userPk"][1:]) for t in tokens) == list(range(10_000))


async def test_push_customers_rolls_back_after_a_500(
    emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    # The FIRST packet is stored, then answered 500: POST is not retried, the SDK
    # deletes the open source (the DELETE is not faulted) and reports it.
    emu.faults = Faults(rate_500=1.0, routes=BATCH_PATH, methods={"POST"})
    async with Session(transport=backend, sleep=no_sleep) as session:
        cf = _client(emu, session)
        automation = (await call(cf, routes.CREATE_AUTOMATION, json={"name": "A"}))["uuid"]
        with pytest.raises(BatchUploadError) as info:
            await cf.push_customers(automation, [{"userPk": "a"}, {"userPk": "b"}])
    assert info.value.rolled_back
    assert emu.state.faults["500"] == 1 and not emu.state.sources
    assert emu.state.automations[automation].customer_count == 0
