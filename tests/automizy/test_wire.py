"""Every Automizy operation on the wire: method, full URL, Api-key, JSON body names, result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses
from yarl import URL

from contactflow_automizy import AutomizyClient, ConfigurationError
from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy.criteria import all_of, any_of
from contactflow_automizy.automizy.models import (
    Contact,
    ContactList,
    ContactStatus,
    Criterion,
    Field,
    FieldMapping,
    FieldType,
    ImportAnalysis,
    Scope,
    Search,
    Tag,
)
from tests.automizy.conftest import CONTACT_MANAGER_URL, IMPORT_SERVICE_URL, only_call, parse_form
from tests.conftest import API_KEY, AZ_BASE

SUCCESS = {"success": True}
TAG = {"id": 123, "name": "Tag", "createdAt": "2021-12-03T16:49:24.328Z", "updatedAt": None}
LIST = {
    "id": 123,
    "name": "List",
    "createdAt": "2021-12-03T16:49:24.328Z",
    "updatedAt": "2021-12-03T16:49:24.328Z",
    "contactCount": 0,
}
FIELD = {
    "id": 123,
    "mergeTag": "mergeTag",
    "label": "label",
    "isShownOnModificationForm": True,
    "type": "STRING",
    "defaultValue": "defaultValue",
    "createdAt": "2021-12-03T16:49:24.328Z",
    "updatedAt": "2021-12-03T16:49:24.328Z",
}
CONTACT = {
    "id": 1,
    "emailAddress": "example@automizy.com",
    "status": "ACTIVE",
    "createdAt": "2021-10-14T09:05:56.000Z",
    "unsubscribeDate": None,
    "ipAddress": None,
    "tags": [{"id": 1, "name": "Tag1"}],
    "lists": [{"id": 1, "name": "List1"}],
    "fields": [
        {
            "id": 1,
            "mergeTag": "mergeTag",
            "label": "label",
            "isShownOnModificationForm": False,
            "type": "STRING",
            "defaultValue": None,
            "value": "field1",
        }
    ],
}


def page(*items: Any) -> dict[str, Any]:
    return {"totalItems": len(items), "totalPages": 1, "currentPage": 1, "items": list(items)}


@attrs.frozen
class Case:
    call: Callable[[AutomizyClient], Awaitable[Any]]
    method: str
    url: str
    body: Any
    answer: Any
    result: Any


CASES: dict[str, Case] = {
    "create_contact": Case(
        lambda az: az.create_contact("example@automizy.com", 1, {1: "value1", 2: 42}),
        "POST",
        CONTACT_MANAGER_URL + "/contact",
        {
            "emailAddress": "example@automizy.com",
            "listId": 1,
            "fields": [{"id": 1, "value": "value1"}, {"id": 2, "value": "42"}],
        },
        {"id": 123},
        123,
    ),
    "create_contact_seed_fields": Case(
        lambda az: az.create_contact(
            "example@automizy.com", 1, [{"id": 1, "value": date(2024, 5, 1)}]
        ),
        "POST",
        CONTACT_MANAGER_URL + "/contact",
        {
            "emailAddress": "example@automizy.com",
            "listId": 1,
            "fields": [{"id": 1, "value": "2024-05-01"}],
        },
        {"id": 124},
        124,
    ),
    "get_contact": Case(
        lambda az: az.get_contact(123),
        "GET",
        CONTACT_MANAGER_URL + "/contact/123",
        None,
        CONTACT,
        Contact.from_dict(CONTACT),
    ),
    "delete_contact": Case(
        lambda az: az.delete_contact(123),
        "DELETE",
        CONTACT_MANAGER_URL + "/contact/123",
        None,
        SUCCESS,
        None,
    ),
    "update_contact_status": Case(
        lambda az: az.update_contact_status(123, "UNSUBSCRIBED"),
        "PATCH",
        CONTACT_MANAGER_URL + "/contact/123/status",
        {"status": "UNSUBSCRIBED"},
        SUCCESS,
        None,
    ),
    "update_contact_email": Case(
        lambda az: az.update_contact_email(123, "newemailaddress@asd.com"),
        "PATCH",
        CONTACT_MANAGER_URL + "/contact/123/email-address",
        {"emailAddress": "newemailaddress@asd.com"},
        SUCCESS,
        None,
    ),
    "update_contact_tags": Case(
        lambda az: az.update_contact_tags(123, ["new", "tag"]),
        "POST",
        CONTACT_MANAGER_URL + "/contact/123/tag",
        {"tagNameList": ["new", "tag"]},
        SUCCESS,
        None,
    ),
    "update_contact_field": Case(
        lambda az: az.update_contact_field(123, 1, "new value"),
        "POST",
        CONTACT_MANAGER_URL + "/contact/123/field",
        {"fieldId": 1, "value": "new value"},
        SUCCESS,
        None,
    ),
    "update_contact_field_datetime": Case(
        lambda az: az.update_contact_field(123, 1, datetime(2024, 5, 1, 12, tzinfo=UTC)),
        "POST",
        CONTACT_MANAGER_URL + "/contact/123/field",
        {"fieldId": 1, "value": "2024-05-01T12:00:00+00:00"},
        SUCCESS,
        None,
    ),
    "search_contacts": Case(
        lambda az: az.search_contacts(
            Scope(
                list_id=123,
                search=Search(operator="IN", value="automizy"),
                contact_status=ContactStatus.ACTIVE,
            ),
            all_of(
                Criterion(type="IMPORT", operator="EQ", value=456),
                Criterion(type="FIELD", operator="IN", field_id=3, value="Programmer"),
            ),
            page_size=10,
        ).to_list(),
        "POST",
        CONTACT_MANAGER_URL + "/contact/criterion?page=1&pageSize=10",
        {
            "scope": {
                "listId": 123,
                "search": {"operator": "IN", "value": "automizy"},
                "contactStatus": "ACTIVE",
            },
            "criterion": [
                [
                    {"type": "IMPORT", "operator": "EQ", "value": 456},
                    {"type": "FIELD", "operator": "IN", "fieldId": 3, "value": "Programmer"},
                ]
            ],
        },
        page(CONTACT),
        [Contact.from_dict(CONTACT)],
    ),
    "search_contacts_any_of_and_mappings": Case(
        lambda az: az.search_contacts(
            {"listId": 5},
            any_of(
                {"type": "IMPORT", "operator": "EQ", "value": 1},
                all_of(Criterion(type="TAG", operator="IN", value=2)),
            ),
        ).to_list(),
        "POST",
        CONTACT_MANAGER_URL + "/contact/criterion?page=1&pageSize=100",
        {
            "scope": {"listId": 5},
            "criterion": [
                [{"type": "IMPORT", "operator": "EQ", "value": 1}],
                [{"type": "TAG", "operator": "IN", "value": 2}],
            ],
        },
        page(),
        [],
    ),
    "list_contacts_in_list": Case(
        lambda az: az.list_contacts_in_list(7, contact_status="BOUNCED", page_size=5).to_list(),
        "POST",
        CONTACT_MANAGER_URL + "/contact/criterion?page=1&pageSize=5",
        {"scope": {"listId": 7, "contactStatus": "BOUNCED"}, "criterion": []},
        page(CONTACT),
        [Contact.from_dict(CONTACT)],
    ),
    "create_list": Case(
        lambda az: az.create_list("List"),
        "POST",
        CONTACT_MANAGER_URL + "/list",
        {"name": "List"},
        {"id": 123, "name": "List"},
        ContactList(id=123, name="List"),
    ),
    "get_list": Case(
        lambda az: az.get_list(123),
        "GET",
        CONTACT_MANAGER_URL + "/list/123",
        None,
        LIST,
        ContactList.from_dict(LIST),
    ),
    "list_lists": Case(
        lambda az: az.list_lists(page_size=10).to_list(),
        "GET",
        CONTACT_MANAGER_URL + "/list?page=1&pageSize=10",
        None,
        page(LIST),
        [ContactList.from_dict(LIST)],
    ),
    "update_list": Case(
        lambda az: az.update_list(123, "cool name"),
        "PATCH",
        CONTACT_MANAGER_URL + "/list/123",
        {"name": "cool name"},
        SUCCESS,
        None,
    ),
    "delete_list": Case(
        lambda az: az.delete_list(123),
        "DELETE",
        CONTACT_MANAGER_URL + "/list/123",
        None,
        SUCCESS,
        None,
    ),
    "create_field": Case(
        lambda az: az.create_field(
            "mergeTag", "My Label", FieldType.DATETIME, "Dear Customer", False
        ),
        "POST",
        CONTACT_MANAGER_URL + "/field",
        {
            "mergeTag": "mergeTag",
            "label": "My Label",
            "type": "DATETIME",
            "defaultValue": "Dear Customer",
            "isShownOnModificationForm": False,
        },
        {"createdField": {"id": 1, "label": "My Label", "mergeTag": "mergeTag"}},
        Field(id=1, label="My Label", merge_tag="mergeTag"),
    ),
    "get_field": Case(
        lambda az: az.get_field(123),
        "GET",
        CONTACT_MANAGER_URL + "/field/123",
        None,
        FIELD,
        Field.from_dict(FIELD),
    ),
    "list_fields": Case(
        lambda az: az.list_fields(page_size=10).to_list(),
        "GET",
        CONTACT_MANAGER_URL + "/field?page=1&pageSize=10",
        None,
        page(FIELD),
        [Field.from_dict(FIELD)],
    ),
    "list_fields_hidden": Case(
        lambda az: az.list_fields(hidden=True, page_size=10).to_list(),
        "GET",
        CONTACT_MANAGER_URL + "/field?hidden=true&page=1&pageSize=10",
        None,
        page(),
        [],
    ),
    "update_field": Case(
        lambda az: az.update_field(
            123, merge_tag="mergeTag2", label="my label2", default_value="Hey Customer!"
        ),
        "POST",
        CONTACT_MANAGER_URL + "/field/123",
        {"mergeTag": "mergeTag2", "label": "my label2", "defaultValue": "Hey Customer!"},
        SUCCESS,
        None,
    ),
    "delete_field": Case(
        lambda az: az.delete_field(123),
        "DELETE",
        CONTACT_MANAGER_URL + "/field/123",
        None,
        SUCCESS,
        None,
    ),
    "create_tag": Case(
        lambda az: az.create_tag("My Tag"),
        "POST",
        CONTACT_MANAGER_URL + "/tag",
        {"name": "My Tag"},
        {"id": 123},
        Tag(id=123, name="My Tag"),
    ),
    "get_tag": Case(
        lambda az: az.get_tag(123),
        "GET",
        CONTACT_MANAGER_URL + "/tag/123",
        None,
        TAG,
        Tag.from_dict(TAG),
    ),
    "list_tags": Case(
        lambda az: az.list_tags(page_size=10).to_list(),
        "GET",
        CONTACT_MANAGER_URL + "/tag?page=1&pageSize=10",
        None,
        page(TAG),
        [Tag.from_dict(TAG)],
    ),
    "update_tag": Case(
        lambda az: az.update_tag(123, "My Tag"),
        "POST",
        CONTACT_MANAGER_URL + "/tag/123",
        {"name": "My Tag"},
        SUCCESS,
        None,
    ),
    "delete_tag": Case(
        lambda az: az.delete_tag(123),
        "DELETE",
        CONTACT_MANAGER_URL + "/tag/123",
        None,
        SUCCESS,
        None,
    ),
    "process_import": Case(
        lambda az: az.process_import(
            9,
            [1],
            [
                FieldMapping(field_id=1, header_name="header1", ignore=False),
                {"fieldId": None, "headerName": "header3", "ignore": False},
                FieldMapping(field_id=None, header_name="header4", ignore=True),
            ],
            overwrite=False,
            add_contact_tag_ids=[1, 2],
            remove_contact_tag_ids=[3],
            notification_email="example@automizy.com",
        ),
        "POST",
        IMPORT_SERVICE_URL + "/9/process",
        {
            "contactListIdList": [1],
            "overwrite": False,
            "fieldList": [
                {"fieldId": 1, "headerName": "header1", "ignore": False},
                {"fieldId": None, "headerName": "header3", "ignore": False},
                {"fieldId": None, "headerName": "header4", "ignore": True},
            ],
            "addContactTagIdList": [1, 2],
            "removeContactTagIdList": [3],
            "notificationEmailAddress": "example@automizy.com",
        },
        SUCCESS,
        None,
    ),
    "process_import_required_defaults": Case(
        lambda az: az.process_import(9, [1], []),
        "POST",
        IMPORT_SERVICE_URL + "/9/process",
        {
            "contactListIdList": [1],
            "overwrite": False,
            "fieldList": [],
            "addContactTagIdList": [],
            "removeContactTagIdList": [],
        },
        SUCCESS,
        None,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_operation_on_the_wire(name: str, az: AutomizyClient, mocked: aioresponses) -> None:
    case = CASES[name]
    mocked.add(case.url, case.method, payload=case.answer)

    result = await case.call(az)

    call = only_call(mocked)
    assert (call.method, call.url) == (case.method, URL(case.url))
    assert call.json == case.body
    if case.body is not None:
        assert call.headers["Content-Type"] == "application/json"
    assert result == case.result


async def test_analyze_import_streams_a_multipart_file(
    az: AutomizyClient, mocked: aioresponses, tmp_path: Any
) -> None:
    csv = tmp_path / "contacts.csv"
    csv.write_bytes(b"email,name\r\na@example.com,A\r\n")
    mocked.post(
        IMPORT_SERVICE_URL + "/analyze", payload={"importId": 123, "headers": ["email", "name"]}
    )

    result = await az.analyze_import(csv)

    call = only_call(mocked)
    assert (call.method, call.url) == ("POST", URL(IMPORT_SERVICE_URL + "/analyze"))
    content_type = call.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    [part] = parse_form(content_type, call.kwargs["data"])
    assert (part.name, part.filename, part.content_type) == ("file", "contacts.csv", "text/csv")
    assert part.content == csv.read_bytes()
    assert result == ImportAnalysis(import_id=123, headers=["email", "name"])


async def test_create_field_accepts_the_wrapper_exactly_as_the_seed_prints_it(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    mocked.post(
        CONTACT_MANAGER_URL + "/field",
        body='"createdField": { "id": 1, "label": "My Label", "mergeTag": "mergeTag" }',
    )
    field = await az.create_field("mergeTag", "My Label", "STRING")
    assert field == Field(id=1, label="My Label", merge_tag="mergeTag")


async def test_create_field_accepts_an_unwrapped_answer(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    mocked.post(CONTACT_MANAGER_URL + "/field", payload={"id": 2, "label": "L", "mergeTag": "m"})
    assert (await az.create_field("m", "L", "INTEGER")).id == 2


async def test_field_type_default_is_readable(az: AutomizyClient, mocked: aioresponses) -> None:
    mocked.get(
        CONTACT_MANAGER_URL + "/field/1", payload={**FIELD, "type": "DEFAULT", "futureKey": 1}
    )
    field = await az.get_field(1)
    assert field.type is FieldType.DEFAULT
    assert field.extra == {"futureKey": 1}


async def test_process_import_path_can_follow_the_seed_example(
    session: Any, mocked: aioresponses
) -> None:
    async with AutomizyClient(
        API_KEY,
        AZ_BASE,
        session=session,
        process_import_path=routes.PROCESS_IMPORT_EXAMPLE_PATH,
    ) as az:
        mocked.post(IMPORT_SERVICE_URL + "/import/9/process", payload=SUCCESS)
        await az.process_import(9, [1], [])
    assert only_call(mocked).url == URL(IMPORT_SERVICE_URL + "/import/9/process")


@pytest.mark.parametrize(
    "template", ["/x/{id:id}/process", "no-slash/{importId:id}", "/x/{importId:bogus}"]
)
def test_a_bad_process_import_path_is_refused(template: str) -> None:
    with pytest.raises(ConfigurationError):
        AutomizyClient(API_KEY, AZ_BASE, process_import_path=template)
