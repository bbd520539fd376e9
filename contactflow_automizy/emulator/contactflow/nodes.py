"""Nodes: list (filtered by portfolio or workspace), create, get, enable/disable, delete."""

from __future__ import annotations

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
    new_uuid,
    no_content,
    not_found,
    ok,
    text,
    uuid_text,
)
from contactflow_automizy.emulator.paging import contactflow_page
from contactflow_automizy.emulator.wire import Reply, now_iso

__all__ = ["ROUTES", "new_node"]

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


ROUTES: dict[Route, Handler] = {
    routes.LIST_NODES: list_nodes,
    routes.CREATE_NODE: create_node,
    routes.GET_NODE: get_node,
    routes.UPDATE_NODE: update_node,
    routes.DELETE_NODE: delete_node,
}
