"""Holds: a request caught on arrival, released, dropped, or delivered late after its
client gave up, over sockets and in-process alike."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from contactflow_automizy import (
    APIConnectionError,
    APITimeoutError,
    ContactflowClient,
    Session,
)
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator import Emulator
from tests.emulator._helpers import call, eventually


def _customers(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"userPk": f"u{i}"} for i in range(start, start + n)]


async def _automation(cf: ContactflowClient) -> str:
    return str((await call(cf, routes.CREATE_AUTOMATION, json={"name": "held"}))["uuid"])


async def test_a_held_first_waits_until_released(cf: ContactflowClient, emu: Emulator) -> None:
    automation = await _automation(cf)
    source = str(uuid.uuid4())
    hold = emu.hold(routes.ADD_CUSTOMER_BATCH, packet="FIRST")
    sending = asyncio.create_task(cf.add_customer_batch(automation, _customers(3), "FIRST", source))
    [held] = await hold.wait()
    assert (held.method, held.packet, held.source_uuid) == ("POST", "FIRST", source)
    assert emu.held == [held] and not held.client_gone
    assert emu.state.source_state(source) is None and not sending.done()

    hold.release()
    opened = await sending
    assert opened.status == "OPEN" and emu.state.source_state(source) == "open"
    assert emu.held == [] and not hold.active  # count=1: it caught its one request
    await cf.add_customer_batch(automation, _customers(1, 3), "LAST", source)  # not held


async def test_a_dropped_request_is_never_applied(cf: ContactflowClient, emu: Emulator) -> None:
    automation = await _automation(cf)
    source = str(uuid.uuid4())
    hold = emu.hold(routes.ADD_CUSTOMER_BATCH, packet="FIRST")
    sending = asyncio.create_task(cf.add_customer_batch(automation, _customers(3), "FIRST", source))
    await hold.wait()
    assert hold.drop() == 1
    with pytest.raises(APIConnectionError):
        await sending
    assert emu.state.source_state(source) is None


async def test_skip_and_count_aim_at_one_packet_of_many(
    cf: ContactflowClient, emu: Emulator
) -> None:
    automation = await _automation(cf)
    source = str(uuid.uuid4())
    await cf.add_customer_batch(automation, _customers(1), "FIRST", source)
    hold = emu.hold(routes.ADD_CUSTOMER_BATCH, packet="MIDDLE", skip=2, count=1)
    for i in range(2):
        await cf.add_customer_batch(automation, _customers(1, 1 + i), "MIDDLE", source)
    third = asyncio.create_task(
        cf.add_customer_batch(automation, _customers(1, 9), "MIDDLE", source)
    )
    [held] = await hold.wait()
    assert emu.state.sources[source].packets == 3 and not third.done()
    held.release()
    await third
    assert emu.state.sources[source].packets == 4


@pytest.mark.parametrize("late", [False, True])
async def test_a_request_is_applied_after_its_client_gave_up(
    emu: Emulator, wire: Session, late: bool
) -> None:
    """Late delivery: the client times out, the server still acts on what it received."""
    patient = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=wire)
    impatient = ContactflowClient(
        emu.token, emu.node_uuid, emu.contactflow_url, session=wire, timeout=0.2
    )
    automation = await _automation(patient)
    source = str(uuid.uuid4())
    hold = emu.hold(routes.ADD_CUSTOMER_BATCH, packet="FIRST", late=late)
    with pytest.raises(APITimeoutError):
        await impatient.add_customer_batch(automation, _customers(4), "FIRST", source)
    [held] = await hold.wait()
    if not late:  # a late hold releases it on its own once the client is gone
        await eventually(lambda: held.client_gone)
        assert emu.state.source_state(source) is None
        hold.release()
    assert await eventually(lambda: emu.state.source_state(source)) == "open"
    assert emu.state.batch_sources(automation)[0].customers == 4


async def test_closing_the_emulator_drops_what_is_held() -> None:
    emu = Emulator()
    async with Session(transport=emu.transport(), max_retries=0) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        automation = await _automation(cf)
        hold = emu.hold(routes.ADD_CUSTOMER_BATCH, count=None)
        sending = asyncio.create_task(
            cf.add_customer_batch(automation, _customers(1), "FIRST", str(uuid.uuid4()))
        )
        await hold.wait()
        await emu.close()
        with pytest.raises(APIConnectionError):
            await sending
        assert emu.state.sources == {} and hold.active  # count=None keeps catching


async def test_holds_aim_like_faults(cf: ContactflowClient, emu: Emulator) -> None:
    hold = emu.hold(routes="/automations$", methods="POST")
    creating = asyncio.create_task(_automation(cf))
    [held] = await hold.wait()
    assert (held.method, held.packet, held.source_uuid) == ("POST", None, None)
    assert (await call(cf, routes.LIST_AUTOMATIONS))["elements"] == []  # a GET is not held
    held.release()
    assert await creating
