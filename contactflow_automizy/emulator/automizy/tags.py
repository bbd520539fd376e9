"""Tags: create, get, page through, rename (POST, as the seed says), delete.

Tag names are unique per account here (a duplicate is a 409), since contacts
are tagged by name.  The seed answers an unknown tag with a 404 in its
``{errors: [{field, message}]}`` shape, with the text of its bad-id error
(``"id" must be a number``); so do we, word for word.
"""

from __future__ import annotations

from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.automizy.common import (
    PAGE,
    body_object,
    ok,
    path_error,
    success,
    tag_view,
    validate,
)
from contactflow_automizy.emulator.checks import string
from contactflow_automizy.emulator.paging import automizy_page
from contactflow_automizy.emulator.state import Tag
from contactflow_automizy.emulator.wire import ApiError, Reply, now_iso

__all__ = ["ROUTES"]

TAG = {"name": string}


def _tag(call: Call) -> Tag:
    tag = call.state.tags.get(call.params["id"])
    if tag is None:
        raise ApiError(404, {"errors": [{"field": "id", "message": '"id" must be a number'}]})
    return tag


def _free_name(call: Call, current: Tag | None = None) -> str:
    body = body_object(call)
    validate(body, TAG, required=("name",))
    name: str = body["name"]
    owner = call.state.tag_named(name)
    if owner is not None and owner is not current:
        raise path_error(call, "Tag already exist", 409)
    return name


def create_tag(call: Call) -> Reply:
    return ok({"id": call.state.add_tag(_free_name(call)).id})


def get_tag(call: Call) -> Reply:
    return ok(tag_view(_tag(call)))


def list_tags(call: Call) -> Reply:
    return ok(automizy_page(call.query, list(call.state.tags.values()), tag_view))


def update_tag(call: Call) -> Reply:
    tag = _tag(call)
    tag.name = _free_name(call, tag)
    tag.updated_at = now_iso()
    return success()


def delete_tag(call: Call) -> Reply:
    call.state.remove_tag(_tag(call))
    return success()


ROUTES: dict[Route, Operation] = {
    routes.CREATE_TAG: Operation(create_tag, body=TAG),
    routes.GET_TAG: Operation(get_tag),
    routes.LIST_TAGS: Operation(list_tags, PAGE),
    routes.UPDATE_TAG: Operation(update_tag, body=TAG),
    routes.DELETE_TAG: Operation(delete_tag),
}
