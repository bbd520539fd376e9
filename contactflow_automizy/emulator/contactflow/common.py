"""Contactflow error bodies, the seed's enums, body validation and node-scoped lookups.

Errors are ``{message, logref, errors: [{field, message}]}``: 400 for a
malformed request or query parameter, 404 for an unknown id, 409 for a
conflict, 422 for a body that fails validation.  The enums are copied from the
seed (not imported from the SDK: see the package docstring), one per place the
seed lists one, because its lists differ between operations.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.checks import Check, any_param
from contactflow_automizy.emulator.state import Automation
from contactflow_automizy.emulator.wire import ApiError, Reply, json_reply

__all__ = [
    "AUTOMATION_STATUSES",
    "CATEGORIES",
    "PAGE",
    "STEP_TYPES",
    "automation_of",
    "body_object",
    "catalogue",
    "cf_error",
    "check",
    "documented",
    "new_uuid",
    "no_content",
    "not_found",
    "ok",
]

#: ``AutomationStatus`` (automation bodies).
AUTOMATION_STATUSES = (
    "COMMITTED",
    "PAUSED",
    "RUNNING",
    "ARCHIVED",
    "DRAFT",
    "ERROR",
    "TO_ARCHIVE",
    "TO_DELETE",
)
#: ``AutomationCategory``.
CATEGORIES = ("Custom",)
#: The step operations: ``stepType`` of ``GET /automations``, and ``GET /actions``.
STEP_TYPES = (
    "CLAB_CAMPAIGN_SMS",
    "CLAB_CAMPAIGN",
    "WEBHOOK",
    "TAG",
    "FROM_LAST_STEP",
    "WAIT_AND_CHECK",
    "WAIT_FOR_TRIGGER",
    "AB_TEST",
    "NO_ACTION",
)
#: Paged answers take ``page`` and ``size`` (SPEC.md section 3); :mod:`~..paging` checks them.
PAGE: dict[str, Check] = {"page": any_param, "size": any_param}


def cf_error(status: int, message: str, errors: Iterable[Mapping[str, Any]] = ()) -> ApiError:
    return ApiError(
        status, {"message": message, "logref": os.urandom(6).hex(), "errors": list(errors)}
    )


def not_found(what: str, key: object) -> ApiError:
    return cf_error(404, f"{what} {key} not found")


def ok(data: Any, status: int = 200) -> Reply:
    return json_reply(status, data)


def no_content() -> Reply:
    return Reply(204)


def catalogue(data: Any) -> Operation:
    """An operation answering fixed ``data`` (catalogues with no service behind them)."""

    def handler(call: Call) -> Reply:
        return ok(data)

    return Operation(handler)


def body_object(call: Call) -> dict[str, Any]:
    data = call.json()
    if not isinstance(data, dict):
        raise cf_error(400, "The request body must be a JSON object")
    return data


def check(
    body: Mapping[str, Any], checks: Mapping[str, Check], required: Iterable[str] = ()
) -> None:
    """422 listing every field that is missing (``required``) or fails its check;
    ``null`` counts as absent, as for an omitted optional field."""
    errors = [
        {"field": name, "message": "must not be null"}
        for name in required
        if body.get(name) is None
    ]
    for name, test in checks.items():
        value = body.get(name)
        problem = None if value is None else test(value)
        if problem is not None:
            errors.append({"field": name, "message": problem})
    if errors:
        raise cf_error(422, "Validation failed", errors)


def documented(body: Mapping[str, Any], fields: Mapping[str, Check]) -> dict[str, Any]:
    """The body's documented, non-null fields: all a resource keeps (so a lenient
    emulator ignores an unknown key instead of storing it and echoing it back)."""
    return {key: value for key, value in body.items() if key in fields and value is not None}


def new_uuid(call: Call, body: Mapping[str, Any]) -> str:
    """The body's (already checked) ``uuid`` in canonical form, or a fresh one."""
    given = body.get("uuid")
    return str(uuid.UUID(given)) if given else call.state.uuid()


def automation_of(call: Call) -> Automation:
    """The path's automation, if it exists on the request's node."""
    key = call.params["automationUuid"]
    automation = call.state.automations.get(key)
    if automation is None or automation.node != call.node:
        raise not_found("Automation", key)
    return automation
