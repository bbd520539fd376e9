"""Contactflow error bodies, body validation and node-scoped lookups shared by its handlers.

Errors are ``{message, logref, errors: [{field, message}]}``: 400 for a
malformed request, 404 for an unknown id, 409 for a conflict, 422 for a
validation failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from contactflow_automizy.emulator.api import Call, Handler
from contactflow_automizy.emulator.state import Automation
from contactflow_automizy.emulator.wire import ApiError, Reply, json_reply

__all__ = [
    "AUTOMATION_STATUSES",
    "CATEGORIES",
    "STEP_TYPES",
    "Check",
    "array",
    "automation_of",
    "body_object",
    "boolean",
    "catalogue",
    "cf_error",
    "check",
    "date_time",
    "json_object",
    "new_uuid",
    "no_content",
    "not_found",
    "ok",
    "one_of",
    "parse_date_time",
    "text",
    "uuid_text",
]

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
#: The seed's ``AutomationCategory``.
CATEGORIES = ("Custom",)
#: The seed's step operations (``stepType`` of ``GET /automations``; ``GET /actions``).
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
#: A check returns a message when the value is wrong, ``None`` when it is fine.
Check = Callable[[Any], str | None]


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


def catalogue(data: Any) -> Handler:
    """A handler answering fixed ``data`` (catalogues the emulator has no service behind)."""

    def handler(call: Call) -> Reply:
        return ok(data)

    return handler


def body_object(call: Call) -> dict[str, Any]:
    data = call.json()
    if not isinstance(data, dict):
        raise cf_error(400, "The request body must be a JSON object")
    return data


def check(
    body: Mapping[str, Any], checks: Mapping[str, Check], required: Iterable[str] = ()
) -> None:
    """422 listing every field that is missing (``required``) or fails its check."""
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


def text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-blank string"


def uuid_text(value: Any) -> str | None:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return "must be a UUID"
    return None


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be a boolean"


def json_object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


def array(value: Any) -> str | None:
    return None if isinstance(value, list) else "must be an array"


def one_of(*values: str) -> Check:
    def test(value: Any) -> str | None:
        return None if value in values else f"must be one of {', '.join(values)}"

    return test


def parse_date_time(value: Any) -> datetime | None:
    """An aware date-time from ISO-8601 text (naive counts as UTC); ``None`` if unusable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def date_time(value: Any) -> str | None:
    return None if parse_date_time(value) is not None else "must be an ISO-8601 date-time"


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
