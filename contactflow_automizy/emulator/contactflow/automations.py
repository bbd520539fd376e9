"""Automations: CRUD, status changes, list filters, feedbacks, the CSV report and the
deprecated categories route."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from multidict import MultiMapping

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.checks import (
    Check,
    any_param,
    array,
    aware_date_time,
    boolean,
    boolean_param,
    date_time,
    json_object,
    one_of,
    string,
    uuid_text,
)
from contactflow_automizy.emulator.contactflow.common import (
    AUTOMATION_STATUSES,
    CATEGORIES,
    PAGE,
    STEP_TYPES,
    automation_of,
    body_object,
    cf_error,
    check,
    documented,
    new_uuid,
    no_content,
    not_found,
    ok,
)
from contactflow_automizy.emulator.contactflow.definitions import get_categories
from contactflow_automizy.emulator.contactflow.downloads import csv_body, download
from contactflow_automizy.emulator.paging import contactflow_page
from contactflow_automizy.emulator.state import Automation
from contactflow_automizy.emulator.wire import Reply, now_iso

__all__ = ["ROUTES", "first_step"]

#: The automation resource (``POST``/``PUT``); the seed requires none of its fields.
AUTOMATION = {
    "uuid": uuid_text,
    "name": string,
    "category": one_of(*CATEGORIES),
    "author": string,
    "startDate": date_time,
    "timezone": string,
    "status": one_of(*AUTOMATION_STATUSES),
    "created": date_time,
    "createdBy": string,
    "description": string,
    "endDate": date_time,
    "uniqueToken": boolean,
    "removeActionPrimary": boolean,
    "sourceDescription": string,
    "triggerEvents": array,
    "steps": array,
    "connections": array,
    "statistics": json_object,
}
#: ``PATCH``: "name string, status string (AutomationStatus)", neither required.
STATUS_UPDATE = {"name": string, "status": one_of(*AUTOMATION_STATUSES)}
DEFAULTS: dict[str, Any] = {
    "category": "Custom",
    "status": "DRAFT",
    "uniqueToken": False,
    "removeActionPrimary": False,
}
COMPACT = ("uuid", "name", "status", "category", "startDate", "endDate", "created")
#: Query parameters bounding a date field: (parameter, field, keep when value <= bound?).
DATE_BOUNDS = (
    ("startDateBefore", "startDate", True),
    ("startDateAfter", "startDate", False),
    ("endDateBefore", "endDate", True),
    ("endDateAfter", "endDate", False),
    ("createdBefore", "created", True),
    ("createdAfter", "created", False),
)


def _filters(statuses: tuple[str, ...], step_types: tuple[str, ...]) -> dict[str, Check]:
    """The filters ``GET /automations`` and its report share, with the enums each lists."""
    return {
        "name": any_param,
        "description": any_param,
        "status": one_of(*statuses),
        "category": one_of(*CATEGORIES),
        **{param: date_time for param, _, _ in DATE_BOUNDS},
        "stepType": one_of(*step_types),
        "hasTrigger": boolean_param,
    }


#: ``GET /automations``: status "Items Enum" lists 7 values (no ``TO_DELETE``).
LIST_FILTERS = {
    **_filters(AUTOMATION_STATUSES[:-1], STEP_TYPES),
    "style": any_param,
    **PAGE,
}
#: ``GET /automations/reports``: status lists 6 (no ``TO_ARCHIVE``/``TO_DELETE``), stepType 7
#: (no ``WEBHOOK``/``TAG``).
REPORT_FILTERS = {
    **_filters(
        AUTOMATION_STATUSES[:-2],
        tuple(s for s in STEP_TYPES if s not in ("WEBHOOK", "TAG")),
    ),
    "automationUuid": uuid_text,
    "filename": any_param,
}
#: ``PUT``/``PATCH``: "removeExpiredCustomers boolean Default: false".
REMOVE_EXPIRED = {"removeExpiredCustomers": boolean_param}


def first_step(automation: Automation) -> dict[str, Any]:
    """Where new customers wait: the automation's first step (empty if it has none)."""
    steps = automation.data.get("steps") or []
    return steps[0] if steps and isinstance(steps[0], dict) else {}


def view(automation: Automation, compact: bool = False) -> dict[str, Any]:
    data = automation.data
    if compact:
        return {key: data.get(key) for key in COMPACT}
    statistics = {"customers": automation.customer_count, "batchSources": len(automation.sources)}
    return {**data, "statistics": statistics}


def automation_filter(query: MultiMapping[str]) -> Callable[[Automation], bool]:
    """The (already checked) filters of ``GET /automations`` and its report as one predicate."""
    name = query.get("name", "").lower()
    description = query.get("description", "").lower()
    statuses = set(query.getall("status", ()))
    categories = set(query.getall("category", ()))
    step_type = query.get("stepType")
    has_trigger = query.get("hasTrigger", "false").lower() == "true"
    only = query.get("automationUuid", "").lower() or None
    bounds = [
        (field, before, aware_date_time(query[param]))
        for param, field, before in DATE_BOUNDS
        if param in query
    ]

    def within(data: dict[str, Any]) -> bool:
        for field, before, limit in bounds:
            value = aware_date_time(data.get(field))
            if value is None or limit is None or (value > limit if before else value < limit):
                return False
        return True

    def keep(automation: Automation) -> bool:
        data = automation.data
        return (
            (only is None or automation.uuid == only)
            and name in (data.get("name") or "").lower()
            and description in (data.get("description") or "").lower()
            and (not statuses or data.get("status") in statuses)
            and (not categories or data.get("category") in categories)
            and (step_type is None or any(s.get("operation") == step_type for s in _steps(data)))
            and (not has_trigger or bool(data.get("triggerEvents")))
            and within(data)
        )

    return keep


