"""The emulated Automizy API, driven by the SDK over sockets and in-process."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from contactflow_automizy import (
    AutomizyClient,
    ConflictError,
    NotFoundError,
    UnprocessableEntityError,
)
from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes
from contactflow_automizy.emulator import Emulator
from contactflow_automizy.emulator.automizy import TABLE
from tests.emulator._helpers import all_pages, call

CSV = (
    b"E-mail,First name,Score,Unused\r\n"
    b"ann@example.com,Ann,10,x\r\n"
    b"bob@example.com,Bob,20,y\r\n"
    b"not-an-address,Nobody,0,z\r\n"
    b"old@example.com,Oldie,30,w\r\n"
)


def _multipart(data: bytes, boundary: str = "emu-boundary") -> tuple[bytes, str]:
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="contacts.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


async def _list(az: AutomizyClient, name: str) -> int:
    created = await call(az, routes.CREATE_LIST, json={"name": name})
    assert created["name"] == name
    return int(created["id"])


async def _contact(az: AutomizyClient, email: str, list_id: int, **extra: Any) -> int:
    body = {"emailAddress": email, "listId": list_id, **extra}
    return int((await call(az, routes.CREATE_CONTACT, json=body))["id"])


def test_every_route_is_served() -> None:
    declared = {v for v in vars(routes).values() if isinstance(v, Route)}
    assert declared <= set(TABLE)


async def test_contacts_lifecycle(az: AutomizyClient, emu: Emulator) -> None:
    list_id = await _list(az, "Customers")
    contact_id = await _contact(az, "ann@example.com", list_id, fields=[{"id": 1, "value": "Ann"}])
    contact = await az.get_contact(contact_id)
    assert (contact.email_address, contact.status) == ("ann@example.com", "ACTIVE")
    assert [(f.merge_tag, f.value) for f in contact.fields] == [("firstname", "Ann")]
    assert [lst.name for lst in contact.lists] == ["Customers"]

    with pytest.raises(ConflictError) as conflict:
        await _contact(az, "ANN@example.com", list_id)
    assert conflict.value.message == "Contact already exist"
    with pytest.raises(NotFoundError) as missing_list:
        await _contact(az, "new@example.com", 999)
    assert missing_list.value.message == "Contact List not exist"
    with pytest.raises(UnprocessableEntityError) as invalid:
        await call(az, routes.CREATE_CONTACT, json={"listId": list_id})
    assert invalid.value.field_errors == [("emailAddress", '"emailAddress" is required')]
    with pytest.raises(NotFoundError):
        await _contact(az, "new@example.com", list_id, fields=[{"id": 99, "value": "x"}])

    key = {"id": contact_id}
    await call(az, routes.UPDATE_CONTACT_STATUS, path=key, json={"status": "UNSUBSCRIBED"})
    assert (await az.get_contact(contact_id)).unsubscribe_date is not None
    with pytest.raises(UnprocessableEntityError):
        await call(az, routes.UPDATE_CONTACT_STATUS, path=key, json={"status": "GONE"})
    other = await _contact(az, "bob@example.com", list_id)
    with pytest.raises(ConflictError):
        await call(
            az, routes.UPDATE_CONTACT_EMAIL, path=key, json={"emailAddress": "bob@example.com"}
        )
    await call(az, routes.UPDATE_CONTACT_EMAIL, path=key, json={"emailAddress": "anna@example.com"})
    await call(az, routes.UPDATE_CONTACT_TAGS, path=key, json={"tagNameList": ["vip", "new"]})
    await call(az, routes.UPDATE_CONTACT_TAGS, path={"id": other}, json={"tagNameList": ["vip"]})
    assert sorted(t.name for t in emu.state.tags.values()) == ["new", "vip"]
    await call(az, routes.UPDATE_CONTACT_FIELD, path=key, json={"fieldId": 2, "value": "Smith"})
    contact = await az.get_contact(contact_id)
    assert contact.email_address == "anna@example.com"
    assert [t.name for t in contact.tags] == ["vip", "new"]
    assert {f.merge_tag: f.value for f in contact.fields} == {
        "firstname": "Ann",
        "lastname": "Smith",
    }
    with pytest.raises(NotFoundError) as no_field:
        await call(az, routes.UPDATE_CONTACT_FIELD, path=key, json={"fieldId": 77, "value": "x"})
    assert no_field.value.message == "Field not exist"

    assert (await call(az, routes.GET_LIST, path={"id": list_id}))["contactCount"] == 2
    await call(az, routes.DELETE_CONTACT, path=key)
    with pytest.raises(NotFoundError) as gone:
        await az.get_contact(contact_id)
    assert gone.value.message == "Contact not exist"
    with pytest.raises(NotFoundError):
        await call(az, routes.DELETE_CONTACT, path=key)
    assert (await call(az, routes.GET_LIST, path={"id": list_id}))["contactCount"] == 1


async def test_lists_fields_tags(az: AutomizyClient, emu: Emulator) -> None:
    list_id = await _list(az, "A")
    await call(az, routes.UPDATE_LIST, path={"id": list_id}, json={"name": "B"})
    assert (await call(az, routes.GET_LIST, path={"id": list_id}))["name"] == "B"
    with pytest.raises(UnprocessableEntityError) as no_name:
        await call(az, routes.CREATE_LIST, json={})
    assert no_name.value.message == "'name' parameter required."
    await call(az, routes.DELETE_LIST, path={"id": list_id})
    with pytest.raises(NotFoundError):
        await call(az, routes.GET_LIST, path={"id": list_id})

    defaults = await all_pages(az, routes.LIST_FIELDS, 10)
    assert [(f["mergeTag"], f["type"]) for f in defaults] == [
        ("firstname", "DEFAULT"),
        ("lastname", "DEFAULT"),
    ]
    created = await call(
        az, routes.CREATE_FIELD, json={"mergeTag": "score", "label": "Score", "type": "INTEGER"}
    )
    field_id = created["createdField"]["id"]
    assert created == {"createdField": {"id": field_id, "label": "Score", "mergeTag": "score"}}
    with pytest.raises(UnprocessableEntityError) as bad_type:
        await call(az, routes.CREATE_FIELD, json={"mergeTag": "x", "label": "X", "type": "DEFAULT"})
    assert bad_type.value.field_errors == [
        ("type", '"type" must be one of [DATETIME, STRING, INTEGER, HIDDEN]')
    ]
    with pytest.raises(ConflictError):
        await call(
            az, routes.CREATE_FIELD, json={"mergeTag": "SCORE", "label": "S", "type": "STRING"}
        )
    await call(az, routes.CREATE_FIELD, json={"mergeTag": "secret", "label": "S", "type": "HIDDEN"})
    hidden = await all_pages(az, routes.LIST_FIELDS, 10, query={"hidden": True})
    assert [f["mergeTag"] for f in hidden] == ["secret"]
    assert len(await all_pages(az, routes.LIST_FIELDS, 10, query={"hidden": False})) == 3
    await call(az, routes.UPDATE_FIELD, path={"id": field_id}, json={"label": "Points"})
    assert (await call(az, routes.GET_FIELD, path={"id": field_id}))["label"] == "Points"
    await call(az, routes.UPDATE_FIELD, path={"id": 1}, json={"defaultValue": "Friend"})
    with pytest.raises(UnprocessableEntityError):
        await call(az, routes.UPDATE_FIELD, path={"id": 1}, json={"mergeTag": "renamed"})
    with pytest.raises(UnprocessableEntityError) as default:
        await call(az, routes.DELETE_FIELD, path={"id": 1})
    assert default.value.message == "DEFAULT type Field cannot be deleted"
    await call(az, routes.DELETE_FIELD, path={"id": field_id})
    with pytest.raises(NotFoundError):
        await call(az, routes.GET_FIELD, path={"id": field_id})

    tag_id = (await call(az, routes.CREATE_TAG, json={"name": "hot"}))["id"]
    with pytest.raises(ConflictError):
        await call(az, routes.CREATE_TAG, json={"name": "hot"})
    await call(az, routes.UPDATE_TAG, path={"id": tag_id}, json={"name": "cold"})
    assert (await call(az, routes.GET_TAG, path={"id": tag_id}))["name"] == "cold"
    assert [t.name for t in await az.list_tags().to_list()] == ["cold"]
    await call(az, routes.DELETE_TAG, path={"id": tag_id})
    with pytest.raises(NotFoundError):
        await call(az, routes.GET_TAG, path={"id": tag_id})


async def test_pages_count_right(az: AutomizyClient) -> None:
    empty = await call(az, routes.LIST_TAGS)
    assert empty == {"totalItems": 0, "totalPages": 0, "currentPage": 0, "items": []}
    for i in range(12):
        await call(az, routes.CREATE_TAG, json={"name": f"t{i:02}"})
    page = await call(az, routes.LIST_TAGS, query={"page": 3, "pageSize": 5})
    assert (page["totalItems"], page["totalPages"], page["currentPage"]) == (12, 3, 3)
    assert [t["name"] for t in page["items"]] == ["t10", "t11"]
    assert [t.name for t in await az.list_tags(page_size=5).to_list()] == [
        f"t{i:02}" for i in range(12)
    ]
    with pytest.raises(UnprocessableEntityError) as bad:
        await call(az, routes.LIST_TAGS, query={"page": "first"})
    assert bad.value.field_errors == [("page", '"page" must be a number')]


async def test_criterion_search(az: AutomizyClient) -> None:
    vip_list, other_list = await _list(az, "VIP"), await _list(az, "Other")
    people = {
        "ann@corp.io": ("Ann", vip_list),
        "bob@corp.io": ("Bob", vip_list),
        "cat@home.io": ("Cat", vip_list),
        "dan@corp.io": ("Dan", other_list),
    }
    ids = {}
    for email, (name, list_id) in people.items():
        ids[email] = await _contact(az, email, list_id, fields=[{"id": 1, "value": name}])
    await call(
        az, routes.UPDATE_CONTACT_TAGS, path={"id": ids["cat@home.io"]}, json={"tagNameList": ["x"]}
    )
    tag = 1

    async def emails(scope: dict[str, Any], criterion: Any = ()) -> list[str]:
        body = {"scope": scope, "criterion": list(criterion)}
        items = await all_pages(az, routes.SEARCH_CONTACTS, 2, json=body)
        return [c["emailAddress"] for c in items]

    assert await emails({"listId": vip_list}) == ["ann@corp.io", "bob@corp.io", "cat@home.io"]
    assert await emails({"search": {"operator": "IN", "value": "corp"}}) == [
        "ann@corp.io", "bob@corp.io", "dan@corp.io"
    ]  # fmt: skip
    assert await emails({"search": {"operator": "IS", "value": "dan"}}) == ["dan@corp.io"]
    ann_or_cat = [
        [{"type": "FIELD", "fieldId": 1, "operator": "EQ", "value": "ann"}],
        [{"type": "TAG", "operator": "IN", "value": tag}],
    ]
    assert await emails({"listId": vip_list}, ann_or_cat) == ["ann@corp.io", "cat@home.io"]
    corp_and_not_bob = [
        [
            {"type": "EMAIL", "operator": "ENDS_WITH", "value": "@corp.io"},
            {"type": "FIELD", "fieldId": 1, "operator": "NEQ", "value": "Bob"},
        ]
    ]
    assert await emails({}, corp_and_not_bob) == ["ann@corp.io", "dan@corp.io"]
    assert await emails({"contactStatus": "BOUNCED"}) == []
    bounced = {"scope": {"contactStatus": "BOUNCED"}, "criterion": []}
    nothing = await call(az, routes.SEARCH_CONTACTS, json=bounced)
    assert nothing == {"totalItems": 0, "totalPages": 0, "currentPage": 0, "items": []}
    with pytest.raises(UnprocessableEntityError):
        await emails({}, [[{"type": "FIELD", "fieldId": 1, "operator": "LIKE", "value": "a"}]])
    with pytest.raises(NotFoundError):
        await emails({"listId": 999})


async def test_import_analyze_and_process(az: AutomizyClient, emu: Emulator) -> None:
    list_id = await _list(az, "Imported")
    old = await _contact(az, "old@example.com", list_id, fields=[{"id": 1, "value": "Keep"}])
    score = (
        await call(
            az, routes.CREATE_FIELD, json={"mergeTag": "score", "label": "S", "type": "INTEGER"}
        )
    )["createdField"]["id"]
    tag = (await call(az, routes.CREATE_TAG, json={"name": "imported"}))["id"]
    body, content_type = _multipart(CSV)
    analysis = await call(
        az, routes.ANALYZE_IMPORT, content=body, headers={"Content-Type": content_type}
    )
    assert analysis["headers"] == ["E-mail", "First name", "Score", "Unused"]
    import_id = analysis["importId"]
    assert emu.state.imports[import_id].data == CSV

    process = {
        "contactListIdList": [list_id],
        "overwrite": False,
        "fieldList": [
            {"fieldId": None, "headerName": "E-mail", "ignore": False},
            {"fieldId": 1, "headerName": "First name", "ignore": False},
            {"fieldId": score, "headerName": "Score", "ignore": False},
            {"fieldId": None, "headerName": "Unused", "ignore": True},
        ],
        "addContactTagIdList": [tag],
        "removeContactTagIdList": [],
    }
    assert await call(az, routes.PROCESS_IMPORT, path={"importId": import_id}, json=process) == {
        "success": True
    }
    assert emu.state.imports[import_id].result == {"created": 2, "updated": 1, "skipped": 1}
    imported = await all_pages(
        az, routes.SEARCH_CONTACTS, 10, json={"scope": {"listId": list_id}, "criterion": []}
    )
    by_email = {c["emailAddress"]: c for c in imported}
    assert sorted(by_email) == ["ann@example.com", "bob@example.com", "old@example.com"]
    values = {f["mergeTag"]: f["value"] for f in by_email["bob@example.com"]["fields"]}
    assert values == {"firstname": "Bob", "score": "20"}
    assert [t["name"] for t in by_email["ann@example.com"]["tags"]] == ["imported"]
    kept = {
        f["mergeTag"]: f["value"]
        for f in (await call(az, routes.GET_CONTACT, path={"id": old}))["fields"]
    }
    assert kept == {"firstname": "Keep", "score": "30"}  # no overwrite: only empty fields filled
    from_import = [[{"type": "IMPORT", "operator": "EQ", "value": import_id}]]
    hits = await call(az, routes.SEARCH_CONTACTS, json={"scope": {}, "criterion": from_import})
    assert hits["totalItems"] == 3

    with pytest.raises(ConflictError):
        await call(az, routes.PROCESS_IMPORT, path={"importId": import_id}, json=process)
    with pytest.raises(NotFoundError):
        await call(az, routes.PROCESS_IMPORT, path={"importId": 999}, json=process)
    no_email = {**process, "fieldList": process["fieldList"][1:]}
    again = await call(
        az, routes.ANALYZE_IMPORT, content=body, headers={"Content-Type": content_type}
    )
    with pytest.raises(UnprocessableEntityError):
        await call(az, routes.PROCESS_IMPORT, path={"importId": again["importId"]}, json=no_email)


async def test_wire_level_errors(emu: Emulator, http: aiohttp.ClientSession) -> None:
    cm = emu.automizy_url + routes.CONTACT_MANAGER
    key = {"Api-key": emu.api_key}
    async with http.get(f"{cm}/list") as response:
        assert response.status == 401
    async with http.get(f"{cm}/contact/12", headers={"Api-key": "wrong"}) as response:
        assert response.status == 401
    async with http.get(f"{cm}/contact/12", headers=key) as response:
        assert (response.status, await response.json()) == (
            404,
            {"error": "Contact not exist", "id": 12},
        )
    async with http.delete(f"{cm}/contact/12", headers=key) as response:
        assert (response.status, await response.json()) == (
            404,
            {"message": "Contact not exist", "path": f"{cm}/contact/12"},
        )
    async with http.get(f"{cm}/contact/abc", headers=key) as response:
        assert response.status == 422
        assert await response.json() == {
            "errors": [{"field": "id", "message": '"id" must be a number'}]
        }
    analyze = emu.automizy_url + routes.IMPORT_SERVICE + "/analyze"
    async with http.post(analyze, headers=key) as response:
        assert (response.status, await response.text()) == (500, "Internal server error")
    form = aiohttp.FormData()
    form.add_field("file", CSV, filename="c.csv", content_type="text/csv")
    async with http.post(analyze, headers=key, data=form) as response:
        assert (await response.json())["headers"][0] == "E-mail"


async def test_a_repeated_import_leaves_each_contact_once(
    az: AutomizyClient, emu: Emulator
) -> None:
    """SPEC.md section 8: "Automizy imports upsert by e-mail address, so a repeated
    import leaves each contact once" -- within one file too, whatever the case."""
    list_id = await _list(az, "Twice")
    rows = CSV + b"ANN@Example.com,Annie,11,q\r\n"
    field_list = [
        {"fieldId": None, "headerName": "E-mail", "ignore": False},
        {"fieldId": 1, "headerName": "First name", "ignore": False},
    ]
    for run in range(2):
        body, content_type = _multipart(rows)
        analysis = await call(
            az, routes.ANALYZE_IMPORT, content=body, headers={"Content-Type": content_type}
        )
        process = {
            "contactListIdList": [list_id],
            "overwrite": True,
            "fieldList": field_list,
            "addContactTagIdList": [],
            "removeContactTagIdList": [],
        }
        path = {"importId": analysis["importId"]}
        await call(az, routes.PROCESS_IMPORT, path=path, json=process)
        result = emu.state.imports[analysis["importId"]].result
        assert result == (
            {"created": 3, "updated": 1, "skipped": 1}
            if run == 0
            else {"created": 0, "updated": 4, "skipped": 1}
        )
    emails = sorted(c.email for c in emu.state.contacts.values())
    assert emails == ["ann@example.com", "bob@example.com", "old@example.com"]
    assert (await call(az, routes.GET_LIST, path={"id": list_id}))["contactCount"] == 3
    ann = emu.state.contact_by_email("ann@example.com")
    assert ann is not None and ann.fields[1] == "Annie"  # the later row, overwritten
