"""Send subscriptions: a fixed catalogue (the emulator has no Send behind it)."""

from __future__ import annotations

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Operation
from contactflow_automizy.emulator.contactflow.common import catalogue

__all__ = ["ROUTES"]

SUBSCRIPTIONS = [{"id": 1, "name": "Newsletter"}, {"id": 2, "name": "Offers"}]

ROUTES: dict[Route, Operation] = {
    routes.LIST_SEND_SUBSCRIPTIONS: catalogue({"subscriptions": SUBSCRIPTIONS}),
}
