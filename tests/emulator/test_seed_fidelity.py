"""Where the emulator contradicted the API documents (issue 16), each fix with the seed
line it follows, quoted in its test's docstring."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from contactflow_automizy.automizy.routes import CONTACT_MANAGER as CM
from contactflow_automizy.emulator import Emulator
from tests.emulator._helpers import Raw


@pytest.fixture
async def raw() -> AsyncIterator[Raw]:
    async with Emulator() as emu:  # strict, the default
        yield Raw(emu)


def _names(body: Any, name: str) -> bool:
    """Whether an error body (either API's shape) names ``name``."""
    return name in repr(body)


async def _automation(raw: Raw, **fields: Any) -> dict[str, Any]:
    status, body = await raw.cf("POST", "/automations", json={"name": "a", **fields})
    assert status == 201, body
    return dict(body)


# -- filters the seed types, once accepted whatever their value -------------------------


async def test_node_filters_are_uuids(raw: Raw) -> None:
    """Seed, Get all nodes: "portfolioUuid string <uuid> Filter nodes by portfolio";
    "workspaceUuid string <uuid>"."""
    for name in ("portfolioUuid", "workspaceUuid"):
        status, body = await raw.cf("GET", "/nodes", query={name: "xyz"})
        assert status == 400 and _names(body, name)
    status, _ = await raw.cf("GET", "/nodes", query={"portfolioUuid": str(uuid.uuid4())})
    assert status == 200


async def test_setting_filters_take_the_values_the_seed_lists(raw: Raw) -> None:
    """Seed, Get all settings: "Category string Value: "INTEGRATION"" and
    "Type string Value: "CLAB_API_SOAP"" (the filter lists one value; bodies take HUB too)."""
    for name, bad in (("Category", "OTHER"), ("Type", "HUB")):
        status, body = await raw.cf("GET", "/settings", query={name: bad})
        assert status == 400 and _names(body, name)
    query = {"Category": "INTEGRATION", "Type": "CLAB_API_SOAP"}
    assert (await raw.cf("GET", "/settings", query=query)) == (200, {"integrations": []})


@pytest.mark.parametrize(
    ("name", "bad", "good"),
    [
        ("status", "BOGUS", "RUNNING"),
        ("status", "TO_DELETE", "TO_ARCHIVE"),
        ("category", "Other", "Custom"),
        ("stepType", "BOGUS", "WEBHOOK"),
        ("hasTrigger", "maybe", "true"),
    ],
)
async def test_automation_filters_are_checked(raw: Raw, name: str, bad: str, good: str) -> None:
    """Seed, Get all automations: "status Array of strings Items Enum: "COMMITTED" "PAUSED"
    "RUNNING" "ARCHIVED" "DRAFT" "ERROR" "TO_ARCHIVE""; "category Array of strings Items
    Value: "Custom""; "stepType string Enum: "CLAB_CAMPAIGN_SMS" "CLAB_CAMPAIGN" "WEBHOOK"
    "TAG" ..."; "hasTrigger boolean Default: false"."""
    status, body = await raw.cf("GET", "/automations", query={name: bad})
    assert status == 400 and _names(body, name)
    assert (await raw.cf("GET", "/automations", query={name: good}))[0] == 200


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("automationUuid", "xyz"),
        ("status", "TO_ARCHIVE"),
        ("stepType", "WEBHOOK"),
        ("hasTrigger", "maybe"),
        ("createdAfter", "2024-01-01T00:00:00"),
    ],
)
async def test_report_filters_are_checked(raw: Raw, name: str, bad: str) -> None:
    """Seed, Get reports for all Automations: "automationUuid string <uuid> The UUID of the
    automation"; "status Array of strings Items Enum: "COMMITTED" "PAUSED" "RUNNING"
    "ARCHIVED" "DRAFT" "ERROR""; "stepType string Enum: "CLAB_CAMPAIGN" "CLAB_CAMPAIGN_SMS"
    "FROM_LAST_STEP" "WAIT_AND_CHECK" "WAIT_FOR_TRIGGER" "AB_TEST" "NO_ACTION""."""
    status, body = await raw.cf("GET", "/automations/reports", query={name: bad})
    assert status == 400 and _names(body, name)


