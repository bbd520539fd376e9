"""Customer tokens: one per customer in an automation, found by UUID, searched with filters,
or downloaded as a ZIP report (one CSV member per automation, ``<automationUuid>.csv``).

Tokens are not stored: a token is a view of a stored customer (see
:mod:`~contactflow_automizy.emulator.state` for how its UUID encodes where the
customer is).  Every token waits on its automation's first step with status
``READY`` (aggregated status ``RUNNING``); ``recipient`` is the customer's
``attributes.email``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

import attrs
import orjson
from multidict import MultiMapping

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.checks import any_param, one_of, uuid_text
from contactflow_automizy.emulator.contactflow.automations import first_step
from contactflow_automizy.emulator.contactflow.common import PAGE, not_found, ok
from contactflow_automizy.emulator.contactflow.downloads import csv_body, download, zip_body
from contactflow_automizy.emulator.paging import contactflow_page
from contactflow_automizy.emulator.state import Automation, Segment, State
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES", "Token"]

STATUS = "READY"
AGGREGATED_STATUS = "RUNNING"
SORT_KEYS = ("automationUuid", "clabUuid", "recipient", "stepUuid", "status")
COMPACT = ("uuid", "automationUuid", "stepUuid", "clabUuid", "userPk", "status")
REPORT_COLUMNS = (
    "uuid",
    "automationUuid",
    "automationName",
    "stepUuid",
    "userPk",
    "clabUuid",
    "recipient",
    "status",
    "enterAutomationDate",
    "attributes",
)


@attrs.frozen
class Token:
    automation: Automation
    segment: Segment
    index: int
    customer: dict[str, Any]

    @property
    def recipient(self) -> str | None:
        attributes = self.customer.get("attributes")
        email = attributes.get("email") if isinstance(attributes, dict) else None
        return email if isinstance(email, str) else None

    def view(self, compact: bool = False) -> dict[str, Any]:
        step = first_step(self.automation)
        customer, data = self.customer, self.automation.data
        full = {
            "uuid": self.segment.token_uuid(self.index),
            "userPk": customer.get("userPk"),
            "clabUuid": customer.get("clabUuid"),
            "attributes": customer.get("attributes"),
            "automationUuid": self.automation.uuid,
            "automationName": data.get("name"),
            "stepUuid": step.get("uuid"),
            "stepOperation": step.get("operation"),
            "stepType": step.get("type", "ACTION") if step else None,
            "stepDescription": step.get("description"),
            "enterStepDate": self.segment.created,
            "enterAutomationDate": self.segment.created,
            "status": STATUS,
            "automationStatus": data.get("status"),
            "errorDate": None,
            "errorMessage": None,
        }
        return {key: full[key] for key in COMPACT} if compact else full

    def sort_key(self, field: str) -> tuple[bool, str]:
        """Sorts by ``field`` of :data:`SORT_KEYS`, missing values last."""
        if field == "recipient":
            value = self.recipient
        elif field == "stepUuid":
            value = first_step(self.automation).get("uuid")
        elif field == "automationUuid":
            value = self.automation.uuid
        elif field == "status":
            value = STATUS
        else:
            value = self.customer.get(field)
        return value is None, str(value or "")


#: The filters of the token search and the token report.
FILTERS = {
    "automationUuid": uuid_text,
    "stepUuid": uuid_text,
    "clabUuid": any_param,
    "recipient": any_param,
    "aggregatedStatus": one_of("RUNNING", "COMPLETED", "ERROR"),
}


def search(state: State, node: str | None, query: MultiMapping[str]) -> Iterator[Token]:
    """The node's tokens matching the (already checked) :data:`FILTERS`, automation by
    automation, found lazily."""
    automation_uuid = query.get("automationUuid", "").lower() or None
    step_uuid = query.get("stepUuid", "").lower() or None
    status = query.get("aggregatedStatus")
    automations = [
        a
        for a in state.automations.values()
        if a.node == node
        and automation_uuid in (None, a.uuid)
        and step_uuid in (None, first_step(a).get("uuid"))
        and status in (None, AGGREGATED_STATUS)
    ]
    return _walk(automations, query.get("clabUuid"), query.get("recipient", "").lower() or None)


def _walk(
    automations: list[Automation], clab_uuid: str | None, recipient: str | None
) -> Iterator[Token]:
    for automation in automations:
        for segment in automation.segments():
            for index, customer in segment.entries():
                if clab_uuid is not None and customer.get("clabUuid") != clab_uuid:
                    continue
                token = Token(automation, segment, index, customer)
                if recipient is not None and (token.recipient or "").lower() != recipient:
                    continue
                yield token


def get_token(call: Call) -> Reply:
    key = call.params["tokenUuid"]
    found = call.state.token(key)
    automation = call.state.automations.get(found[0].automation_uuid) if found else None
    if found is None or automation is None or automation.node != call.node:
        raise not_found("Token", key)
    segment, index, customer = found
    return ok(Token(automation, segment, index, customer).view())


def search_tokens(call: Call) -> Reply:
    compact = call.query.get("style") == "compact"
    sort = call.query.get("sort")
    tokens: Iterable[Token] = search(call.state, call.node, call.query)
    if sort is not None:
        tokens = sorted(tokens, key=lambda t: t.sort_key(sort))
    return ok(contactflow_page(call.query, tokens, lambda t: t.view(compact)))


def _report_row(token: Token) -> list[Any]:
    view = token.view()
    attributes = view["attributes"]
    view["recipient"] = token.recipient
    view["attributes"] = orjson.dumps(attributes).decode() if attributes is not None else ""
    return [view[column] for column in REPORT_COLUMNS]


def tokens_report(call: Call) -> Reply:
    tokens = search(call.state, call.node, call.query)
    members = (
        (f"{automation_uuid}.csv", csv_body(REPORT_COLUMNS, map(_report_row, group)))
        for automation_uuid, group in groupby(tokens, key=lambda t: t.automation.uuid)
    )
    filename = call.query.get("filename", "automations-monitor") + ".zip"
    return download(zip_body(members), "application/zip", filename)


ROUTES: dict[Route, Operation] = {
    routes.GET_TOKEN: Operation(get_token),
    routes.SEARCH_TOKENS: Operation(
        search_tokens, {**FILTERS, **PAGE, "style": any_param, "sort": one_of(*SORT_KEYS)}
    ),
    routes.TOKENS_REPORT: Operation(tokens_report, {**FILTERS, "filename": any_param}),
}
