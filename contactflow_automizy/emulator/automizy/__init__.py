"""The emulated Automizy REST API: every route of :mod:`contactflow_automizy.automizy.routes`.

Served at the root (the ``CM`` and ``IS`` prefixes sit under it).  Requests
need ``Api-key: <key>`` (else 401).  Ids in paths must be positive numbers
(else 422, as the seed shows).
"""

from __future__ import annotations

import secrets

from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.api import Api, Handler
from contactflow_automizy.emulator.automizy import contacts, fields, imports, lists, tags
from contactflow_automizy.emulator.automizy.common import field_error
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.wire import EmuRequest, Reply, json_reply

__all__ = ["SECTIONS", "TABLE", "AutomizyApi"]

#: One handler module per SDK section, named as the SDK's module for that section.
SECTIONS = (contacts, lists, fields, tags, imports)
TABLE: dict[Route, Handler] = {
    route: handler for section in SECTIONS for route, handler in section.ROUTES.items()
}


class AutomizyApi(Api):
    def __init__(self, state: State, api_key: str) -> None:
        super().__init__(state, TABLE)
        self._api_key = api_key.encode()

    def authenticate(self, request: EmuRequest) -> Reply | None:
        given = request.headers.get("Api-key", "").encode()
        if secrets.compare_digest(given, self._api_key):
            return None
        return self.error(401, "Unauthorized: invalid or missing Api-key", request)

    def error(self, status: int, message: str, request: EmuRequest) -> Reply:
        return json_reply(status, {"message": message, "path": request.raw_path})

    def invalid_param(self, name: str, request: EmuRequest) -> Reply:
        return field_error(name, f'"{name}" must be a number').reply()

    def malformed(self, request: EmuRequest) -> Reply:
        return field_error("body", '"body" must be valid JSON').reply()

    def bad_page(self, name: str, request: EmuRequest) -> Reply:
        return field_error(name, f'"{name}" must be a number').reply()
