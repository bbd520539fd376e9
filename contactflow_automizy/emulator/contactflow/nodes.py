"""The current user, node actions, nodes, node settings and node KPIs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Handler
from contactflow_automizy.emulator.contactflow.common import (
    body_object,
    boolean,
    cf_error,
    check,
    date_time,
    json_object,
    new_uuid,
    no_content,
    not_found,
    ok,
    one_of,
    text,
    uuid_text,
)
from contactflow_automizy.emulator.paging import contactflow_page
from contactflow_automizy.emulator.state import Setting
from contactflow_automizy.emulator.wire import Reply, now_iso

__all__ = ["ROUTES", "new_node"]

ACTIONS = (
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
NODE_CHECKS = {
    "uuid": uuid_text,
    "name": text,
    "workspaceUuid": uuid_text,
    "portfolioUuid": uuid_text,
    "active": boolean,
    "emailActive": boolean,
    "smsActive": boolean,
    "created": date_time,
}
NODE_UPDATE_CHECKS = {
    "active": boolean,
    "smsActive": boolean,
    "emailActive": boolean,
    "hubPhoneField": text,
}
SETTING_CHECKS = {
    "uuid": uuid_text,
    "label": text,
    "category": one_of("INTEGRATION"),
    "type": one_of("CLAB_API_SOAP", "HUB"),
    "value": json_object,
}


def new_node(node_uuid: str, **fields: Any) -> dict[str, Any]:
    """A node resource with the defaults the API fills in."""
    return {
        "uuid": node_uuid,
        "name": "Emulator node",
        "active": True,
        "emailActive": True,
        "smsActive": True,
        **fields,
        "created": now_iso(),
    }


def get_current_user(call: Call) -> Reply:
    nodes = [node for node in call.state.nodes.values() if node["active"]]
    base = {"username": "emulator", "email": "emulator@example.com", "name": "Emulator User"}
    return ok({"base": base, "extended": {"nodes": nodes}})


def get_actions(call: Call) -> Reply:
    return ok(list(ACTIONS))


def list_nodes(call: Call) -> Reply:
    wanted = {k: call.query[k] for k in ("portfolioUuid", "workspaceUuid") if k in call.query}
    nodes = [
        node
        for node in call.state.nodes.values()
        if all(node.get(key) == value for key, value in wanted.items())
    ]
    return ok(contactflow_page(call.query, nodes, dict))


def create_node(call: Call) -> Reply:
    body = body_object(call)
    check(body, NODE_CHECKS, required=("name",))
    node_uuid = new_uuid(call, body)
    if node_uuid in call.state.nodes:
        raise cf_error(409, f"Node {node_uuid} already exists")
    node = call.state.nodes[node_uuid] = new_node(node_uuid, **{**body, "uuid": node_uuid})
    return ok(node, 201)


def _node(call: Call) -> dict[str, Any]:
    key = call.params["nodeUuid"]
    node = call.state.nodes.get(key)
    if node is None:
        raise not_found("Node", key)
    return node


def get_node(call: Call) -> Reply:
    return ok(_node(call))


def update_node(call: Call) -> Reply:
    node = _node(call)
    body = body_object(call)
    check(body, NODE_UPDATE_CHECKS, required=("active",))
    node.update({key: body[key] for key in NODE_UPDATE_CHECKS if key in body})
    return ok(node)


def delete_node(call: Call) -> Reply:
    node_uuid = _node(call)["uuid"]
    state = call.state
    for automation in [a for a in state.automations.values() if a.node == node_uuid]:
        state.remove_automation(automation)
    for key in [k for k, s in state.settings.items() if s.node == node_uuid]:
        del state.settings[key]
    del state.nodes[node_uuid]
    return no_content()


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


def list_node_kpis(call: Call) -> Reply:
    by_node: dict[str, Counter[str]] = {}
    for automation in call.state.automations.values():
        by_node.setdefault(automation.node, Counter())[automation.data.get("status", "")] += 1

    def view(node: dict[str, Any]) -> dict[str, Any]:
        counts = by_node.get(node["uuid"], Counter())
        return {
            "nodeUuid": node["uuid"],
            "nodeName": node.get("name"),
            "active": node["active"],
            "automations": dict(counts),
            "totalAutomations": sum(counts.values()),
        }

    return ok(contactflow_page(call.query, list(call.state.nodes.values()), view))


ROUTES: dict[Route, Handler] = {
    routes.GET_CURRENT_USER: get_current_user,
    routes.GET_ACTIONS: get_actions,
    routes.LIST_NODES: list_nodes,
    routes.CREATE_NODE: create_node,
    routes.GET_NODE: get_node,
    routes.UPDATE_NODE: update_node,
    routes.DELETE_NODE: delete_node,
    routes.LIST_SETTINGS: list_settings,
    routes.CREATE_SETTING: create_setting,
    routes.GET_SETTING: get_setting,
    routes.UPDATE_SETTING: update_setting,
    routes.DELETE_SETTING: delete_setting,
    routes.LIST_NODE_KPIS: list_node_kpis,
}
