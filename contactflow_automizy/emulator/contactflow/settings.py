"""Node settings (integrations): list by ``Category``/``Type``, add, get, replace, delete."""

from __future__ import annotations

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.checks import json_object, one_of, string, uuid_text
from contactflow_automizy.emulator.contactflow.common import (
    body_object,
    cf_error,
    check,
    documented,
    new_uuid,
    no_content,
    not_found,
    ok,
)
from contactflow_automizy.emulator.state import Setting
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES"]

#: The setting resource; the seed requires none of its fields.
SETTING = {
    "uuid": uuid_text,
    "label": string,
    "category": one_of("INTEGRATION"),
    "type": one_of("CLAB_API_SOAP", "HUB"),
    "value": json_object,
}
#: ``GET /settings`` filters: "Category Value: INTEGRATION", "Type Value: CLAB_API_SOAP".
FILTERS = {"Category": one_of("INTEGRATION"), "Type": one_of("CLAB_API_SOAP")}


def list_settings(call: Call) -> Reply:
    wanted = {name.lower(): call.query[name] for name in FILTERS if name in call.query}
    found = [
        setting.data
        for setting in call.state.settings.values()
        if setting.node == call.node and all(setting.data.get(k) == v for k, v in wanted.items())
    ]
    return ok({"integrations": found})


def create_setting(call: Call) -> Reply:
    body = body_object(call)
    check(body, SETTING)
    setting_uuid = new_uuid(call, body)
    if setting_uuid in call.state.settings:
        raise cf_error(409, f"Setting {setting_uuid} already exists")
    assert call.node is not None
    data = {**documented(body, SETTING), "uuid": setting_uuid}
    call.state.settings[setting_uuid] = Setting(call.node, data)
    return ok(data, 201)


def _setting(call: Call) -> Setting:
    key = call.params["settingUuid"]
    setting = call.state.settings.get(key)
    if setting is None or setting.node != call.node:
        raise not_found("Setting", key)
    return setting


def get_setting(call: Call) -> Reply:
    return ok(_setting(call).data)


def update_setting(call: Call) -> Reply:
    setting = _setting(call)
    body = body_object(call)
    check(body, SETTING)
    setting.data = {**documented(body, SETTING), "uuid": setting.data["uuid"]}
    return ok(setting.data)


def delete_setting(call: Call) -> Reply:
    del call.state.settings[_setting(call).data["uuid"]]
    return no_content()


ROUTES: dict[Route, Operation] = {
    routes.LIST_SETTINGS: Operation(list_settings, FILTERS),
    routes.CREATE_SETTING: Operation(create_setting, body=SETTING),
    routes.GET_SETTING: Operation(get_setting),
    routes.UPDATE_SETTING: Operation(update_setting, body=SETTING),
    routes.DELETE_SETTING: Operation(delete_setting),
}
