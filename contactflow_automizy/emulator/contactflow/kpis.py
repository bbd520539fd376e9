"""Node KPIs: every node's basic infos with its automations counted by status."""

from __future__ import annotations

from collections import Counter
from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.contactflow.common import PAGE, ok
from contactflow_automizy.emulator.paging import contactflow_page
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES"]


def list_node_kpis(call: Call) -> Reply:
    by_node: dict[str, Counter[str]] = {}
    for automation in call.state.automations.values():
        by_node.setdefault(automation.node, Counter())[automation.data.get("status", "")] += 1

    def view(node: dict[str, Any]) -> dict[str, Any]:
        counts = by_node.get(node["uuid"], Counter())
        return {
            "nodeUuid": node["uuid"],
            "nodeName": node.get("name"),
            "active": node["active"],
            "automations": dict(counts),
            "totalAutomations": sum(counts.values()),
        }

    return ok(contactflow_page(call.query, list(call.state.nodes.values()), view))


ROUTES: dict[Route, Operation] = {routes.LIST_NODE_KPIS: Operation(list_node_kpis, PAGE)}
