"""KPIs: every node's basic infos with its automations' status aggregate."""

from __future__ import annotations

from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import NodeKpi


class KpisMixin(ContactflowMixin):
    def list_node_kpis(
        self, *, page_size: int | None = None, prefetch: int = 1
    ) -> AsyncPaginator[NodeKpi]:
        return self._paged(routes.LIST_NODE_KPIS, NodeKpi, page_size=page_size, prefetch=prefetch)
