"""Batch sources answer as SPEC.md section 11 decides, which is what durable jobs rely on.

"DELETE of a closed source answers 409, of an unknown (or already deleted)
source 404; a FIRST for an existing source answers 409."
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from contactflow_automizy import ConflictError, ContactflowClient, NotFoundError
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator import Emulator
from contactflow_automizy.emulator.state import SourceSummary
from tests.emulator._helpers import call


def _customers(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"userPk": f"u{i}"} for i in range(start, start + n)]


async def _automation(cf: ContactflowClient) -> str:
    created = await call(cf, routes.CREATE_AUTOMATION, json={"name": "jobs"})
    return str(created["uuid"])


def _seed_shaped(error: ConflictError | NotFoundError) -> None:
    """Contactflow's error body: ``{message, logref, errors}``."""
    assert set(orjson.loads(error.body)) == {"message", "logref", "errors"}
    assert error.message and error.logref


async def test_a_first_never_reopens_a_deleted_source(cf: ContactflowClient, emu: Emulator) -> None:
    automation = await _automation(cf)
    source = str(uuid.uuid4())
    await cf.add_customer_batch(automation, _customers(3), "FIRST", source)
    await cf.delete_customer_batch(automation, source)
    with pytest.raises(ConflictError) as reopened:
        await cf.add_customer_batch(automation, _customers(3), "FIRST", source)
    _seed_shaped(reopened.value)
    assert "deleted" in reopened.value.message
    assert emu.state.automations[automation].customer_count == 0


@pytest.mark.parametrize("earlier", ["open", "closed", "deleted", "other automation"])
async def test_a_first_for_an_existing_source_is_409(
    cf: ContactflowClient, emu: Emulator, earlier: str
) -> None:
    automation = await _automation(cf)
    source = str(uuid.uuid4())
    first_home = await _automation(cf) if earlier == "other automation" else automation
    await cf.add_customer_batch(first_home, _customers(2), "FIRST", source)
    if earlier == "closed":
        await cf.add_customer_batch(automation, _customers(1, 2), "LAST", source)
    if earlier == "deleted":
        await cf.delete_customer_batch(automation, source)
    before = emu.state.automations[automation].customer_count
    with pytest.raises(ConflictError) as conflict:
        await cf.add_customer_batch(automation, _customers(5, 10), "FIRST", source)
    _seed_shaped(conflict.value)
    assert emu.state.automations[automation].customer_count == before


async def test_delete_answers_by_the_state_of_the_source(cf: ContactflowClient) -> None:
    automation = await _automation(cf)
    closed, deleted, elsewhere = (str(uuid.uuid4()) for _ in range(3))
    await cf.add_customer_batch(automation, _customers(1), "FIRST", closed)
    await cf.add_customer_batch(automation, [], "LAST", closed)
    await cf.add_customer_batch(automation, _customers(1), "FIRST", deleted)
    await cf.delete_customer_batch(automation, deleted)
    await cf.add_customer_batch(await _automation(cf), _customers(1), "FIRST", elsewhere)

    with pytest.raises(ConflictError) as is_closed:
        await cf.delete_customer_batch(automation, closed)
    _seed_shaped(is_closed.value)
    for gone in (deleted, str(uuid.uuid4()), elsewhere):
        with pytest.raises(NotFoundError) as missing:
            await cf.delete_customer_batch(automation, gone)
        _seed_shaped(missing.value)


async def test_state_lists_sources_with_their_state_and_customers(
    cf: ContactflowClient, emu: Emulator
) -> None:
    automation = await _automation(cf)
    opened, closed, deleted = (str(uuid.uuid4()) for _ in range(3))
    await cf.add_customer_batch(automation, _customers(4), "FIRST", closed, source_label="done")
    await cf.add_customer_batch(automation, _customers(3, 4), "LAST", closed)
    await cf.add_customer_batch(automation, _customers(5), "FIRST", deleted)
    await cf.add_customer_batch(automation, _customers(2), "FIRST", opened)
    await cf.delete_customer_batch(automation, deleted)
    await cf.add_customer(automation, user_pk="single")

    assert emu.state.batch_sources(automation) == [
        SourceSummary(closed, "done", "closed", customers=7, packets=2),
        SourceSummary(deleted, None, "deleted", customers=0, packets=1),
        SourceSummary(opened, None, "open", customers=2, packets=1),
    ]
    assert emu.state.batch_sources(str(uuid.uuid4())) == []
    assert emu.state.automations[automation].customer_count == 10


async def test_sources_of_a_deleted_automation_stay_known(
    cf: ContactflowClient, emu: Emulator
) -> None:
    automation = await _automation(cf)
    source = str(uuid.uuid4())
    await cf.add_customer_batch(automation, _customers(2), "FIRST", source)
    await call(cf, routes.DELETE_AUTOMATION, path={"automationUuid": automation})
    assert emu.state.source_state(source) == "deleted"
    with pytest.raises(ConflictError):
        await cf.add_customer_batch(await _automation(cf), _customers(1), "FIRST", source)
