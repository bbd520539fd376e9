"""Node settings (integrations): list by ``Category``/``Type``, add, get, replace, delete."""

from __future__ import annotations

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Handler
from contactflow_automizy.emulator.contactflow.common import (
    body_object,
    cf_error,
    check,
    json_object,
    new_uuid,
    no_content,
    not_found,
    ok,
    one_of,
    text,
    uuid_text,
)
from contactflow_automizy.emulator.state import Setting
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES"]

SETTING_CHECKS = {
    "uuid": uuid_text,
    "label": text,
    "category": one_of("INTEGRATION"),
    "type": one_of("CLAB_API_SOAP", "HUB"),
    "value": json_object,
}


def list_settings(call: Call) -> Reply:
    wanted = {
        field: call.query[q]
        for q, field in (("Category", "category"), ("Type", "type"))
        if q in call.query
    }
    found = [
        setting.data
        for setting in call.state.settings.values()
        if setting.node == call.node and all(setting.data.get(k) == v for k, v in wanted.items())
    ]
    return ok({"integrations": found})


def create_setting(call: Call) -> Reply:
    body = body_object(call)
    check(body, SETTING_CHECKS, required=("category", "type"))
    setting_uuid = new_uuid(call, body)
    if setting_uuid in call.state.settings:
        raise cf_error(409, f"Setting {setting_uuid} already exists")
    assert call.node is not None
    data = {**body, "uuid": setting_uuid}
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
    check(body, SETTING_CHECKS, required=("category", "type"))
    setting.data = {**body, "uuid": setting.data["uuid"]}
    return ok(setting.data)


def delete_setting(call: Call) -> Reply:
    del call.state.settings[_setting(call).data["uuid"]]
    return no_content()


ROUTES: dict[Route, Handler] = {
    routes.LIST_SETTINGS: list_settings,
    routes.CREATE_SETTING: create_setting,
    routes.GET_SETTING: get_setting,
    routes.UPDATE_SETTING: update_setting,
    routes.DELETE_SETTING: delete_setting,
}
