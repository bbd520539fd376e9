"""The emulated Contactflow API, driven by the SDK over sockets and in-process."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from typing import Any

import aiohttp
import pytest

from contactflow_automizy import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContactflowClient,
    NotFoundError,
    UnprocessableEntityError,
)
from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator import Emulator
from contactflow_automizy.emulator.contactflow import TABLE
from tests.emulator._helpers import all_pages, call

STEP = {"type": "ACTION", "operation": "CLAB_CAMPAIGN", "description": "welcome mail"}


def _customers(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"userPk": f"user-{i}", "attributes": {"email": f"user{i}@example.com"}}
        for i in range(start, start + count)
    ]


async def _automation(cf: ContactflowClient, name: str = "Welcome", **fields: Any) -> Any:
    body = {"name": name, "steps": [STEP], **fields}
    return await call(cf, routes.CREATE_AUTOMATION, json=body)


def test_every_route_is_served() -> None:
    declared = {v for v in vars(routes).values() if isinstance(v, Route)}
    assert declared == set(TABLE)
    assert len(declared) == 42


async def test_user_nodes_and_settings(cf: ContactflowClient, emu: Emulator) -> None:
    user = await call(cf, routes.GET_CURRENT_USER)
    assert [n["uuid"] for n in user["extended"]["nodes"]] == [emu.node_uuid]
    assert "CLAB_CAMPAIGN" in await call(cf, routes.GET_ACTIONS)

    node = await cf.create_node(name="Second", portfolio_uuid=str(uuid.uuid4()))
    assert node.uuid in emu.state.nodes
    assert (await cf.get_node(node.uuid)).name == "Second"
    assert len(await cf.list_nodes().to_list()) == 2
    assert [n.uuid for n in await cf.list_nodes(portfolio_uuid=node.portfolio_uuid).to_list()] == [
        node.uuid
    ]
    updated = await cf.update_node(node.uuid, False, sms_active=False)
    assert (updated.active, updated.sms_active) == (False, False)
    with pytest.raises(NotFoundError):  # a disabled node takes no node-scoped calls
        await call(cf, routes.GET_ACTIONS, node=node.uuid)
    await cf.delete_node(node.uuid)
    with pytest.raises(NotFoundError):
        await cf.get_node(node.uuid)

    soap = {"label": "soap", "category": "INTEGRATION", "type": "CLAB_API_SOAP"}
    setting = await call(cf, routes.CREATE_SETTING, json=soap)
    hub = await call(cf, routes.CREATE_SETTING, json={**soap, "type": "HUB"})
    key = {"settingUuid": setting["uuid"]}
    assert (await call(cf, routes.LIST_SETTINGS, query={"Type": "CLAB_API_SOAP"}))[
        "integrations"
    ] == [setting]
    assert (await call(cf, routes.LIST_SETTINGS))["integrations"] == [setting, hub]
    changed = {**setting, "label": "renamed"}
    assert (await call(cf, routes.UPDATE_SETTING, path=key, json=changed))["label"] == "renamed"
    assert (await call(cf, routes.GET_SETTING, path=key))["label"] == "renamed"
    await call(cf, routes.DELETE_SETTING, path=key)
    with pytest.raises(NotFoundError):
        await call(cf, routes.GET_SETTING, path=key)
    with pytest.raises(UnprocessableEntityError) as info:
        await call(cf, routes.CREATE_SETTING, json={"category": "OTHER", "type": "HUB"})
    assert info.value.field_errors == [("category", "must be one of [INTEGRATION]")]
    assert info.value.logref


async def test_automation_lifecycle(cf: ContactflowClient, emu: Emulator) -> None:
    created = await _automation(cf, description="first")
    key = {"automationUuid": created["uuid"]}
    assert created["status"] == "DRAFT" and created["steps"][0]["uuid"]
    assert (await call(cf, routes.GET_AUTOMATION, path=key))["name"] == "Welcome"

    paused = await call(cf, routes.UPDATE_AUTOMATION_STATUS, path=key, json={"status": "PAUSED"})
    assert paused["status"] == "PAUSED"
    await cf.add_customer(created["uuid"], user_pk="u1")
    # PAUSED -> RUNNING with removeExpiredCustomers empties the automation.
    running = await call(
        cf,
        routes.UPDATE_AUTOMATION,
        path=key,
        query={"removeExpiredCustomers": True},
        json={**created, "name": "Renamed", "status": "RUNNING"},
    )
    assert (running["name"], running["status"]) == ("Renamed", "RUNNING")
    assert emu.state.automations[created["uuid"]].customer_count == 0
    assert emu.state.automations[created["uuid"]].expired_removed == 1

    feedbacks = await call(cf, routes.GET_AUTOMATION_FEEDBACKS, path=key)
    step_uuid = feedbacks["steps"][0]["uuid"]
    step = await call(cf, routes.GET_STEP_FEEDBACKS, path={**key, "stepUuid": step_uuid})
    assert step["operation"] == "CLAB_CAMPAIGN"
    with pytest.raises(NotFoundError):
        await call(cf, routes.GET_STEP_FEEDBACKS, path={**key, "stepUuid": str(uuid.uuid4())})
    assert (await call(cf, routes.AUTOMATION_CATEGORIES))["categories"] == ["Custom"]

    with pytest.raises(UnprocessableEntityError):
        await call(cf, routes.UPDATE_AUTOMATION_STATUS, path=key, json={"status": "NOPE"})
    with pytest.raises(UnprocessableEntityError):
        await call(cf, routes.CREATE_AUTOMATION, json={"name": 5})
    await call(cf, routes.DELETE_AUTOMATION, path=key)
    with pytest.raises(NotFoundError):
        await call(cf, routes.GET_AUTOMATION, path=key)


async def test_automation_pages_and_filters(cf: ContactflowClient) -> None:
    for i in range(23):
        await _automation(cf, f"auto-{i:02}", status="RUNNING" if i % 2 else "PAUSED")
    first = await call(cf, routes.LIST_AUTOMATIONS, query={"page": 0, "size": 10})
    assert first["page"] == {"size": 10, "totalElements": 23, "totalPages": 3, "number": 0}
    last = await call(cf, routes.LIST_AUTOMATIONS, query={"page": 2, "size": 10})
    assert [a["name"] for a in last["elements"]] == ["auto-20", "auto-21", "auto-22"]
    every = await all_pages(cf, routes.LIST_AUTOMATIONS, page_size=4)
    assert [a["name"] for a in every] == [f"auto-{i:02}" for i in range(23)]
    running = await all_pages(cf, routes.LIST_AUTOMATIONS, 5, query={"status": ["RUNNING"]})
    assert len(running) == 11
    both = await all_pages(cf, routes.LIST_AUTOMATIONS, 5, query={"status": ["RUNNING", "PAUSED"]})
    assert len(both) == 23
    named = await call(cf, routes.LIST_AUTOMATIONS, query={"name": "AUTO-1", "style": "compact"})
    assert named["page"]["totalElements"] == 10
    assert set(named["elements"][0]) == {
        "uuid", "name", "status", "category", "startDate", "endDate", "created"
    }  # fmt: skip
    future = await call(cf, routes.LIST_AUTOMATIONS, query={"createdAfter": "2999-01-01T00:00:00Z"})
    assert future["page"]["totalElements"] == 0 and future["page"]["totalPages"] == 0
    with pytest.raises(BadRequestError):
        await call(cf, routes.LIST_AUTOMATIONS, query={"createdAfter": "yesterday"})
    with pytest.raises(BadRequestError):
        await call(cf, routes.LIST_AUTOMATIONS, query={"size": 0})


async def test_customers_and_batches(cf: ContactflowClient, emu: Emulator) -> None:
    automation = (await _automation(cf))["uuid"]
    single = await cf.add_customer(automation, user_pk="solo", attributes={"email": "s@x.io"})
    assert single.uuid and single.automation_uuid == automation
    source = str(uuid.uuid4())

    with pytest.raises(UnprocessableEntityError):  # no FIRST yet
        await cf.add_customer_batch(automation, _customers(0, 2), "MIDDLE", source)
    opened = await cf.add_customer_batch(
        automation, _customers(0, 3), "FIRST", source, source_label="s"
    )
    assert (opened.status, opened.source_label) == ("OPEN", "s")
    with pytest.raises(ConflictError):
        await cf.add_customer_batch(automation, [], "FIRST", source)
    await cf.add_customer_batch(automation, _customers(3, 3), "MIDDLE", source)
    closed = await cf.add_customer_batch(automation, _customers(6, 1), "LAST", source)
    assert closed.status == "CLOSED"
    batch = emu.state.sources[source]
    assert (batch.status, batch.count, batch.packets) == ("CLOSED", 7, 3)
    assert emu.state.automations[automation].customer_count == 8
    with pytest.raises(ConflictError):
        await cf.add_customer_batch(automation, _customers(7, 1), "MIDDLE", source)
    with pytest.raises(ConflictError):  # only an open batch can be rolled back
        await cf.delete_customer_batch(automation, source)

    # An incomplete batch is deleted (rolled back) by its sourceUuid.
    other = str(uuid.uuid4())
    await cf.add_customer_batch(automation, _customers(100, 5), "FIRST", other)
    await cf.add_customer_batch(automation, _customers(105, 5), "MIDDLE", other)
    assert emu.state.automations[automation].customer_count == 18
    await cf.delete_customer_batch(automation, other)
    assert other not in emu.state.sources
    assert emu.state.automations[automation].customer_count == 8
    with pytest.raises(NotFoundError):
        await cf.delete_customer_batch(automation, other)

    assert single.uuid is not None
    await cf.delete_customer(automation, single.uuid)
    with pytest.raises(NotFoundError):
        await cf.delete_customer(automation, single.uuid)
    assert emu.state.automations[automation].customer_count == 7
    with pytest.raises(NotFoundError):
        await cf.add_customer(str(uuid.uuid4()), user_pk="nobody")


async def test_tokens_search_get_and_reports(cf: ContactflowClient, emu: Emulator) -> None:
    first = (await _automation(cf, "first"))["uuid"]
    second = (await _automation(cf, "second"))["uuid"]
    source = str(uuid.uuid4())
    await cf.add_customer_batch(first, _customers(0, 30), "FIRST", source)
    await cf.add_customer_batch(first, _customers(30, 15), "LAST", source)
    await cf.add_customer(second, user_pk="lonely", attributes={"email": "Lonely@x.io"})

    page = await call(cf, routes.SEARCH_TOKENS, query={"automationUuid": first, "size": 20})
    assert page["page"] == {"size": 20, "totalElements": 45, "totalPages": 3, "number": 0}
    tokens = await all_pages(cf, routes.SEARCH_TOKENS, 20, query={"automationUuid": first})
    assert [t["userPk"] for t in tokens] == [f"user-{i}" for i in range(45)]
    assert len({t["uuid"] for t in tokens}) == 45
    token = await call(cf, routes.GET_TOKEN, path={"tokenUuid": tokens[44]["uuid"]})
    assert token["userPk"] == "user-44" and token["automationName"] == "first"
    assert token["stepOperation"] == "CLAB_CAMPAIGN" and token["status"] == "READY"
    with pytest.raises(NotFoundError):
        await call(cf, routes.GET_TOKEN, path={"tokenUuid": str(uuid.uuid4())})
    found = await call(cf, routes.SEARCH_TOKENS, query={"recipient": "lonely@x.io"})
    assert [t["automationUuid"] for t in found["elements"]] == [second]
    ordered = await call(cf, routes.SEARCH_TOKENS, query={"sort": "recipient", "size": 1})
    assert ordered["elements"][0]["userPk"] == "lonely"
    assert (await call(cf, routes.SEARCH_TOKENS, query={"aggregatedStatus": "ERROR"}))[
        "elements"
    ] == []

    async with cf._stream(routes.AUTOMATIONS_REPORT, query={"filename": "report"}) as response:
        assert 'filename="report.csv"' in response.headers["Content-Disposition"]
        text = b"".join([c async for c in response.iter_chunks(7)]).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["name"], r["customers"]) for r in rows} == {("first", "45"), ("second", "1")}

    async with cf._stream(routes.TOKENS_REPORT) as response:
        assert response.headers["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    assert sorted(archive.namelist()) == sorted([f"{first}.csv", f"{second}.csv"])
    members = list(csv.DictReader(io.TextIOWrapper(archive.open(f"{first}.csv"), "utf-8")))
    assert len(members) == 45 and members[3]["recipient"] == "user3@example.com"


async def test_external_contents_and_definitions(cf: ContactflowClient, emu: Emulator) -> None:
    assert (await call(cf, routes.EMAIL_DESIGNER_CONFIG)) == {"enabled": True}
    assert await call(cf, routes.LIST_MAIL_MODELS)
    assert await call(cf, routes.LIST_SMS_MODELS)
    templates = await all_pages(cf, routes.LIST_PAGEBUILDER_TEMPLATES, 1)
    assert len(templates) == 2
    pages = await all_pages(cf, routes.LIST_PAGEBUILDER_PAGES, 1, path={"templateId": 1})
    assert [p["name"] for p in pages] == ["Home", "Thanks"]
    page = await call(cf, routes.GET_PAGEBUILDER_PAGE, path={"templateId": 1, "pageId": 2})
    assert page == {"id": 2, "templateId": 1, "name": "Thanks"}
    with pytest.raises(NotFoundError):
        await call(cf, routes.GET_PAGEBUILDER_PAGE, path={"templateId": 2, "pageId": 2})
    await call(cf, routes.SEND_TEST_EMAIL, json={"email": "qa@example.com", "subject": "hi"})
    assert emu.state.test_emails == [{"email": "qa@example.com", "subject": "hi"}]
    with pytest.raises(UnprocessableEntityError):
        await call(cf, routes.SEND_TEST_EMAIL, json={"modelIdentifier": "one"})
    assert (await call(cf, routes.LIST_SEND_SUBSCRIPTIONS))["subscriptions"]
    kpis = await all_pages(cf, routes.LIST_NODE_KPIS, 10)
    assert [k["nodeUuid"] for k in kpis] == [emu.node_uuid]
    for route in (
        routes.TRIGGER_EVENT_DEFINITIONS,
        routes.EVENT_CONTEXT_DEFINITIONS,
        routes.CUSTOMER_DEFINITIONS,
    ):
        assert isinstance(await call(cf, route), dict)
    assert (await call(cf, routes.AUTOMATION_CATEGORIES_DEPRECATED))["categories"] == ["Custom"]


async def test_wrong_token_is_401(emu: Emulator, cf: ContactflowClient) -> None:
    intruder = ContactflowClient("wrong", emu.node_uuid, emu.contactflow_url, session=cf.session)
    with pytest.raises(AuthenticationError) as info:
        await intruder.get_node(emu.node_uuid)
    assert info.value.logref and "authentication" in info.value.message


async def test_wire_level_errors(emu: Emulator, http: aiohttp.ClientSession) -> None:
    auth = {"Authorization": f"Bearer {emu.token}"}
    async with http.get(f"{emu.contactflow_url}/automations") as response:
        assert response.status == 401
        body = await response.json()
    assert set(body) == {"message", "logref", "errors"}
    async with http.get(f"{emu.contactflow_url}/automations", headers=auth) as response:
        assert response.status == 400  # no Node header
        assert "Node" in (await response.json())["message"]
    node = {**auth, "Node": emu.node_uuid}
    async with http.get(f"{emu.contactflow_url}/automations/not-a-uuid", headers=node) as response:
        assert response.status == 400
    async with http.post(
        f"{emu.contactflow_url}/automations", headers=node, data=b"{broken"
    ) as response:
        assert response.status == 400
    async with http.get(f"{emu.contactflow_url}/automations/..%2Fnodes", headers=node) as response:
        assert response.status == 400
    async with http.put(f"{emu.contactflow_url}/user", headers=auth) as response:
        assert response.status == 405
    async with http.get(f"{emu.contactflow_url}/nope", headers=auth) as response:
        assert response.status == 404
