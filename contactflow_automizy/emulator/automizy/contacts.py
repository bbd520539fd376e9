"""Contacts: create on a list, get, delete, status, e-mail address, tags, field values,
and the contact search (whose matching rules are in :mod:`.criteria`).

E-mail addresses are unique per account (case-insensitive): renaming onto a
taken address is the seed's 409, and so is creating one.  Setting tags
replaces the contact's tags with the named ones, creating tags that do not
exist yet.  Field values are strings, as the seed types ``value``.
"""

from __future__ import annotations

from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.automizy.common import (
    PAGE,
    body_object,
    contact_view,
    field_error,
    invalid,
    is_email,
    ok,
    path_error,
    success,
    validate,
)
from contactflow_automizy.emulator.automizy.criteria import matching
from contactflow_automizy.emulator.checks import array, json_object, number, string
from contactflow_automizy.emulator.paging import automizy_page
from contactflow_automizy.emulator.state import Contact
from contactflow_automizy.emulator.wire import ApiError, Reply, now_iso

__all__ = ["ROUTES", "STATUSES"]

STATUSES = ("ACTIVE", "UNSUBSCRIBED", "BOUNCED")
CREATE = {"emailAddress": string, "listId": number, "fields": array}
#: Each of ``fields``: "[{ id, value }]".
FIELD_VALUE = ("id", "value")
EMAIL = {"emailAddress": string}
STATUS = {"status": string}
TAGS = {"tagNameList": array}
FIELD = {"fieldId": number, "value": string}
SEARCH = {"scope": json_object, "criterion": array}


def _contact(call: Call) -> Contact:
    contact = call.state.contacts.get(call.params["id"])
    if contact is None:
        raise path_error(call, "Contact not exist")
    return contact


def _email(body: dict[str, Any]) -> str:
    validate(body, EMAIL, required=("emailAddress",))
    email: str = body["emailAddress"].strip()
    if not is_email(email):
        raise invalid([("emailAddress", '"emailAddress" must be a valid email')])
    return email


def _field_values(call: Call, items: list[Any]) -> dict[int, str]:
    values: dict[int, str] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise invalid([("fields", '"fields" must be an array of {id, value}')])
        call.known_keys(item, FIELD_VALUE, "fields")
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            raise invalid([("value", '"value" must be a string')])
        if item["id"] not in call.state.fields:
            raise ApiError(404, {"message": "Field not exist"})
        values[item["id"]] = value or ""
    return values


def create_contact(call: Call) -> Reply:
    body = body_object(call)
    validate(body, CREATE, required=("emailAddress", "listId"))
    email = _email(body)
    contact_list = call.state.lists.get(body["listId"])
    if contact_list is None:
        raise ApiError(404, {"message": "Contact List not exist"})
    values = _field_values(call, body.get("fields") or [])
    if call.state.contact_by_email(email) is not None:
        raise path_error(call, "Contact already exist", 409)
    contact = call.state.add_contact(email)
    call.state.join_list(contact, contact_list)
    contact.fields.update(values)
    return ok({"id": contact.id})


def get_contact(call: Call) -> Reply:
    contact = call.state.contacts.get(call.params["id"])
    if contact is None:
        raise ApiError(404, {"error": "Contact not exist", "id": call.params["id"]})
    return ok(contact_view(call.state, contact))


def delete_contact(call: Call) -> Reply:
    call.state.remove_contact(_contact(call))
    return success()


def update_status(call: Call) -> Reply:
    contact = _contact(call)
    body = body_object(call)
    validate(body, STATUS, required=("status",))
    status = body["status"]
    if status not in STATUSES:
        raise field_error("status", f'"status" must be one of [{", ".join(STATUSES)}]')
    if status == "UNSUBSCRIBED" and contact.status != status:
        contact.unsubscribe_date = now_iso()
    elif status == "ACTIVE":
        contact.unsubscribe_date = None
    contact.status = status
    return success()


def update_email(call: Call) -> Reply:
    contact = _contact(call)
    email = _email(body_object(call))
    owner = call.state.contact_by_email(email)
    if owner is not None and owner is not contact:
        raise path_error(call, "Contact already exist", 409)
    call.state.change_email(contact, email)
    return success()


def update_tags(call: Call) -> Reply:
    contact = _contact(call)
    body = body_object(call)
    validate(body, TAGS, required=("tagNameList",))
    names = body["tagNameList"]
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise invalid([("tagNameList", '"tagNameList" must be an array of names')])
    state = call.state
    tags = [state.tag_named(name) or state.add_tag(name) for name in names]
    contact.tags = dict.fromkeys(tag.id for tag in tags)
    return success()


def update_field(call: Call) -> Reply:
    contact = _contact(call)
    body = body_object(call)
    validate(body, FIELD, required=("fieldId", "value"))
    if body["fieldId"] not in call.state.fields:
        raise path_error(call, "Field not exist")
    contact.fields[body["fieldId"]] = body["value"]
    return success()


def search_contacts(call: Call) -> Reply:
    body = body_object(call)
    validate(body, SEARCH, required=("scope", "criterion"))
    found = matching(call, body["scope"], body["criterion"])
    return ok(automizy_page(call.query, found, lambda c: contact_view(call.state, c)))


ROUTES: dict[Route, Operation] = {
    routes.CREATE_CONTACT: Operation(create_contact, body=CREATE),
    routes.GET_CONTACT: Operation(get_contact),
    routes.DELETE_CONTACT: Operation(delete_contact),
    routes.UPDATE_CONTACT_STATUS: Operation(update_status, body=STATUS),
    routes.UPDATE_CONTACT_EMAIL: Operation(update_email, body=EMAIL),
    routes.UPDATE_CONTACT_TAGS: Operation(update_tags, body=TAGS),
    routes.UPDATE_CONTACT_FIELD: Operation(update_field, body=FIELD),
    routes.SEARCH_CONTACTS: Operation(search_contacts, PAGE, body=SEARCH),
}
