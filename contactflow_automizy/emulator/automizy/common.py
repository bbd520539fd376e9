"""Automizy error bodies, body validation and resource views shared by its handlers.

The seed shows several error shapes and we answer in the one it shows for
each case: ``{errors: [{<field>: "\\"<field>\\" is required"}]}`` for body
validation, ``{errors: [{field, message}]}`` for bad ids, pages and enum
values, ``{message, path}`` for missing resources and conflicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from contactflow_automizy.emulator.api import Call
from contactflow_automizy.emulator.checks import Check, any_param
from contactflow_automizy.emulator.state import Contact, ContactList, Field, State, Tag
from contactflow_automizy.emulator.wire import ApiError, Reply, json_reply

__all__ = [
    "PAGE",
    "body_object",
    "contact_view",
    "field_error",
    "field_view",
    "invalid",
    "is_email",
    "list_view",
    "ok",
    "path_error",
    "success",
    "tag_view",
    "validate",
]

#: The seeds are silent: one "@", no whitespace, a domain of non-empty dot-separated
#: labels with at least one dot.  The SDK checks the same rule (``_validate``);
#: tests/test_validate.py keeps the two in agreement.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
#: Paged answers take ``page`` and ``pageSize``; :mod:`~..paging` checks them.
PAGE: dict[str, Check] = {"page": any_param, "pageSize": any_param}


def ok(data: Any) -> Reply:
    return json_reply(200, data)


def success() -> Reply:
    return ok({"success": True})


def invalid(problems: Iterable[tuple[str, str]]) -> ApiError:
    """422 ``{errors: [{<field>: <message>}]}``."""
    return ApiError(422, {"errors": [{name: message} for name, message in problems]})


def field_error(name: str, message: str, status: int = 422) -> ApiError:
    """``{errors: [{field, message}]}`` (422 unless said otherwise)."""
    return ApiError(status, {"errors": [{"field": name, "message": message}]})


def path_error(call: Call, what: str, status: int = 404) -> ApiError:
    """``{message, path}``, ``path`` the request's absolute URL, as the seed's samples show."""
    return ApiError(status, {"message": what, "path": call.url})


def body_object(call: Call) -> dict[str, Any]:
    data = call.json() if call.request.body.strip() else {}
    if not isinstance(data, dict):
        raise field_error("body", '"body" must be an object')
    return data


def validate(
    body: Mapping[str, Any], checks: Mapping[str, Check], required: Iterable[str] = ()
) -> None:
    """Every missing ``required`` field and every value its check refuses, in one 422
    worded as the seed's: ``"name" is required``, ``"name" must be a string``."""
    problems = [(name, f'"{name}" is required') for name in required if body.get(name) is None]
    for name, check in checks.items():
        value = body.get(name)
        problem = None if value is None else check(value)
        if problem is not None:
            problems.append((name, f'"{name}" {problem}'))
    if problems:
        raise invalid(problems)


def is_email(value: Any) -> bool:
    return isinstance(value, str) and _EMAIL.fullmatch(value) is not None


def list_view(contact_list: ContactList) -> dict[str, Any]:
    return {
        "id": contact_list.id,
        "name": contact_list.name,
        "createdAt": contact_list.created_at,
        "updatedAt": contact_list.updated_at,
        "contactCount": len(contact_list.members),
    }


def _field_core(field: Field) -> dict[str, Any]:
    return {
        "id": field.id,
        "mergeTag": field.merge_tag,
        "label": field.label,
        "isShownOnModificationForm": field.shown,
        "type": field.type,
        "defaultValue": field.default_value,
    }


def field_view(field: Field) -> dict[str, Any]:
    return {**_field_core(field), "createdAt": field.created_at, "updatedAt": field.updated_at}


def tag_view(tag: Tag) -> dict[str, Any]:
    return {
        "id": tag.id,
        "name": tag.name,
        "createdAt": tag.created_at,
        "updatedAt": tag.updated_at,
    }


def contact_view(state: State, contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "emailAddress": contact.email,
        "status": contact.status,
        "createdAt": contact.created_at,
        "unsubscribeDate": contact.unsubscribe_date,
        "ipAddress": contact.ip_address,
        "tags": [{"id": t, "name": state.tags[t].name} for t in contact.tags],
        "lists": [{"id": i, "name": state.lists[i].name} for i in contact.lists],
        "fields": [
            {**_field_core(state.fields[f]), "value": value} for f, value in contact.fields.items()
        ],
    }