def _steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in data.get("steps") or () if isinstance(step, dict)]


def node_automations(call: Call) -> list[Automation]:
    return [a for a in call.state.automations.values() if a.node == call.node]


def list_automations(call: Call) -> Reply:
    keep = automation_filter(call.query)
    compact = call.query.get("style") == "compact"
    found = [a for a in node_automations(call) if keep(a)]
    return ok(contactflow_page(call.query, found, lambda a: view(a, compact)))


def _resource(
    call: Call, body: Mapping[str, Any], automation_uuid: str, created: str
) -> dict[str, Any]:
    """The stored automation: defaults, the body's non-null fields, server-owned fields;
    steps get UUIDs."""
    data = {
        **DEFAULTS,
        "triggerEvents": [],
        "steps": [],
        "connections": [],
        **documented(body, AUTOMATION),
    }
    data.pop("statistics", None)
    data["steps"] = [
        {**step, "uuid": step.get("uuid") or call.state.uuid()} if isinstance(step, dict) else step
        for step in data["steps"]
    ]
    data.update(
        uuid=automation_uuid, created=created, createdBy=data.get("createdBy") or "emulator"
    )
    return data


def create_automation(call: Call) -> Reply:
    body = body_object(call)
    check(body, AUTOMATION)
    automation_uuid = new_uuid(call, body)
    if automation_uuid in call.state.automations:
        raise cf_error(409, f"Automation {automation_uuid} already exists")
    assert call.node is not None
    automation = call.state.add_automation(
        call.node, _resource(call, body, automation_uuid, now_iso())
    )
    return ok(view(automation), 201)


def get_automation(call: Call) -> Reply:
    return ok(view(automation_of(call)))


def _change_status(call: Call, automation: Automation, status: str) -> None:
    """``removeExpiredCustomers`` acts only on PAUSED -> RUNNING, as the seed says."""
    remove = call.query.get("removeExpiredCustomers", "false").lower() == "true"
    if remove and automation.data.get("status") == "PAUSED" and status == "RUNNING":
        call.state.remove_expired(automation)
    automation.data["status"] = status


def update_automation(call: Call) -> Reply:
    automation = automation_of(call)
    body = body_object(call)
    check(body, AUTOMATION)
    data = _resource(call, body, automation.uuid, automation.data["created"])
    _change_status(call, automation, data["status"])
    automation.data = data
    return ok(view(automation))


def update_automation_status(call: Call) -> Reply:
    automation = automation_of(call)
    body = body_object(call)
    check(body, STATUS_UPDATE)
    if body.get("status") is not None:
        _change_status(call, automation, body["status"])
    if body.get("name") is not None:
        automation.data["name"] = body["name"]
    return ok(view(automation))


def delete_automation(call: Call) -> Reply:
    call.state.remove_automation(automation_of(call))
    return no_content()


def _step_feedback(automation: Automation, step: dict[str, Any]) -> dict[str, Any]:
    waiting = automation.customer_count if step is first_step(automation) else 0
    return {
        "uuid": step.get("uuid"),
        "type": step.get("type", "ACTION"),
        "operation": step.get("operation"),
        "description": step.get("description"),
        "feedbacks": {"customers": waiting, "completed": 0, "errors": 0},
    }


def get_automation_feedbacks(call: Call) -> Reply:
    automation = automation_of(call)
    steps = [_step_feedback(automation, step) for step in _steps(automation.data)]
    return ok({"automationUuid": automation.uuid, "steps": steps})


def get_step_feedbacks(call: Call) -> Reply:
    automation = automation_of(call)
    step_uuid = call.params["stepUuid"]
    for step in _steps(automation.data):
        if step.get("uuid") == step_uuid:
            return ok(_step_feedback(automation, step))
    raise not_found("Step", step_uuid)


REPORT_COLUMNS = (
    "uuid",
    "name",
    "status",
    "category",
    "description",
    "created",
    "startDate",
    "endDate",
    "customers",
)


def automations_report(call: Call) -> Reply:
    keep = automation_filter(call.query)
    rows = (
        [*(a.data.get(column) for column in REPORT_COLUMNS[:-1]), a.customer_count]
        for a in node_automations(call)
        if keep(a)
    )
    filename = call.query.get("filename", "feedbacks") + ".csv"
    return download(csv_body(REPORT_COLUMNS, rows), "text/csv; charset=utf-8", filename)


ROUTES: dict[Route, Operation] = {
    routes.LIST_AUTOMATIONS: Operation(list_automations, LIST_FILTERS),
    routes.CREATE_AUTOMATION: Operation(create_automation, body=AUTOMATION),
    routes.GET_AUTOMATION: Operation(get_automation),
    routes.UPDATE_AUTOMATION: Operation(update_automation, REMOVE_EXPIRED, body=AUTOMATION),
    routes.UPDATE_AUTOMATION_STATUS: Operation(
        update_automation_status, REMOVE_EXPIRED, body=STATUS_UPDATE
    ),
    routes.DELETE_AUTOMATION: Operation(delete_automation),
    routes.GET_STEP_FEEDBACKS: Operation(get_step_feedbacks),
    routes.GET_AUTOMATION_FEEDBACKS: Operation(get_automation_feedbacks),
    routes.AUTOMATIONS_REPORT: Operation(automations_report, REPORT_FILTERS),
    routes.AUTOMATION_CATEGORIES_DEPRECATED: Operation(get_categories),
}
