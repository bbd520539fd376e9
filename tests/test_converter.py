"""The shared converter: wire names, extras, date-times, enums, partial bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from contactflow_automizy import ResponseFormatError
from contactflow_automizy._converter import structure, to_camel
from contactflow_automizy.automizy.models import (
    Contact,
    ContactSearch,
    ContactStatus,
    Criterion,
    FieldType,
    Scope,
)
from contactflow_automizy.contactflow.models import (
    Automation,
    AutomationCategory,
    AutomationStatus,
    BatchStatus,
    CustomerBatch,
    Node,
)


def test_camel_case_names() -> None:
    assert to_camel("hub_phone_field") == "hubPhoneField"
    assert to_camel("userdb_id") == "userdbId"
    assert to_camel("uuid") == "uuid"


def test_structure_with_unknown_fields_keeps_them_in_extra_and_round_trips() -> None:
    wire = {"uuid": "u", "groupPk": 3, "hubPhoneField": "mobile", "brandNew": {"x": 1}}
    node = Node.from_dict(wire)
    assert node.group_pk == 3 and node.hub_phone_field == "mobile"
    assert node.extra == {"brandNew": {"x": 1}}
    assert node.to_dict() == wire


def test_none_fields_are_not_sent() -> None:
    assert Node(name="n", active=False).to_dict() == {"name": "n", "active": False}


def test_datetimes_are_aware() -> None:
    node = Node.from_dict({"created": "2019-08-24T14:15:22Z"})
    assert node.created == datetime(2019, 8, 24, 14, 15, 22, tzinfo=UTC)
    naive = Node.from_dict({"created": "2019-08-24T14:15:22"})
    assert naive.created is not None and naive.created.tzinfo is UTC
    offset = Node.from_dict({"created": "2019-08-24T14:15:22+02:00"})
    assert offset.created == datetime(2019, 8, 24, 12, 15, 22, tzinfo=UTC)
    tz = timezone(timedelta(hours=2))
    assert Node(created=datetime(2020, 1, 1, tzinfo=tz)).to_dict() == {
        "created": "2020-01-01T00:00:00+02:00"
    }


def test_enums_are_str_enums_and_unknown_values_stay_strings() -> None:
    contact = Contact.from_dict({"status": "ACTIVE", "fields": [{"type": "DEFAULT"}]})
    assert contact.status is ContactStatus.ACTIVE and contact.status == "ACTIVE"
    assert contact.fields[0].type is FieldType.DEFAULT
    future = Contact.from_dict({"status": "ARCHIVED_BY_ROBOT"})
    assert future.status == "ARCHIVED_BY_ROBOT"


def test_nested_models_and_lists() -> None:
    batch = structure(
        {
            "customers": [{"userPk": "1", "attributes": {"a": 1}}],
            "packet": "FIRST",
            "status": "OPEN",
        },
        CustomerBatch,
    )
    assert batch.customers[0].user_pk == "1"
    assert batch.customers[0].attributes == {"a": 1}
    assert batch.status is BatchStatus.OPEN
    assert batch.to_dict()["customers"] == [{"userPk": "1", "attributes": {"a": 1}}]


def test_wrong_shape_is_a_response_format_error() -> None:
    with pytest.raises(ResponseFormatError):
        structure(["not", "a", "dict"], Node)
    with pytest.raises(ResponseFormatError):
        structure({"customers": "nope"}, CustomerBatch)


def test_bad_datetime_is_kept_as_sent_rather_than_failing() -> None:
    assert Node.from_dict({"created": "yesterday"}).created == "yesterday"


def test_to_dict_is_plain_json_ready_data_and_from_dict_reads_it_back() -> None:
    """What a web framework or a queue can take as it is: only plain types, wire names."""
    automation = Automation(
        name="Welcome",
        status=AutomationStatus.RUNNING,
        category=AutomationCategory.CUSTOM,
        start_date=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        steps=[{"uuid": "s1"}],
        extra={"brandNew": {"x": [1, 2]}},
    )
    data = automation.to_dict()
    assert data == {
        "name": "Welcome",
        "status": "RUNNING",
        "category": "Custom",
        "startDate": "2024-05-06T07:08:09+00:00",
        "steps": [{"uuid": "s1"}],
        "brandNew": {"x": [1, 2]},
    }
    assert type(data["status"]) is str and type(data["category"]) is str  # not the enum
    assert json.loads(json.dumps(data)) == data
    assert Automation.from_dict(data) == automation

    search = ContactSearch(
        scope=Scope(list_id=1, contact_status=ContactStatus.ACTIVE), criterion=[[Criterion()]]
    )
    nested = search.to_dict()
    assert nested == {"scope": {"listId": 1, "contactStatus": "ACTIVE"}, "criterion": [[{}]]}
    assert type(nested["scope"]["contactStatus"]) is str
    assert ContactSearch.from_dict(nested) == search


def test_to_dict_keeps_an_enum_value_newer_than_the_sdk() -> None:
    assert Automation.from_dict({"status": "HIBERNATING"}).to_dict() == {"status": "HIBERNATING"}
