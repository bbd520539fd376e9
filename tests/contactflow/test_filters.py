"""Query filters and argument checks: serialisation, enum checks, refusals before any request."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from aioresponses import aioresponses

from contactflow_automizy import ConfigurationError, ContactflowClient, _validate
from contactflow_automizy.contactflow import _filters
from contactflow_automizy.contactflow import models as m
from tests.conftest import CF_BASE
from tests.contactflow.test_operations import U1, page


@pytest.mark.parametrize(
    ("typed", "checks"),
    [
        (_filters.AutomationFilters, _filters.AUTOMATION_FILTERS),
        (_filters.AutomationReportFilters, _filters.AUTOMATION_REPORT_FILTERS),
        (_filters.TokenFilters, _filters.TOKEN_FILTERS),
        (_filters.TokenReportFilters, _filters.TOKEN_REPORT_FILTERS),
    ],
)
def test_typed_filters_and_runtime_checks_agree(typed: Any, checks: dict[str, Any]) -> None:
    assert typed.__optional_keys__ == checks.keys()


def test_automation_filters_on_the_wire() -> None:
    east = timezone(timedelta(hours=2))
    query = _filters.to_query(
        _filters.AUTOMATION_FILTERS,
        {
            "name": "Welcome",
            "description": None,
            "status": ("DRAFT", m.AutomationStatus.ERROR),
            "category": m.AutomationCategory.CUSTOM,
            "start_date_before": datetime(2024, 5, 6, 7, 8, 9, tzinfo=east),
            "end_date_after": datetime(2024, 1, 1),
            "has_trigger": False,
            "step_type": m.StepType.AB_TEST,
        },
    )
    from contactflow_automizy._routes import encode_query

    assert encode_query(query) == [
        ("name", "Welcome"),
        ("status", "DRAFT"),
        ("status", "ERROR"),
        ("category", "Custom"),
        ("startDateBefore", "2024-05-06T07:08:09+02:00"),
        ("endDateAfter", "2024-01-01T00:00:00+00:00"),  # naive is taken as UTC
        ("hasTrigger", "false"),
        ("stepType", "AB_TEST"),
    ]


async def test_list_filters_repeat_the_key_and_none_is_not_sent(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.get(
        f"{CF_BASE}/automations?page=0&size=100&status=RUNNING&status=PAUSED", payload=page()
    )
    found = await cf.list_automations(status=["RUNNING", "PAUSED"], name=None).to_list()
    assert found == []
    [call] = next(iter(mocked.requests.values()))
    assert call.kwargs["params"] == [
        ("status", "RUNNING"),
        ("status", "PAUSED"),
        ("page", "0"),
        ("size", "100"),
    ]


async def test_remove_expired_customers_false_is_not_sent(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.patch(f"{CF_BASE}/automations/{U1}", payload={"uuid": U1})
    await cf.update_automation_status(U1, m.AutomationStatus.RUNNING)
    [call] = next(iter(mocked.requests.values()))
    assert call.kwargs["params"] is None
    assert call.kwargs["data"] == b'{"status":"RUNNING"}'


def _bad_calls(cf: ContactflowClient) -> list[Any]:
    """Calls that must be refused before anything is sent (each a thunk)."""
    return [
        lambda: cf.list_automations(status=["RUNNING", "SLEEPING"]),
        lambda: cf.list_automations(status="TO_SLEEP"),
        lambda: cf.list_automations(category=["Standard"]),
        lambda: cf.list_automations(step_type="EMAIL"),
        lambda: cf.list_automations(has_trigger="yes"),  # type: ignore[arg-type]
        lambda: cf.list_automations(created_after="2024-01-01"),  # type: ignore[arg-type]
        lambda: cf.list_automations(status={"RUNNING": 1}),
        lambda: cf.list_automations(colour="red"),  # type: ignore[call-arg]
        lambda: cf.search_tokens(aggregated_status="DONE"),
        lambda: cf.search_tokens(sort="name"),
        lambda: cf.search_tokens(automation_uuid="not-a-uuid"),
        lambda: cf.get_automation("../nodes"),
        lambda: cf.get_token("1234"),
        lambda: cf.get_step_feedbacks(U1, "x"),
        lambda: cf.get_pagebuilder_page(-1, 2),
        lambda: cf.list_pagebuilder_pages("3"),  # type: ignore[arg-type]
        lambda: cf.list_settings(category="OTHER"),
        lambda: cf.list_settings(type="SOAP"),
        lambda: cf.update_automation_status(U1, "STOPPED"),
        lambda: cf.create_automation(m.Automation(name="a"), name="b"),
        lambda: cf.create_setting(colour="red"),
        lambda: cf.get_actions(node="not-a-node"),
        lambda: cf.download_automations_report("x.csv", status=["NOPE"]),
        lambda: cf.download_tokens_report("x.zip", step_uuid="nope"),
    ]


async def test_bad_arguments_are_refused_before_any_request(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    for make in _bad_calls(cf):
        with pytest.raises(ConfigurationError):
            pending = make()
            if hasattr(pending, "to_list"):
                await pending.to_list()
            else:
                await pending
    assert mocked.requests == {}


async def test_bad_report_filters_are_refused_before_any_request(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    with pytest.raises(ConfigurationError, match="status must be one of"):
        await anext(cf.iter_automations_report(status="NOPE"))
    with pytest.raises(ConfigurationError, match="aggregated_status"):
        await anext(cf.iter_tokens_report(aggregated_status="NOPE"))
    assert mocked.requests == {}


def test_enum_error_names_the_allowed_values() -> None:
    with pytest.raises(ConfigurationError, match="RUNNING, COMPLETED, ERROR"):
        _validate.enum_member("aggregated_status", m.AggregatedTokenStatus, "DONE")


async def test_deprecated_categories_warns_at_the_caller(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.get(f"{CF_BASE}/automations/categories", payload={"categories": ["Custom"]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        categories = await cf.get_automation_categories_deprecated()
    assert categories.categories == ["Custom"]
    [warning] = caught
    assert warning.category is DeprecationWarning
    assert warning.filename == __file__


async def test_unknown_fields_survive_and_enum_values_stay_strings(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.get(
        f"{CF_BASE}/automations/{U1}",
        payload={"uuid": U1, "status": "HIBERNATING", "owner": {"id": 1}},
    )
    automation = await cf.get_automation(U1)
    assert automation.status == "HIBERNATING"
    assert automation.extra == {"owner": {"id": 1}}
    assert automation.to_dict() == {"uuid": U1, "status": "HIBERNATING", "owner": {"id": 1}}


def test_models_are_timezone_aware() -> None:
    token = m.Token.from_dict({"errorDate": "2024-01-01T10:00:00"})
    assert token.error_date == datetime(2024, 1, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        # "status Items Enum: ... TO_ARCHIVE" (GET /automations lists seven: no TO_DELETE)
        (lambda cf: cf.list_automations(status="TO_DELETE").to_list(), "status"),
        # GET /automations/reports: "status ... TO_ARCHIVE"/"TO_DELETE" not listed
        (lambda cf: anext(cf.iter_automations_report(status="TO_ARCHIVE")), "status"),
        (lambda cf: anext(cf.iter_automations_report(status=["TO_DELETE"])), "status"),
        # GET /automations/reports: "stepType ... Enum" has no WEBHOOK or TAG
        (lambda cf: anext(cf.iter_automations_report(step_type="WEBHOOK")), "step_type"),
        (lambda cf: anext(cf.iter_automations_report(step_type="TAG")), "step_type"),
        # GET /settings: "Type Value: CLAB_API_SOAP"
        (lambda cf: cf.list_settings(type="HUB"), "type"),
    ],
)
async def test_values_an_operation_does_not_list_are_refused_before_sending(
    cf: ContactflowClient, mocked: aioresponses, call: Any, argument: str
) -> None:
    """Each operation's own seed list decides, even where the enum has more values."""
    with pytest.raises(ConfigurationError, match=f"{argument} must be one of"):
        await call(cf)
    assert mocked.requests == {}


async def test_the_list_filter_still_takes_to_archive(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.get(
        re.compile(rf"^{re.escape(CF_BASE)}/automations\?.*status=TO_ARCHIVE"),
        payload={"content": [], "totalElements": 0, "totalPages": 0, "number": 0},
    )
    assert await cf.list_automations(status="TO_ARCHIVE").to_list() == []
    assert len(mocked.requests) == 1
