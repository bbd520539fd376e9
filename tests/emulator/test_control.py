"""Control endpoints: tests in another process arm holds, see them, release them, read state."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from contactflow_automizy.automizy import routes as az_routes
from contactflow_automizy.emulator import Emulator
from tests.emulator._helpers import eventually
from tests.services.emulator_process import run_emulator

TIMEOUT = 20


async def _json(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    async with http.request(method, url, **kwargs) as response:
        return response.status, await response.json()


async def test_control_needs_a_credential_and_lives_outside_both_apis(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    held = f"{emu.base_url}/_emulator/held"
    assert (await _json(http, "GET", held))[0] == 401
    assert (await _json(http, "GET", held, headers={"Api-key": "wrong"}))[0] == 401
    assert await _json(http, "GET", held, headers={"Api-key": emu.api_key}) == (200, {"held": []})
    bearer = {"Authorization": f"Bearer {emu.token}"}
    assert await _json(http, "GET", held, headers=bearer) == (200, {"held": []})

    status, body = await _json(http, "GET", f"{emu.contactflow_url}/_emulator/held", headers=bearer)
    assert status == 404 and set(body) == {"message", "logref", "errors"}
    for prefix in (az_routes.CONTACT_MANAGER, az_routes.IMPORT_SERVICE):
        url = f"{emu.automizy_url}{prefix}/_emulator/held"
        status, body = await _json(http, "GET", url, headers={"Api-key": emu.api_key})
        assert status == 404 and "held" not in body
    assert emu.state.requests.total() == 0  # control calls are not API requests


async def test_holds_armed_seen_and_released_over_http(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    key = {"Api-key": emu.api_key}
    base = f"{emu.base_url}/_emulator"
    status, armed = await _json(
        http, "POST", f"{base}/holds", headers=key, json={"route": "CREATE_LIST", "count": 2}
    )
    assert status == 200
    lists = emu.automizy_url + az_routes.CONTACT_MANAGER + "/list"
    creating = [
        asyncio.create_task(_json(http, "POST", lists, headers=key, json={"name": f"L{i}"}))
        for i in range(3)
    ]

    async def two_held() -> list[dict[str, Any]] | None:
        held: list[dict[str, Any]] = (await _json(http, "GET", f"{base}/held", headers=key))[1][
            "held"
        ]
        return held if len(held) == 2 else None

    held = await eventually(two_held)
    assert {(h["hold"], h["method"], h["path"]) for h in held} == {
        (armed["id"], "POST", az_routes.CONTACT_MANAGER + "/list")
    }
    assert len(emu.state.lists) == 1  # the third went through
    one = {"id": held[0]["id"]}
    assert await _json(http, "POST", f"{base}/release", headers=key, json=one) == (
        200,
        {"released": 1},
    )
    drop = {"hold": armed["id"], "apply": False}
    assert (await _json(http, "POST", f"{base}/release", headers=key, json=drop))[1] == {
        "released": 1
    }
    answers = await asyncio.gather(*creating, return_exceptions=True)
    assert sorted(a[0] for a in answers if isinstance(a, tuple)) == [200, 200]
    [lost] = [a for a in answers if isinstance(a, BaseException)]
    assert isinstance(lost, aiohttp.ServerDisconnectedError)  # dropped: no answer at all
    assert len(emu.state.lists) == 2


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"route": "NO_SUCH_ROUTE"}, "no SDK route"),
        ({"routes": "("}, "bad hold setting"),
        ({"count": -1}, "count"),
        ({"packet": "FIRST", "colour": "red"}, "colour"),
    ],
)
async def test_bad_hold_settings_are_refused(
    emu: Emulator, http: aiohttp.ClientSession, body: dict[str, Any], problem: str
) -> None:
    status, answer = await _json(
        http, "POST", f"{emu.base_url}/_emulator/holds", headers={"Api-key": emu.api_key}, json=body
    )
    assert status == 400 and problem in answer["message"]


async def test_sources_customers_and_contacts_read_from_outside(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    bearer = {"Authorization": f"Bearer {emu.token}", "Node": emu.node_uuid}
    cf = emu.contactflow_url
    _, automation = await _json(
        http, "POST", f"{cf}/automations", headers=bearer, json={"name": "a"}
    )
    batch = f"{cf}/automations/{automation['uuid']}/customers/batch"
    done, open_ = str(uuid.uuid4()), str(uuid.uuid4())
    for packet, source, pk in (("FIRST", done, "a"), ("LAST", done, "b"), ("FIRST", open_, "c")):
        body = {"packet": packet, "sourceUuid": source, "customers": [{"userPk": pk}]}
        assert (await _json(http, "POST", batch, headers=bearer, json=body))[0] == 200

    key = {"Api-key": emu.api_key}
    base = f"{emu.base_url}/_emulator"
    query = {"automation": automation["uuid"]}
    status, sources = await _json(http, "GET", f"{base}/sources", headers=key, params=query)
    assert status == 200
    assert [(s["sourceUuid"], s["state"], s["customers"]) for s in sources["sources"]] == [
        (done, "closed", 2),
        (open_, "open", 1),
    ]
    _, customers = await _json(http, "GET", f"{base}/customers", headers=key, params=query)
    assert [c["userPk"] for c in customers["customers"]] == ["a", "b", "c"]
    missing = {"automation": str(uuid.uuid4())}
    assert (await _json(http, "GET", f"{base}/sources", headers=key, params=missing))[0] == 404

    cm = emu.automizy_url + az_routes.CONTACT_MANAGER
    _, made = await _json(http, "POST", f"{cm}/list", headers=key, json={"name": "L"})
    body = {"emailAddress": "ann@example.com", "listId": made["id"]}
    await _json(http, "POST", f"{cm}/contact", headers=key, json=body)
    status, contacts = await _json(
        http, "GET", f"{base}/contacts", headers=key, params={"list": str(made["id"])}
    )
    assert status == 200
    assert [c["emailAddress"] for c in contacts["contacts"]] == ["ann@example.com"]
    assert (await _json(http, "GET", f"{base}/contacts", headers=key, params={"list": "99"}))[
        0
    ] == 404


# -- the emulator in its own process, a client killed while its request is held --------------

CLIENT = textwrap.dedent(
    """
    import asyncio, sys
    from contactflow_automizy import ContactflowClient

    async def main(base, token, node, automation, source):
        async with ContactflowClient(token, node, base) as cf:
            customers = [{"userPk": f"u{i}"} for i in range(50)]
            await cf.add_customer_batch(automation, customers, "FIRST", source)
            print("answered", flush=True)

    asyncio.run(main(*sys.argv[1:]))
    """
)


@pytest.fixture
def served() -> Iterator[tuple[str, str, str]]:
    """``(base URL, token, node)`` of an emulator run by the CLI in its own process."""
    with run_emulator(token="crash-token", api_key="crash-key") as emu:
        yield emu.base_url, emu.token, emu.node


async def test_a_killed_clients_held_first_is_applied_when_released(
    served: tuple[str, str, str], http: aiohttp.ClientSession
) -> None:
    """The crash-test pattern: hold a packet, see it held from outside, kill -9 the
    client, then decide its fate; the server acts on a request it had received."""
    base, token, node = served
    auth = {"Authorization": f"Bearer {token}"}
    control = f"{base}/_emulator"
    cf = f"{base}/contactflow"
    _, automation = await _json(
        http, "POST", f"{cf}/automations", headers={**auth, "Node": node}, json={"name": "crash"}
    )

    async def held_now() -> Any:
        return (await _json(http, "GET", f"{control}/held", headers=auth))[1]["held"]

    async def client_gone() -> bool:
        return bool((await held_now())[0]["clientGone"])

    async def sources() -> Any:
        query = {"automation": automation["uuid"]}
        answer = await _json(http, "GET", f"{control}/sources", headers=auth, params=query)
        return answer[1]["sources"]

    hold = {"route": "ADD_CUSTOMER_BATCH", "packet": "FIRST"}
    assert (await _json(http, "POST", f"{control}/holds", headers=auth, json=hold))[0] == 200
    source = str(uuid.uuid4())
    client = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLIENT, cf, token, node, automation["uuid"], source
    )
    held = await eventually(held_now)
    assert [(h["packet"], h["sourceUuid"]) for h in held] == [("FIRST", source)]
    os.kill(client.pid, signal.SIGKILL)
    assert await asyncio.wait_for(client.wait(), TIMEOUT) == -signal.SIGKILL
    await eventually(client_gone)
    assert await sources() == []

    released = await _json(http, "POST", f"{control}/release", headers=auth, json={})
    assert released == (200, {"released": 1})
    assert await eventually(sources) == [
        {"sourceUuid": source, "label": None, "state": "open", "customers": 50, "packets": 1}
    ]


async def test_requests_log_every_api_request_with_its_arrival_time(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    """What a fleet test measures the request rate from: faulted requests count, control
    calls do not, and ``since`` cuts the log by arrival time."""
    key = {"Api-key": emu.api_key}
    base = f"{emu.base_url}/_emulator"
    lists = emu.automizy_url + az_routes.CONTACT_MANAGER + "/list"
    before = time.time()
    assert (await _json(http, "POST", lists, headers=key, json={"name": "L"}))[0] == 200
    emu.faults.rate_503 = 1.0
    assert (await _json(http, "GET", lists, headers=key))[0] == 503
    emu.faults.rate_503 = 0.0
    after = time.time()

    status, log = await _json(http, "GET", f"{base}/requests", headers=key)
    assert status == 200
    path = az_routes.CONTACT_MANAGER + "/list"
    assert [(r["method"], r["path"]) for r in log["requests"]] == [("POST", path), ("GET", path)]
    stamps = [r["at"] for r in log["requests"]]
    assert before <= stamps[0] <= stamps[1] <= after

    since = {"since": str(stamps[1])}
    _, tail = await _json(http, "GET", f"{base}/requests", headers=key, params=since)
    assert [r["method"] for r in tail["requests"]] == ["GET"]
    bad = {"since": "yesterday"}
    assert (await _json(http, "GET", f"{base}/requests", headers=key, params=bad))[0] == 400
