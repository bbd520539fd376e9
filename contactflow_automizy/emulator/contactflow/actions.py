"""A node's available actions: the seed's step operations (its ``stepType`` enum)."""

from __future__ import annotations

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.contactflow.common import STEP_TYPES, ok
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES"]


def get_actions(call: Call) -> Reply:
    return ok(list(STEP_TYPES))


ROUTES: dict[Route, Operation] = {routes.GET_ACTIONS: Operation(get_actions)}
