"""The emulated Contactflow API 2.49.0: every route of ``contactflow_automizy.contactflow.routes``.

Served under ``/contactflow``.  Requests need ``Authorization: Bearer <token>``
(else 401); node-scoped routes need a ``Node`` header naming an active node
(missing or not a UUID: 400; unknown or disabled: 404).  Nodes' automations,
settings and tokens are visible only through their own node.
"""

from __future__ import annotations

import secrets
import uuid

from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.api import Api, Call, Operation
from contactflow_automizy.emulator.contactflow import (
    actions,
    automations,
    customers,
    definitions,
    external_contents,
    kpis,
    nodes,
    settings,
    subscriptions,
    tokens,
    user,
)
from contactflow_automizy.emulator.contactflow.common import cf_error
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.wire import EmuRequest, Reply

__all__ = ["PREFIX", "SECTIONS", "TABLE", "ContactflowApi"]

PREFIX = "/contactflow"
#: One handler module per SDK section, named as the SDK's module for that section.
SECTIONS = (
    user,
    actions,
    nodes,
    settings,
    automations,
    customers,
    tokens,
    external_contents,
    subscriptions,
    kpis,
    definitions,
)
TABLE: dict[Route, Operation] = {
    route: operation for section in SECTIONS for route, operation in section.ROUTES.items()
}


class ContactflowApi(Api):
    def __init__(self, state: State, token: str, *, strict: bool = True) -> None:
        super().__init__(state, TABLE, PREFIX, strict=strict)
        self._authorization = f"Bearer {token}"

    def authenticate(self, request: EmuRequest) -> Reply | None:
        given = request.headers.get("Authorization", "")
        if secrets.compare_digest(given.encode(), self._authorization.encode()):
            return None
        return self.error(401, "Full authentication is required to access this resource", request)

    def prepare(self, call: Call, route: Route) -> None:
        if not route.node:
            return
        raw = call.request.headers.get("Node")
        if raw is None:
            raise cf_error(400, "Missing request header 'Node'")
        try:
            node_uuid = str(uuid.UUID(raw))
        except ValueError:
            raise cf_error(400, "Request header 'Node' must be a UUID") from None
        node = self.state.nodes.get(node_uuid)
        if node is None or not node["active"]:
            raise cf_error(404, f"Node {node_uuid} not found")
        call.node = node_uuid

    def error(self, status: int, message: str, request: EmuRequest) -> Reply:
        return cf_error(status, message).reply()

    def invalid_param(self, name: str, request: EmuRequest) -> Reply:
        return self.error(400, f"Path parameter {name} has a wrong format", request)

    def malformed(self, request: EmuRequest) -> Reply:
        return self.error(400, "Malformed JSON request", request)

    def bad_page(self, name: str, request: EmuRequest) -> Reply:
        return self.error(400, f"Query parameter {name} must be a non-negative number", request)

    def invalid_query(self, name: str, problem: str, request: EmuRequest) -> Reply:
        errors = [{"field": name, "message": problem}]
        return cf_error(400, f"Query parameter {name} {problem}", errors).reply()

    def unknown_key(self, where: str, name: str, request: EmuRequest) -> Reply:
        what = "query parameter" if where == "query" else "property"
        errors = [{"field": name, "message": f"unknown {what}"}]
        return cf_error(400, f"Unknown {what} '{name}'", errors).reply()
