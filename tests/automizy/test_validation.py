"""Bad ids, e-mail addresses and values are refused before any request; criterion helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aioresponses import aioresponses

from contactflow_automizy import AutomizyClient, ConfigurationError
from contactflow_automizy.automizy.criteria import all_of, any_of, criterion_groups
from contactflow_automizy.automizy.models import Criterion, FieldMapping, Scope

REFUSED: dict[str, Callable[[AutomizyClient], Awaitable[Any]]] = {
    "contact id zero": lambda az: az.get_contact(0),
    "contact id as text": lambda az: az.get_contact("1"),  # type: ignore[arg-type]
    "contact id bool": lambda az: az.delete_contact(True),
    "path traversal": lambda az: az.get_tag("../list"),  # type: ignore[arg-type]
    "bad e-mail": lambda az: az.create_contact("not-an-address", 1),
    "e-mail without tld": lambda az: az.create_contact("a@localhost", 1),
    "list id negative": lambda az: az.create_contact("a@example.com", -1),
    "field id zero in fields": lambda az: az.create_contact("a@example.com", 1, {0: "x"}),
    "fields without value": lambda az: az.create_contact("a@example.com", 1, [{"id": 1}]),
    "bool field value": lambda az: az.update_contact_field(1, 2, True),
    "field id in body": lambda az: az.update_contact_field(1, 1.5, "x"),  # type: ignore[arg-type]
    "unknown status": lambda az: az.update_contact_status(1, "DELETED"),
    "new e-mail": lambda az: az.update_contact_email(1, "x@y"),
    "tag names as one string": lambda az: az.update_contact_tags(1, "vip"),
    "empty tag name": lambda az: az.update_contact_tags(1, [""]),
    "empty list name": lambda az: az.create_list(" "),
    "DEFAULT field type": lambda az: az.create_field("m", "L", "DEFAULT"),
    "unknown field type": lambda az: az.create_field("m", "L", "BLOB"),
    "nothing to update": lambda az: az.update_field(1),
    "tag name not text": lambda az: az.update_tag(1, 5),  # type: ignore[arg-type]
    "import id": lambda az: az.process_import(0, [1], []),
    "no list": lambda az: az.process_import(1, [], []),
    "list id in body": lambda az: az.process_import(1, [0], []),
    "tag id in body": lambda az: az.process_import(1, [1], [], add_contact_tag_ids=["2"]),
    "mapping field id": lambda az: az.process_import(
        1, [1], [{"fieldId": -3, "headerName": "h", "ignore": False}]
    ),
    "notification e-mail": lambda az: az.process_import(1, [1], [], notification_email="me"),
    "scope list id": lambda az: az.search_contacts({"listId": 0}).to_list(),
    "criterion field id": lambda az: az.search_contacts(
        Scope(list_id=1), [{"type": "FIELD", "fieldId": "3"}]
    ).to_list(),
    "missing file": lambda az: az.analyze_import("/nonexistent/contacts.csv"),
}


@pytest.mark.parametrize("name", list(REFUSED))
async def test_refused_before_any_request(
    name: str, az: AutomizyClient, mocked: aioresponses
) -> None:
    with pytest.raises(ConfigurationError):
        await REFUSED[name](az)
    assert mocked.requests == {}


def test_request_models_check_ids_at_construction() -> None:
    with pytest.raises(ConfigurationError):
        Scope(list_id=0)
    with pytest.raises(ConfigurationError):
        Criterion(field_id=-1)
    with pytest.raises(ConfigurationError):
        FieldMapping(field_id=0, header_name="h", ignore=False)


A = Criterion(type="IMPORT", operator="EQ", value=1)
B = Criterion(type="FIELD", operator="IN", field_id=3, value="x")
C = Criterion(type="TAG", operator="IN", value=2)


def test_all_of_is_one_group_and_any_of_ors_groups() -> None:
    assert all_of(A, B) == [A, B]
    assert any_of(all_of(A, B), C) == [[A, B], [C]]
    assert any_of({"type": "TAG", "operator": "IN", "value": 2}) == [[C]]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((), []),
        (A, [[A]]),
        ([A, B], [[A, B]]),
        ([[A, B], [C]], [[A, B], [C]]),
        (any_of(A, C), [[A], [C]]),
    ],
)
def test_criterion_forms(given: Any, expected: list[list[Criterion]]) -> None:
    assert criterion_groups(given) == expected


@pytest.mark.parametrize("bad", [[A, [B]], "IMPORT", [["x"]], 5])
def test_bad_criterion_forms(bad: Any) -> None:
    with pytest.raises(ConfigurationError):
        criterion_groups(bad)
