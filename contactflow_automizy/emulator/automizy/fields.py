"""Custom fields: create (answer wrapped in ``createdField``), get, page through, update, delete.

The built-in ``DEFAULT`` fields (``firstname``, ``lastname``) exist from the
start: they cannot be created, deleted (422) or have their merge tag, label
or type changed.  Merge tags are unique per account (case-insensitive, 409).
``hidden=true`` lists only ``HIDDEN`` fields, ``hidden=false`` all but them.
"""

from __future__ import annotations

from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.automizy.common import (
    PAGE,
    body_object,
    field_error,
    field_view,
    ok,
    path_error,
    success,
    validate,
)
from contactflow_automizy.emulator.checks import boolean, boolean_param, string
from contactflow_automizy.emulator.paging import automizy_page
from contactflow_automizy.emulator.state import Field
from contactflow_automizy.emulator.wire import Reply, now_iso

__all__ = ["ROUTES", "TYPES"]

TYPES = ("DATETIME", "STRING", "INTEGER", "HIDDEN")
#: Create's body; an update's too (its table omits ``type``, its example sends it).
FIELD = {
    "mergeTag": string,
    "label": string,
    "type": string,
    "defaultValue": string,
    "isShownOnModificationForm": boolean,
}
#: What a DEFAULT field lets an update change.
DEFAULT_EDITABLE = frozenset({"defaultValue", "isShownOnModificationForm"})


def _field(call: Call) -> Field:
    field = call.state.fields.get(call.params["id"])
    if field is None:
        raise path_error(call, "Field not exist")
    return field


def _check(call: Call, body: dict[str, Any], current: Field | None) -> None:
    kind = body.get("type")
    if kind is not None and kind not in TYPES:
        raise field_error("type", f'"type" must be one of [{", ".join(TYPES)}]')
    merge_tag = body.get("mergeTag")
    if merge_tag is not None:
        for other in call.state.fields.values():
            if other is not current and other.merge_tag.lower() == merge_tag.lower():
                raise path_error(call, "Field already exist", 409)


def create_field(call: Call) -> Reply:
    body = body_object(call)
    validate(body, FIELD, required=("mergeTag", "label", "type"))
    _check(call, body, None)
    field = Field(
        id=call.state.next_id("field"),
        merge_tag=body["mergeTag"],
        label=body["label"],
        type=body["type"],
        default_value=body.get("defaultValue"),
        shown=bool(body.get("isShownOnModificationForm", False)),
    )
    call.state.fields[field.id] = field
    return ok({"createdField": {"id": field.id, "label": field.label, "mergeTag": field.merge_tag}})


def get_field(call: Call) -> Reply:
    return ok(field_view(_field(call)))


def list_fields(call: Call) -> Reply:
    hidden = call.query.get("hidden")
    fields = [
        f
        for f in call.state.fields.values()
        if hidden is None or (f.type == "HIDDEN") == (hidden.lower() == "true")
    ]
    return ok(automizy_page(call.query, fields, field_view))


def update_field(call: Call) -> Reply:
    field = _field(call)
    body = body_object(call)
    validate(body, FIELD)
    forbidden = sorted(body.keys() - DEFAULT_EDITABLE)
    if field.type == "DEFAULT" and forbidden:
        raise field_error(forbidden[0], f'"{forbidden[0]}" is not allowed for a DEFAULT type Field')
    _check(call, body, field)
    field.merge_tag = body.get("mergeTag", field.merge_tag)
    field.label = body.get("label", field.label)
    field.type = body.get("type", field.type)
    field.default_value = body.get("defaultValue", field.default_value)
    field.shown = body.get("isShownOnModificationForm", field.shown)
    field.updated_at = now_iso()
    return success()


def delete_field(call: Call) -> Reply:
    field = _field(call)
    if field.type == "DEFAULT":
        raise path_error(call, "DEFAULT type Field cannot be deleted", 422)
    call.state.remove_field(field)
    return success()


ROUTES: dict[Route, Operation] = {
    routes.CREATE_FIELD: Operation(create_field, body=FIELD),
    routes.GET_FIELD: Operation(get_field),
    routes.LIST_FIELDS: Operation(list_fields, {"hidden": boolean_param, **PAGE}),
    routes.UPDATE_FIELD: Operation(update_field, body=FIELD),
    routes.DELETE_FIELD: Operation(delete_field),
}
