"""Contacts: create on a list, get, delete, status, e-mail address, tags, field values,
and the contact search (whose matching rules are in :mod:`.criteria`).

E-mail addresses are unique per account (case-insensitive): creating or
renaming onto a taken address is a 409.  Setting tags replaces the contact's
tags with the named ones, creating tags that do not exist yet.
"""

from __future__ import annotations

from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes
from contactflow_automizy.emulator.api import Call, Handler
from contactflow_automizy.emulator.automizy.common import (
    ARRAY,
    NUMBER,
    STRING,
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
from contactflow_automizy.emulator.paging import automizy_page
from contactflow_automizy.emulator.state import Contact
from contactflow_automizy.emulator.wire import ApiError, Reply, now_iso

__all__ = ["ROUTES", "STATUSES"]

STATUSES = ("ACTIVE", "UNSUBSCRIBED", "BOUNCED")


def _contact(call: Call) -> Contact:
    contact = call.state.contacts.get(call.params["id"])
    if contact is None:
        raise path_error(call, "Contact not exist")
    return contact


def _email(body: dict[str, Any]) -> str:
    validate(body, {"emailAddress": STRING}, required=("emailAddress",))
    email: str = body["emailAddress"].strip()
    if not is_email(email):
        raise invalid([("emailAddress", '"emailAddress" must be a valid email')])
    return email


def _field_values(call: Call, items: list[Any]) -> dict[int, str]:
    values: dict[int, str] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise invalid([("fields", '"fields" must be an array of {id, value}')])
        if item["id"] not in call.state.fields:
            raise ApiError(404, {"message": "Field not exist"})
        values[item["id"]] = "" if item.get("value") is None else str(item["value"])
    return values


def create_contact(call: Call) -> Reply:
    body = body_object(call)
    validate(body, {"listId": NUMBER, "fields": ARRAY}, required=("emailAddress", "listId"))
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
    validate(body, {"status": STRING}, required=("status",))
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
    validate(body, {"tagNameList": ARRAY}, required=("tagNameList",))
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
    validate(body, {"fieldId": NUMBER}, required=("fieldId", "value"))
    if body["fieldId"] not in call.state.fields:
        raise path_error(call, "Field not exist")
    contact.fields[body["fieldId"]] = str(body["value"])
    return success()


def search_contacts(call: Call) -> Reply:
    body = body_object(call)
    validate(body, {"criterion": ARRAY}, required=("scope",))
    found = matching(call, body["scope"], body.get("criterion"))
    return ok(automizy_page(call.query, found, lambda c: contact_view(call.state, c)))


ROUTES: dict[Route, Handler] = {
    routes.CREATE_CONTACT: create_contact,
    routes.GET_CONTACT: get_contact,
    routes.DELETE_CONTACT: delete_contact,
    routes.UPDATE_CONTACT_STATUS: update_status,
    routes.UPDATE_CONTACT_EMAIL: update_email,
    routes.UPDATE_CONTACT_TAGS: update_tags,
    routes.UPDATE_CONTACT_FIELD: update_field,
    routes.SEARCH_CONTACTS: search_contacts,
}
