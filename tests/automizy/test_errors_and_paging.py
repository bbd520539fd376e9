"""Every error body shape the seed documents, and 1-based paging across pages."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from contactflow_automizy import (
    AutomizyClient,
    ConflictError,
    InternalServerError,
    NotFoundError,
    UnprocessableEntityError,
)
from contactflow_automizy.automizy.models import ContactList
from tests.automizy.conftest import CONTACT_MANAGER_URL, IMPORT_SERVICE_URL, calls
from tests.conftest import API_KEY


async def test_422_field_keyed_errors(az: AutomizyClient, mocked: aioresponses) -> None:
    body = {"errors": [{"emailAddress": '"emailAddress" is required'}]}
    mocked.post(CONTACT_MANAGER_URL + "/contact", status=422, payload=body)
    with pytest.raises(UnprocessableEntityError) as info:
        await az.create_contact("a@example.com", 1)
    assert info.value.field_errors == [("emailAddress", '"emailAddress" is required')]
    assert info.value.message == '"emailAddress" is required'


async def test_422_several_field_keyed_errors(az: AutomizyClient, mocked: aioresponses) -> None:
    body = {
        "errors": [
            {"id": '"id" must be a number'},
            {"tagNameList": '"tagNameList" must be an array'},
        ]
    }
    mocked.post(CONTACT_MANAGER_URL + "/contact/1/tag", status=422, payload=body)
    with pytest.raises(UnprocessableEntityError) as info:
        await az.update_contact_tags(1, ["a"])
    assert info.value.field_errors == [
        ("id", '"id" must be a number'),
        ("tagNameList", '"tagNameList" must be an array'),
    ]


async def test_422_field_and_message_errors(az: AutomizyClient, mocked: aioresponses) -> None:
    body = {"errors": [{"field": "id", "message": '"id" must be a number'}]}
    mocked.delete(CONTACT_MANAGER_URL + "/contact/5", status=422, payload=body)
    with pytest.raises(UnprocessableEntityError) as info:
        await az.delete_contact(5)
    assert info.value.field_errors == [("id", '"id" must be a number')]


async def test_422_message_only_error_item(az: AutomizyClient, mocked: aioresponses) -> None:
    mocked.post(
        CONTACT_MANAGER_URL + "/list",
        status=422,
        payload={"errors": [{"message": "'name' required."}]},
    )
    with pytest.raises(UnprocessableEntityError) as info:
        await az.create_list("x")
    assert info.value.field_errors == [(None, "'name' required.")]


async def test_422_message_and_path(az: AutomizyClient, mocked: aioresponses) -> None:
    body = {
        "message": "DEFAULT type Field cannot be deleted",
        "path": CONTACT_MANAGER_URL + "/field/1",
    }
    mocked.delete(CONTACT_MANAGER_URL + "/field/1", status=422, payload=body)
    with pytest.raises(UnprocessableEntityError, match="DEFAULT type Field cannot be deleted"):
        await az.delete_field(1)


async def test_404_message_and_path(az: AutomizyClient, mocked: aioresponses) -> None:
    body = {"message": "Contact List not exist", "path": CONTACT_MANAGER_URL + "/list/43"}
    mocked.get(CONTACT_MANAGER_URL + "/list/43", status=404, payload=body)
    with pytest.raises(NotFoundError) as info:
        await az.get_list(43)
    assert info.value.message == "Contact List not exist"
    assert info.value.status == 404


async def test_404_error_and_id(az: AutomizyClient, mocked: aioresponses) -> None:
    mocked.get(
        CONTACT_MANAGER_URL + "/contact/123",
        status=404,
        payload={"error": "Contact not exist", "id": 123},
    )
    with pytest.raises(NotFoundError, match="Contact not exist"):
        await az.get_contact(123)


async def test_get_tag_404_with_a_422_shaped_body_is_still_not_found(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    body = {"errors": [{"field": "id", "message": '"id" must be a number'}]}
    mocked.get(CONTACT_MANAGER_URL + "/tag/9", status=404, payload=body)
    with pytest.raises(NotFoundError) as info:
        await az.get_tag(9)
    assert not isinstance(info.value, UnprocessableEntityError)
    assert info.value.field_errors == [("id", '"id" must be a number')]


async def test_409_email_taken(az: AutomizyClient, mocked: aioresponses) -> None:
    body = {
        "message": "Contact already exist",
        "path": CONTACT_MANAGER_URL + "/contact/1/email-address",
    }
    mocked.patch(CONTACT_MANAGER_URL + "/contact/1/email-address", status=409, payload=body)
    with pytest.raises(ConflictError) as info:
        await az.update_contact_email(1, "taken@example.com")
    assert info.value.message == "Contact already exist"
    assert API_KEY not in str(info.value)


async def test_plain_text_500_on_analyze_is_not_retried(
    az: AutomizyClient, mocked: aioresponses, tmp_path: Any
) -> None:
    csv = tmp_path / "c.csv"
    csv.write_bytes(b"email\n")
    mocked.post(
        IMPORT_SERVICE_URL + "/analyze", status=500, body="Internal server error", repeat=True
    )
    with pytest.raises(InternalServerError) as info:
        await az.analyze_import(csv)
    assert info.value.message == "Internal server error"
    assert info.value.attempts == 1
    assert len(calls(mocked)) == 1


def _lists_page(number: int, ids: list[int], total_pages: int = 3) -> dict[str, Any]:
    return {
        "totalItems": 5,
        "totalPages": total_pages,
        "currentPage": number,
        "items": [{"id": i, "name": f"L{i}"} for i in ids],
    }


@pytest.mark.parametrize("prefetch", [1, 3])
async def test_pages_are_1_based_and_walked_to_the_end(
    az: AutomizyClient, mocked: aioresponses, prefetch: int
) -> None:
    for number, ids in ((1, [1, 2]), (2, [3, 4]), (3, [5])):
        mocked.get(
            f"{CONTACT_MANAGER_URL}/list?page={number}&pageSize=2", payload=_lists_page(number, ids)
        )

    pages = [p async for p in az.list_lists(page_size=2, prefetch=prefetch).pages()]

    assert [p.number for p in pages] == [1, 2, 3]
    assert [[item.id for item in p.items] for p in pages] == [[1, 2], [3, 4], [5]]
    assert all(p.total_items == 5 and p.total_pages == 3 for p in pages)
    assert isinstance(pages[0].items[0], ContactList)
    assert sorted(str(c.url) for c in calls(mocked)) == [
        f"{CONTACT_MANAGER_URL}/list?page={n}&pageSize=2" for n in (1, 2, 3)
    ]


async def test_search_sends_the_same_body_for_every_page(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    for number in (1, 2):
        mocked.post(
            f"{CONTACT_MANAGER_URL}/contact/criterion?page={number}&pageSize=1",
            payload={
                "totalItems": 2,
                "totalPages": 2,
                "currentPage": number,
                "items": [{"id": number, "emailAddress": f"c{number}@example.com"}],
            },
        )
    contacts = [c async for c in az.list_contacts_in_list(4, page_size=1)]
    assert [c.id for c in contacts] == [1, 2]
    recorded = calls(mocked)
    assert [c.url.query["page"] for c in recorded] == ["1", "2"]
    assert all(c.json == {"scope": {"listId": 4}, "criterion": []} for c in recorded)


async def test_empty_listing_as_the_seed_shows_it(az: AutomizyClient, mocked: aioresponses) -> None:
    empty = {"totalItems": 0, "totalPages": 0, "currentPage": 0, "items": []}
    mocked.get(CONTACT_MANAGER_URL + "/tag?page=1&pageSize=100", payload=empty)
    assert await az.list_tags().to_list() == []
    assert [c.url for c in calls(mocked)] == [URL(CONTACT_MANAGER_URL + "/tag?page=1&pageSize=100")]


async def test_a_search_is_retried_like_a_read(az: AutomizyClient, mocked: aioresponses) -> None:
    url = f"{CONTACT_MANAGER_URL}/contact/criterion?page=1&pageSize=100"
    mocked.post(url, status=502, body="bad gateway")
    mocked.post(url, payload={"totalItems": 0, "totalPages": 0, "currentPage": 0, "items": []})
    assert await az.search_contacts({"listId": 1}).to_list() == []
    assert len(calls(mocked)) == 2
