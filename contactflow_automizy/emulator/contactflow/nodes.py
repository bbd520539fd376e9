"""Nodes: list (filtered by portfolio or workspace), create, get, enable/disable, delete."""

from __future__ import annotations

from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.checks import (
    boolean,
    date_time,
    integer,
    string,
    uuid_text,
)
from contactflow_automizy.emulator.contactflow.common import (
    PAGE,
    body_object,
    cf_error,
    check,
    documented,
    new_uuid,
    no_content,
    not_found,
    ok,
)
from contactflow_automizy.emulator.paging import contactflow_page
from contactflow_automizy.emulator.wire import Reply, now_iso

__all__ = ["ROUTES", "new_node"]

#: The node resource of ``POST /nodes``; the seed requires none of its fields.
NODE = {
    "uuid": uuid_text,
    "name": string,
    "workspaceUuid": uuid_text,
    "workspaceName": string,
    "portfolioUuid": uuid_text,
    "portfolioName": string,
    "groupPk": integer,
    "userdbId": integer,
    "groupName": string,
    "active": boolean,
    "emailActive": boolean,
    "smsActive": boolean,
    "created": date_time,
    "hubPhoneField": string,
}
#: ``PATCH /nodes/{uuid}``: "active required boolean".
NODE_UPDATE = {
    "active": boolean,
    "smsActive": boolean,
    "emailActive": boolean,
    "hubPhoneField": string,
}
FILTERS = {"portfolioUuid": uuid_text, "workspaceUuid": uuid_text}


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
    wanted = {k: call.query[k].lower() for k in FILTERS if k in call.query}
    nodes = [
        node
        for node in call.state.nodes.values()
        if all(str(node.get(key)).lower() == value for key, value in wanted.items())
    ]
    return ok(contactflow_page(call.query, nodes, dict))


def create_node(call: Call) -> Reply:
    body = body_object(call)
    check(body, NODE)
    node_uuid = new_uuid(call, body)
    if node_uuid in call.state.nodes:
        raise cf_error(409, f"Node {node_uuid} already exists")
    fields = {**documented(body, NODE), "uuid": node_uuid}
    node = call.state.nodes[node_uuid] = new_node(node_uuid, **fields)
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
    check(body, NODE_UPDATE, required=("active",))
    node.update({key: body[key] for key in NODE_UPDATE if body.get(key) is not None})
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


ROUTES: dict[Route, Operation] = {
    routes.LIST_NODES: Operation(list_nodes, {**FILTERS, **PAGE}),
    routes.CREATE_NODE: Operation(create_node, body=NODE),
    routes.GET_NODE: Operation(get_node),
    routes.UPDATE_NODE: Operation(update_node, body=NODE_UPDATE),
    routes.DELETE_NODE: Operation(delete_node),
}
