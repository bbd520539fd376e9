"""The emulated Automizy REST API: every route of :mod:`contactflow_automizy.automizy.routes`.

Served at the root (the contact-manager and import-service prefixes sit under it).  Requests
need ``Api-key: <key>`` (else 401).  Ids in paths must be positive numbers
(else 422, as the seed shows).
"""

from __future__ import annotations

import secrets

from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.api import Api, Operation
from contactflow_automizy.emulator.automizy import contacts, fields, imports, lists, tags
from contactflow_automizy.emulator.automizy.common import field_error
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.wire import ApiError, EmuRequest, Reply, json_reply

__all__ = ["SECTIONS", "TABLE", "AutomizyApi"]

#: One handler module per SDK section, named as the SDK's module for that section.
SECTIONS = (contacts, lists, fields, tags, imports)
TABLE: dict[Route, Operation] = {
    route: operation for section in SECTIONS for route, operation in section.ROUTES.items()
}


class AutomizyApi(Api):
    def __init__(self, state: State, api_key: str, *, strict: bool = True) -> None:
        super().__init__(state, TABLE, strict=strict)
        self._api_key = api_key.encode()

    def authenticate(self, request: EmuRequest) -> Reply | None:
        given = request.headers.get("Api-key", "").encode()
        if secrets.compare_digest(given, self._api_key):
            return None
        return self.error(401, "Unauthorized: invalid or missing Api-key", request)

    def error(self, status: int, message: str, request: EmuRequest) -> Reply:
        return json_reply(status, {"message": message, "path": request.origin + request.raw_path})

    def invalid_param(self, name: str, request: EmuRequest) -> Reply:
        return field_error(name, f'"{name}" must be a number').reply()

    def malformed(self, request: EmuRequest) -> Reply:
        return field_error("body", '"body" must be valid JSON').reply()

    def bad_page(self, name: str, request: EmuRequest) -> Reply:
        return field_error(name, f'"{name}" must be a number').reply()

    def invalid_query(self, name: str, problem: str, request: EmuRequest) -> Reply:
        return field_error(name, f'"{name}" {problem}').reply()

    def unknown_key(self, where: str, name: str, request: EmuRequest) -> Reply:
        """400 worded as Joi (whose messages the seed's errors are) words an unknown key."""
        message = f'"{name}" is not allowed'
        if where == "query":
            return field_error(name, message, 400).reply()
        return ApiError(400, {"errors": [{name: message}]}).reply()
