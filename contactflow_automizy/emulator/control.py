"""Control endpoints under ``/_emulator/``: what a test in another process needs to see and steer.

Crash tests run the emulator in its own process (``contactflow-automizy
emulator`` or ``python -m contactflow_automizy emulator``) and kill clients at
precise points; these endpoints let them arm holds, see what is held, let it
through, and read the resulting state.  They are outside both APIs' paths
(Contactflow is under ``/contactflow``, Automizy's services under their own
prefixes), never faulted, never counted in ``state.requests``, and need either
API's credential (``Authorization: Bearer <token>`` or ``Api-key: <key>``).

=========  ============================  ============================================
method     path                          what
=========  ============================  ============================================
``POST``   ``/_emulator/holds``          arm a hold; JSON body with any of ``route``
                                         (an SDK route table name, e.g.
                                         ``"ADD_CUSTOMER_BATCH"``), ``routes`` (path
                                         regex), ``methods``, ``packet``, ``count``
                                         (``null``: no limit), ``skip``, ``late``;
                                         answers ``{"id": n}``
``DELETE`` ``/_emulator/holds/{id}``     stop that hold catching (held ones stay)
``GET``    ``/_emulator/held``           ``{"held": [{id, hold, method, path, packet,
                                         sourceUuid, seconds, clientGone}]}``
``POST``   ``/_emulator/release``        let held requests through; body ``{"id": n}``
                                         (one), ``{"hold": n}`` (a hold's), or ``{}``
                                         (all), and ``"apply": false`` to drop them
                                         unapplied; answers ``{"released": n}``
``GET``    ``/_emulator/sources``        ``?automation=<uuid>``: ``{"sources":
                                         [{sourceUuid, label, state, customers,
                                         packets}]}``, deleted ones included
``GET``    ``/_emulator/customers``      ``?automation=<uuid>``: ``{"customers":
                                         [...]}`` as stored (single adds, then each
                                         open or closed source's packets)
``GET``    ``/_emulator/contacts``       ``?list=<id>`` (or every contact):
                                         ``{"contacts": [...]}`` as a contact's
                                         ``GET`` shows them
``GET``    ``/_emulator/requests``       ``?since=<epoch seconds>`` (optional):
                                         ``{"requests": [{at, method, path}]}``, every
                                         API request received (faulted and held ones
                                         too), oldest first, ``at`` in epoch seconds
=========  ============================  ============================================
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

import orjson

from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes as automizy_routes
from contactflow_automizy.contactflow import routes as contactflow_routes
from contactflow_automizy.emulator.automizy.common import contact_view
from contactflow_automizy.emulator.holds import Holds
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.wire import EmuRequest, Reply, json_reply

__all__ = ["PREFIX", "ROUTE_NAMES", "Control"]

PREFIX = "/_emulator/"
#: Every SDK route by its name in its route table (what a hold's ``route`` names).
ROUTE_NAMES: dict[str, Route] = {
    name: value
    for table in (contactflow_routes, automizy_routes)
    for name, value in vars(table).items()
    if isinstance(value, Route)
}


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _body(request: EmuRequest) -> dict[str, Any]:
    try:
        data = orjson.loads(request.body) if request.body.strip() else {}
    except orjson.JSONDecodeError:
        raise ControlError(400, "the body must be JSON") from None
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def _int(value: Any, name: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ControlError(400, f"{name} must be a non-negative integer")
    return value


class Control:
    """The control endpoints of one backend: its state, its holds, its credentials."""

    def __init__(self, state: State, holds: Holds, token: str, api_key: str) -> None:
        self.state = state
        self.holds = holds
        self._credentials = (f"Bearer {token}".encode(), api_key.encode())
        self._endpoints: dict[tuple[str, str], Callable[[EmuRequest], Any]] = {
            ("POST", "holds"): self._arm,
            ("GET", "held"): self._held,
            ("POST", "release"): self._release,
            ("GET", "sources"): self._sources,
            ("GET", "customers"): self._customers,
            ("GET", "contacts"): self._contacts,
            ("GET", "requests"): self._requests,
        }

    @staticmethod
    def owns(raw_path: str) -> bool:
        return raw_path.startswith(PREFIX)

    def handle(self, request: EmuRequest) -> Reply:
        bearer, key = self._credentials
        given_bearer = request.headers.get("Authorization", "").encode()
        given_key = request.headers.get("Api-key", "").encode()
        if not (
            secrets.compare_digest(given_bearer, bearer) or secrets.compare_digest(given_key, key)
        ):
            return json_reply(401, {"message": "the emulator's token or API key is required"})
        tail = request.raw_path[len(PREFIX) :]
        try:
            if request.method == "DELETE" and tail.startswith("holds/"):
                return json_reply(200, self._cancel(tail[len("holds/") :]))
            endpoint = self._endpoints.get((request.method, tail))
            if endpoint is None:
                raise ControlError(404, f"no control endpoint {request.method} {request.raw_path}")
            return json_reply(200, endpoint(request))
        except ControlError as exc:
            return json_reply(exc.status, {"message": exc.message})

    def _arm(self, request: EmuRequest) -> dict[str, Any]:
        body = _body(request)
        unknown = body.keys() - {"route", "routes", "methods", "packet", "count", "skip", "late"}
        if unknown:
            raise ControlError(400, f"unknown hold setting(s): {', '.join(sorted(unknown))}")
        route = None
        if body.get("route") is not None:
            route = ROUTE_NAMES.get(body["route"])
            if route is None:
                raise ControlError(400, f"no SDK route named {body['route']!r}")
        try:
            hold = self.holds.add(
                route,
                routes=body.get("routes"),
                methods=body.get("methods"),
                packet=body.get("packet"),
                count=_int(body.get("count", 1), "count", optional=True),
                skip=_int(body.get("skip", 0), "skip") or 0,
                late=bool(body.get("late", False)),
            )
        except (TypeError, ValueError, re.error) as exc:  # a bad regex or method list
            raise ControlError(400, f"bad hold setting: {exc}") from None
        return {"id": hold.id}

    def _cancel(self, raw_id: str) -> dict[str, Any]:
        hold = self.holds.get(int(raw_id)) if raw_id.isdigit() else None
        if hold is None:
            raise ControlError(404, f"no hold {raw_id}")
        hold.cancel()
        return {"id": hold.id, "held": len(hold.held)}

    def _held(self, request: EmuRequest) -> dict[str, Any]:
        return {"held": [held.to_json() for held in self.holds.held()]}

    def _release(self, request: EmuRequest) -> dict[str, Any]:
        body = _body(request)
        waiting = self.holds.held()
        if body.get("id") is not None:
            waiting = [h for h in waiting if h.id == body["id"]]
        if body.get("hold") is not None:
            waiting = [h for h in waiting if h.hold.id == body["hold"]]
        apply = body.get("apply", True)
        if not isinstance(apply, bool):
            raise ControlError(400, "apply must be true or false")
        for held in waiting:
            if apply:
                held.release()
            else:
                held.drop()
        return {"released": len(waiting)}

    def _automation_uuid(self, request: EmuRequest) -> str:
        automation_uuid = request.query.get("automation", "").lower()
        if automation_uuid not in self.state.automations:
            raise ControlError(404, f"no automation {automation_uuid!r}")
        return automation_uuid

    def _sources(self, request: EmuRequest) -> dict[str, Any]:
        summaries = self.state.batch_sources(self._automation_uuid(request))
        return {"sources": [summary.to_json() for summary in summaries]}

    def _customers(self, request: EmuRequest) -> dict[str, Any]:
        automation = self.state.automations[self._automation_uuid(request)]
        found = [c for segment in automation.segments() for _, c in segment.entries()]
        return {"customers": found}

    def _contacts(self, request: EmuRequest) -> dict[str, Any]:
        raw = request.query.get("list")
        if raw is None:
            pool = list(self.state.contacts.values())
        else:
            contact_list = self.state.lists.get(int(raw)) if raw.isdigit() else None
            if contact_list is None:
                raise ControlError(404, f"no list {raw!r}")
            pool = [self.state.contacts[i] for i in contact_list.members]
        return {"contacts": [contact_view(self.state, c) for c in pool]}

    def _requests(self, request: EmuRequest) -> dict[str, Any]:
        raw = request.query.get("since", "0")
        try:
            since = float(raw)
        except ValueError:
            raise ControlError(400, "since must be a number of epoch seconds") from None
        log = self.state.request_log
        return {
            "requests": [
                {"at": at, "method": method, "path": path}
                for at, method, path in log
                if at >= since
            ]
        }