# -- required fields ----------------------------------------------------------------------


async def test_a_contact_search_requires_a_criterion(raw: Raw) -> None:
    """Seed, Get all contacts from a list: "criterion | true | The filter criteria object
    array"."""
    status, body = await raw.az("POST", CM + "/contact/criterion", json={"scope": {}})
    assert (status, body) == (422, {"errors": [{"criterion": '"criterion" is required'}]})
    search = {"scope": {}, "criterion": []}
    assert (await raw.az("POST", CM + "/contact/criterion", json=search))[0] == 200


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/nodes", 201),
        ("POST", "/automations", 201),
        ("PUT", "/automations/{automation}", 200),
        ("PATCH", "/automations/{automation}", 200),
        ("POST", "/settings", 201),
        ("PUT", "/settings/{setting}", 200),
        ("POST", "/external-contents/email-test", 200),
    ],
)
async def test_bodies_whose_fields_the_seed_does_not_require(
    raw: Raw, method: str, path: str, status: int
) -> None:
    """Seed: the node, automation, setting and test-campaign schemas mark no field
    "required"; only "Update a node" does ("active required boolean")."""
    automation = await _automation(raw)
    _, setting = await raw.cf("POST", "/settings", json={"label": "s"})
    url = path.format(automation=automation["uuid"], setting=setting["uuid"])
    assert (await raw.cf(method, url, json={}))[0] == status
    node = await raw.cf("PATCH", f"/nodes/{raw.emu.node_uuid}", json={})
    assert node[0] == 422 and _names(node[1], "active")


async def test_the_test_email_address_has_no_format_rule(raw: Raw) -> None:
    """Seed, Send email test: "email string" -- a string, no format stated."""
    assert (await raw.cf("POST", "/external-contents/email-test", json={"email": "nope"}))[0] == 200
    status, body = await raw.cf("POST", "/external-contents/email-test", json={"email": 7})
    assert status == 422 and _names(body, "email")


# -- types --------------------------------------------------------------------------------


async def test_date_times_need_their_offset(raw: Raw) -> None:
    """Seed: "startDate string <date-time>"; "startDateAfter string <date-time>"
    (RFC 3339 date-times carry an offset: a naive one is not taken as UTC)."""
    status, body = await raw.cf("POST", "/automations", json={"startDate": "2024-05-01T10:00:00"})
    assert status == 422 and _names(body, "startDate")
    status, body = await raw.cf(
        "GET", "/automations", query={"startDateAfter": "2024-05-01T10:00:00"}
    )
    assert status == 400 and _names(body, "startDateAfter")
    aware = await _automation(raw, startDate="2024-05-01T10:00:00+02:00")
    assert aware["startDate"] == "2024-05-01T10:00:00+02:00"
    _, page = await raw.cf("GET", "/automations", query={"startDateAfter": "2024-05-01T08:00Z"})
    assert [a["uuid"] for a in page["elements"]] == [aware["uuid"]]


async def test_a_batch_status_outside_the_enum_is_refused(raw: Raw) -> None:
    """Seed, Add a batch of customers: "status string Enum: "OPEN" "CLOSED" "ENABLED"
    "ENABLED_OK_NOTIFYING" ..."."""
    automation = await _automation(raw)
    packet = {"packet": "FIRST", "sourceUuid": str(uuid.uuid4()), "customers": []}
    path = f"/automations/{automation['uuid']}/customers/batch"
    status, body = await raw.cf("POST", path, json={**packet, "status": "BOGUS"})
    assert status == 422 and _names(body, "status")
    assert raw.emu.state.sources == {}
    status, body = await raw.cf("POST", path, json={**packet, "status": "CLOSED"})
    assert (status, body["status"]) == (200, "OPEN")  # the server owns the status


async def test_model_identifier_is_an_integer(raw: Raw) -> None:
    """Seed, Send email test: "modelIdentifier integer"."""
    status, body = await raw.cf(
        "POST", "/external-contents/email-test", json={"modelIdentifier": "one"}
    )
    assert status == 422 and _names(body, "modelIdentifier")
    assert raw.emu.state.test_emails == []


