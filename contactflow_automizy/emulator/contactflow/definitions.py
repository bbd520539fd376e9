"""Definitions: trigger events, event contexts, customer attributes (free-form objects the
seed does not detail, so fixed samples here) and the automation categories."""

from __future__ import annotations

from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.contactflow.common import CATEGORIES, catalogue, ok
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES", "get_categories"]

TRIGGER_EVENTS: dict[str, Any] = {
    "PURCHASE": {"attributes": {"amount": "NUMBER", "sku": "STRING", "date": "DATETIME"}},
    "SIGN_UP": {"attributes": {"source": "STRING"}},
}
EVENT_CONTEXTS: dict[str, Any] = {
    "customer": {"email": "STRING", "firstName": "STRING", "lastName": "STRING"},
    "event": {"type": "STRING", "date": "DATETIME"},
}
CUSTOMER_ATTRIBUTES: dict[str, Any] = {
    "attributes": {
        "email": "STRING",
        "firstName": "STRING",
        "lastName": "STRING",
        "phone": "STRING",
    }
}


def get_categories(call: Call) -> Reply:
    """Also served by the deprecated ``GET /automations/categories``."""
    return ok({"categories": list(CATEGORIES)})


ROUTES: dict[Route, Operation] = {
    routes.TRIGGER_EVENT_DEFINITIONS: catalogue(TRIGGER_EVENTS),
    routes.EVENT_CONTEXT_DEFINITIONS: catalogue(EVENT_CONTEXTS),
    routes.CUSTOMER_DEFINITIONS: catalogue(CUSTOMER_ATTRIBUTES),
    routes.AUTOMATION_CATEGORIES: Operation(get_categories),
}
