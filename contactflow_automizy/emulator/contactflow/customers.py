"""Customers of an automation: single adds and deletes, and batches opened, filled and closed.

A batch is a source: the FIRST packet opens it (``OPEN``), MIDDLE packets
append, the LAST packet appends and closes it (``CLOSED``); a DELETE removes an
open one with its customers.  What each may do to a source is decided in one
place, :func:`source_rule`.
"""

from __future__ import annotations

import uuid
from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.checks import any_param, json_object, one_of, string, uuid_text
from contactflow_automizy.emulator.contactflow.common import (
    automation_of,
    body_object,
    cf_error,
    check,
    documented,
    new_uuid,
    no_content,
    not_found,
    ok,
)
from contactflow_automizy.emulator.state import Automation, BatchSource, State
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES", "source_rule"]

#: The customer of ``POST .../customers``; the seed requires none of its fields.
CUSTOMER = {
    "uuid": uuid_text,
    "userPk": string,
    "clabUuid": uuid_text,
    "attributes": json_object,
    "automationUuid": uuid_text,
    "automationName": string,
}


def _customers(value: Any) -> str | None:
    if isinstance(value, list) and all(type(item) is dict for item in value):
        return None
    return "must be an array of customer objects"


#: A batch packet.  ``status`` is the seed's enum; the server owns a source's status, so
#: a valid one is accepted and ignored.
BATCH = {
    "customers": _customers,
    "notification": json_object,
    "packet": one_of("FIRST", "MIDDLE", "LAST"),
    "sourceLabel": string,
    "sourceUuid": uuid_text,
    "status": one_of(
        "OPEN",
        "CLOSED",
        "ENABLED",
        "ENABLED_OK_NOTIFYING",
        "ENABLED_ERROR_NOTIFYING",
        "ENABLED_OK_NOTIFIED",
        "ENABLED_OK_NOT_NOTIFIED",
        "ENABLED_ERROR_NOTIFIED",
        "ENABLED_ERROR_NOT_NOTIFIED",
    ),
}


def add_customer(call: Call) -> Reply:
    automation = automation_of(call)
    body = body_object(call)
    check(body, CUSTOMER)
    customer_uuid = new_uuid(call, body)
    if customer_uuid in automation.direct.by_uuid:
        raise cf_error(409, f"Customer {customer_uuid} is already in the automation")
    customer = {
        **documented(body, CUSTOMER),
        "uuid": customer_uuid,
        "automationUuid": automation.uuid,
        "automationName": automation.data.get("name"),
    }
    call.state.add_customer(automation, customer)
    return ok(customer, 201)


def delete_customer(call: Call) -> Reply:
    automation = automation_of(call)
    customer_uuid = call.params["customerUuid"]
    if not call.state.remove_customer(automation, customer_uuid):
        raise not_found("Customer", customer_uuid)
    return no_content()


def source_rule(
    state: State, automation: Automation, source_uuid: str, action: str
) -> BatchSource | None:
    """The open source ``action`` (a packet, or ``"DELETE"``) may act on, else the error.

    The seed says only that DELETE removes "an open batch source"; SPEC.md
    section 11 ("Server answers the jobs rely on") decides the rest, and
    durable jobs rely on exactly these answers:

    * FIRST for a source UUID that exists in any state (open, closed, or
      deleted, in any automation) is a 409: a UUID opens one source, once, so
      a re-run or a late duplicate FIRST can never reopen or extend a batch;
      otherwise ``None`` (the caller opens it).
    * DELETE of a closed source is a 409 ("it had completed"), of an unknown
      or already deleted one a 404.
    * MIDDLE/LAST to a closed source is a 409; to a source never opened in
      this automation, or deleted, a 422 (the seed is silent; a batch starts
      with FIRST).
    """
    known = state.source_state(source_uuid)
    if action == "FIRST":
        if known is not None:
            raise cf_error(409, f"Batch source {source_uuid} already exists ({known})")
        return None
    source = state.sources.get(source_uuid)
    if source is None or source.automation_uuid != automation.uuid:
        if action == "DELETE":
            raise not_found("Batch source", source_uuid)
        raise cf_error(
            422,
            f"Batch source {source_uuid} is not open: a batch starts with a FIRST packet",
            [{"field": "sourceUuid", "message": "unknown batch source"}],
        )
    if source.status != "OPEN":
        if action == "DELETE":
            raise cf_error(
                409, f"Batch source {source_uuid} is closed: only an open batch can be deleted"
            )
        raise cf_error(409, f"Batch source {source_uuid} is closed")
    return source


def add_customer_batch(call: Call) -> Reply:
    automation = automation_of(call)
    body = body_object(call)
    check(body, BATCH, required=("packet", "sourceUuid"))
    source_uuid = str(uuid.UUID(body["sourceUuid"]))
    packet = body["packet"]
    state = call.state
    source = source_rule(state, automation, source_uuid, packet)
    if source is None:
        source = state.open_source(automation, source_uuid, body.get("sourceLabel"))
    state.append_packet(source, call.request.body, len(body.get("customers") or ()))
    if packet == "LAST":
        source.status = "CLOSED"
    return ok(source.view())


def delete_customer_batch(call: Call) -> Reply:
    """``sourceUuid`` is a plain ``string`` in the seed: one that is no UUID names no source."""
    automation = automation_of(call)
    raw = call.query.get("sourceUuid")
    if raw is None:
        raise cf_error(400, "Query parameter sourceUuid is required")
    if uuid_text(raw) is not None:
        raise not_found("Batch source", raw)
    source = source_rule(call.state, automation, str(uuid.UUID(raw)), "DELETE")
    assert source is not None
    call.state.remove_source(source)
    return no_content()


ROUTES: dict[Route, Operation] = {
    routes.ADD_CUSTOMER: Operation(add_customer, body=CUSTOMER),
    routes.DELETE_CUSTOMER: Operation(delete_customer),
    routes.ADD_CUSTOMER_BATCH: Operation(add_customer_batch, body=BATCH),
    routes.DELETE_CUSTOMER_BATCH: Operation(delete_customer_batch, {"sourceUuid": any_param}),
}