async def test_field_values_are_strings(raw: Raw) -> None:
    """Seed, Update a contact's field values: "value | true | The new value of the field |
    string"."""
    _, made = await raw.az("POST", CM + "/list", json={"name": "L"})
    body = {"emailAddress": "a@example.com", "listId": made["id"]}
    _, contact = await raw.az("POST", CM + "/contact", json=body)
    path = f"{CM}/contact/{contact['id']}/field"
    status, answer = await raw.az("POST", path, json={"fieldId": 1, "value": 42})
    assert (status, answer) == (422, {"errors": [{"value": '"value" must be a string'}]})
    assert raw.emu.state.contacts[contact["id"]].fields == {}
    with_number = {**body, "emailAddress": "b@example.com", "fields": [{"id": 1, "value": 42}]}
    assert (await raw.az("POST", CM + "/contact", json=with_number))[0] == 422


# -- error bodies -------------------------------------------------------------------------


async def test_message_path_errors_carry_the_absolute_url(raw: Raw) -> None:
    """Seed, Delete a contact: "{ "message": "Contact not exist", "path":
    "https://api.automizy-gateway-1.com/contact-manager-service-http/public/api/
    contact-manager/contact/1" }" (one line in the seed)."""
    status, body = await raw.az("DELETE", CM + "/contact/1")
    assert (status, body) == (
        404,
        {"message": "Contact not exist", "path": f"{raw.emu.automizy_url}{CM}/contact/1"},
    )


async def test_an_unknown_tag_answers_the_seeds_text(raw: Raw) -> None:
    """Seed, Get a tag: "If the tag not exist 404 Not Found { "errors": [ { "field": "id",
    "message": "\\"id\\" must be a number" } ] }"."""
    assert await raw.az("GET", CM + "/tag/5") == (
        404,
        {"errors": [{"field": "id", "message": '"id" must be a number'}]},
    )


# -- typos: refused when strict, ignored (never stored) when lenient -----------------------


async def test_misspelt_keys_are_refused_naming_the_key(raw: Raw) -> None:
    """Issue 16: ``startdate``, ``lable`` were stored and echoed back, so a round-trip test
    passed on a typo.  Strict mode answers 400 in each API's error shape, naming the key."""
    status, body = await raw.cf("POST", "/automations", json={"name": "a", "startdate": "x"})
    assert status == 400 and set(body) == {"message", "logref", "errors"}
    assert body["errors"] == [{"field": "startdate", "message": "unknown property"}]
    status, body = await raw.cf("GET", "/automations", query={"stauts": "RUNNING"})
    assert status == 400 and body["errors"][0]["field"] == "stauts"
    status, body = await raw.az("POST", CM + "/field", json={"mergeTag": "m", "lable": "L"})
    assert (status, body) == (400, {"errors": [{"lable": '"lable" is not allowed'}]})
    status, body = await raw.az("GET", CM + "/list", query={"pagesize": "5"})
    assert (status, body) == (
        400,
        {"errors": [{"field": "pagesize", "message": '"pagesize" is not allowed'}]},
    )
    search = {"scope": {"listid": 1}, "criterion": []}
    status, body = await raw.az("POST", CM + "/contact/criterion", json=search)
    assert (status, body) == (400, {"errors": [{"scope.listid": '"scope.listid" is not allowed'}]})


async def test_lenient_mode_ignores_unknown_keys_without_storing_them() -> None:
    async with Emulator(strict=False) as emu:
        raw = Raw(emu)
        status, body = await raw.cf(
            "POST", "/automations", json={"name": "a", "startdate": "x"}, query={"x": "1"}
        )
        assert status == 201 and "startdate" not in body
        _, setting = await raw.cf("POST", "/settings", json={"lable": "typo", "label": "s"})
        assert setting == {"label": "s", "uuid": setting["uuid"]}
        assert (await raw.az("POST", CM + "/list", json={"name": "L", "colour": "red"}))[0] == 200
