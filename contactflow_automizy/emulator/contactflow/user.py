"""The current user: the emulator's one user, and the active nodes it can operate on."""

from __future__ import annotations

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.contactflow.common import ok
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES"]

USER = {"username": "emulator", "email": "emulator@example.com", "name": "Emulator User"}


def get_current_user(call: Call) -> Reply:
    nodes = [node for node in call.state.nodes.values() if node["active"]]
    return ok({"base": USER, "extended": {"nodes": nodes}})


ROUTES: dict[Route, Operation] = {routes.GET_CURRENT_USER: Operation(get_current_user)}
