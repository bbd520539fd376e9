"""Contact lists: create, get (with ``contactCount``), page through, rename, delete.

Deleting a list takes it off its contacts; the contacts stay.
"""

from __future__ import annotations

from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.automizy.common import (
    PAGE,
    body_object,
    invalid,
    list_view,
    ok,
    path_error,
    success,
    validate,
)
from contactflow_automizy.emulator.checks import string
from contactflow_automizy.emulator.paging import automizy_page
from contactflow_automizy.emulator.state import ContactList
from contactflow_automizy.emulator.wire import ApiError, Reply, now_iso

__all__ = ["ROUTES"]

LIST = {"name": string}


def _list(call: Call) -> ContactList:
    contact_list = call.state.lists.get(call.params["id"])
    if contact_list is None:
        raise path_error(call, "Contact List not exist")
    return contact_list


def _name(body: dict[str, object]) -> str:
    name = body["name"]
    assert isinstance(name, str)
    if not name.strip():
        raise invalid([("name", '"name" is not allowed to be empty')])
    return name


def create_list(call: Call) -> Reply:
    body = body_object(call)
    if not body:
        raise ApiError(422, {"errors": [{"message": "'name' parameter required."}]})
    validate(body, LIST, required=("name",))
    contact_list = ContactList(id=call.state.next_id("list"), name=_name(body))
    call.state.lists[contact_list.id] = contact_list
    return ok({"id": contact_list.id, "name": contact_list.name})


def get_list(call: Call) -> Reply:
    return ok(list_view(_list(call)))


def list_lists(call: Call) -> Reply:
    return ok(automizy_page(call.query, list(call.state.lists.values()), list_view))


def update_list(call: Call) -> Reply:
    contact_list = _list(call)
    body = body_object(call)
    validate(body, LIST)
    if body.get("name") is not None:
        contact_list.name = _name(body)
        contact_list.updated_at = now_iso()
    return success()


def delete_list(call: Call) -> Reply:
    call.state.remove_list(_list(call))
    return success()


ROUTES: dict[Route, Operation] = {
    routes.CREATE_LIST: Operation(create_list, body=LIST),
    routes.GET_LIST: Operation(get_list),
    routes.LIST_LISTS: Operation(list_lists, PAGE),
    routes.UPDATE_LIST: Operation(update_list, body=LIST),
    routes.DELETE_LIST: Operation(delete_list),
}
