"""``EmulatorTransport``: the Transport protocol served in-process, with no server running."""

from __future__ import annotations

import uuid

import pytest
from yarl import URL

from contactflow_automizy import (
    APIConnectionError,
    APITimeoutError,
    AutomizyClient,
    ContactflowClient,
    Request,
    Response,
    Session,
    Timeout,
    Transport,
)
from contactflow_automizy.automizy import routes as az_routes
from contactflow_automizy.contactflow import routes as cf_routes
from contactflow_automizy.emulator import Emulator, Faults
from tests.conftest import NoSleep
from tests.emulator._helpers import call


async def test_lifecycle_without_a_server(no_sleep: NoSleep) -> None:
    emu = Emulator(random_seed=3)
    assert not emu.running and emu.contactflow_url == "http://localhost/contactflow"
    async with Session(transport=emu.transport(), sleep=no_sleep) as session:
        assert isinstance(session.transport, Transport)
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        az = AutomizyClient(emu.api_key, emu.automizy_url, session=session)
        automation = (await call(cf, cf_routes.CREATE_AUTOMATION, json={"name": "A"}))["uuid"]
        source = str(uuid.uuid4())
        for packet in ("FIRST", "MIDDLE", "LAST"):
            batch = [{"userPk": f"{packet}-{i}"} for i in range(1000)]
            await cf.add_customer_batch(automation, batch, packet, source)
        assert emu.state.sources[source].count == 3000
        list_id = (await call(az, az_routes.CREATE_LIST, json={"name": "L"}))["id"]
        body = {"emailAddress": "a@b.io", "listId": list_id}
        contact = (await call(az, az_routes.CREATE_CONTACT, json=body))["id"]
        assert (await az.get_contact(contact)).email_address == "a@b.io"


async def test_same_emulator_from_both_sides(
    emu: Emulator, no_sleep: NoSleep, backend: str
) -> None:
    async with Session(transport=emu.transport(), sleep=no_sleep) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        await call(cf, cf_routes.CREATE_AUTOMATION, json={"name": "in-process"})
    async with Session(transport=backend, sleep=no_sleep) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        listed = await call(cf, cf_routes.LIST_AUTOMATIONS)
    assert [a["name"] for a in listed["elements"]] == ["in-process"]


def _request(emu: Emulator, path: str) -> Request:
    headers = {"Authorization": f"Bearer {emu.token}", "Node": emu.node_uuid}
    return Request("GET", URL(emu.contactflow_url + path), headers)


async def _send(emu: Emulator, path: str, timeout: Timeout | None = None) -> Response:
    transport = emu.transport()
    try:
        return await transport.send(_request(emu, path), timeout or Timeout())
    finally:
        await transport.aclose()


async def test_response_protocol() -> None:
    emu = Emulator()
    response = await _send(emu, "/automations/reports")
    assert isinstance(response, Response)
    assert (response.status, response.reason) == (200, "OK")
    assert response.headers["content-type"].startswith("text/csv")
    chunks = [chunk async for chunk in response.iter_chunks(4)]
    assert max(map(len, chunks)) == 4 and b"".join(chunks).startswith(b"uuid,name")
    with pytest.raises(APIConnectionError):
        await response.read()  # a body is read once
    await response.aclose()
    small = await _send(emu, "/user")
    with pytest.raises(APIConnectionError, match="limit"):
        await small.read(limit=10)
    transport = emu.transport()
    await transport.aclose()
    with pytest.raises(APIConnectionError) as closed:
        await transport.send(_request(emu, "/user"), Timeout())
    assert closed.value.request_sent is False


async def test_socket_faults_become_connection_errors() -> None:
    emu = Emulator(faults=Faults(rate_drop=1.0))
    with pytest.raises(APIConnectionError) as dropped:
        await _send(emu, "/user")
    assert dropped.value.request_sent
    emu.faults = Faults(rate_drop_mid_response=1.0)
    response = await _send(emu, "/user")
    assert response.status == 200
    with pytest.raises(APIConnectionError, match="mid-response"):
        await response.read()
    emu.faults = Faults(latency=5.0)
    with pytest.raises(APITimeoutError):
        await _send(emu, "/user", Timeout(total=0.05))
